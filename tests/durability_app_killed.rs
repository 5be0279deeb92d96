//! The application is SIGKILLed while its jobs run: after re-opening the state
//! directory the jobs still run, attach works, `wait` gives the typed output and
//! the output log is complete.

mod common;

use common::app::{AppMode, app_process as app_body, spawn_app};
use common::jobs::Ticker;
use workernator::{
    JobId, Runner,
    logs::OutputStream,
    status::{JobState, ListedJob, Timestamp},
};

workernator::init_before_main!();

#[test]
fn app_process() {
    app_body();
}

#[test]
fn jobs_outlive_a_killed_application() {
    if !common::privileged("jobs_outlive_a_killed_application") {
        return;
    }
    let test = common::runner();
    let mut app = spawn_app(&test, AppMode::Tickers(3), &[]);
    let ids = app.read_until("ready");
    assert_eq!(ids.len(), 3);
    let killed_at = Timestamp::now();
    app.kill();

    let runner = Runner::open(test.runner.config().clone()).unwrap();
    // One read of the state: counting each state in its own `list` would miss
    // a job that moves between the reads (Starting -> Running). A ticker runs
    // for about a second, so on a slow host one may already have ended: then
    // it must have succeeded, after the application died.
    let listed = runner.list(None).unwrap();
    let outlived = listed
        .iter()
        .filter(|job| match job {
            ListedJob::Job(status) => match status.state {
                JobState::Starting | JobState::Running => true,
                JobState::Succeeded => status
                    .finished_at
                    .is_some_and(|at| at.as_millis() >= killed_at.as_millis()),
                _ => false,
            },
            _ => false,
        })
        .count();
    assert_eq!(outlived, 3, "{listed:?}");
    let rt = common::rt();
    for id in &ids {
        let id: JobId = id.parse().unwrap();
        let job = runner.attach::<Ticker>(&id).unwrap();
        assert_eq!(rt.block_on(job.wait()).unwrap(), (0..20).sum::<u64>());
        let stdout: Vec<u8> = job
            .output()
            .unwrap()
            .into_iter()
            .filter(|r| r.stream == OutputStream::Stdout)
            .flat_map(|r| r.bytes)
            .collect();
        let expected: String = (0..20).map(|i| format!("tick {i}\n")).collect();
        assert_eq!(String::from_utf8_lossy(&stdout), expected);
        assert!(test.cgroup_left(id.as_str()).is_empty());
    }
    let listed = runner.list(None).unwrap();
    assert!(
        listed
            .iter()
            .all(|job| matches!(job, ListedJob::Job(s) if s.state == JobState::Succeeded))
    );
}
