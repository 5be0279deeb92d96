//! Every error path of the CLI: usage errors exit 2 with the usage; a malformed
//! or unknown ID, a job of a kind the CLI does not know, an unusable state dir
//! or an option the library cannot apply yet exit 1 with one line. Never a
//! panic or a backtrace.

mod common;

use common::cli::cli;

const UNKNOWN_ID: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn usage_errors_exit_2_with_the_usage() {
    let cli = cli();
    let none = common::cli::run(cli.command());
    none.expect_usage("no command given");
    assert!(
        none.stderr
            .contains("workernator [--state-dir DIR] <command>")
    );
    cli.run(&["frobnicate"])
        .expect_usage("unknown command 'frobnicate'");
    cli.run(&["jobs"]).expect_usage("no jobs command given");
    cli.run(&["jobs", "frob"])
        .expect_usage("unknown jobs command 'frob'");
    cli.run(&["jobs", "start"])
        .expect_usage("which kind of job?");
    cli.run(&["jobs", "start", "bogus"])
        .expect_usage("unknown kind of job 'bogus'");
    cli.run(&["jobs", "start", "--bogus", "noop"])
        .expect_usage("unknown option '--bogus'");
    cli.run(&["jobs", "start", "--memory", "lots", "noop"])
        .expect_usage("invalid value 'lots' for --memory");
    cli.run(&["jobs", "start", "--timeout", "soon", "noop"])
        .expect_usage("invalid value 'soon' for --timeout");
    cli.run(&["jobs", "start", "--io-read-bps", "8:0", "noop"])
        .expect_usage("invalid value '8:0' for --io-read-bps");
    cli.run(&["jobs", "start", "--net", "bridge", "noop"])
        .expect_usage("invalid value 'bridge' for --net");
    cli.run(&["jobs", "status"])
        .expect_usage("missing the job's ID");
    cli.run(&["jobs", "stop", "a", "b"])
        .expect_usage("expected one ID, got 2");
    cli.run(&["jobs", "tail", UNKNOWN_ID, "--bogus"])
        .expect_usage("unknown option '--bogus'");
    cli.run(&["jobs", "list", "--state", "starting"])
        .expect_usage("unknown state 'starting'");
    cli.run(&["probe", "extra"])
        .expect_usage("unexpected argument 'extra'");
    cli.run(&["--state-dir"])
        .expect_usage("--state-dir needs a value");
}

#[test]
fn help_goes_to_stdout_and_succeeds() {
    let cli = cli();
    let help = cli.run(&["--help"]);
    help.expect_code(0);
    assert!(help.stdout_text().contains("Commands:"));
    let start = cli.run(&["jobs", "start", "--help"]);
    start.expect_code(0);
    let text = start.stdout_text();
    for kind in ["eval", "exec", "fib", "noop", "wait"] {
        assert!(
            text.contains(&format!("\n  {kind} ")),
            "{kind} not in {text}"
        );
    }
    let fib = cli.run(&["jobs", "start", "fib", "--help"]).stdout_text();
    assert!(
        fib.contains("workernator jobs start [OPTIONS] fib <position>"),
        "{fib}"
    );
}

#[test]
fn malformed_and_unknown_ids_exit_1() {
    let cli = cli();
    for command in ["status", "stop", "tail", "wait"] {
        cli.run(&["jobs", command, "../../etc"])
            .expect_error("'../../etc' is not a job id");
        cli.run(&["jobs", command, UNKNOWN_ID])
            .expect_error(&format!("no job {UNKNOWN_ID} in "));
    }
}

#[test]
fn an_unusable_state_dir_exits_1() {
    let cli = cli();
    let file = cli.state_dir().join("a-file");
    std::fs::write(&file, b"not a directory").expect("write");
    let below_a_file = file.join("state");
    let below = below_a_file.to_str().expect("UTF-8 path");
    let mut command = cli.command();
    command.args(["--state-dir", below, "jobs", "list"]);
    common::cli::run(command).expect_error("cannot use the state directory");
    let mut command = cli.command();
    command.args(["--state-dir", below, "jobs", "status", UNKNOWN_ID]);
    common::cli::run(command).expect_error("Not a directory");
}

#[test]
fn a_job_of_a_kind_the_cli_does_not_know_exits_1() {
    if !common::privileged("a_job_of_a_kind_the_cli_does_not_know_exits_1") {
        return;
    }
    let cli = cli();
    let id = cli.start(&["noop"]);
    cli.wait(&id);
    // As if another program, with its own job types, shared the state dir.
    let path = cli.state_dir().join("jobs").join(&id).join("status.json");
    let mut status: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
    status["job_type"] = "Mystery".into();
    std::fs::write(&path, serde_json::to_vec(&status).expect("encode")).expect("write");
    for command in ["status", "stop", "tail", "wait"] {
        cli.run(&["jobs", command, &id]).expect_error(&format!(
            "job {id} is a 'Mystery' job, which this CLI does not know"
        ));
    }
    // A listing still shows it, with what its status says.
    let listed = cli.run(&["jobs", "list", "--json"]).json();
    assert_eq!(listed[0]["kind"], "Mystery");
    assert_eq!(listed[0]["state"], "succeeded");
}

#[test]
fn limits_that_make_no_sense_exit_1_before_starting() {
    let cli = cli();
    // 1:3 is /dev/null: a character device, not a block device.
    for (option, value) in [("--io-read-bps", "1:3=1M"), ("--io-write-bps", "1:3=1M")] {
        let output = cli.run(&["jobs", "start", option, value, "fib", "3"]);
        output.expect_error("invalid io limit: block device 1:3");
        assert_eq!(output.stderr.lines().count(), 1, "{output:?}");
    }
    let listed = cli.run(&["jobs", "list", "--json"]).json();
    assert_eq!(listed, serde_json::json!([]), "nothing was started");
}
