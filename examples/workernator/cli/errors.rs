//! clap's errors, worded as this CLI words them: `unknown option '--bogus'`,
//! `missing the job's ID`, `invalid value 'lots' for --memory: ...`, each with
//! the usage of the command it concerns.

use super::value_parsers::ValueError;
use clap::CommandFactory;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::fmt::Write;

/// The command line does not make sense: exit 2, with the usage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct UsageError {
    pub(crate) message: String,
    /// The usage of the command concerned, and where to read more.
    pub(crate) usage: String,
}

impl UsageError {
    /// `message`, with the usage of the command at `path` (e.g. `["jobs", "start", "fib"]`).
    pub(crate) fn new(path: &[&str], message: impl Into<String>) -> UsageError {
        let mut root = super::Invocation::command();
        root.build();
        let mut command = &root;
        for name in path {
            match command.find_subcommand(name) {
                Some(sub) => command = sub,
                None => break,
            }
        }
        UsageError::at(command, path, message.into())
    }

    fn at(command: &clap::Command, path: &[&str], message: String) -> UsageError {
        let mut usage = command.clone().render_usage().to_string();
        let name = std::iter::once("workernator")
            .chain(path.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        let _ = write!(usage, "\n\nFor more, try '{name} --help'.\n");
        UsageError { message, usage }
    }
}

/// What clap's `error` on `args` means: help the user asked for
/// (`Ok(text)`), or a usage error.
pub(crate) fn classify(error: &clap::Error, args: &[String]) -> Result<String, UsageError> {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        return Ok(error.render().to_string());
    }
    let mut root = super::Invocation::command();
    root.build();
    let (command, path, positionals) = walk(&root, args);
    let message = message(error, &path, positionals);
    Err(UsageError::at(command, &path, message))
}

/// The command `args` reach, the names on the way, and how many positional
/// words it was given: how clap reads them, for the error's wording.
fn walk<'a>(
    root: &'a clap::Command,
    args: &'a [String],
) -> (&'a clap::Command, Vec<&'a str>, usize) {
    let mut command = root;
    let mut path = Vec::new();
    let mut positionals = 0;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            positionals += words.len();
            break;
        }
        if let Some(long) = word.strip_prefix("--") {
            // `--name value` takes the next word too.
            let takes_value = command
                .get_arguments()
                .any(|arg| arg.get_long() == Some(long) && arg.get_action().takes_values());
            if takes_value {
                words.next();
            }
        } else if word.starts_with('-') && word.len() > 1 {
            // Short flags (`-h`) take no value here; `-5` is a word clap passes on.
            positionals += usize::from(word[1..].parse::<f64>().is_ok());
        } else if let Some(sub) = command.find_subcommand(word) {
            command = sub;
            path.push(sub.get_name());
            positionals = 0;
        } else if command.has_subcommands() {
            // Not one of them: the error is about this word.
            break;
        } else {
            positionals += 1;
        }
    }
    (command, path, positionals)
}

/// A command taking one job ID and nothing else positional.
fn takes_an_id(path: &[&str]) -> bool {
    matches!(path, ["jobs", "status" | "stop" | "tail" | "wait"])
}

/// A string from the error's context.
fn context(error: &clap::Error, kind: ContextKind) -> String {
    match error.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        Some(ContextValue::Strings(texts)) => texts.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// The message for `error`, met at `path`.
fn message(error: &clap::Error, path: &[&str], positionals: usize) -> String {
    // `--memory <SIZE>` -> `--memory`.
    let arg = context(error, ContextKind::InvalidArg);
    let option = arg.split([' ', '=']).next().unwrap_or_default();
    let value = context(error, ContextKind::InvalidValue);
    match error.kind() {
        ErrorKind::InvalidSubcommand => {
            let name = context(error, ContextKind::InvalidSubcommand);
            match path {
                [] => format!("unknown command '{name}'"),
                ["jobs"] => format!("unknown jobs command '{name}'"),
                ["jobs", "start"] => format!("unknown kind of job '{name}'"),
                _ => format!("unexpected argument '{name}'"),
            }
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            match path {
                [] => "no command given".to_owned(),
                ["jobs"] => "no jobs command given".to_owned(),
                ["jobs", "start"] => "which kind of job? name one".to_owned(),
                _ => "a command is missing".to_owned(),
            }
        }
        ErrorKind::UnknownArgument if arg.starts_with('-') => format!("unknown option '{arg}'"),
        ErrorKind::UnknownArgument if takes_an_id(path) => {
            format!("expected one ID, got {positionals}")
        }
        ErrorKind::UnknownArgument => format!("unexpected argument '{arg}'"),
        ErrorKind::MissingRequiredArgument if takes_an_id(path) => {
            "missing the job's ID".to_owned()
        }
        ErrorKind::ValueValidation => {
            match std::error::Error::source(error)
                .and_then(|source| source.downcast_ref::<ValueError>())
            {
                Some(invalid) => invalid.message(option, &value),
                None => clap_message(error),
            }
        }
        ErrorKind::InvalidValue if value.is_empty() => format!("{option} needs a value"),
        ErrorKind::TooManyValues if arg.starts_with("--") => format!("{option} takes no value"),
        _ => clap_message(error),
    }
}

/// clap's own message, for errors this CLI words no better: its first line,
/// without clap's `error: `.
fn clap_message(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let line = rendered.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}
