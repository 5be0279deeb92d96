//! The runner's launcher: supervisors are forked by one small process per
//! runner instead of spawned by the application; a launcher that dies is
//! replaced and takes no job with it; concurrent starts do not mix.

mod common;

use common::jobs::{Square, Ticker};
use workernator::{JobHandle, status::JobState};

workernator::init_before_main!();

/// State (field 3) and parent (field 4) of `pid`, from /proc.
fn state_and_parent(pid: i32) -> Option<(char, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat[stat.rfind(')')? + 2..].split(' ');
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}

fn supervisor_pid(job: &JobHandle<Ticker>) -> i32 {
    let mut pid = None;
    common::eventually("the supervisor records its pid", || {
        pid = job.status().ok().and_then(|status| status.supervisor_pid);
        pid.is_some()
    });
    pid.unwrap()
}

/// The launcher of a running job: its supervisor's parent.
fn launcher_of(job: &JobHandle<Ticker>) -> i32 {
    let (_, launcher) = state_and_parent(supervisor_pid(job)).unwrap();
    launcher
}

fn children(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .collect()
}

#[test]
fn supervisors_are_forked_by_one_launcher_that_reaps_them() {
    if !common::privileged("supervisors_are_forked_by_one_launcher_that_reaps_them") {
        return;
    }
    let test = common::runner();
    let rt = common::rt();
    let tickers: Vec<_> = (0..3)
        .map(|_| {
            test.runner
                .start(Ticker {
                    lines: 5,
                    interval_ms: 40,
                })
                .unwrap()
        })
        .collect();
    let launcher = launcher_of(&tickers[0]);
    let me = std::process::id() as i32;
    assert_ne!(
        launcher, me,
        "the supervisor is not the application's child"
    );
    assert_eq!(state_and_parent(launcher).unwrap().1, me);
    for ticker in &tickers[1..] {
        assert_eq!(launcher_of(ticker), launcher, "one launcher per runner");
    }
    assert_eq!(
        std::fs::read_link(format!("/proc/{launcher}/exe")).unwrap(),
        std::env::current_exe().unwrap(),
        "the launcher is this program"
    );
    for ticker in &tickers {
        assert_eq!(rt.block_on(ticker.wait()).unwrap(), 10);
    }
    for n in 0..5 {
        let job = test.runner.start(Square { n }).unwrap();
        assert_eq!(rt.block_on(job.wait()).unwrap(), n * n);
    }
    common::eventually("the launcher reaps every supervisor", || {
        children(launcher).is_empty()
    });
    assert!(matches!(state_and_parent(launcher), Some(('S', _))));
}

#[test]
fn a_killed_launcher_is_replaced_and_its_supervisors_live_on() {
    if !common::privileged("a_killed_launcher_is_replaced_and_its_supervisors_live_on") {
        return;
    }
    let test = common::runner();
    let rt = common::rt();
    let ticker = test
        .runner
        .start(Ticker {
            lines: 10,
            interval_ms: 30,
        })
        .unwrap();
    let launcher = launcher_of(&ticker);
    // Our own child (the runner started it): killed, it stays a zombie until the
    // runner notices and reaps it.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(launcher),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    common::eventually("the launcher dies", || {
        matches!(state_and_parent(launcher), Some(('Z', _)) | None)
    });
    let second = test
        .runner
        .start(Ticker {
            lines: 3,
            interval_ms: 10,
        })
        .unwrap();
    let replacement = launcher_of(&second);
    assert_ne!(replacement, launcher, "a new launcher forked it");
    assert_eq!(
        state_and_parent(launcher),
        None,
        "the dead launcher was reaped"
    );
    assert_eq!(rt.block_on(second.wait()).unwrap(), 3);
    assert_eq!(
        rt.block_on(ticker.wait()).unwrap(),
        45,
        "the first job outlived its launcher"
    );
    assert_eq!(ticker.status().unwrap().state, JobState::Succeeded);
}

#[test]
fn concurrent_starts_each_get_their_own_supervisor() {
    if !common::privileged("concurrent_starts_each_get_their_own_supervisor") {
        return;
    }
    let test = common::runner();
    let threads: Vec<_> = (0..8u64)
        .map(|thread| {
            let runner = test.runner.clone();
            std::thread::spawn(move || {
                (0..4u64)
                    .map(|i| {
                        let n = thread * 4 + i;
                        (n, runner.start(Square { n }).unwrap())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let rt = common::rt();
    let mut seen = std::collections::HashSet::new();
    for thread in threads {
        for (n, job) in thread.join().unwrap() {
            assert!(seen.insert(job.id().clone()), "one job per start");
            assert_eq!(rt.block_on(job.wait()).unwrap(), n * n);
            assert_eq!(job.status().unwrap().attempt, 1);
        }
    }
    assert_eq!(seen.len(), 32);
}

/// `wait()` may return before the supervisor has finished exiting (it ends
/// at end of file on a pipe the supervisor closes after its bookkeeping),
/// but never before the job's end is recorded: its result and final status written, its
/// cgroup removed, its active marker gone and its lock released. (Should the
/// pipe close early, `wait()` finds the status not yet final and waits for
/// the supervisor's exit instead: slower, never wrong.)
#[test]
fn wait_returns_only_once_the_job_is_recorded_and_unlocked() {
    if !common::privileged("wait_returns_only_once_the_job_is_recorded_and_unlocked") {
        return;
    }
    let test = common::runner();
    let rt = common::rt();
    for n in 0..40u64 {
        let job = test.runner.start(Square { n }).unwrap();
        assert_eq!(rt.block_on(job.wait()).unwrap(), n * n);
        let id = job.id().as_str().to_owned();
        let status = job.status().unwrap();
        assert_eq!(status.state, JobState::Succeeded);
        assert!(test.cgroup_left(&id).is_empty(), "cgroup of job {n} left");
        assert!(
            !test.dir.path().join("active").join(&id).exists(),
            "active marker of job {n} left"
        );
        let lock =
            std::fs::File::open(test.dir.path().join("jobs").join(&id).join("lock")).unwrap();
        assert!(
            nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusiveNonblock).is_ok(),
            "the lock of job {n} is still held"
        );
    }
}
