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

/// What a hostile job prints to take over the terminal of whoever tails it:
/// an OSC 52 clipboard write, a window title, CSI sequences (clear the
/// screen, colour), a carriage return that overwrites a line, a bell, DEL,
/// C1 controls as UTF-8 (CSI U+009B, OSC U+009D), bytes that are not UTF-8;
/// and text that must pass as it is (accents, a check mark, a tab).
const ATTACK_STDOUT_FORMAT: &str = r"clip\033]52;c;SGVsbG8=\007title\033]0;pwned\007csi\033[2J\033[31mred\nsafe\rEVIL\nbell\007del\177c1\302\23331m\302\235x\nbad\377\200 h\303\251llo \342\234\223\ttab\n";
const ATTACK_STDOUT_BYTES: &[u8] = b"clip\x1b]52;c;SGVsbG8=\x07title\x1b]0;pwned\x07csi\x1b[2J\x1b[31mred\nsafe\rEVIL\nbell\x07del\x7fc1\xc2\x9b31m\xc2\x9dx\nbad\xff\x80 h\xc3\xa9llo \xe2\x9c\x93\ttab\n";
/// On a terminal, each control shows as `\xNN`.
const ATTACK_STDOUT_SHOWN: &str = "clip\\x1b]52;c;SGVsbG8=\\x07title\\x1b]0;pwned\\x07csi\\x1b[2J\\x1b[31mred\nsafe\\x0dEVIL\nbell\\x07del\\x7fc1\\xc2\\x9b31m\\xc2\\x9dx\nbad\\xff\\x80 héllo ✓\ttab\n";
/// Stderr: a title ended by ST (ESC \), and a cursor move up a line.
const ATTACK_STDERR_FORMAT: &str = r"err\033]2;t\033\\ up\033[1A\n";
const ATTACK_STDERR_BYTES: &[u8] = b"err\x1b]2;t\x1b\\ up\x1b[1A\n";
const ATTACK_STDERR_SHOWN: &str = "err\\x1b]2;t\\x1b\\ up\\x1b[1A\n";

/// A finished job that printed [`ATTACK_STDOUT_BYTES`] and [`ATTACK_STDERR_BYTES`].
fn attacking_job(cli: &common::cli::Cli) -> String {
    let script = format!("printf '{ATTACK_STDOUT_FORMAT}'; printf '{ATTACK_STDERR_FORMAT}' >&2");
    let id = cli.start(&["exec", "--", "sh", "-c", &script]);
    assert_eq!(cli.wait(&id).0, 0);
    // What the job wrote is what the tests expect.
    let piped = cli.run(&["jobs", "tail", &id]);
    piped.expect_code(0);
    assert_eq!(piped.stdout, ATTACK_STDOUT_BYTES);
    assert_eq!(piped.stderr_bytes, ATTACK_STDERR_BYTES);
    id
}

#[test]
fn tail_on_a_terminal_shows_control_characters_escaped() {
    if !common::privileged("tail_on_a_terminal_shows_control_characters_escaped") {
        return;
    }
    let cli = cli();
    let id = attacking_job(&cli);
    for args in [
        vec!["jobs", "tail", &id],
        vec!["jobs", "tail", &id, "--no-follow"],
    ] {
        let shown = cli.run_on_terminals(&args);
        shown.expect_code(0);
        assert_eq!(String::from_utf8_lossy(&shown.stdout), ATTACK_STDOUT_SHOWN);
        assert_eq!(shown.stderr, ATTACK_STDERR_SHOWN);
        for (name, bytes) in [("stdout", &shown.stdout), ("stderr", &shown.stderr_bytes)] {
            let text = std::str::from_utf8(bytes).expect("valid UTF-8 on the terminal");
            assert!(
                !text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t'),
                "a control character reached the terminal on {name}: {text:?}"
            );
        }
    }
}

#[test]
fn tail_with_timestamps_on_a_terminal_escapes_and_stamps_each_line() {
    if !common::privileged("tail_with_timestamps_on_a_terminal_escapes_and_stamps_each_line") {
        return;
    }
    let cli = cli();
    let id = attacking_job(&cli);
    let shown = cli.run_on_terminals(&["jobs", "tail", &id, "--timestamps"]);
    shown.expect_code(0);
    let text = String::from_utf8(shown.stdout).expect("UTF-8");
    let unstamped: Vec<&str> = text
        .split_inclusive('\n')
        .map(|line| {
            let (stamp, rest) = line.split_once(' ').expect("a stamp");
            assert!(stamp.len() == 24 && stamp.ends_with('Z'), "{line:?}");
            rest
        })
        .collect();
    assert_eq!(unstamped.concat(), ATTACK_STDOUT_SHOWN);
}

#[test]
fn tail_raw_on_a_terminal_and_tail_piped_are_byte_exact() {
    if !common::privileged("tail_raw_on_a_terminal_and_tail_piped_are_byte_exact") {
        return;
    }
    let cli = cli();
    // Piped, checked by attacking_job itself.
    let id = attacking_job(&cli);
    for args in [
        vec!["jobs", "tail", &id, "--raw"],
        vec!["jobs", "tail", "--raw", &id, "--no-follow"],
    ] {
        let raw = cli.run_on_terminals(&args);
        raw.expect_code(0);
        assert_eq!(raw.stdout, ATTACK_STDOUT_BYTES);
        assert_eq!(raw.stderr_bytes, ATTACK_STDERR_BYTES);
    }
}
