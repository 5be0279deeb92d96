//! Queued and delayed jobs survive the application being killed, and start
//! when due once it is back; a job that came due while it was down starts on
//! open.

mod common;

use common::app::{AppMode, app_process as app_body, spawn_app};
use common::jobs::Ticker;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::time::Duration;
use workernator::{JobId, Runner, config::Capacity};

workernator::init_before_main!();

#[test]
fn app_process() {
    app_body();
}

#[test]
fn queued_jobs_survive_a_killed_application() {
    if !common::privileged("queued_jobs_survive_a_killed_application") {
        return;
    }
    let test = common::runner();
    let mut app = spawn_app(
        &test,
        AppMode::Tickers(3),
        &[("WORKERNATOR_TEST_APP_CAPACITY", "1")],
    );
    let ids = app.read_until("ready");
    app.kill();
    let runner = Runner::open(test.runner.config().clone().capacity(Capacity::jobs(1))).unwrap();
    let rt = common::rt();
    for id in ids {
        let id: JobId = id.parse().unwrap();
        let job = runner.attach::<Ticker>(&id).unwrap();
        assert_eq!(rt.block_on(job.wait()).unwrap(), (0..20).sum::<u64>());
        assert!(test.cgroup_left(id.as_str()).is_empty());
    }
}

#[test]
fn a_job_due_while_the_application_was_down_starts_on_open() {
    if !common::privileged("a_job_due_while_the_application_was_down_starts_on_open") {
        return;
    }
    let test = common::runner();
    let mut app = spawn_app(
        &test,
        AppMode::Delayed(200),
        &[("WORKERNATOR_TEST_APP_CAPACITY", "1")],
    );
    let ids = app.read_until("ready");
    app.kill();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let id: JobId = ids[0].parse().unwrap();
    let runner = Runner::open(test.runner.config().clone().capacity(Capacity::jobs(1))).unwrap();
    let job = runner.attach::<Ticker>(&id).unwrap();
    assert_eq!(common::rt().block_on(job.wait()).unwrap(), 1);
}

/// A second open descriptor of a queued job's lock, locked: what a child holds
/// for a moment when some process spawns it while the lock is open (a child
/// has copies of all its parent's descriptors until it execs). If the parent
/// is an application killed at that moment, the lock looks held on the next
/// open although nobody will ever start the job.
struct LockCopy {
    _held: File,
}

impl LockCopy {
    fn hold(state_dir: &std::path::Path, id: &JobId) -> LockCopy {
        let file = File::options()
            .write(true)
            .open(state_dir.join("active").join(id.as_str()))
            .expect("open the job's lock");
        // A supervisor being spawned at this moment may hold a copy itself
        // until it execs (the very thing this stands in for): try again.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            // SAFETY: flock only acts on the descriptor, which `file` keeps open.
            let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if locked == 0 {
                return LockCopy { _held: file };
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the queued job's lock stays held: {}",
                std::io::Error::last_os_error()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Lets go after `delay`, from another thread.
    fn release_after(self, delay: Duration) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            drop(self);
        })
    }
}

fn wait_for_ticker(runner: &Runner, id: &JobId) -> u64 {
    let job = runner.attach::<Ticker>(id).expect("attach");
    common::rt()
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), job.wait()).await })
        .expect("the queued job is admitted once its lock is free, not forgotten")
        .expect("the job succeeds")
}

#[test]
fn a_queued_job_whose_lock_is_briefly_held_at_open_still_starts() {
    if !common::privileged("a_queued_job_whose_lock_is_briefly_held_at_open_still_starts") {
        return;
    }
    let test = common::runner();
    let config = test.runner.config().clone().capacity(Capacity::jobs(1));
    let (running, queued) = {
        let before = Runner::open(config.clone()).unwrap();
        let running = before
            .start(Ticker {
                lines: 4,
                interval_ms: 50,
            })
            .unwrap();
        let queued = before
            .start(Ticker {
                lines: 3,
                interval_ms: 1,
            })
            .unwrap();
        (running.id().clone(), queued.id().clone())
    };
    let copy = LockCopy::hold(test.dir.path(), &queued);
    let runner = Runner::open(config).unwrap();
    let released = copy.release_after(Duration::from_millis(100));
    assert_eq!(wait_for_ticker(&runner, &running), 6);
    assert_eq!(wait_for_ticker(&runner, &queued), 3);
    released.join().unwrap();
    assert!(test.cgroup_left(queued.as_str()).is_empty());
}

#[test]
fn a_queued_job_whose_lock_is_busy_when_its_turn_comes_starts_after() {
    if !common::privileged("a_queued_job_whose_lock_is_busy_when_its_turn_comes_starts_after") {
        return;
    }
    let test = common::runner();
    let runner = Runner::open(test.runner.config().clone().capacity(Capacity::jobs(1))).unwrap();
    let running = runner
        .start(Ticker {
            lines: 4,
            interval_ms: 50,
        })
        .unwrap();
    let queued = runner
        .start(Ticker {
            lines: 3,
            interval_ms: 1,
        })
        .unwrap();
    // Its turn comes while the lock is held (the first job ends in ~200 ms).
    let copy = LockCopy::hold(test.dir.path(), queued.id());
    let released = copy.release_after(Duration::from_millis(700));
    assert_eq!(wait_for_ticker(&runner, running.id()), 6);
    assert_eq!(wait_for_ticker(&runner, queued.id()), 3);
    released.join().unwrap();
    assert!(test.cgroup_left(queued.id().as_str()).is_empty());
}
