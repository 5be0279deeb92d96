//! `jobs wait <ID> [--json]`: waits for the job to end, shows its status, and
//! exits 0 if it succeeded (3 otherwise). On a terminal, a progress bar on
//! stderr follows the job's progress meanwhile.

use super::{Context, print, print_line, runtime, stdout_is_terminal};
use crate::error::{CliError, exit};
use crate::kinds::AnyJob;
use crate::render::state::State;
use crate::render::{JobView, human, json, progress};
use std::io::IsTerminal;
use std::time::Duration;
use workernator::errors::WaitError;

/// How often the progress bar looks at the status.
const REDRAW: Duration = Duration::from_millis(100);

pub(crate) fn run(context: &Context, id: &str, as_json: bool) -> Result<i32, CliError> {
    let (_runner, job) = context.job(id)?;
    let id = job.id().clone();
    let show_bar = !as_json && std::io::stderr().is_terminal();
    runtime()?
        .block_on(async {
            if show_bar {
                wait_with_bar(job.as_ref()).await
            } else {
                job.ended().await
            }
        })
        .map_err(|source| CliError::Wait {
            id: id.clone(),
            source: Box::new(source),
        })?;
    let view = JobView::of(job.as_ref()).map_err(|source| CliError::Read { id, source })?;
    if as_json {
        print_line(&json::status_line(&view))?;
    } else {
        print(&human::status_block(&view, stdout_is_terminal()))?;
    }
    Ok(if view.state() == State::Succeeded {
        exit::OK
    } else {
        exit::JOB_DID_NOT_SUCCEED
    })
}

/// Waits for the job's end while a bar shows its progress.
///
/// The wait itself does not poll (the handle waits on the supervisor's pidfd);
/// the bar reads the status file every 100 ms, which is cheap and only ever
/// done for a person watching a terminal.
async fn wait_with_bar(job: &dyn AnyJob) -> Result<(), WaitError> {
    let mut bar = progress::Bar::on_stderr();
    let follow = async {
        let mut ticks = tokio::time::interval(REDRAW);
        loop {
            ticks.tick().await;
            let Ok(status) = job.status() else { break };
            let state = State::of(status.state);
            if state.is_finished() {
                break;
            }
            bar.show(status.progress.as_ref(), state);
        }
    };
    let result = tokio::select! {
        result = job.ended() => result,
        () = follow => job.ended().await,
    };
    bar.clear();
    result
}
