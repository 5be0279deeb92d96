//! `jobs start` returns at once and the job runs on after the CLI exits; later
//! invocations show its status, for people and as a JSON object.

mod common;

use common::cli::cli;

#[test]
fn a_started_job_outlives_the_cli_and_shows_its_status_later() {
    if !common::privileged("a_started_job_outlives_the_cli_and_shows_its_status_later") {
        return;
    }
    let cli = cli();
    let started = cli.run(&["jobs", "start", "fib", "90"]);
    started.expect_code(0);
    let text = started.stdout_text();
    let first = text.lines().next().unwrap_or_default();
    let id = first
        .strip_prefix("Started 'Fibonacci' job, ID: ")
        .unwrap_or_else(|| panic!("unexpected start message: {text}"));
    assert_eq!(id.len(), 32, "{text}");
    assert!(
        text.contains(&format!("workernator jobs tail {id}")),
        "{text}"
    );

    let (code, _) = cli.wait(id);
    assert_eq!(code, 0);
    let status = cli.run(&["jobs", "status", id]);
    status.expect_code(0);
    let block = status.stdout_text();
    for expected in [
        format!("Job {id}: Fibonacci\n"),
        "Arguments:\n  Position:   90\n".to_owned(),
        "Status:     Succeeded\n".to_owned(),
        "Result:     2880067194370816120\n".to_owned(),
        "Progress:   90/90 (100%): computed position 90\n".to_owned(),
        "Duration:   ".to_owned(),
    ] {
        assert!(block.contains(&expected), "{expected:?} not in:\n{block}");
    }
}

#[test]
fn the_status_object_has_every_field_on_one_line() {
    if !common::privileged("the_status_object_has_every_field_on_one_line") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["fib", "12"]);
    cli.wait(&id);
    let output = cli.run(&["jobs", "status", &id, "--json"]);
    output.expect_code(0);
    assert_eq!(output.stdout_text().lines().count(), 1);
    let status = output.json();
    for field in [
        "id",
        "kind",
        "owner",
        "state",
        "attempt",
        "exit_code",
        "signal",
        "oom_killed",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "progress",
        "output",
        "limits",
        "usage",
    ] {
        assert!(status.get(field).is_some(), "no {field} in {status}");
    }
    for field in [
        "cpu_user_ms",
        "cpu_system_ms",
        "peak_memory_bytes",
        "io_read_bytes",
        "io_write_bytes",
        "wall_ms",
    ] {
        assert!(
            status["usage"].get(field).is_some(),
            "no usage.{field} in {status}"
        );
    }
    assert_eq!(status["id"], id.as_str());
    assert_eq!(status["kind"], "fib");
    assert_eq!(status["state"], "succeeded");
    assert_eq!(status["attempt"], 1);
    assert_eq!(status["exit_code"], 0);
    assert_eq!(status["output"], "144");
    assert_eq!(status["error"], serde_json::Value::Null);
    assert_eq!(status["progress"]["done"], 12);
    assert_eq!(status["progress"]["total"], 12);
    assert_eq!(status["limits"]["memory_max_bytes"], 1u64 << 30);
    assert!(status["usage"]["wall_ms"].is_u64(), "{status}");
    for time in ["created_at", "started_at", "finished_at"] {
        let text = status[time].as_str().unwrap_or_default();
        // RFC 3339 in UTC: 2024-05-01T12:00:00.123Z
        assert_eq!(text.len(), 24, "{time}: {text}");
        assert!(
            text.ends_with('Z') && &text[10..11] == "T",
            "{time}: {text}"
        );
    }
    assert!(status["created_at"].as_str() <= status["finished_at"].as_str());
}

#[test]
fn start_json_prints_the_new_jobs_status() {
    if !common::privileged("start_json_prints_the_new_jobs_status") {
        return;
    }
    let cli = cli();
    let output = cli.run(&["jobs", "start", "--json", "noop"]);
    output.expect_code(0);
    let status = output.json();
    assert_eq!(status["kind"], "noop");
    // Just started: running (or, if quick, already done), never anything else.
    assert!(
        matches!(status["state"].as_str(), Some("running" | "succeeded")),
        "{status}"
    );
    assert_eq!(status["output"], serde_json::Value::Null);
    cli.wait(status["id"].as_str().unwrap_or_default());
}
