//! The `noop` job does nothing and prints nothing.

mod common;

use common::cli::cli;

#[test]
fn noop_succeeds_silently() {
    if !common::privileged("noop_succeeds_silently") {
        return;
    }
    let cli = cli();
    let started = cli.run(&["jobs", "start", "noop"]);
    started.expect_code(0);
    assert!(
        started
            .stdout_text()
            .starts_with("Started 'Noop' job, ID: ")
    );
    let id = cli.run(&["jobs", "list", "--json"]).json()[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 0);
    assert_eq!(status["output"], serde_json::Value::Null);
    assert_eq!(status["args"], serde_json::Value::Null);
    let tail = cli.run(&["jobs", "tail", &id]);
    assert!(tail.stdout.is_empty() && tail.stderr.is_empty());
}

#[test]
fn noop_takes_no_arguments() {
    cli()
        .run(&["jobs", "start", "noop", "extra"])
        .expect_usage("noop: accepts 0 arg(s), received 1");
}
