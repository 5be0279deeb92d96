//! `jobs stop` ends a running job started by another invocation, and is
//! idempotent: stopping a job that already ended is not an error.

mod common;

use common::cli::cli;

#[test]
fn stop_ends_a_running_job_and_again_changes_nothing() {
    if !common::privileged("stop_ends_a_running_job_and_again_changes_nothing") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["exec", "--", "sleep", "60"]);
    assert_eq!(cli.status(&id)["state"], "running");
    cli.until_started(&id);

    let stopped = cli.run(&["jobs", "stop", &id]);
    stopped.expect_code(0);
    assert_eq!(stopped.stdout_text(), format!("Stopped job {id}.\n"));
    let status = cli.status(&id);
    assert_eq!(status["state"], "stopped");
    assert_eq!(status["error"], serde_json::Value::Null);
    assert!(status["finished_at"].is_string());

    let again = cli.run(&["jobs", "stop", &id]);
    again.expect_code(0);
    assert_eq!(
        again.stdout_text(),
        format!("Job {id} had already ended (stopped).\n")
    );
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 3, "a stopped job did not succeed");
    assert_eq!(status["state"], "stopped");
}

#[test]
fn stopping_a_finished_job_is_not_an_error() {
    if !common::privileged("stopping_a_finished_job_is_not_an_error") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["noop"]);
    cli.wait(&id);
    let output = cli.run(&["jobs", "stop", &id]);
    output.expect_code(0);
    assert_eq!(
        output.stdout_text(),
        format!("Job {id} had already ended (succeeded).\n")
    );
    assert_eq!(cli.status(&id)["state"], "succeeded");
}
