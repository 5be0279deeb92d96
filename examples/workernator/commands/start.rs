//! `jobs start [OPTIONS] <KIND> [ARGS...]`: starts a job and returns at once;
//! the job runs on under its supervisor.

use super::{Context, print, print_line};
use crate::adapters;
use crate::args::{StartCommand, Topic, UsageError};
use crate::error::{CliError, exit};
use crate::kinds::by_name;
use crate::render::{JobView, human, json};

pub(crate) fn run(context: &Context, command: StartCommand) -> Result<i32, CliError> {
    let kind = by_name(&command.kind).ok_or_else(|| {
        UsageError::new(
            Topic::Start,
            format!("unknown kind of job '{}'", command.kind),
        )
    })?;
    let pending = kind.parse(&command.args).map_err(|error| {
        UsageError::new(
            Topic::Kind(kind.name.to_owned()),
            format!("{}: {error}", kind.name),
        )
    })?;
    let config = adapters::start::configure(context.config(), &command.options);
    let runner = context.open(config)?;
    let job = pending
        .start(&runner, &command.options)
        .map_err(CliError::Start)?;
    if command.options.json {
        let view = JobView::of(job.as_ref()).map_err(|source| CliError::Read {
            id: job.id().clone(),
            source,
        })?;
        print_line(&json::status_line(&view))?;
    } else {
        print(&human::started(&kind, job.id()))?;
    }
    Ok(exit::OK)
}
