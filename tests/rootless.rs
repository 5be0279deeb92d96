//! Rootless mode: run by an ordinary user, jobs still run, each in a user
//! namespace with its own pid, mount, uts, ipc and network namespaces; limits
//! are enforced through a delegated cgroup v2 subtree, or the start is
//! refused, or (under `RootlessLimits::BestEffort`) the job runs with
//! `limits_enforced: false` in its status.
//!
//! These tests need an ordinary user: as root they skip and say so (or fail
//! under WORKERNATOR_REQUIRE_ROOTLESS=1). `.ci/run` runs them as one.

mod common;

use common::attacks::{assert_all_refused, attempt};
use common::jobs::{Attack, Flaky, MakeReport, Probe, Report, Square, Stubborn, Ticker, WhoAmI};
use workernator::{
    Config, Limits, StartOptions,
    errors::{LimitsError, StartError},
    sandbox::{NetworkMode, RootlessLimits},
    status::JobState,
};

workernator::init_before_main!();

fn best_effort(config: Config) -> Config {
    config.rootless_limits(RootlessLimits::BestEffort)
}

/// The host's mount table, as `.ci/run` compares it.
fn mounts() -> Vec<String> {
    let mut lines: Vec<String> = std::fs::read_to_string("/proc/self/mountinfo")
        .expect("mountinfo")
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.get(4).copied().unwrap_or_default().to_owned()
        })
        .collect();
    lines.sort();
    lines
}

/// Host pids of processes of this user running `sleep 1000`.
fn stray_sleeps() -> Vec<i32> {
    let me = nix::unistd::geteuid().as_raw();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|entry| {
            let pid: i32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let uid: u32 = status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))?
                .split_whitespace()
                .next()?
                .parse()
                .ok()?;
            (uid == me && cmdline == b"sleep\x001000\x00" && common::alive(pid)).then_some(pid)
        })
        .collect()
}

#[test]
fn a_rootless_job_returns_its_typed_output_and_says_how_it_ran() {
    if !common::rootless("a_rootless_job_returns_its_typed_output_and_says_how_it_ran") {
        return;
    }
    let test = common::runner_with(best_effort);
    let job = test
        .runner
        .start(MakeReport {
            name: "rootless".into(),
        })
        .expect("start");
    let report: Report = common::rt().block_on(job.wait()).expect("typed output");
    assert_eq!(report.name, "rootless");
    assert_eq!(report.values, vec![1, -2, i64::MAX]);

    let status = job.status().expect("status");
    assert_eq!(status.state, JobState::Succeeded);
    assert!(status.rootless, "{status:?}");
    let runs_as = status.runs_as.expect("runs_as");
    assert_eq!((runs_as.uid, runs_as.gid), (0, 0), "uid 0 inside");
    assert_eq!(runs_as.host_uid, nix::unistd::geteuid().as_raw());
    assert_eq!(runs_as.host_gid, nix::unistd::getegid().as_raw());
    if common::delegation_enforces_default_limits() {
        assert!(status.limits_enforced, "{status:?}");
    } else {
        assert!(!status.limits_enforced, "never silently unlimited");
        let note = status.limits_note.expect("why limits are not enforced");
        eprintln!("limits not enforced: {note}");
        assert!(
            note.contains("delegated") || note.contains("cgroup v2"),
            "{note}"
        );
        // Without a cgroup, cpu time still comes from the supervisor's accounting.
        assert!(status.usage.is_some(), "usage recorded");
    }
    let left = test.work_left(job.id().as_str());
    assert!(left.is_empty(), "work dir emptied: {left:?}");
}

#[test]
fn a_rootless_jobs_output_streams_while_it_runs() {
    if !common::rootless("a_rootless_jobs_output_streams_while_it_runs") {
        return;
    }
    let test = common::runner_with(best_effort);
    let job = test
        .runner
        .start(Ticker {
            lines: 5,
            interval_ms: 100,
        })
        .expect("start");
    let mut logs = job.logs();
    let seen = common::rt().block_on(async {
        let mut seen = Vec::new();
        while let Some(record) = logs.next().await {
            let record = record.expect("record");
            if record.stream == workernator::logs::OutputStream::Stdout {
                seen.push(String::from_utf8_lossy(&record.bytes).into_owned());
                if seen.len() == 1 {
                    // The first line arrives while the job still runs.
                    assert_ne!(job.status().expect("status").state, JobState::Succeeded);
                }
            }
        }
        seen
    });
    assert_eq!(seen.concat(), "tick 0\ntick 1\ntick 2\ntick 3\ntick 4\n");
    assert_eq!(common::rt().block_on(job.wait()).expect("sum"), 10);
}

/// Each attempt gets a user namespace and pid namespace of its own: a retry
/// works rootless too (an `unshare` in the supervisor could not be undone).
#[test]
fn a_rootless_job_is_retried_in_fresh_namespaces() {
    if !common::rootless("a_rootless_job_is_retried_in_fresh_namespaces") {
        return;
    }
    let test = common::runner_with(best_effort);
    let job = test.runner.start(Flaky { succeed_on: 3 }).expect("start");
    let output = common::rt()
        .block_on(job.wait())
        .expect("third attempt succeeds");
    assert_eq!(output, "succeeded on attempt 3");
    let status = job.status().expect("status");
    assert_eq!(status.attempt, 3);
    assert_eq!(status.attempts.len(), 2, "{status:?}");
}

#[test]
fn require_refuses_unenforceable_limits_and_says_what_to_do() {
    if !common::rootless("require_refuses_unenforceable_limits_and_says_what_to_do") {
        return;
    }
    let test = common::runner();
    let started = test.runner.start(Square { n: 3 });
    if common::delegation_enforces_default_limits() {
        let job = started.expect("limits enforceable through the delegated cgroup");
        assert_eq!(common::rt().block_on(job.wait()).expect("output"), 9);
        assert!(job.status().expect("status").limits_enforced);
        return;
    }
    let error = started.expect_err("limits cannot be enforced");
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("{text}");
    match &error {
        StartError::Limits(LimitsError::Rootless { uid, reason }) => {
            assert_eq!(*uid, nix::unistd::geteuid().as_raw());
            assert!(!reason.is_empty());
        }
        other => panic!("expected LimitsError::Rootless, got {other:?}"),
    }
    for what_to_do in ["run as root", "Delegate=yes", "RootlessLimits::BestEffort"] {
        assert!(
            text.contains(what_to_do),
            "{what_to_do} missing from: {text}"
        );
    }
    assert!(
        test.runner.list(None).expect("list").is_empty(),
        "nothing recorded"
    );
}

#[test]
fn a_job_without_limits_needs_no_cgroup_even_under_require() {
    if !common::rootless("a_job_without_limits_needs_no_cgroup_even_under_require") {
        return;
    }
    let test = common::runner();
    let options = StartOptions::new().limits(Limits::unlimited());
    let job = test
        .runner
        .start_with(Square { n: 12 }, options)
        .expect("nothing to enforce");
    assert_eq!(common::rt().block_on(job.wait()).expect("output"), 144);
    let status = job.status().expect("status");
    assert!(status.rootless && status.limits_enforced, "{status:?}");
}

#[test]
fn the_rootless_sandbox_is_isolated() {
    if !common::rootless("the_rootless_sandbox_is_isolated") {
        return;
    }
    let test = common::runner_with(best_effort);
    let job = test
        .runner
        .start(Probe {
            host_pid: std::process::id() as i32,
            state_dir: test.dir.path().display().to_string(),
            linger_ms: 0,
        })
        .expect("start");
    let view = common::rt().block_on(job.wait()).expect("view");
    assert_eq!(view.pid, 2, "the first child of the sandbox's PID 1");
    assert_eq!(view.visible_pids, vec![1, 2], "only its own processes");
    assert_eq!(view.signal_host_pid, "ESRCH: No such process");
    assert_eq!(view.interfaces, vec!["lo".to_owned()], "only loopback");
    assert!(view.loopback_works);
    assert_eq!(view.write_etc, format!("{:?}", Some(libc::EROFS)));
    assert_eq!(view.write_usr, format!("{:?}", Some(libc::EROFS)));
    assert!(view.write_work && view.write_tmp, "{view:?}");
    assert_eq!(view.cwd, "/work");
    assert_eq!(view.hostname, format!("job-{}", &job.id().as_str()[..12]));
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert_ne!(view.hostname, host_name.trim(), "the hostname is private");
    assert!(
        !matches!(&view.state_dir_listing, Ok(names) if names.iter().any(|n| n == "jobs")),
        "the state directory is hidden: {:?}",
        view.state_dir_listing
    );
    for device in ["full", "null", "random", "tty", "urandom", "zero"] {
        assert!(view.devices.iter().any(|d| d == device), "{device} missing");
    }
    assert!(
        !view
            .devices
            .iter()
            .any(|d| d == "sda" || d == "vda" || d == "mem")
    );
}

/// The job runs as uid 0 of its user namespace (the starting user outside)
/// with every capability set empty, no_new_privs and the seccomp filter.
#[test]
fn a_rootless_job_runs_as_namespace_root_without_privileges() {
    if !common::rootless("a_rootless_job_runs_as_namespace_root_without_privileges") {
        return;
    }
    let test = common::runner_with(best_effort);
    let job = test.runner.start(WhoAmI).expect("start");
    let lines = common::rt().block_on(job.wait()).expect("status lines");
    let field = |key: &str| {
        lines
            .iter()
            .find_map(|line| line.strip_prefix(key))
            .map(str::trim)
            .unwrap_or_else(|| panic!("{key} missing from {lines:?}"))
            .to_owned()
    };
    assert_eq!(field("Uid:"), "0\t0\t0\t0", "uid 0 inside");
    assert_eq!(field("Gid:"), "0\t0\t0\t0");
    for set in ["CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"] {
        assert_eq!(field(set), "0000000000000000", "{set}");
    }
    assert_eq!(field("NoNewPrivs:"), "1");
    assert_eq!(field("Seccomp:"), "2", "filter mode");
}

#[test]
fn attacks_fail_in_a_rootless_sandbox() {
    if !common::rootless("attacks_fail_in_a_rootless_sandbox") {
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("host listener");
    let port = listener.local_addr().expect("address").port();
    let home = std::env::var("HOME").unwrap_or_else(|_| "/home".into());
    let test = common::runner_with(|config| best_effort(config).tmp_size_bytes(4 << 20));
    let state_dir = test.dir.path().display().to_string();
    let attempts = attempt(
        &test,
        vec![
            Attack::WriteFile("/etc/workernator-rootless".into()),
            Attack::WriteFile(format!("{home}/workernator-rootless")),
            Attack::ListDir(state_dir.clone()),
            Attack::ReadOwnSpec(state_dir),
            Attack::Signal(std::process::id() as i32),
            Attack::SeeProcess(std::process::id() as i32),
            Attack::Connect(format!("127.0.0.1:{port}")),
            Attack::Mount,
            Attack::Unmount("/work".into()),
            Attack::Ptrace,
            Attack::LoadModule,
            Attack::UserNamespace,
            Attack::SetHostname("pwned".into()),
            Attack::FillTmp(8 << 20),
        ],
        StartOptions::new().network(NetworkMode::None),
    );
    assert_all_refused(&attempts);
}

#[test]
fn stopping_a_rootless_job_leaves_nothing_behind() {
    if !common::rootless("stopping_a_rootless_job_leaves_nothing_behind") {
        return;
    }
    let mounts_before = mounts();
    let test = common::runner_with(best_effort);
    let job = test
        .runner
        .start(Stubborn { ignore_term: true })
        .expect("start");
    common::eventually("the job to be ready", || {
        job.output()
            .expect("output")
            .iter()
            .any(|record| record.bytes.starts_with(b"ready"))
    });
    // The supervisor records Running (with its pids) a few ms after the job
    // starts, not before the job's first output.
    let running = common::status_when("the job to be recorded as running", &job, |status| {
        status.state == JobState::Running
    });
    assert!(!stray_sleeps().is_empty(), "the grandchild runs");
    let stopped = common::rt().block_on(job.stop()).expect("stop");
    assert_eq!(stopped.state, JobState::Stopped);
    for pid in [running.supervisor_pid, running.sandbox_pid]
        .into_iter()
        .flatten()
    {
        common::eventually("the job's processes to end", || !common::alive(pid));
    }
    common::eventually("the double-forked grandchild to end", || {
        stray_sleeps().is_empty()
    });
    assert_eq!(mounts(), mounts_before, "no mount left on the host");
    let left = test.work_left(job.id().as_str());
    assert!(left.is_empty(), "work dir emptied: {left:?}");
    let dir = test.dir.path().to_path_buf();
    drop(test);
    assert!(
        !dir.exists(),
        "the state directory is removed with the runner"
    );
}

/// Env var that turns "skipped: nothing delegated" into a failure (set by
/// `.ci/run` for the run inside the cgroup it delegates).
const REQUIRE_DELEGATION: &str = "WORKERNATOR_REQUIRE_DELEGATION";

#[test]
fn a_delegated_cgroup_v2_subtree_holds_rootless_jobs() {
    let test_name = "a_delegated_cgroup_v2_subtree_holds_rootless_jobs";
    if !common::rootless(test_name) {
        return;
    }
    let host = workernator::host::probe();
    let Some(delegated) = host.delegated_cgroup else {
        let why = host.delegation_missing.unwrap_or_default();
        assert!(
            std::env::var_os(REQUIRE_DELEGATION).is_none_or(|v| v != "1"),
            "{test_name}: no delegated cgroup ({why}), and {REQUIRE_DELEGATION}=1 forbids skipping"
        );
        eprintln!("{test_name}: skipped: no cgroup v2 subtree is delegated to this user: {why}");
        return;
    };
    let memory = delegated
        .controllers
        .iter()
        .any(|c| c.name == "memory" && c.writable);
    // A hybrid host's cgroup2 has no controllers: then no limits, but still a
    // cgroup, for stopping and accounting.
    let limits = match memory {
        true => Limits::unlimited().memory_max_bytes(64 << 20),
        false => Limits::unlimited(),
    };
    let test = common::runner();
    let job = test
        .runner
        .start_with(
            Ticker {
                lines: 1000,
                interval_ms: 20,
            },
            StartOptions::new().limits(limits),
        )
        .expect("start in the delegated subtree");
    let status = common::status_when("the job to run", &job, |status| {
        status.state == JobState::Running
    });
    assert!(status.rootless && status.limits_enforced, "{status:?}");
    let parent = delegated.root.join(&test.cgroup_parent);
    let dir = parent.join(job.id().as_str());
    let procs = std::fs::read_to_string(dir.join("cgroup.procs")).expect("the job's cgroup");
    let sandbox = status.sandbox_pid.expect("sandbox pid");
    assert!(
        procs.lines().any(|line| line.trim() == sandbox.to_string()),
        "the sandbox init is in {}: {procs}",
        dir.display()
    );
    if memory {
        let max = std::fs::read_to_string(dir.join("memory.max")).expect("memory.max");
        assert_eq!(max.trim(), (64u64 << 20).to_string());
    }
    let stopped = common::rt().block_on(job.stop()).expect("stop");
    assert_eq!(stopped.state, JobState::Stopped);
    assert!(stopped.usage.is_some(), "accounting from the cgroup");
    assert!(!dir.exists(), "the job's cgroup is removed");
    drop(test);
    assert!(!parent.exists(), "the test's own parent cgroup is removed");
}

/// As root, the tests above skip; this one runs them for real as `nobody`:
/// this test binary again (through `/proc/self/exe`, which works wherever the
/// binary lives), with that uid and gid, a home and temporary directory of its
/// own, and WORKERNATOR_REQUIRE_ROOTLESS=1 so none of them may skip.
#[test]
fn as_root_the_rootless_tests_run_as_nobody() {
    use std::os::unix::process::CommandExt;
    if !nix::unistd::geteuid().is_root() {
        eprintln!(
            "as_root_the_rootless_tests_run_as_nobody: skipped: not root (the tests run directly)"
        );
        return;
    }
    let nobody = workernator::sandbox::JobUser::NOBODY;
    let home = tempfile::Builder::new()
        .prefix("workernator-test-")
        .tempdir()
        .expect("a home for nobody");
    nix::unistd::chown(
        home.path(),
        Some(nix::unistd::Uid::from_raw(nobody.uid)),
        Some(nix::unistd::Gid::from_raw(nobody.gid)),
    )
    .expect("chown the home to nobody");
    let output = std::process::Command::new("/proc/self/exe")
        .args([
            "--skip",
            "as_root_the_rootless_tests_run_as_nobody",
            "--test-threads=2",
        ])
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", home.path())
        .env("TMPDIR", home.path())
        .env(common::REQUIRE_ROOTLESS, "1")
        .current_dir(home.path())
        .uid(nobody.uid)
        .gid(nobody.gid)
        .output()
        .expect("run the rootless tests as nobody");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{text}");
    assert!(
        output.status.success(),
        "the rootless tests failed as nobody"
    );
    assert!(text.contains("test result: ok"), "{text}");
    assert!(!text.contains("ok. 0 passed"), "the tests ran: {text}");
}
