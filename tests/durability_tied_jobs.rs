//! With jobs tied to the application, the application's death stops them.

mod common;

use common::app::{AppMode, app_process as app_body, spawn_app};
use common::jobs::Ticker;
use workernator::{JobId, Runner, errors::WaitError, status::JobState};

workernator::init_before_main!();

#[test]
fn app_process() {
    app_body();
}

#[test]
fn tied_jobs_stop_when_the_application_dies() {
    if !common::privileged("tied_jobs_stop_when_the_application_dies") {
        return;
    }
    let test = common::runner();
    let mut app = spawn_app(
        &test,
        AppMode::Tickers(2),
        &[("WORKERNATOR_TEST_APP_TIE", "1")],
    );
    let ids = app.read_until("ready");
    app.kill();
    let runner = Runner::open(test.runner.config().clone()).unwrap();
    let rt = common::rt();
    for id in ids {
        let id: JobId = id.parse().unwrap();
        let job = runner.attach::<Ticker>(&id).unwrap();
        let waited = rt.block_on(job.wait());
        assert!(
            matches!(waited, Err(WaitError::Stopped { .. })),
            "{waited:?}"
        );
        assert_eq!(job.status().unwrap().state, JobState::Stopped);
        assert!(test.cgroup_left(id.as_str()).is_empty());
    }
}
