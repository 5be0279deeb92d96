//! The `exec` job runs an existing program in the sandbox; its exit code is
//! the output, and a non-zero exit is a failure.

mod common;

use common::cli::cli;

#[test]
fn a_program_runs_in_the_sandbox() {
    if !common::privileged("a_program_runs_in_the_sandbox") {
        return;
    }
    let cli = cli();
    // The sandbox has its own hostname and pid namespace.
    let script = "cat /proc/sys/kernel/hostname; echo $$";
    let id = cli.start(&["exec", "--", "sh", "-c", script]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 0, "{status}");
    assert_eq!(status["output"], 0);
    assert_eq!(
        status["args"]["argv"],
        serde_json::json!(["sh", "-c", script])
    );
    let text = cli.run(&["jobs", "tail", &id]).stdout_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("job-"), "{text}");
    assert!(lines[1].parse::<u32>().is_ok_and(|pid| pid < 10), "{text}");
}

#[test]
fn a_non_zero_exit_fails_the_job() {
    if !common::privileged("a_non_zero_exit_fails_the_job") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["exec", "--", "sh", "-c", "echo partial; exit 3"]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 3);
    assert_eq!(status["state"], "failed");
    assert_eq!(status["error"], "'sh' exited with code 3");
    assert_eq!(cli.run(&["jobs", "tail", &id]).stdout, b"partial\n");
}

#[test]
fn a_missing_program_fails_the_job() {
    if !common::privileged("a_missing_program_fails_the_job") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["exec", "--", "/no/such/program"]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 3);
    let error = status["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("cannot run '/no/such/program': "),
        "{status}"
    );
}

#[test]
fn exec_needs_a_program() {
    cli()
        .run(&["jobs", "start", "exec", "--"])
        .expect_usage("expected a program to run");
}
