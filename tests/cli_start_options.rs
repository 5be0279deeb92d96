//! `jobs start` options reach the job: `--memory`, `--pids`, `--cpu` and the
//! io limits as its limits, `--timeout`, `--net`, `--owner`, `--keep-workdir`.

mod common;

use common::cli::cli;

#[test]
fn limits_reach_the_jobs_status() {
    if !common::privileged("limits_reach_the_jobs_status") {
        return;
    }
    let cli = cli();
    let id = cli.start(&[
        "--memory", "64M", "--pids", "32", "--cpu", "0.5", "fib", "30",
    ]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 0, "{status}");
    assert_eq!(status["limits"]["memory_max_bytes"], 64u64 << 20);
    assert_eq!(status["limits"]["pids_max"], 32);
    assert_eq!(status["limits"]["cpu_max_cores"], 0.5);
    let human = cli.run(&["jobs", "status", &id]).stdout_text();
    assert!(
        human.contains("Limits:     cpu 0.5 cores, memory 64 MiB, 32 processes\n"),
        "{human}"
    );
}

#[test]
fn a_pids_limit_is_enforced() {
    if !common::privileged("a_pids_limit_is_enforced") {
        return;
    }
    let cli = cli();
    // Sandbox init, the job, sh: a fourth process cannot start...
    let script = "/bin/true && echo forked";
    let limited = cli.start(&["--pids", "3", "exec", "--", "sh", "-c", script]);
    // ...and with one more allowed, it can.
    let roomier = cli.start(&["--pids", "4", "exec", "--", "sh", "-c", script]);
    let (code, status) = cli.wait(&limited);
    assert_eq!(code, 3, "{status}");
    let tail = cli.run(&["jobs", "tail", &limited]);
    assert!(tail.stderr.contains("fork"), "{tail:?}");
    assert!(tail.stdout.is_empty(), "{tail:?}");
    assert_eq!(cli.wait(&roomier).0, 0);
    assert_eq!(cli.run(&["jobs", "tail", &roomier]).stdout, b"forked\n");
}

#[test]
fn keep_workdir_keeps_the_work_directory() {
    if !common::privileged("keep_workdir_keeps_the_work_directory") {
        return;
    }
    let cli = cli();
    let kept = cli.start(&["--keep-workdir", "exec", "--", "sh", "-c", "echo hi > note"]);
    let removed = cli.start(&["exec", "--", "sh", "-c", "echo hi > note"]);
    assert_eq!(cli.wait(&kept).0, 0);
    assert_eq!(cli.wait(&removed).0, 0);
    let work = |id: &str| cli.state_dir().join("jobs").join(id).join("work");
    assert_eq!(
        std::fs::read_to_string(work(&kept).join("note"))
            .ok()
            .as_deref(),
        Some("hi\n")
    );
    assert_eq!(
        std::fs::read_dir(work(&removed)).unwrap().count(),
        0,
        "emptied, the directory left"
    );
}

#[test]
fn a_timeout_stops_a_long_job_as_timed_out() {
    if !common::privileged("a_timeout_stops_a_long_job_as_timed_out") {
        return;
    }
    let cli = cli();
    let started = std::time::Instant::now();
    let id = cli.start(&["--timeout", "1s", "exec", "--", "sleep", "60"]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 3, "{status}");
    assert!(
        started.elapsed().as_secs() < 30,
        "the timeout did not stop it"
    );
    assert_eq!(status["state"], "failed", "{status}");
    assert_eq!(status["error"], "timed out after 1 second", "{status}");
}

/// The network interfaces `exec` sees with `--net <mode>`.
fn interfaces(cli: &common::cli::Cli, mode: &str) -> Vec<String> {
    let id = cli.start(&["--net", mode, "exec", "--", "cat", "/proc/net/dev"]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 0, "{status}");
    let text = cli.run(&["jobs", "tail", &id]).stdout_text();
    // Two header lines, then "  name: counters".
    text.lines()
        .skip(2)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, _)| name.trim().to_owned())
        .collect()
}

#[test]
fn net_host_shares_the_hosts_interfaces_and_none_has_loopback_only() {
    if !common::privileged("net_host_shares_the_hosts_interfaces") {
        return;
    }
    let cli = cli();
    assert_eq!(interfaces(&cli, "none"), ["lo"]);
    let host: Vec<String> = std::fs::read_to_string("/proc/net/dev")
        .expect("the host's interfaces")
        .lines()
        .skip(2)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, _)| name.trim().to_owned())
        .collect();
    let mut seen = interfaces(&cli, "host");
    let mut expected = host;
    seen.sort();
    expected.sort();
    assert_eq!(seen, expected);
}

#[test]
fn the_owner_shows_in_the_status() {
    if !common::privileged("the_owner_shows_in_the_status") {
        return;
    }
    let cli = cli();
    let alice = cli.start(&["--owner", "alice@team-1", "noop"]);
    let nobody = cli.start(&["noop"]);
    let (_, status) = cli.wait(&alice);
    assert_eq!(status["owner"], "alice@team-1", "{status}");
    assert_eq!(cli.wait(&nobody).1["owner"], serde_json::Value::Null);
    let human = cli.run(&["jobs", "status", &alice]).stdout_text();
    assert!(human.contains("Owner:      alice@team-1\n"), "{human}");
}
