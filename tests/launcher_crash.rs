//! The launcher dies in the middle of a start request, before or after forking
//! the supervisor: the start still succeeds, with exactly one supervisor.

mod common;

use common::app::{AppMode, app_process as app_body, spawn_app};
use workernator::{
    Runner,
    status::{JobState, ListedJob},
};

workernator::init_before_main!();

#[test]
fn app_process() {
    app_body();
}

/// The application starts three squares and waits for them while its launcher
/// SIGKILLs itself at `point` of every request it gets.
fn launcher_dies_at(point: &str) {
    let test = common::runner();
    let mut app = spawn_app(
        &test,
        AppMode::Squares(3),
        &[("WORKERNATOR_TEST_CRASH_AT", point)],
    );
    let finished = app.read_until("done");
    assert!(app.wait().success(), "{point}: the application succeeded");
    assert_eq!(
        finished.len(),
        3,
        "{point}: every start ended: {finished:?}"
    );
    let runner = Runner::open(test.runner.config().clone()).unwrap();
    let listed = runner.list(None).unwrap();
    assert_eq!(listed.len(), 3, "{point}: {listed:?}");
    for job in listed {
        let ListedJob::Job(status) = job else {
            panic!("{point}: {job:?}")
        };
        assert_eq!(status.state, JobState::Succeeded, "{point}: {status:?}");
        assert_eq!(status.attempt, 1, "{point}: {status:?}");
        assert!(status.attempts.is_empty(), "{point}: {status:?}");
        assert!(test.cgroup_left(status.id.as_str()).is_empty());
    }
}

#[test]
fn a_launcher_dying_before_it_forks_loses_no_start() {
    if !common::privileged("a_launcher_dying_before_it_forks_loses_no_start") {
        return;
    }
    launcher_dies_at("launcher-received");
}

#[test]
fn a_launcher_dying_before_it_replies_starts_the_job_once() {
    if !common::privileged("a_launcher_dying_before_it_replies_starts_the_job_once") {
        return;
    }
    launcher_dies_at("launcher-forked");
}
