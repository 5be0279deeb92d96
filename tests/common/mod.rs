//! Shared by the integration tests: privilege checks, a runner on a temporary
//! state directory, and job types.
#![allow(dead_code)]

pub mod app;
pub mod attacks;
pub mod cli;
pub mod jobs;
pub mod looks;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use workernator::{Config, Runner};

/// Env var that turns "skipped: not root" into a failure (set by CI).
pub const REQUIRE_PRIVILEGED: &str = "WORKERNATOR_REQUIRE_PRIVILEGED";

/// True if the test may run; prints why not otherwise (or fails under CI).
pub fn privileged(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    if std::env::var_os(REQUIRE_PRIVILEGED).is_some_and(|v| v == "1") {
        panic!(
            "{test}: needs root (namespaces and cgroups), and {REQUIRE_PRIVILEGED}=1 forbids skipping"
        );
    }
    eprintln!("{test}: skipped: not root (namespaces and cgroups need root)");
    false
}

/// Env var that turns "skipped: runs as root" in the rootless tests into a
/// failure (set by CI when it runs them as an ordinary user).
pub const REQUIRE_ROOTLESS: &str = "WORKERNATOR_REQUIRE_ROOTLESS";

/// True if a rootless test may run: this process is an ordinary user that can
/// make user namespaces. Prints why not otherwise (or fails under CI).
pub fn rootless(test: &str) -> bool {
    let why_not = if nix::unistd::geteuid().is_root() {
        Some("runs as root; rootless mode needs an ordinary user (.ci/run runs these as one)")
    } else if !workernator::host::probe().user_namespace_works {
        Some("this user cannot make a user namespace (see workernator::host::probe())")
    } else {
        None
    };
    let Some(why_not) = why_not else {
        return true;
    };
    if std::env::var_os(REQUIRE_ROOTLESS).is_some_and(|v| v == "1") {
        panic!("{test}: {why_not}, and {REQUIRE_ROOTLESS}=1 forbids skipping");
    }
    eprintln!("{test}: skipped: {why_not}");
    false
}

/// A runner on a fresh temporary state directory and its own cgroup parent,
/// both removed when it is dropped.
pub struct TestRunner {
    pub runner: Runner,
    pub dir: tempfile::TempDir,
    pub cgroup_parent: String,
    /// Without root: the cgroup v2 subtree delegated to this user, where
    /// rootless jobs' cgroups go (under `cgroup_parent`), if there is one.
    pub delegated_cgroup: Option<PathBuf>,
}

pub fn runner() -> TestRunner {
    runner_with(|config| config)
}

/// Whether this user has a delegated cgroup v2 subtree that can enforce the
/// default limits (memory and pids); then rootless jobs run with their limits.
pub fn delegation_enforces_default_limits() -> bool {
    workernator::host::probe()
        .delegated_cgroup
        .is_some_and(|cgroup| {
            ["memory", "pids"].iter().all(|name| {
                cgroup
                    .controllers
                    .iter()
                    .any(|c| c.name == *name && c.writable)
            })
        })
}

/// A fresh temporary state directory, and a cgroup parent name no other test
/// uses (`workernator-test-<kind><pid>-<n>`), both the test's own.
pub fn own_state_and_cgroup_parent(kind: &str) -> (tempfile::TempDir, String) {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = tempfile::Builder::new()
        .prefix("workernator-test-")
        .tempdir()
        .expect("temporary state dir");
    let cgroup_parent = format!(
        "workernator-test-{kind}{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    (dir, cgroup_parent)
}

pub fn runner_with(configure: impl FnOnce(Config) -> Config) -> TestRunner {
    let (dir, cgroup_parent) = own_state_and_cgroup_parent("");
    let config = configure(
        Config::default()
            .state_dir(dir.path())
            .stop_grace(Duration::from_millis(500))
            .cgroup_parent(&cgroup_parent),
    );
    let runner = Runner::open(config).expect("open runner");
    let delegated_cgroup = match nix::unistd::geteuid().is_root() {
        true => None,
        false => workernator::host::probe()
            .delegated_cgroup
            .map(|cgroup| cgroup.root),
    };
    TestRunner {
        runner,
        dir,
        cgroup_parent,
        delegated_cgroup,
    }
}

impl TestRunner {
    fn cgroup_dirs(&self, id: &str) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") {
            for entry in entries.flatten() {
                dirs.push(entry.path().join(&self.cgroup_parent).join(id));
            }
        }
        dirs.push(
            Path::new("/sys/fs/cgroup")
                .join(&self.cgroup_parent)
                .join(id),
        );
        if let Some(delegated) = &self.delegated_cgroup {
            dirs.push(delegated.join(&self.cgroup_parent).join(id));
        }
        dirs
    }

    /// The host pids in a job's cgroup.
    pub fn cgroup_pids(&self, id: &str) -> Option<Vec<i32>> {
        for dir in self.cgroup_dirs(id) {
            if let Ok(text) = std::fs::read_to_string(dir.join("cgroup.procs")) {
                return Some(text.lines().filter_map(|l| l.trim().parse().ok()).collect());
            }
        }
        None
    }

    /// What is left in a job's work directory, which stays (emptied) once the
    /// job ended unless it was kept; panics if the directory is gone.
    pub fn work_left(&self, id: &str) -> Vec<PathBuf> {
        let work = self.dir.path().join("jobs").join(id).join("work");
        std::fs::read_dir(&work)
            .unwrap_or_else(|error| panic!("{}: {error}", work.display()))
            .map(|entry| entry.unwrap().path())
            .collect()
    }

    /// Every cgroup directory of the job still present, in any hierarchy.
    pub fn cgroup_left(&self, id: &str) -> Vec<PathBuf> {
        self.cgroup_dirs(id)
            .into_iter()
            .filter(|dir| dir.exists())
            .collect()
    }
}

impl Drop for TestRunner {
    fn drop(&mut self) {
        // A test that failed may have left jobs running (one waiting for a
        // signal that never came, say): stop them, or their processes would
        // outlive the test and its state directory.
        self.stop_unfinished();
        // Only the (by now empty) parent is ours to remove; each job removed its own.
        let _ = self.cgroup_dirs("").iter().map(std::fs::remove_dir).count();
    }
}

impl TestRunner {
    /// Ends unfinished jobs: SIGTERM to each one's supervisor (checked by its
    /// recorded start time, so a reused pid is never signalled), which stops
    /// the job and cleans up, and SIGKILL to whatever is left in the job's
    /// cgroup (ours alone: the cgroup parent is this test's). Then gives the
    /// supervisors a moment to finish.
    fn stop_unfinished(&self) {
        let Ok(listed) = self.runner.list(None) else {
            return;
        };
        let unfinished: Vec<_> = listed
            .into_iter()
            .filter_map(|job| match job {
                workernator::status::ListedJob::Job(status) if !status.state.is_finished() => {
                    Some(status)
                }
                _ => None,
            })
            .collect();
        for status in &unfinished {
            if let (Some(pid), Some(ticks)) = (status.supervisor_pid, status.supervisor_start_ticks)
            {
                if start_ticks(pid) == Some(ticks) {
                    // SAFETY: kill(2) only sends a signal, to this job's supervisor.
                    unsafe { libc::kill(pid, libc::SIGTERM) };
                }
            }
            for pid in self.cgroup_pids(status.id.as_str()).unwrap_or_default() {
                // SAFETY: kill(2) only sends a signal; the pid is in this
                // test's own job cgroup.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        let active = |status: &workernator::status::JobStatus| {
            self.dir
                .path()
                .join("active")
                .join(status.id.as_str())
                .exists()
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while unfinished.iter().any(|status| active(status)) && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The start time of process `pid` (field 22 of /proc/<pid>/stat), in clock ticks.
fn start_ticks(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split(' ').nth(19)?.parse().ok()
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Waits (up to a generous bound) until `ready` holds; for setup, not for timing.
pub fn eventually(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits (as [`eventually`]) until a read of the job's status satisfies
/// `ready`, and returns that very status: reading it once more could see a
/// later state than the one waited for.
pub fn status_when<J: workernator::Job>(
    what: &str,
    job: &workernator::JobHandle<J>,
    ready: impl Fn(&workernator::status::JobStatus) -> bool,
) -> workernator::status::JobStatus {
    let mut seen = None;
    eventually(what, || {
        let status = job.status().expect("status");
        let done = ready(&status);
        seen = Some(status);
        done
    });
    seen.expect("eventually read the status at least once")
}

/// Whether a process with this host pid exists (and is not a zombie).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z"),
        Err(_) => false,
    }
}

/// Starts a long-running ticker and waits until its code runs; returns the
/// handle, its status then, and the host pids in its cgroup.
pub fn running_ticker(
    test: &TestRunner,
) -> (
    workernator::JobHandle<jobs::Ticker>,
    workernator::status::JobStatus,
    Vec<i32>,
) {
    let job = test
        .runner
        .start(jobs::Ticker {
            lines: 1000,
            interval_ms: 20,
        })
        .expect("start ticker");
    let status = status_when("the job to run", &job, |status| {
        status.state == workernator::status::JobState::Running
    });
    let pids = test
        .cgroup_pids(job.id().as_str())
        .expect("the job's cgroup");
    (job, status, pids)
}
