//! The kinds of job as subcommands of `jobs start`, one per entry of
//! [`KINDS`], each with its own `--help`. Each takes its arguments as words
//! that the kind checks itself ([`crate::kinds::Kind::from_args`]).

use super::StartOptions;
use crate::kinds::{KINDS, KindInfo, by_name};
use clap::error::ErrorKind;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches, Subcommand};

/// The id of a kind's argument words.
const WORDS: &str = "ARGS";

/// The kind named on the command line, the start options after it, and
/// the other words after it.
#[derive(Debug, Clone)]
pub(crate) struct KindChoice {
    pub(crate) kind: KindInfo,
    pub(crate) after_kind: StartOptions,
    pub(crate) args: Vec<String>,
}

impl PartialEq for KindChoice {
    fn eq(&self, other: &Self) -> bool {
        (self.kind.name, &self.after_kind, &self.args)
            == (other.kind.name, &other.after_kind, &other.args)
    }
}

/// The subcommand of `kind`, which takes the start options too (clap's
/// global arguments would do, but keep only the last occurrence of an
/// option given both before and after the kind, such as `--io-read-bps`).
fn command(kind: &KindInfo) -> Command {
    let about = kind.description.lines().next().unwrap_or_default();
    let usage = format!(
        "workernator jobs start [OPTIONS] {} {}",
        kind.name, kind.args
    );
    let words = Arg::new(WORDS)
        .value_name(WORDS)
        .num_args(0..)
        .action(ArgAction::Append)
        // `eval -1 + 2`, `fib -5` (which fib then refuses itself).
        .allow_negative_numbers(true)
        .help(format!("The job's arguments: {}", kind.args))
        // noop takes none; it still reads them, to say it takes none.
        .hide(kind.args.is_empty());
    StartOptions::augment_args(Command::new(kind.name))
        .about(about)
        .long_about(kind.description)
        .override_usage(usage.trim_end().to_owned())
        .arg(words)
}

impl FromArgMatches for KindChoice {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let Some((name, words)) = matches.subcommand() else {
            return Err(clap::Error::new(ErrorKind::MissingSubcommand));
        };
        let kind = by_name(name).ok_or_else(|| clap::Error::new(ErrorKind::InvalidSubcommand))?;
        let args = words
            .get_many::<String>(WORDS)
            .map(|words| words.cloned().collect())
            .unwrap_or_default();
        Ok(KindChoice {
            kind,
            after_kind: StartOptions::from_arg_matches(words)?,
            args,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = KindChoice::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Subcommand for KindChoice {
    fn augment_subcommands(cmd: Command) -> Command {
        cmd.subcommands(KINDS.iter().map(command))
    }

    fn augment_subcommands_for_update(cmd: Command) -> Command {
        KindChoice::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        by_name(name).is_some()
    }
}
