//! The command line, parsed by hand into an [`Invocation`]: small enough that a
//! parser library would add more than it saves, and every usage error here
//! carries the help topic to print with it.

use crate::render::state::State;
use crate::values::{self, IoRate, Network, ValueError};
use std::path::PathBuf;
use std::time::Duration;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invocation {
    pub(crate) global: Global,
    pub(crate) command: Command,
}

/// Options that hold for every command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Global {
    /// `--state-dir DIR`.
    pub(crate) state_dir: Option<PathBuf>,
    /// `--cgroup-parent NAME` (hidden; for tests, which must not share the
    /// default parent with anything else on the machine).
    pub(crate) cgroup_parent: Option<String>,
}

/// A command and its own options.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Command {
    /// `--help`, or `help`: print the topic's usage and succeed.
    Help(Topic),
    Start(StartCommand),
    Status {
        id: String,
        json: bool,
    },
    Stop {
        id: String,
    },
    Tail {
        id: String,
        follow: bool,
        timestamps: bool,
    },
    Wait {
        id: String,
        json: bool,
    },
    List {
        json: bool,
        state: Option<State>,
    },
    Probe {
        json: bool,
    },
}

/// `jobs start [OPTIONS] <KIND> [ARGS...]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StartCommand {
    pub(crate) options: StartOptions,
    /// The kind's name, checked by the start command.
    pub(crate) kind: String,
    /// The kind's arguments, checked by the kind.
    pub(crate) args: Vec<String>,
}

/// What `jobs start` was asked to apply to the job, fully validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StartOptions {
    pub(crate) cpu_cores: Option<f64>,
    pub(crate) memory_bytes: Option<u64>,
    pub(crate) pids: Option<u64>,
    pub(crate) io_read: Vec<IoRate>,
    pub(crate) io_write: Vec<IoRate>,
    pub(crate) network: Option<Network>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) owner: Option<String>,
    pub(crate) keep_workdir: bool,
    pub(crate) json: bool,
}

/// Which usage text goes with a help request or a usage error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Topic {
    Main,
    Jobs,
    Start,
    /// `jobs start <kind>`.
    Kind(String),
    Status,
    Stop,
    Tail,
    Wait,
    List,
    Probe,
}

/// The command line does not make sense: exit 2, with the topic's usage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct UsageError {
    pub(crate) message: String,
    pub(crate) topic: Topic,
}

impl UsageError {
    pub(crate) fn new(topic: Topic, message: impl Into<String>) -> Self {
        UsageError {
            message: message.into(),
            topic,
        }
    }
}

/// Parses the arguments after the program name.
pub(crate) fn parse(args: &[String]) -> Result<Invocation, UsageError> {
    let (global, rest) = take_global(args)?;
    let command = match rest.split_first() {
        None => return Err(UsageError::new(Topic::Main, "no command given")),
        Some((first, rest)) => match first.as_str() {
            "-h" | "--help" | "help" => Command::Help(Topic::Main),
            "jobs" => parse_jobs(rest)?,
            "probe" => parse_probe(rest)?,
            other => {
                return Err(UsageError::new(
                    Topic::Main,
                    format!("unknown command '{other}'"),
                ));
            }
        },
    };
    Ok(Invocation { global, command })
}

/// Takes `--state-dir` and `--cgroup-parent` from anywhere before a `--`.
fn take_global(args: &[String]) -> Result<(Global, Vec<String>), UsageError> {
    let mut global = Global::default();
    let mut rest = Vec::new();
    let mut tokens = args.iter();
    while let Some(token) = tokens.next() {
        if token == "--" {
            rest.push(token.clone());
            rest.extend(tokens.by_ref().cloned());
            break;
        }
        let (name, inline) = split_option(token);
        match name {
            "--state-dir" => {
                let value = value_of(name, inline, &mut tokens, &Topic::Main)?;
                if value.is_empty() {
                    return Err(UsageError::new(
                        Topic::Main,
                        "--state-dir needs a directory",
                    ));
                }
                global.state_dir = Some(PathBuf::from(value));
            }
            "--cgroup-parent" => {
                global.cgroup_parent = Some(value_of(name, inline, &mut tokens, &Topic::Main)?);
            }
            _ => rest.push(token.clone()),
        }
    }
    Ok((global, rest))
}

/// `--name=value` into its name and value; anything else as it is.
fn split_option(token: &str) -> (&str, Option<&str>) {
    match token.split_once('=') {
        Some((name, value)) if name.starts_with("--") => (name, Some(value)),
        _ => (token, None),
    }
}

/// The value of option `name`: inline (`--name=value`) or the next token.
fn value_of<'a>(
    name: &str,
    inline: Option<&str>,
    tokens: &mut impl Iterator<Item = &'a String>,
    topic: &Topic,
) -> Result<String, UsageError> {
    match inline {
        Some(value) => Ok(value.to_owned()),
        None => tokens
            .next()
            .cloned()
            .ok_or_else(|| UsageError::new(topic.clone(), format!("{name} needs a value"))),
    }
}

fn is_help(token: &str) -> bool {
    matches!(token, "-h" | "--help")
}

fn parse_jobs(args: &[String]) -> Result<Command, UsageError> {
    let Some((command, rest)) = args.split_first() else {
        return Err(UsageError::new(Topic::Jobs, "no jobs command given"));
    };
    let topic = match command.as_str() {
        "status" => Topic::Status,
        "stop" => Topic::Stop,
        "tail" => Topic::Tail,
        "wait" => Topic::Wait,
        _ => Topic::Jobs,
    };
    if topic != Topic::Jobs && rest.iter().any(|arg| is_help(arg)) {
        return Ok(Command::Help(topic));
    }
    match command.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help(Topic::Jobs)),
        "start" => parse_start(rest),
        "status" => {
            let flags = Flags::parse(rest, Topic::Status, &["--json"])?;
            Ok(Command::Status {
                json: flags.take("--json"),
                id: flags.one_id()?,
            })
        }
        "stop" => {
            let flags = Flags::parse(rest, Topic::Stop, &[])?;
            Ok(Command::Stop {
                id: flags.one_id()?,
            })
        }
        "tail" => {
            let flags = Flags::parse(rest, Topic::Tail, &["--no-follow", "--timestamps"])?;
            Ok(Command::Tail {
                follow: !flags.take("--no-follow"),
                timestamps: flags.take("--timestamps"),
                id: flags.one_id()?,
            })
        }
        "wait" => {
            let flags = Flags::parse(rest, Topic::Wait, &["--json"])?;
            Ok(Command::Wait {
                json: flags.take("--json"),
                id: flags.one_id()?,
            })
        }
        "list" => parse_list(rest),
        other => Err(UsageError::new(
            Topic::Jobs,
            format!("unknown jobs command '{other}'"),
        )),
    }
}

fn parse_probe(args: &[String]) -> Result<Command, UsageError> {
    if args.iter().any(|arg| is_help(arg)) {
        return Ok(Command::Help(Topic::Probe));
    }
    let flags = Flags::parse(args, Topic::Probe, &["--json"])?;
    flags.none()?;
    Ok(Command::Probe {
        json: flags.take("--json"),
    })
}

fn parse_list(args: &[String]) -> Result<Command, UsageError> {
    let mut json = false;
    let mut state = None;
    let mut tokens = args.iter();
    while let Some(token) = tokens.next() {
        let (name, inline) = split_option(token);
        match name {
            _ if is_help(name) => return Ok(Command::Help(Topic::List)),
            "--json" if inline.is_none() => json = true,
            "--state" => {
                let value = value_of(name, inline, &mut tokens, &Topic::List)?;
                let parsed = State::parse(&value).ok_or_else(|| {
                    let names: Vec<_> = State::ALL.iter().map(|s| s.as_str()).collect();
                    UsageError::new(
                        Topic::List,
                        format!("unknown state '{value}': use one of {}", names.join(", ")),
                    )
                })?;
                state = Some(parsed);
            }
            _ => {
                return Err(UsageError::new(
                    Topic::List,
                    format!("unexpected argument '{token}'"),
                ));
            }
        }
    }
    Ok(Command::List { json, state })
}

/// A command's boolean flags and positional arguments.
struct Flags {
    topic: Topic,
    set: Vec<&'static str>,
    positional: Vec<String>,
}

impl Flags {
    /// Splits `args` into `known` flags and positionals (help was handled before).
    fn parse(args: &[String], topic: Topic, known: &[&'static str]) -> Result<Flags, UsageError> {
        let mut flags = Flags {
            topic,
            set: Vec::new(),
            positional: Vec::new(),
        };
        for arg in args {
            if let Some(flag) = known.iter().find(|flag| **flag == arg) {
                flags.set.push(flag);
            } else if arg.starts_with('-') && arg.len() > 1 {
                return Err(UsageError::new(
                    flags.topic,
                    format!("unknown option '{arg}'"),
                ));
            } else {
                flags.positional.push(arg.clone());
            }
        }
        Ok(flags)
    }

    fn take(&self, flag: &str) -> bool {
        self.set.contains(&flag)
    }

    /// Exactly one positional argument: the job's id.
    fn one_id(self) -> Result<String, UsageError> {
        match <[String; 1]>::try_from(self.positional) {
            Ok([id]) => Ok(id),
            Err(positional) if positional.is_empty() => {
                Err(UsageError::new(self.topic, "missing the job's ID"))
            }
            Err(positional) => Err(UsageError::new(
                self.topic,
                format!("expected one ID, got {}", positional.len()),
            )),
        }
    }

    /// No positional argument.
    fn none(&self) -> Result<(), UsageError> {
        match self.positional.first() {
            None => Ok(()),
            Some(extra) => Err(UsageError::new(
                self.topic.clone(),
                format!("unexpected argument '{extra}'"),
            )),
        }
    }
}

/// `jobs start [OPTIONS] <KIND> [ARGS...]`: options go before the kind, and
/// after it too (`fib 90 --json`), up to a `--`, after which everything is the
/// kind's (`exec -- ls --json`).
fn parse_start(args: &[String]) -> Result<Command, UsageError> {
    let mut options = StartOptions::default();
    let mut kind: Option<String> = None;
    let mut kind_args = Vec::new();
    let mut tokens = args.iter();
    while let Some(token) = tokens.next() {
        let topic = match &kind {
            Some(kind) => Topic::Kind(kind.clone()),
            None => Topic::Start,
        };
        if token == "--" {
            kind_args.extend(tokens.by_ref().cloned());
            break;
        }
        if is_help(token) {
            return Ok(Command::Help(topic));
        }
        let (name, inline) = split_option(token);
        if is_start_option(name) {
            start_option(&mut options, name, inline, &mut tokens, &topic)?;
        } else if kind.is_none() {
            if token.starts_with('-') {
                return Err(UsageError::new(topic, format!("unknown option '{token}'")));
            }
            kind = Some(token.clone());
        } else {
            kind_args.push(token.clone());
        }
    }
    let Some(kind) = kind else {
        return Err(UsageError::new(Topic::Start, "which kind of job? name one"));
    };
    Ok(Command::Start(StartCommand {
        options,
        kind,
        args: kind_args,
    }))
}

const START_FLAGS: [&str; 2] = ["--keep-workdir", "--json"];
const START_VALUES: [&str; 8] = [
    "--cpu",
    "--memory",
    "--pids",
    "--io-read-bps",
    "--io-write-bps",
    "--net",
    "--timeout",
    "--owner",
];

fn is_start_option(name: &str) -> bool {
    START_FLAGS.contains(&name) || START_VALUES.contains(&name)
}

fn start_option<'a>(
    options: &mut StartOptions,
    name: &str,
    inline: Option<&str>,
    tokens: &mut impl Iterator<Item = &'a String>,
    topic: &Topic,
) -> Result<(), UsageError> {
    if START_FLAGS.contains(&name) {
        if inline.is_some() {
            return Err(UsageError::new(
                topic.clone(),
                format!("{name} takes no value"),
            ));
        }
        match name {
            "--json" => options.json = true,
            _ => options.keep_workdir = true,
        }
        return Ok(());
    }
    let value = value_of(name, inline, tokens, topic)?;
    let invalid = |error: ValueError| UsageError::new(topic.clone(), error.to_string());
    match name {
        "--cpu" => options.cpu_cores = Some(values::cores("--cpu", &value).map_err(invalid)?),
        "--memory" => {
            options.memory_bytes = Some(values::size("--memory", &value).map_err(invalid)?);
        }
        "--pids" => options.pids = Some(values::count("--pids", &value).map_err(invalid)?),
        "--io-read-bps" => options
            .io_read
            .push(values::io_rate("--io-read-bps", &value).map_err(invalid)?),
        "--io-write-bps" => options
            .io_write
            .push(values::io_rate("--io-write-bps", &value).map_err(invalid)?),
        "--net" => options.network = Some(values::network("--net", &value).map_err(invalid)?),
        "--timeout" => {
            options.timeout = Some(values::duration("--timeout", &value).map_err(invalid)?);
        }
        _ => options.owner = Some(values::owner("--owner", &value).map_err(invalid)?),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Invocation, UsageError> {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&args)
    }

    fn command(line: &str) -> Command {
        parse_line(line).unwrap().command
    }

    fn usage(line: &str) -> UsageError {
        parse_line(line).unwrap_err()
    }

    #[test]
    fn start_takes_options_before_and_after_the_kind() {
        let Command::Start(start) =
            command("jobs start --memory 64M --pids=10 fib 90 --json --cpu 0.5")
        else {
            panic!("not a start");
        };
        assert_eq!(start.kind, "fib");
        assert_eq!(start.args, ["90"]);
        assert_eq!(start.options.memory_bytes, Some(64 << 20));
        assert_eq!(start.options.pids, Some(10));
        assert_eq!(start.options.cpu_cores, Some(0.5));
        assert!(start.options.json);
    }

    #[test]
    fn everything_after_a_double_dash_belongs_to_the_kind() {
        let Command::Start(start) = command("jobs start exec -- printf --json -- x") else {
            panic!("not a start");
        };
        assert_eq!(start.kind, "exec");
        assert_eq!(start.args, ["printf", "--json", "--", "x"]);
        assert!(!start.options.json);
    }

    #[test]
    fn a_negative_expression_is_an_argument_not_an_option() {
        let Command::Start(start) = command("jobs start eval -3 + 2") else {
            panic!("not a start");
        };
        assert_eq!(start.args, ["-3", "+", "2"]);
    }

    #[test]
    fn every_start_option_is_validated() {
        let start = |line: &str| match command(line) {
            Command::Start(start) => start.options,
            other => panic!("not a start: {other:?}"),
        };
        let options = start(
            "jobs start --io-read-bps 8:0=1M --io-write-bps=8:16=2G --net host \
             --timeout 5m --owner alice --keep-workdir noop",
        );
        assert_eq!(options.io_read.len(), 1);
        assert_eq!(options.io_write[0].bytes_per_second, 2 << 30);
        assert_eq!(options.network, Some(Network::Host));
        assert_eq!(options.timeout, Some(Duration::from_secs(300)));
        assert_eq!(options.owner.as_deref(), Some("alice"));
        assert!(options.keep_workdir);
        for bad in [
            "jobs start --memory lots fib 1",
            "jobs start --cpu 0 fib 1",
            "jobs start --pids 0 fib 1",
            "jobs start --net bridge fib 1",
            "jobs start --timeout 5x fib 1",
            "jobs start --io-read-bps 8:0 fib 1",
            "jobs start --owner a/b fib 1",
            "jobs start --json=yes fib 1",
            "jobs start --memory",
        ] {
            let error = usage(bad);
            assert!(
                matches!(error.topic, Topic::Start | Topic::Kind(_)),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn start_without_a_kind_or_with_an_unknown_option_is_a_usage_error() {
        assert_eq!(usage("jobs start").topic, Topic::Start);
        assert_eq!(usage("jobs start --bogus fib 1").topic, Topic::Start);
        assert_eq!(command("jobs start --help"), Command::Help(Topic::Start));
        assert_eq!(
            command("jobs start fib --help"),
            Command::Help(Topic::Kind("fib".into()))
        );
    }

    #[test]
    fn global_options_go_anywhere_before_a_double_dash() {
        let invocation = parse_line("--state-dir /tmp/s jobs list --cgroup-parent=t1").unwrap();
        assert_eq!(invocation.global.state_dir, Some(PathBuf::from("/tmp/s")));
        assert_eq!(invocation.global.cgroup_parent.as_deref(), Some("t1"));
        assert_eq!(
            invocation.command,
            Command::List {
                json: false,
                state: None
            }
        );
        let invocation = parse_line("jobs start exec -- ls --state-dir x").unwrap();
        assert_eq!(invocation.global.state_dir, None);
        assert_eq!(usage("--state-dir").topic, Topic::Main);
    }

    #[test]
    fn id_commands_take_exactly_one_id() {
        assert_eq!(
            command("jobs status abc --json"),
            Command::Status {
                id: "abc".into(),
                json: true
            }
        );
        assert_eq!(
            command("jobs tail abc --no-follow --timestamps"),
            Command::Tail {
                id: "abc".into(),
                follow: false,
                timestamps: true
            }
        );
        assert_eq!(command("jobs stop abc"), Command::Stop { id: "abc".into() });
        assert_eq!(
            command("jobs wait abc"),
            Command::Wait {
                id: "abc".into(),
                json: false
            }
        );
        assert_eq!(usage("jobs status").topic, Topic::Status);
        assert_eq!(usage("jobs stop a b").topic, Topic::Stop);
        assert_eq!(usage("jobs tail a --follow-harder").topic, Topic::Tail);
        assert_eq!(command("jobs wait --help"), Command::Help(Topic::Wait));
    }

    #[test]
    fn list_filters_by_the_cli_states() {
        assert_eq!(
            command("jobs list --json --state running"),
            Command::List {
                json: true,
                state: Some(State::Running)
            }
        );
        assert_eq!(
            usage("jobs list --state starting").message,
            "unknown state 'starting': use one of queued, running, succeeded, failed, stopped, lost"
        );
        assert_eq!(command("jobs list -h"), Command::Help(Topic::List));
    }

    #[test]
    fn unknown_and_missing_commands_are_usage_errors() {
        assert_eq!(usage("").topic, Topic::Main);
        assert_eq!(usage("frobnicate").topic, Topic::Main);
        assert_eq!(usage("jobs").topic, Topic::Jobs);
        assert_eq!(usage("jobs frob").topic, Topic::Jobs);
        assert_eq!(usage("probe extra").topic, Topic::Probe);
        assert_eq!(command("probe --json"), Command::Probe { json: true });
        assert_eq!(command("--help"), Command::Help(Topic::Main));
        assert_eq!(command("jobs help"), Command::Help(Topic::Jobs));
    }
}
