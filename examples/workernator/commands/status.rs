//! `jobs status <ID> [--json]`: the job's status block, or its status object.

use super::{Context, print, print_line, stdout_is_terminal};
use crate::error::{CliError, exit};
use crate::render::{JobView, human, json};

pub(crate) fn run(context: &Context, id: &str, as_json: bool) -> Result<i32, CliError> {
    let (runner, job) = context.job(id)?;
    let view = JobView::of(job.as_ref())
        .map_err(|source| CliError::Read {
            id: job.id().clone(),
            source,
        })?
        .with_waiting(&runner);
    if as_json {
        print_line(&json::status_line(&view))?;
    } else {
        print(&human::status_block(&view, stdout_is_terminal()))?;
    }
    Ok(exit::OK)
}
