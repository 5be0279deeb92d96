//! What `jobs start` options the library supports today reach the job:
//! `--memory`, `--pids`, `--cpu` as its limits, `--keep-workdir`.

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
    assert!(!work(&removed).exists());
}
