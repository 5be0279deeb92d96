//! `jobs list [--json] [--state <STATE>]`: every job, oldest first.

use super::{Context, print, print_line, stdout_is_terminal, to_stderr};
use crate::error::{CliError, exit};
use crate::kinds;
use crate::render::state::State;
use crate::render::{JobView, human, json};
use workernator::status::ListedJob;

pub(crate) fn run(context: &Context, as_json: bool, state: Option<State>) -> Result<i32, CliError> {
    let runner = context.open(context.config())?;
    let mut views = Vec::new();
    for listed in runner.list(None).map_err(CliError::List)? {
        match listed {
            ListedJob::Job(status) => {
                if state.is_some_and(|wanted| State::of(status.state) != wanted) {
                    continue;
                }
                // The typed view has the arguments, limits and output; a job
                // of a kind this CLI does not know shows what its status says.
                let view = kinds::attach(&runner, &status.id)
                    .ok()
                    .and_then(|job| JobView::of(job.as_ref()).ok())
                    .unwrap_or_else(|| JobView::of_status(*status));
                views.push(view);
            }
            // A corrupt job has no state to filter by: mentioned in full lists only.
            ListedJob::Corrupt { id, error, .. } if state.is_none() => {
                to_stderr(&format!(
                    "workernator: warning: skipping job {id}: {error}\n"
                ));
            }
            // Filtered out, or (ListedJob is non-exhaustive) nothing known to list.
            _ => {}
        }
    }
    views.sort_by(|a, b| {
        (a.status.created_at, &a.status.id).cmp(&(b.status.created_at, &b.status.id))
    });
    if as_json {
        print_line(&json::status_array(&views))?;
    } else {
        print(&human::list(&views, stdout_is_terminal()))?;
    }
    Ok(exit::OK)
}
