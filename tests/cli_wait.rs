//! `jobs wait` waits for a job another invocation started, shows its status,
//! and exits 0 only if it succeeded (3 otherwise).

mod common;

use common::cli::cli;
use std::time::Instant;

#[test]
fn wait_exits_0_for_a_success_with_the_output() {
    if !common::privileged("wait_exits_0_for_a_success_with_the_output") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["exec", "--", "sh", "-c", "sleep 1"]);
    let started = Instant::now();
    let output = cli.run(&["jobs", "wait", &id, "--json"]);
    output.expect_code(0);
    assert!(started.elapsed().as_millis() >= 500, "did not wait");
    let status = output.json();
    assert_eq!(status["state"], "succeeded");
    assert_eq!(status["output"], 0);

    let human = cli.run(&["jobs", "wait", &id]);
    human.expect_code(0);
    assert!(human.stdout_text().contains("Status:     Succeeded\n"));
}

#[test]
fn wait_exits_non_zero_for_a_failure() {
    if !common::privileged("wait_exits_non_zero_for_a_failure") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["eval", "1 / 0"]);
    let output = cli.run(&["jobs", "wait", &id]);
    output.expect_code(3);
    let text = output.stdout_text();
    assert!(text.contains("Status:     Failed\n"), "{text}");
    assert!(
        text.contains("Error:      division by zero at column 3\n"),
        "{text}"
    );
}
