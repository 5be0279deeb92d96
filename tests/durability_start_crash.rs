//! The application is SIGKILLed at each step of `start`: afterwards the job either
//! runs and can be attached, or is marked lost and cleaned up, or never existed.
//! Never a half-started job nobody sees.

mod common;

use common::app::{AppMode, app_process as app_body, spawn_app};
use common::jobs::Ticker;
use workernator::{
    Runner,
    errors::WaitError,
    status::{JobState, ListedJob},
};

workernator::init_before_main!();

#[test]
fn app_process() {
    app_body();
}

fn crash_at(point: &str) {
    let test = common::runner();
    let app = spawn_app(
        &test,
        AppMode::Tickers(1),
        &[("WORKERNATOR_TEST_CRASH_AT", point)],
    );
    let status = app.wait();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "{point}: the app crashed"
    );

    let runner = Runner::open(test.runner.config().clone()).unwrap();
    let listed = runner.list(None).unwrap();
    let active: Vec<_> = std::fs::read_dir(test.dir.path().join("active"))
        .unwrap()
        .collect();
    let dirs: Vec<_> = std::fs::read_dir(test.dir.path().join("jobs"))
        .unwrap()
        .collect();
    match point {
        "locked" | "created" => {
            assert!(listed.is_empty(), "{point}: {listed:?}");
            assert!(dirs.is_empty(), "{point}: the job directory is removed");
            assert!(active.is_empty(), "{point}: the lock is removed");
        }
        "spec" | "status" => {
            assert_eq!(listed.len(), 1, "{point}: {listed:?}");
            let ListedJob::Job(status) = &listed[0] else {
                panic!("{point}: {listed:?}")
            };
            assert_eq!(status.state, JobState::Lost, "{point}");
            assert!(active.is_empty(), "{point}: a lost job is finished");
            assert!(test.cgroup_left(status.id.as_str()).is_empty());
            let job = runner.attach::<Ticker>(&status.id).unwrap();
            assert!(matches!(
                common::rt().block_on(job.wait()),
                Err(WaitError::Lost { .. })
            ));
        }
        "spawned" => {
            assert_eq!(listed.len(), 1, "{point}: {listed:?}");
            let ListedJob::Job(status) = &listed[0] else {
                panic!("{point}: {listed:?}")
            };
            let job = runner.attach::<Ticker>(&status.id).unwrap();
            assert_eq!(
                common::rt().block_on(job.wait()).unwrap(),
                (0..20).sum::<u64>()
            );
            assert!(test.cgroup_left(status.id.as_str()).is_empty());
        }
        other => panic!("unknown point {other}"),
    }
}

#[test]
fn a_crash_at_any_step_of_start_leaves_no_invisible_job() {
    if !common::privileged("a_crash_at_any_step_of_start_leaves_no_invisible_job") {
        return;
    }
    for point in ["locked", "created", "spec", "status", "spawned"] {
        crash_at(point);
    }
}
