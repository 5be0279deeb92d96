//! `Runner::shutdown` stops the jobs it started when they are tied to the
//! application, and leaves them running otherwise.

mod common;

use common::jobs::Ticker;
use workernator::{Runner, errors::WaitError, status::JobState};

workernator::init_before_main!();

#[test]
fn shutdown_stops_tied_jobs() {
    if !common::privileged("shutdown_stops_tied_jobs") {
        return;
    }
    let test = common::runner_with(|config| config.tie_jobs_to_application(true));
    let runner = Runner::open(test.runner.config().clone()).unwrap();
    let job = runner
        .start(Ticker {
            lines: 1000,
            interval_ms: 20,
        })
        .unwrap();
    let rt = common::rt();
    rt.block_on(runner.shutdown());
    let waited = rt.block_on(job.wait());
    assert!(
        matches!(waited, Err(WaitError::Stopped { .. })),
        "{waited:?}"
    );
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
}

#[test]
fn shutdown_leaves_untied_jobs_running() {
    if !common::privileged("shutdown_leaves_untied_jobs_running") {
        return;
    }
    let test = common::runner();
    let runner = Runner::open(test.runner.config().clone()).unwrap();
    let job = runner
        .start(Ticker {
            lines: 5,
            interval_ms: 20,
        })
        .unwrap();
    let rt = common::rt();
    rt.block_on(runner.shutdown());
    assert_eq!(rt.block_on(job.wait()).unwrap(), 10);
    assert_eq!(job.status().unwrap().state, JobState::Succeeded);
}
