use super::*;
use clap::CommandFactory;

fn parse_line(line: &str) -> Result<Parsed, UsageError> {
    let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    parse(&args)
}

fn invocation(line: &str) -> Invocation {
    match parse_line(line) {
        Ok(Parsed::Run(invocation)) => invocation,
        other => panic!("{line}: {other:?}"),
    }
}

fn command(line: &str) -> Command {
    invocation(line).command
}

fn start(line: &str) -> StartCommand {
    match command(line) {
        Command::Jobs {
            command: JobsCommand::Start(start),
        } => *start,
        other => panic!("not a start: {other:?}"),
    }
}

fn jobs(line: &str) -> JobsCommand {
    match command(line) {
        Command::Jobs { command } => command,
        other => panic!("not a jobs command: {other:?}"),
    }
}

fn usage(line: &str) -> UsageError {
    match parse_line(line) {
        Err(error) => error,
        other => panic!("{line}: not a usage error: {other:?}"),
    }
}

fn help(line: &str) -> String {
    match parse_line(line) {
        Ok(Parsed::Help(text)) => text,
        other => panic!("{line}: not help: {other:?}"),
    }
}

#[test]
fn the_definition_is_consistent() {
    Invocation::command().debug_assert();
}

#[test]
fn start_takes_options_before_and_after_the_kind() {
    let start = start("jobs start --memory 64M --pids=10 fib 90 --json --cpu 0.5");
    assert_eq!(start.kind.kind.name, "fib");
    assert_eq!(start.kind.args, ["90"]);
    assert_eq!(start.options().memory_bytes, Some(64 << 20));
    assert_eq!(start.options().pids, Some(10));
    assert_eq!(start.options().cpu_cores, Some(0.5));
    assert!(start.options().json);
}

#[test]
fn an_option_given_twice_counts_once_and_io_limits_add_up() {
    let start = start(
        "jobs start --memory 1G --io-read-bps 8:0=1M fib 3 --memory 2G --io-read-bps 8:16=2M",
    );
    assert_eq!(start.options().memory_bytes, Some(2 << 30));
    let devices: Vec<_> = start
        .options()
        .io_read
        .iter()
        .map(|rate| rate.device.minor)
        .collect();
    assert_eq!(devices, [0, 16]);
}

#[test]
fn everything_after_a_double_dash_belongs_to_the_kind() {
    let exec = start("jobs start exec -- printf --json -- x");
    assert_eq!(exec.kind.kind.name, "exec");
    assert_eq!(exec.kind.args, ["printf", "--json", "--", "x"]);
    assert!(!exec.options().json);
    assert_eq!(
        start("jobs start --json exec --pids 3 -- x").options().pids,
        Some(3)
    );
}

#[test]
fn a_negative_number_is_an_argument_not_an_option() {
    assert_eq!(start("jobs start eval -3 + 2").kind.args, ["-3", "+", "2"]);
    assert_eq!(start("jobs start fib -5").kind.args, ["-5"]);
}

#[test]
fn every_start_option_is_validated() {
    let options = start(
        "jobs start --io-read-bps 8:0=1M --io-write-bps=8:16=2G --net host \
         --timeout 5m --owner alice --keep-workdir noop",
    )
    .options();
    assert_eq!(options.io_read.len(), 1);
    assert_eq!(options.io_write[0].bytes_per_second, 2 << 30);
    assert_eq!(options.network, Some(Network::Host));
    assert_eq!(options.timeout, Some(Duration::from_secs(300)));
    assert_eq!(options.owner.as_deref(), Some("alice"));
    assert!(options.keep_workdir);
    for (bad, message) in [
        (
            "jobs start --memory lots fib 1",
            "invalid value 'lots' for --memory: a size",
        ),
        (
            "jobs start --cpu 0 fib 1",
            "invalid value '0' for --cpu: a number of cores",
        ),
        (
            "jobs start --pids 0 fib 1",
            "invalid value '0' for --pids: a whole number",
        ),
        (
            "jobs start --net bridge fib 1",
            "invalid value 'bridge' for --net: none or host",
        ),
        (
            "jobs start --timeout 5x fib 1",
            "invalid value '5x' for --timeout: a duration",
        ),
        (
            "jobs start --io-read-bps 8:0 fib 1",
            "invalid value '8:0' for --io-read-bps:",
        ),
        (
            "jobs start --owner a/b fib 1",
            "invalid value 'a/b' for --owner: 1 to 64",
        ),
        (
            "jobs start fib 1 --memory=0",
            "invalid value '0' for --memory: a size",
        ),
        ("jobs start --json=yes fib 1", "--json takes no value"),
        ("jobs start --memory", "--memory needs a value"),
    ] {
        let error = usage(bad);
        assert!(error.message.starts_with(message), "{bad}: {error:?}");
        assert!(
            error.usage.starts_with("Usage: workernator jobs start"),
            "{bad}: {error:?}"
        );
    }
}

#[test]
fn start_without_a_kind_or_with_an_unknown_one_is_a_usage_error() {
    assert_eq!(usage("jobs start").message, "which kind of job? name one");
    assert_eq!(
        usage("jobs start --json").message,
        "which kind of job? name one"
    );
    assert_eq!(
        usage("jobs start bogus").message,
        "unknown kind of job 'bogus'"
    );
    assert_eq!(
        usage("jobs start --bogus fib 1").message,
        "unknown option '--bogus'"
    );
    assert!(help("jobs start --help").contains("\n  fib   Calculate the value"));
    let fib = help("jobs start fib --help");
    assert!(
        fib.contains("Usage: workernator jobs start [OPTIONS] fib <position>"),
        "{fib}"
    );
    assert!(fib.contains("--memory <SIZE>"), "{fib}");
    // The error of a kind shows the kind's usage.
    assert!(
        usage("jobs start fib --cpu x")
            .usage
            .contains("fib <position>")
    );
}

#[test]
fn global_options_go_anywhere_before_a_double_dash() {
    let parsed = invocation("--state-dir /tmp/s jobs list --cgroup-parent=t1");
    assert_eq!(parsed.global.state_dir, Some(PathBuf::from("/tmp/s")));
    assert_eq!(parsed.global.cgroup_parent.as_deref(), Some("t1"));
    assert_eq!(
        parsed.command,
        Command::Jobs {
            command: JobsCommand::List {
                json: false,
                state: None
            }
        }
    );
    let parsed = invocation("jobs start exec -- ls --state-dir x");
    assert_eq!(parsed.global.state_dir, None);
    assert_eq!(usage("--state-dir").message, "--state-dir needs a value");
    assert_eq!(
        usage("--state-dir= jobs list").message,
        "--state-dir needs a directory"
    );
    let parsed = invocation("jobs start fib 3 --rootless-limits best-effort");
    assert_eq!(
        parsed.global.rootless_limits,
        Some(RootlessLimits::BestEffort)
    );
    assert_eq!(
        usage("--rootless-limits maybe probe").message,
        "invalid value 'maybe' for --rootless-limits: best-effort or require"
    );
}

#[test]
fn id_commands_take_exactly_one_id() {
    assert_eq!(
        jobs("jobs status abc --json"),
        JobsCommand::Status {
            id: "abc".into(),
            json: true
        }
    );
    assert_eq!(
        jobs("jobs tail abc --no-follow --timestamps --raw"),
        JobsCommand::Tail {
            id: "abc".into(),
            no_follow: true,
            timestamps: true,
            raw: true,
        }
    );
    assert_eq!(
        jobs("jobs stop abc"),
        JobsCommand::Stop { id: "abc".into() }
    );
    assert_eq!(
        jobs("jobs wait abc"),
        JobsCommand::Wait {
            id: "abc".into(),
            json: false
        }
    );
    assert_eq!(usage("jobs status").message, "missing the job's ID");
    assert_eq!(usage("jobs stop a b").message, "expected one ID, got 2");
    assert_eq!(
        usage("jobs wait a --json b c").message,
        "expected one ID, got 3"
    );
    assert_eq!(
        usage("jobs tail a --follow-harder").message,
        "unknown option '--follow-harder'"
    );
    assert!(help("jobs wait --help").contains("Exit status: 0 if the job succeeded"));
}

#[test]
fn list_filters_by_the_cli_states() {
    assert_eq!(
        jobs("jobs list --json --state running"),
        JobsCommand::List {
            json: true,
            state: Some(State::Running)
        }
    );
    assert_eq!(
        usage("jobs list --state starting").message,
        "unknown state 'starting': use one of queued, running, succeeded, failed, stopped, lost"
    );
    assert!(help("jobs list -h").contains("--state <STATE>"));
}

#[test]
fn unknown_and_missing_commands_are_usage_errors() {
    assert_eq!(usage("").message, "no command given");
    assert_eq!(usage("frobnicate").message, "unknown command 'frobnicate'");
    assert_eq!(usage("jobs").message, "no jobs command given");
    assert_eq!(usage("jobs frob").message, "unknown jobs command 'frob'");
    assert_eq!(usage("probe extra").message, "unexpected argument 'extra'");
    assert_eq!(command("probe --json"), Command::Probe { json: true });
    assert!(help("--help").contains("Commands:"));
    assert!(help("jobs help").contains("Usage: workernator jobs"));
    assert!(help("help jobs start").contains("Kinds:"));
}
