//! `jobs tail` writes the job's stdout and stderr bytes exactly as the job wrote
//! them, to the same streams, from the first byte; it follows a running job to
//! its end, then exits 0.

mod common;

use common::cli::cli;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// `printf` escapes for bytes that are not text: NUL, 0xff, 0x80, a lone CR.
const STDOUT_FORMAT: &str = r"out\000\377\200\r\nline 2\n";
const STDOUT_BYTES: &[u8] = b"out\x00\xff\x80\r\nline 2\n";
const STDERR_FORMAT: &str = r"err\001\376";
const STDERR_BYTES: &[u8] = b"err\x01\xfe";

#[test]
fn tail_is_byte_exact_on_both_streams() {
    if !common::privileged("tail_is_byte_exact_on_both_streams") {
        return;
    }
    let cli = cli();
    let script = format!("printf '{STDOUT_FORMAT}'; printf '{STDERR_FORMAT}' >&2");
    let id = cli.start(&["exec", "--", "sh", "-c", &script]);
    let (code, _) = cli.wait(&id);
    assert_eq!(code, 0);
    for args in [
        vec!["jobs", "tail", &id],
        vec!["jobs", "tail", &id, "--no-follow"],
    ] {
        let output = cli.run(&args);
        output.expect_code(0);
        assert_eq!(output.stdout, STDOUT_BYTES);
        assert_eq!(output.stderr_bytes, STDERR_BYTES);
    }
}

#[test]
fn tail_follows_a_running_job_to_its_end() {
    if !common::privileged("tail_follows_a_running_job_to_its_end") {
        return;
    }
    let cli = cli();
    let id = cli.start(&[
        "exec",
        "--",
        "sh",
        "-c",
        "printf 'before '; sleep 1; printf 'after\\n'",
    ]);
    let started = Instant::now();
    let output = cli.run(&["jobs", "tail", &id]);
    output.expect_code(0);
    assert_eq!(output.stdout, b"before after\n");
    assert!(started.elapsed().as_millis() >= 500, "did not follow");
    assert_eq!(cli.status(&id)["state"], "succeeded");
}

#[test]
fn no_follow_prints_what_there_is_and_exits() {
    if !common::privileged("no_follow_prints_what_there_is_and_exits") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["exec", "--", "sh", "-c", "printf 'first\\n'; sleep 60"]);
    // Wait (in status) until the first line was written, without tailing.
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let output = cli.run(&["jobs", "tail", &id, "--no-follow"]);
        output.expect_code(0);
        if !output.stdout.is_empty() {
            assert_eq!(output.stdout, b"first\n");
            break;
        }
        assert!(Instant::now() < deadline, "no output");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(cli.status(&id)["state"], "running");
    cli.run(&["jobs", "stop", &id]).expect_code(0);
}

#[test]
fn timestamps_prefix_each_line() {
    if !common::privileged("timestamps_prefix_each_line") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["exec", "--", "printf", "one\\ntwo\\n"]);
    cli.wait(&id);
    let output = cli.run(&["jobs", "tail", &id, "--timestamps"]);
    output.expect_code(0);
    let text = output.stdout_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    for (line, word) in lines.iter().zip(["one", "two"]) {
        let (stamp, rest) = line.split_once(' ').unwrap_or_default();
        assert_eq!(rest, word, "{text}");
        assert!(stamp.len() == 24 && stamp.ends_with('Z'), "{text}");
    }
}

#[test]
fn tail_of_a_job_with_no_output_prints_nothing() {
    if !common::privileged("tail_of_a_job_with_no_output_prints_nothing") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["noop"]);
    let output = cli.run(&["jobs", "tail", &id]);
    output.expect_code(0);
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "{output:?}"
    );
}

#[test]
fn tail_shows_each_line_as_the_job_writes_it() {
    if !common::privileged("tail_shows_each_line_as_the_job_writes_it") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["exec", "--", "sh", "-c", "echo a; sleep 2; echo b"]);
    let mut tail = cli
        .command()
        .arg("--state-dir")
        .arg(cli.state_dir())
        .args(["jobs", "tail", &id])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tail");
    let stdout = tail.stdout.take().expect("piped");
    let started = Instant::now();
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        lines.push((line.expect("a line"), started.elapsed()));
    }
    let status = tail.wait().expect("tail exits");
    assert!(status.success(), "{status}");
    let texts: Vec<&str> = lines.iter().map(|(text, _)| text.as_str()).collect();
    assert_eq!(texts, ["a", "b"]);
    // "a" came while the job still ran, a second or more before "b".
    let (first, second) = (lines[0].1, lines[1].1);
    assert!(
        second.saturating_sub(first) >= Duration::from_millis(1000),
        "not live: a at {first:?}, b at {second:?}"
    );
    assert_eq!(cli.status(&id)["state"], "succeeded");
}
