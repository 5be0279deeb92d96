//! `jobs start [OPTIONS] <KIND> [ARGS...]`: starts a job and returns at once;
//! the job runs on under its supervisor.

use super::{Context, print, print_line, to_stderr};
use crate::adapters;
use crate::cli::StartCommand;
use crate::cli::errors::UsageError;
use crate::error::{CliError, exit};
use crate::render::{JobView, human, json};
use workernator::errors::{LimitsError, StartError};

pub(crate) fn run(context: &Context, command: StartCommand) -> Result<i32, CliError> {
    let kind = command.kind.kind;
    let pending = kind.parse(&command.kind.args).map_err(|error| {
        UsageError::new(
            &["jobs", "start", kind.name],
            format!("{}: {error}", kind.name),
        )
    })?;
    let options = command.options();
    let config = adapters::start::configure(context.config(), &options);
    let runner = context.open(config)?;
    let job = pending.start(&runner, &options).map_err(start_error)?;
    let view = JobView::of(job.as_ref()).map_err(|source| CliError::Read {
        id: job.id().clone(),
        source,
    })?;
    if !view.status.limits_enforced {
        // Best effort without root: said plainly, every time.
        let why = view.status.limits_note.as_deref().unwrap_or("no cgroup");
        to_stderr(&format!(
            "workernator: warning: job {} runs without its limits (best effort, not enforced): {why}\n",
            job.id()
        ));
    }
    if options.json {
        print_line(&json::status_line(&view))?;
    } else {
        print(&human::started(&kind, job.id()))?;
    }
    Ok(exit::OK)
}

/// The start's error; without root, with what to do in this CLI's terms.
fn start_error(error: StartError) -> CliError {
    match error {
        StartError::Limits(LimitsError::Rootless { uid, reason }) => {
            CliError::RootlessLimits { uid, reason }
        }
        other => CliError::Start(other),
    }
}
