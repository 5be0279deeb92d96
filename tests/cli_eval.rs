//! The `eval` job: arithmetic with precedence; syntax errors and division by
//! zero are the job's own failure, pointing at the column.

mod common;

use common::cli::cli;

#[test]
fn expressions_evaluate() {
    if !common::privileged("expressions_evaluate") {
        return;
    }
    let cli = cli();
    let cases = [
        ("(1 + 2) * -3 ^ 2", -27.0),
        ("7 % 4 + 0.5", 3.5),
        ("2 ^ 10 / 4", 256.0),
    ];
    let ids: Vec<_> = cases
        .iter()
        .map(|(expression, _)| cli.start(&["eval", expression]))
        .collect();
    for (id, (expression, value)) in ids.iter().zip(cases) {
        let (code, status) = cli.wait(id);
        assert_eq!(code, 0, "{expression}: {status}");
        assert_eq!(status["output"].as_f64(), Some(value), "{expression}");
    }
    // Unquoted words join into one expression.
    let id = cli.start(&["eval", "-1", "+", "2"]);
    assert_eq!(cli.wait(&id).1["output"].as_f64(), Some(1.0));
    let tail = cli.run(&["jobs", "tail", &id]);
    assert_eq!(tail.stdout_text(), "-1 + 2 = 1\n");
}

#[test]
fn a_syntax_error_fails_the_job_at_its_column() {
    if !common::privileged("a_syntax_error_fails_the_job_at_its_column") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["eval", "(1 + 2))"]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 3);
    assert_eq!(status["state"], "failed");
    assert_eq!(status["error"], "unexpected ')' at column 8");
    assert_eq!(status["output"], serde_json::Value::Null);
    assert_eq!(status["attempt"], 1, "a permanent failure is not retried");
}

#[test]
fn division_by_zero_fails_the_job_at_the_operator() {
    if !common::privileged("division_by_zero_fails_the_job_at_the_operator") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["eval", "10 / (5 - 5)"]);
    let (code, status) = cli.wait(&id);
    assert_eq!(code, 3);
    assert_eq!(status["error"], "division by zero at column 4");
    let human = cli.run(&["jobs", "status", &id]).stdout_text();
    assert!(
        human.contains("Error:      division by zero at column 4\n"),
        "{human}"
    );
}

#[test]
fn an_empty_expression_is_a_usage_error() {
    cli()
        .run(&["jobs", "start", "eval"])
        .expect_usage("eval: accepts 1 arg(s), received 0");
}
