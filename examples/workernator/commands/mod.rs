//! One module per command. Each opens the state directory itself: there is no
//! server, and jobs run on under their supervisors between invocations.

mod list;
mod probe;
mod start;
mod status;
mod stop;
mod tail;
mod wait;

use crate::cli::{Command, Global, Invocation, JobsCommand};
use crate::error::CliError;
use crate::kinds::{self, AnyJob};
use crate::render::escape;
use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use workernator::{Config, JobId, Runner};

/// Runs the command; returns the exit code.
pub(crate) fn run(invocation: Invocation) -> Result<i32, CliError> {
    let context = Context {
        global: invocation.global,
    };
    match invocation.command {
        Command::Jobs { command } => match command {
            JobsCommand::Start(start) => start::run(&context, *start),
            JobsCommand::Status { id, json } => status::run(&context, &id, json),
            JobsCommand::Stop { id } => stop::run(&context, &id),
            JobsCommand::Tail {
                id,
                no_follow,
                timestamps,
                raw,
            } => tail::run(
                &context,
                &id,
                tail::Options {
                    follow: !no_follow,
                    timestamps,
                    raw,
                },
            ),
            JobsCommand::Wait { id, json } => wait::run(&context, &id, json),
            JobsCommand::List { json, state } => list::run(&context, json, state),
        },
        Command::Probe { json } => probe::run(&context, json),
    }
}

/// What every command shares: where the state is, and how to open it.
pub(crate) struct Context {
    global: Global,
}

impl Context {
    /// The runner's configuration: the state directory from `--state-dir`,
    /// else the library's default (`$WORKERNATOR_STATE_DIR`, else per user);
    /// the cgroup parent from `--cgroup-parent` or its variable, and the
    /// rootless limits policy from `--rootless-limits` or its variable.
    pub(crate) fn config(&self) -> Config {
        let mut config = Config::default();
        if let Some(dir) = &self.global.state_dir {
            config = config.state_dir(dir);
        }
        // An empty variable counts as unset.
        if let Some(parent) = self.global.cgroup_parent.as_ref().filter(|p| !p.is_empty()) {
            config = config.cgroup_parent(parent);
        }
        config.rootless_limits(self.rootless_limits())
    }

    /// The policy for starts without root whose limits cannot be enforced.
    pub(crate) fn rootless_limits(&self) -> workernator::sandbox::RootlessLimits {
        self.global.rootless_limits.unwrap_or_default()
    }

    /// Opens the state directory with `config`.
    pub(crate) fn open(&self, config: Config) -> Result<Runner, CliError> {
        let path = config.state_dir_path().to_owned();
        Runner::open(config).map_err(|error| CliError::open(path, error))
    }

    /// Opens the state directory and finds job `id`, whatever its kind.
    pub(crate) fn job(&self, id: &str) -> Result<(Runner, Box<dyn AnyJob>), CliError> {
        let id: JobId = id.parse()?;
        let runner = self.open(self.config())?;
        let job = kinds::attach(&runner, &id)?;
        Ok((runner, job))
    }
}

/// A runtime for the commands that wait (the handle's `wait` and `stop`).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

/// Writes `text` to stdout.
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Write {
            stream: "stdout",
            source,
        })
}

/// Whether stdout is a terminal: then what jobs control is shown escaped
/// (see [`crate::render::escape`]).
pub(crate) fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Writes `text` (an error or a warning) to stderr; on a terminal, with
/// control characters escaped, since messages may quote what a job wrote.
/// Errors are ignored: stderr is where they would go.
pub(crate) fn to_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let text = if stderr.is_terminal() {
        Cow::Owned(escape::text(text))
    } else {
        Cow::Borrowed(text)
    };
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}

/// Writes `line` and a newline to stdout.
pub(crate) fn print_line(line: &str) -> Result<(), CliError> {
    print(&format!("{line}\n"))
}
