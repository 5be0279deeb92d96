//! The command line, declared with clap's derive: the commands, their
//! options, and the generated `--help` of each. Option values are checked by
//! [`value_parsers`]; clap's errors are worded by [`errors`]; the job kinds
//! under `jobs start` come from [`crate::kinds::KINDS`] through [`kind`].

pub(crate) mod errors;
pub(crate) mod kind;
pub(crate) mod value_parsers;

use crate::render::state::State;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use errors::UsageError;
use kind::KindChoice;
use std::path::PathBuf;
use std::time::Duration;
use value_parsers::{IoRate, Network};
use workernator::sandbox::RootlessLimits;

/// Environment variable naming the cgroup parent of jobs (like the hidden
/// `--cgroup-parent`); tests set it so that their cgroups are theirs alone.
pub(crate) const CGROUP_PARENT_ENV: &str = "WORKERNATOR_CGROUP_PARENT";

/// Environment variable for `--rootless-limits`.
pub(crate) const ROOTLESS_LIMITS_ENV: &str = "WORKERNATOR_ROOTLESS_LIMITS";

/// The heading of the options every command takes, in each one's help.
const GLOBAL: &str = "Global options";

/// Workernator runs typed jobs in Linux sandboxes, with no server: this CLI
/// opens the state directory itself, and each job runs on under its own
/// supervisor after the CLI exits.
#[derive(Debug, Clone, PartialEq, Parser)]
#[command(
    name = "workernator",
    override_usage = "workernator [--state-dir DIR] <command>",
    // An option given again replaces the earlier one (`--memory 1G` before
    // the kind and `--memory 2G` after it), rather than being an error.
    args_override_self = true
)]
pub(crate) struct Invocation {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options that hold for every command, given anywhere before a `--`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct Global {
    /// The state directory (default: $WORKERNATOR_STATE_DIR, else
    /// /var/lib/workernator for root, else a per-user one)
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        value_parser = value_parsers::directory,
        help_heading = GLOBAL
    )]
    pub(crate) state_dir: Option<PathBuf>,
    /// The cgroup parent of jobs; for tests, which must not share the
    /// default parent with anything else on the machine.
    #[arg(long, global = true, hide = true, value_name = "NAME", env = CGROUP_PARENT_ENV)]
    pub(crate) cgroup_parent: Option<String>,
    /// Without root, when no delegated cgroup can enforce a job's limits:
    /// refuse to start it (require, the default), or run it without limits
    /// (best-effort; its status then says "limits not enforced")
    #[arg(
        long,
        global = true,
        value_name = "POLICY",
        env = ROOTLESS_LIMITS_ENV,
        value_parser = value_parsers::rootless_limits,
        help_heading = GLOBAL
    )]
    pub(crate) rootless_limits: Option<RootlessLimits>,
}

/// The top-level commands.
#[derive(Debug, Clone, PartialEq, Subcommand)]
pub(crate) enum Command {
    /// Start, stop, inspect and tail jobs
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Show what this host supports: kernel, privileges, cgroups, and which
    /// start options this version can apply
    Probe {
        /// One line of JSON
        #[arg(long)]
        json: bool,
    },
}

/// `jobs <command>`.
#[derive(Debug, Clone, PartialEq, Subcommand)]
pub(crate) enum JobsCommand {
    /// Start a job. It runs on under its own supervisor after this command exits
    Start(Box<StartCommand>),
    /// Show a job's status: its arguments, state, result or error, and times
    Status {
        /// The job's ID, as `jobs start` printed it
        #[arg(value_name = "ID")]
        id: String,
        /// One line of JSON
        #[arg(long)]
        json: bool,
    },
    /// Stop a job: SIGTERM to every process of it, SIGKILL after a grace
    /// period. Stopping a job that already ended is not an error
    Stop {
        /// The job's ID, as `jobs start` printed it
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Print a job's output from its first byte: its stdout to stdout and its
    /// stderr to stderr. Follows a running job until it ends
    ///
    /// Piped, the bytes are exactly as the job wrote them. On a terminal,
    /// control characters (escape sequences, carriage returns, bells, C1
    /// controls) and bytes that are not UTF-8 are shown escaped, as \x1b, so
    /// that the job cannot act on the terminal; --raw writes them as they are.
    Tail {
        /// The job's ID, as `jobs start` printed it
        #[arg(value_name = "ID")]
        id: String,
        /// Print what there is now, and exit
        #[arg(long)]
        no_follow: bool,
        /// Start each line with the time it was written
        #[arg(long)]
        timestamps: bool,
        /// Write the job's bytes as they are even to a terminal, escape
        /// sequences included
        #[arg(long)]
        raw: bool,
    },
    /// Wait for a job to end and show its status. On a terminal, a progress
    /// bar shows the job's progress meanwhile
    ///
    /// Exit status: 0 if the job succeeded, 3 if it ended otherwise, 1 on error.
    Wait {
        /// The job's ID, as `jobs start` printed it
        #[arg(value_name = "ID")]
        id: String,
        /// One line of JSON
        #[arg(long)]
        json: bool,
    },
    /// List the jobs in the state directory, oldest first
    List {
        /// A JSON array of status objects
        #[arg(long)]
        json: bool,
        /// Only jobs in this state: queued, running, succeeded, failed,
        /// stopped or lost
        #[arg(long, value_name = "STATE", value_parser = value_parsers::state)]
        state: Option<State>,
    },
}

/// `jobs start [OPTIONS] <KIND> [ARGS...]`: the options go before the kind or
/// after it (`fib 90 --json`), up to a `--`, after which everything is the
/// kind's (`exec -- ls --json`).
#[derive(Debug, Clone, PartialEq, Args)]
#[command(
    subcommand_value_name = "KIND",
    subcommand_help_heading = "Kinds",
    disable_help_subcommand = true
)]
pub(crate) struct StartCommand {
    /// The options given before the kind.
    #[command(flatten)]
    pub(crate) before_kind: StartOptions,
    /// The kind, the options after it, and its arguments.
    #[command(subcommand)]
    pub(crate) kind: KindChoice,
}

impl StartCommand {
    /// All the options given, wherever they were given.
    pub(crate) fn options(&self) -> StartOptions {
        self.before_kind.clone().then(self.kind.after_kind.clone())
    }
}

impl StartOptions {
    /// These options, then `later` ones: a later value replaces an earlier
    /// one, flags add up, and so do io limits (one per device and direction).
    fn then(self, later: StartOptions) -> StartOptions {
        StartOptions {
            cpu_cores: later.cpu_cores.or(self.cpu_cores),
            memory_bytes: later.memory_bytes.or(self.memory_bytes),
            pids: later.pids.or(self.pids),
            io_read: [self.io_read, later.io_read].concat(),
            io_write: [self.io_write, later.io_write].concat(),
            network: later.network.or(self.network),
            timeout: later.timeout.or(self.timeout),
            owner: later.owner.or(self.owner),
            keep_workdir: self.keep_workdir || later.keep_workdir,
            json: self.json || later.json,
        }
    }
}

/// What `jobs start` was asked to apply to the job, fully validated.
#[derive(Debug, Clone, Default, PartialEq, Args)]
pub(crate) struct StartOptions {
    /// CPU quota, e.g. 0.5
    #[arg(long = "cpu", value_name = "CORES", value_parser = value_parsers::cores)]
    pub(crate) cpu_cores: Option<f64>,
    /// Memory limit, e.g. 64M or 1G (default 1G)
    #[arg(long = "memory", value_name = "SIZE", value_parser = value_parsers::size)]
    pub(crate) memory_bytes: Option<u64>,
    /// Most processes and threads (default 1024)
    #[arg(long, value_name = "N", value_parser = value_parsers::count)]
    pub(crate) pids: Option<u64>,
    /// Disk read bandwidth limit per device, e.g. 8:0=10M (repeatable)
    #[arg(
        long = "io-read-bps",
        value_name = "MAJOR:MINOR=RATE",
        value_parser = value_parsers::io_rate
    )]
    pub(crate) io_read: Vec<IoRate>,
    /// Disk write bandwidth limit per device, e.g. 8:0=10M (repeatable)
    #[arg(
        long = "io-write-bps",
        value_name = "MAJOR:MINOR=RATE",
        value_parser = value_parsers::io_rate
    )]
    pub(crate) io_write: Vec<IoRate>,
    /// Network: loopback only (none), or the host's (host)
    #[arg(long = "net", value_name = "none|host", value_parser = value_parsers::network)]
    pub(crate) network: Option<Network>,
    /// Stop the job after this long, e.g. 30s or 5m
    #[arg(long, value_name = "DURATION", value_parser = value_parsers::duration)]
    pub(crate) timeout: Option<Duration>,
    /// Whose job it is, for fair queueing
    #[arg(long, value_name = "NAME", value_parser = value_parsers::owner)]
    pub(crate) owner: Option<String>,
    /// Keep what the job left in its work directory
    #[arg(long)]
    pub(crate) keep_workdir: bool,
    /// Print the job's status as JSON instead
    #[arg(long)]
    pub(crate) json: bool,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed {
    /// Run a command.
    Run(Invocation),
    /// Print this help (asked for with `--help` or `help`) and exit 0.
    Help(String),
}

/// Parses the arguments after the program name.
pub(crate) fn parse(args: &[String]) -> Result<Parsed, UsageError> {
    let words = std::iter::once("workernator".to_owned()).chain(args.iter().cloned());
    let invocation = Invocation::command()
        .try_get_matches_from(words)
        .and_then(|matches| Invocation::from_arg_matches(&matches));
    match invocation {
        Ok(invocation) => Ok(Parsed::Run(invocation)),
        Err(error) => errors::classify(&error, args).map(Parsed::Help),
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
