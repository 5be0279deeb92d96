//! The application is SIGKILLed while its jobs run: after re-opening the state
//! directory the jobs still run, attach works, `wait` gives the typed output and
//! the output log is complete.

mod common;

use common::app::{AppMode, app_process as app_body, spawn_app};
use common::jobs::Ticker;
use workernator::{
    JobId, Runner,
    logs::OutputStream,
    status::{JobState, ListedJob},
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
    app.kill();

    let runner = Runner::open(test.runner.config().clone()).unwrap();
    let running = runner.list(Some(JobState::Running)).unwrap().len()
        + runner.list(Some(JobState::Starting)).unwrap().len();
    assert_eq!(running, 3, "{:?}", runner.list(None).unwrap());
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
