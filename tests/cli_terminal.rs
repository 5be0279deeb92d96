//! What a job controls never reaches the operator's terminal raw: its error
//! and arguments in `jobs status` and `jobs wait`, a job type in `jobs list`
//! and in errors, control characters in JSON. Piped, the human output keeps
//! its bytes. On a terminal, `jobs wait` draws a progress bar.

mod common;

use common::cli::{Cli, cli};

/// An expression that sets the window title: the eval job fails on its ESC,
/// and quotes it in its error.
const TITLE_EXPRESSION: &str = "1 + \u{1b}]0;pwned\u{7}";
const TITLE_SHOWN: &str = r"1 + \x1b]0;pwned\x07";

/// Asserts that `bytes`, written to a terminal, hold no control character
/// but newlines and tabs (an ESC, a C1 control, a carriage return...).
fn assert_no_controls(what: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{what}: not UTF-8"));
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{what}: a control character reached the terminal: {text:?}"
    );
}

/// A failed eval job whose argument and error hold [`TITLE_EXPRESSION`]'s ESC.
fn title_job(cli: &Cli) -> String {
    let id = cli.start(&["eval", TITLE_EXPRESSION]);
    assert_eq!(cli.wait(&id).0, 3, "the job fails");
    id
}

#[test]
fn status_and_wait_on_a_terminal_escape_the_jobs_error_and_arguments() {
    if !common::privileged("status_and_wait_on_a_terminal_escape_the_jobs_error_and_arguments") {
        return;
    }
    let cli = cli();
    let id = title_job(&cli);
    for (args, code) in [
        (vec!["jobs", "status", &id], 0),
        (vec!["jobs", "wait", &id], 3),
    ] {
        let shown = cli.run_on_terminals(&args);
        shown.expect_code(code);
        let text = String::from_utf8_lossy(&shown.stdout);
        assert!(
            text.contains(&format!("  Expression: {TITLE_SHOWN}\n")),
            "{text}"
        );
        assert!(
            text.contains("Error:      unexpected character '\\x1b' at column 5\n"),
            "{text}"
        );
        assert_no_controls("stdout", &shown.stdout);
        assert_no_controls("stderr", &shown.stderr_bytes);
    }
    // Piped, the bytes stay as they are.
    let piped = cli.run(&["jobs", "status", &id]);
    piped.expect_code(0);
    assert!(
        piped
            .stdout_text()
            .contains(&format!("  Expression: {TITLE_EXPRESSION}\n")),
        "{piped:?}"
    );
}

#[test]
fn json_escapes_del_and_c1_controls_and_keeps_the_value() {
    if !common::privileged("json_escapes_del_and_c1_controls_and_keeps_the_value") {
        return;
    }
    let cli = cli();
    // U+009B is CSI to terminals that read C1 controls; DEL; and ESC.
    let expression = "2 * \u{9b}2J\u{7f}\u{1b}[0m";
    let id = cli.start(&["eval", expression]);
    assert_eq!(cli.wait(&id).0, 3);
    for args in [
        vec!["jobs", "status", &id, "--json"],
        vec!["jobs", "list", "--json"],
    ] {
        let output = cli.run(&args);
        output.expect_code(0);
        assert_no_controls("JSON", &output.stdout);
        let json = output.json();
        let status = json.as_array().map_or(&json, |jobs| &jobs[0]);
        assert_eq!(status["args"]["expression"], expression, "{json}");
        assert_eq!(
            status["error"], "unexpected character '\u{9b}' at column 5",
            "{json}"
        );
    }
}

#[test]
fn a_job_type_from_the_state_dir_is_escaped_in_lists_and_errors() {
    if !common::privileged("a_job_type_from_the_state_dir_is_escaped_in_lists_and_errors") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["noop"]);
    cli.wait(&id);
    // As if another program, or someone with write access to the state dir,
    // named its job type so.
    let forged = "Mystery\u{1b}]0;x\u{7}\r";
    let path = cli.state_dir().join("jobs").join(&id).join("status.json");
    let mut status: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
    status["job_type"] = forged.into();
    std::fs::write(&path, serde_json::to_vec(&status).expect("encode")).expect("write");

    let listed = cli.run_on_terminals(&["jobs", "list"]);
    listed.expect_code(0);
    let table = String::from_utf8_lossy(&listed.stdout);
    assert!(table.contains(r"Mystery\x1b]0;x\x07\x0d"), "{table}");
    assert_no_controls("jobs list", &listed.stdout);

    let refused = cli.run_on_terminals(&["jobs", "status", &id]);
    refused.expect_code(1);
    assert!(
        refused
            .stderr
            .contains(r"is a 'Mystery\x1b]0;x\x07\x0d' job"),
        "{refused:?}"
    );
    assert_no_controls("the error", &refused.stderr_bytes);
}

#[test]
fn wait_on_a_terminal_draws_a_progress_bar_and_clears_it() {
    if !common::privileged("wait_on_a_terminal_draws_a_progress_bar_and_clears_it") {
        return;
    }
    // A port nothing listens on: the job waits 2 s, reporting progress each
    // second, then fails to connect.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let cli = cli();
    let url = format!("http://127.0.0.1:{port}/");
    let id = cli.start(&["wait", "2", &url]);
    let waited = cli.run_on_terminals(&["jobs", "wait", &id]);
    waited.expect_code(3);
    let bar = &waited.stderr;
    assert!(
        bar.contains("[############............] 1/2  50%  waited 1 of 2 s"),
        "{bar:?}"
    );
    // The line is cleared for the status block.
    assert!(bar.ends_with("\r\u{1b}[2K"), "{bar:?}");
    assert!(
        waited.stdout_text().contains("Status:     Failed\n"),
        "{waited:?}"
    );
    // Piped, no bar.
    let piped = cli.run(&["jobs", "wait", &id]);
    piped.expect_code(3);
    assert!(piped.stderr.is_empty(), "{piped:?}");
}
