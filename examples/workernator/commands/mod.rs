//! One module per command. Each opens the state directory itself: there is no
//! server, and jobs run on under their supervisors between invocations.

mod list;
mod probe;
mod start;
mod status;
mod stop;
mod tail;
mod wait;

use crate::args::{Command, Global, Invocation};
use crate::error::{CliError, exit};
use crate::kinds::{self, AnyJob};
use crate::usage;
use std::io::Write;
use workernator::{Config, JobId, Runner};

/// Environment variable naming the cgroup parent of jobs (like the hidden
/// `--cgroup-parent`); tests set it so that their cgroups are theirs alone.
pub(crate) const CGROUP_PARENT_ENV: &str = "WORKERNATOR_CGROUP_PARENT";

/// Runs the command; returns the exit code.
pub(crate) fn run(invocation: Invocation) -> Result<i32, CliError> {
    let context = Context {
        global: invocation.global,
    };
    match invocation.command {
        Command::Help(topic) => {
            print(&usage::text(&topic))?;
            Ok(exit::OK)
        }
        Command::Start(start) => start::run(&context, start),
        Command::Status { id, json } => status::run(&context, &id, json),
        Command::Stop { id } => stop::run(&context, &id),
        Command::Tail {
            id,
            follow,
            timestamps,
        } => tail::run(&context, &id, follow, timestamps),
        Command::Wait { id, json } => wait::run(&context, &id, json),
        Command::List { json, state } => list::run(&context, json, state),
        Command::Probe { json } => probe::run(json),
    }
}

/// What every command shares: where the state is, and how to open it.
pub(crate) struct Context {
    global: Global,
}

impl Context {
    /// The runner's configuration: the state directory from `--state-dir`,
    /// else the library's default (`$WORKERNATOR_STATE_DIR`, else per user).
    pub(crate) fn config(&self) -> Config {
        let mut config = Config::default();
        if let Some(dir) = &self.global.state_dir {
            config = config.state_dir(dir);
        }
        let parent = self.global.cgroup_parent.clone().or_else(|| {
            std::env::var(CGROUP_PARENT_ENV)
                .ok()
                .filter(|parent| !parent.is_empty())
        });
        if let Some(parent) = parent {
            config = config.cgroup_parent(parent);
        }
        config
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

/// Writes `text` to stderr. Errors are ignored: stderr is where they would go.
pub(crate) fn to_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}

/// Writes `line` and a newline to stdout.
pub(crate) fn print_line(line: &str) -> Result<(), CliError> {
    print(&format!("{line}\n"))
}
