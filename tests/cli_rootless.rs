//! `--rootless-limits best-effort|require` and `WORKERNATOR_ROOTLESS_LIMITS`:
//! an ordinary user without a delegated cgroup can start jobs through the CLI,
//! told plainly that their limits are not enforced; without the option, the
//! start is refused with one paragraph saying what to do.
//!
//! As root, the policy is accepted and reported, and limits stay enforced. As
//! an ordinary user (`.ci/run` runs the test binaries as one, with
//! WORKERNATOR_REQUIRE_ROOTLESS=1), jobs are started for real.

mod common;

use common::cli::{Cli, cli};

/// `probe --json` with `args` before it and the variable set to `env`.
fn probed_policy(cli: &Cli, args: &[&str], env: Option<&str>) -> common::cli::Output {
    let mut command = cli.command();
    command.args(args).args(["probe", "--json"]);
    if let Some(value) = env {
        command.env("WORKERNATOR_ROOTLESS_LIMITS", value);
    }
    common::cli::run(command)
}

#[test]
fn the_policy_comes_from_the_option_or_the_variable_and_probe_reports_it() {
    let cli = cli();
    for (args, env, policy) in [
        (vec![], None, "require"),
        (
            vec!["--rootless-limits", "best-effort"],
            None,
            "best-effort",
        ),
        (vec![], Some("best-effort"), "best-effort"),
        (vec![], Some("require"), "require"),
        // The option wins over the variable.
        (
            vec!["--rootless-limits=require"],
            Some("best-effort"),
            "require",
        ),
    ] {
        let output = probed_policy(&cli, &args, env);
        output.expect_code(0);
        assert_eq!(output.json()["rootless_limits"], policy, "{args:?} {env:?}");
    }
    let human = cli.run(&["--rootless-limits", "best-effort", "probe"]);
    human.expect_code(0);
    assert!(
        human
            .stdout_text()
            .contains("Rootless limits:   best-effort ("),
        "{human:?}"
    );
    probed_policy(&cli, &["--rootless-limits", "maybe"], None)
        .expect_usage("invalid value 'maybe' for --rootless-limits: best-effort or require");
    probed_policy(&cli, &[], Some("best_effort"))
        .expect_usage("invalid value 'best_effort' for --rootless-limits");
}

#[test]
fn as_root_a_best_effort_start_still_enforces_the_limits() {
    if !common::privileged("as_root_a_best_effort_start_still_enforces_the_limits") {
        return;
    }
    let cli = cli();
    for args in [
        vec![
            "jobs",
            "start",
            "--rootless-limits",
            "best-effort",
            "--json",
            "noop",
        ],
        vec![
            "--rootless-limits",
            "require",
            "jobs",
            "start",
            "--json",
            "noop",
        ],
    ] {
        let started = cli.run(&args);
        started.expect_code(0);
        assert!(started.stderr.is_empty(), "no warning: {started:?}");
        let status = started.json();
        assert_eq!(status["rootless"], false, "{status}");
        assert_eq!(status["limits_enforced"], true, "{status}");
        let id = status["id"].as_str().expect("an id");
        assert_eq!(cli.wait(id).1["state"], "succeeded");
    }
}

#[test]
fn without_root_best_effort_runs_the_job_and_says_its_limits_are_not_enforced() {
    if !common::rootless(
        "without_root_best_effort_runs_the_job_and_says_its_limits_are_not_enforced",
    ) {
        return;
    }
    let cli = cli();
    let enforced = common::delegation_enforces_default_limits();
    let job = [
        "jobs", "start", "--json", "exec", "--", "sh", "-c", "echo hi",
    ];

    // Without the option: refused, unless a delegated cgroup enforces the limits.
    let refused = cli.run(&job);
    if enforced {
        refused.expect_code(0);
        eprintln!("a delegated cgroup enforces the limits: the start was not refused");
    } else {
        refused.expect_error("its limits cannot be enforced");
        for advice in [
            "pass --rootless-limits best-effort",
            "WORKERNATOR_ROOTLESS_LIMITS=best-effort",
            "run as root",
            "delegated to uid",
        ] {
            assert!(refused.stderr.contains(advice), "{advice}: {refused:?}");
        }
        let listed = cli.run(&["jobs", "list", "--json"]).json();
        assert_eq!(listed, serde_json::json!([]), "nothing was started");
    }

    // With the option, or the variable: the job runs, and says how.
    let mut by_variable = cli.with_args(&job);
    by_variable.env("WORKERNATOR_ROOTLESS_LIMITS", "best-effort");
    let by_option = cli.with_args(&[&["--rootless-limits", "best-effort"], &job[..]].concat());
    for command in [by_option, by_variable] {
        let started = common::cli::run(command);
        started.expect_code(0);
        let status = started.json();
        assert_eq!(status["rootless"], true, "{status}");
        assert_eq!(status["limits_enforced"], enforced, "{status}");
        if !enforced {
            assert!(
                started
                    .stderr
                    .contains("runs without its limits (best effort, not enforced)"),
                "{started:?}"
            );
            assert!(status["limits_note"].is_string(), "{status}");
        }
        let id = status["id"].as_str().expect("an id");
        let (code, ended) = cli.wait(id);
        assert_eq!((code, &ended["state"]), (0, &"succeeded".into()), "{ended}");
        assert_eq!(cli.run(&["jobs", "tail", id]).stdout, b"hi\n");
        let human = cli.run(&["jobs", "status", id]).stdout_text();
        if !enforced {
            assert!(
                human.contains("Enforced:   NO, limits not enforced"),
                "{human}"
            );
        }
    }
}
