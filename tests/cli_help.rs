//! Every command and subcommand has a generated `--help`: on stdout, exit 0,
//! naming each option the command takes and each subcommand under it.

mod common;

use common::cli::cli;

/// Options every command takes.
const GLOBAL: [&str; 3] = ["--state-dir <DIR>", "--rootless-limits <POLICY>", "--help"];

/// Options of `jobs start`, before or after the kind.
const START: [&str; 10] = [
    "--cpu <CORES>",
    "--memory <SIZE>",
    "--pids <N>",
    "--io-read-bps <MAJOR:MINOR=RATE>",
    "--io-write-bps <MAJOR:MINOR=RATE>",
    "--net <none|host>",
    "--timeout <DURATION>",
    "--owner <NAME>",
    "--keep-workdir",
    "--json",
];

const KINDS: [&str; 5] = ["eval", "exec", "fib", "noop", "wait"];

/// Each command, its own options, and the subcommands its help lists.
fn commands() -> Vec<(Vec<&'static str>, Vec<&'static str>, Vec<&'static str>)> {
    let mut commands = vec![
        (vec![], vec![], vec!["jobs", "probe"]),
        (
            vec!["jobs"],
            vec![],
            vec!["start", "status", "stop", "tail", "wait", "list"],
        ),
        (vec!["jobs", "start"], START.to_vec(), KINDS.to_vec()),
        (vec!["jobs", "status"], vec!["--json", "<ID>"], vec![]),
        (vec!["jobs", "stop"], vec!["<ID>"], vec![]),
        (
            vec!["jobs", "tail"],
            vec!["--no-follow", "--timestamps", "--raw", "<ID>"],
            vec![],
        ),
        (vec!["jobs", "wait"], vec!["--json", "<ID>"], vec![]),
        (
            vec!["jobs", "list"],
            vec!["--json", "--state <STATE>"],
            vec![],
        ),
        (vec!["probe"], vec!["--json"], vec![]),
    ];
    for kind in KINDS {
        commands.push((vec!["jobs", "start", kind], START.to_vec(), vec![]));
    }
    commands
}

#[test]
fn help_of_each_command_names_its_options_and_subcommands() {
    let cli = cli();
    for (path, options, subcommands) in commands() {
        let name = ["workernator"]
            .iter()
            .chain(&path)
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        for flag in ["--help", "-h"] {
            let mut args = path.clone();
            args.push(flag);
            let output = cli.run(&args);
            output.expect_code(0);
            assert!(output.stderr.is_empty(), "{name} {flag}: {output:?}");
            let help = output.stdout_text();
            assert!(help.contains("Usage: workernator"), "{name} {flag}: {help}");
            for option in GLOBAL.iter().chain(&options) {
                assert!(
                    help.contains(option),
                    "{name} {flag}: no {option} in {help}"
                );
            }
            for subcommand in &subcommands {
                assert!(
                    help.contains(&format!("\n  {subcommand} ")),
                    "{name} {flag}: no {subcommand} in {help}"
                );
            }
        }
        // `help <command>` shows the same.
        let mut args = vec!["help"];
        args.extend(&path);
        if path.len() < 3 {
            let by_name = cli.run(&args);
            by_name.expect_code(0);
            let long = cli.run(&[path.as_slice(), &["--help"]].concat());
            assert_eq!(by_name.stdout_text(), long.stdout_text(), "{name}");
        }
    }
}

#[test]
fn a_kinds_help_shows_its_arguments_and_description() {
    let cli = cli();
    for (kind, usage) in [
        ("fib", "workernator jobs start [OPTIONS] fib <position>"),
        (
            "exec",
            "workernator jobs start [OPTIONS] exec -- <program> [args...]",
        ),
        (
            "wait",
            "workernator jobs start [OPTIONS] wait <seconds> <url>",
        ),
        ("noop", "workernator jobs start [OPTIONS] noop\n"),
    ] {
        let help = cli.run(&["jobs", "start", kind, "--help"]).stdout_text();
        assert!(help.contains(&format!("Usage: {usage}")), "{help}");
    }
    let eval = cli.run(&["jobs", "start", "eval", "--help"]).stdout_text();
    assert!(
        eval.starts_with("Evaluate a mathematical expression."),
        "{eval}"
    );
}
