//! `jobs list` shows the jobs of every earlier invocation, filtered by state.

mod common;

use common::cli::cli;

#[test]
fn jobs_from_several_invocations_are_listed_and_filtered() {
    if !common::privileged("jobs_from_several_invocations_are_listed_and_filtered") {
        return;
    }
    let cli = cli();
    let fib = cli.start(&["fib", "10"]);
    let bad = cli.start(&["eval", "1 +"]);
    let long = cli.start(&["exec", "--", "sleep", "60"]);
    cli.wait(&fib);
    cli.wait(&bad);

    let all = cli.run(&["jobs", "list", "--json"]);
    all.expect_code(0);
    assert_eq!(all.stdout_text().lines().count(), 1);
    let jobs = all.json();
    let jobs = jobs.as_array().expect("an array");
    let ids: Vec<&str> = jobs.iter().filter_map(|job| job["id"].as_str()).collect();
    assert_eq!(
        ids,
        [fib.as_str(), bad.as_str(), long.as_str()],
        "oldest first"
    );
    assert_eq!(jobs[0]["output"], "55");
    assert_eq!(jobs[1]["state"], "failed");

    let failed = cli
        .run(&["jobs", "list", "--json", "--state", "failed"])
        .json();
    assert_eq!(failed.as_array().map(Vec::len), Some(1));
    assert_eq!(failed[0]["id"], bad.as_str());
    let running = cli
        .run(&["jobs", "list", "--state", "running", "--json"])
        .json();
    assert_eq!(running[0]["id"], long.as_str());

    let table = cli.run(&["jobs", "list"]);
    table.expect_code(0);
    let text = table.stdout_text();
    assert!(text.starts_with("ID "), "{text}");
    assert!(text.contains(&format!("{fib}  fib ")), "{text}");
    assert!(text.contains(" succeeded "), "{text}");

    cli.until_started(&long);
    cli.run(&["jobs", "stop", &long]).expect_code(0);
    let stopped = cli
        .run(&["jobs", "list", "--json", "--state", "stopped"])
        .json();
    assert_eq!(stopped[0]["id"], long.as_str());
}

#[test]
fn an_empty_state_dir_lists_nothing() {
    let cli = cli();
    let output = cli.run(&["jobs", "list", "--json"]);
    output.expect_code(0);
    assert_eq!(output.json(), serde_json::json!([]));
    let table = cli.run(&["jobs", "list"]);
    assert_eq!(table.stdout_text(), "No jobs.\n");
}
