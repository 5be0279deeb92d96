//! `jobs stop <ID>`: stops the job and waits until every process of it is
//! gone. Idempotent: a job that already ended is left as it is.

use super::{Context, print_line, runtime};
use crate::error::{CliError, exit};
use crate::render::state::State;

pub(crate) fn run(context: &Context, id: &str) -> Result<i32, CliError> {
    let (_runner, job) = context.job(id)?;
    let id = job.id().clone();
    let before = job.status().map_err(|source| CliError::Read {
        id: id.clone(),
        source,
    })?;
    let before = State::of(before.state);
    if before.is_finished() {
        print_line(&format!(
            "Job {id} had already ended ({}).",
            before.as_str()
        ))?;
        return Ok(exit::OK);
    }
    let status = runtime()?
        .block_on(job.stop())
        .map_err(|source| CliError::Stop {
            id: id.clone(),
            source,
        })?;
    let message = match State::of(status.state) {
        State::Stopped => format!("Stopped job {id}."),
        other => format!(
            "Job {id} ended ({}) before it could be stopped.",
            other.as_str()
        ),
    };
    print_line(&message)?;
    Ok(exit::OK)
}
