//! The `fib` job: exact at any size (no silent overflow), with progress; bad
//! positions are usage errors.

mod common;

use common::cli::cli;

#[test]
fn fib_200_is_exact() {
    if !common::privileged("fib_200_is_exact") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["fib", "200"]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 0, "{status}");
    assert_eq!(
        status["output"],
        "280571172992510140037611932413038677189525"
    );
    assert_eq!(
        status["progress"],
        serde_json::json!({ "done": 200, "total": 200, "message": "computed position 200" })
    );
    let tail = cli.run(&["jobs", "tail", &id]);
    assert!(
        tail.stdout_text()
            .contains("fib(200) = 280571172992510140037611932413038677189525 (42 digits)\n"),
        "{tail:?}"
    );
}

#[test]
fn the_first_positions() {
    if !common::privileged("the_first_positions") {
        return;
    }
    let cli = cli();
    let zero = cli.start(&["fib", "0"]);
    let one = cli.start(&["fib", "1"]);
    assert_eq!(cli.wait(&zero).1["output"], "0");
    assert_eq!(cli.wait(&one).1["output"], "1");
}

#[test]
fn bad_positions_are_usage_errors() {
    let cli = cli();
    cli.run(&["jobs", "start", "fib"])
        .expect_usage("fib: accepts 1 arg(s), received 0");
    cli.run(&["jobs", "start", "fib", "ninety"])
        .expect_usage("invalid position 'ninety'");
    cli.run(&["jobs", "start", "fib", "-5"])
        .expect_usage("invalid position '-5'");
    cli.run(&["jobs", "start", "fib", "100001"])
        .expect_usage("beyond the largest supported, 100000");
    cli.run(&["jobs", "start", "fib", "1", "2"])
        .expect_usage("accepts 1 arg(s), received 2");
    let listed = cli.run(&["jobs", "list", "--json"]).json();
    assert_eq!(listed, serde_json::json!([]), "nothing was started");
}
