//! The usage texts, one per help topic.

use crate::args::Topic;
use crate::kinds::{KINDS, by_name};
use std::fmt::Write;

const MAIN: &str = "\
Workernator runs typed jobs in Linux sandboxes, with no server: this CLI
opens the state directory itself, and each job runs on under its own
supervisor after the CLI exits.

Usage:
  workernator [--state-dir DIR] <command>

Commands:
  jobs        Start, stop, inspect and tail jobs
  probe       Show what this host supports

Options:
  --state-dir DIR   The state directory (default: $WORKERNATOR_STATE_DIR,
                    else /var/lib/workernator for root, else a per-user one)
  -h, --help        Show help

Use 'workernator jobs --help' for more about jobs.
";

const JOBS: &str = "\
Start, stop, inspect and tail jobs.

Usage:
  workernator jobs <command>

Commands:
  start [OPTIONS] <KIND> [ARGS...]   Start a job
  status <ID> [--json]               Show a job's status
  stop <ID>                          Stop a job (stopping an ended job is fine)
  tail <ID> [--no-follow] [--timestamps]
                                     Print a job's output, following it to its end
  wait <ID> [--json]                 Wait for a job; exit 0 if it succeeded
  list [--json] [--state <STATE>]    List jobs

Use 'workernator jobs <command> --help' for more about a command.
";

const START_OPTIONS: &str = "\
Options:
  --cpu <cores>          CPU quota, e.g. 0.5
  --memory <size>        Memory limit, e.g. 64M or 1G (default 1G)
  --pids <n>             Most processes and threads (default 1024)
  --io-read-bps <major:minor=rate>
  --io-write-bps <major:minor=rate>
                         Disk bandwidth limit per device, e.g. 8:0=10M
  --net none|host        Network: loopback only, or the host's
  --timeout <duration>   Stop the job after this long, e.g. 30s or 5m
  --owner <name>         Whose job it is, for fair queueing
  --keep-workdir         Keep what the job left in its work directory
  --json                 Print the job's status as JSON instead
";

const STATUS: &str = "\
Show a job's status: its arguments, state, result or error, and times.

Usage:
  workernator jobs status <ID> [--json]

Options:
  --json   One line of JSON
";

const STOP: &str = "\
Stop a job: SIGTERM to every process of it, SIGKILL after a grace period.
Stopping a job that already ended is not an error.

Usage:
  workernator jobs stop <ID>
";

const TAIL: &str = "\
Print a job's output from its first byte: its stdout to stdout and its stderr
to stderr, exactly as written. Follows a running job until it ends.

Usage:
  workernator jobs tail <ID> [--no-follow] [--timestamps]

Options:
  --no-follow    Print what there is now, and exit
  --timestamps   Start each line with the time it was written
";

const WAIT: &str = "\
Wait for a job to end and show its status. On a terminal, a progress bar
shows the job's progress meanwhile.

Usage:
  workernator jobs wait <ID> [--json]

Exit status: 0 if the job succeeded, 3 if it ended otherwise, 1 on error.
";

const LIST: &str = "\
List the jobs in the state directory, oldest first.

Usage:
  workernator jobs list [--json] [--state <STATE>]

Options:
  --json            A JSON array of status objects
  --state <STATE>   Only jobs in this state: queued, running, succeeded,
                    failed, stopped or lost
";

const PROBE: &str = "\
Show what this host supports: kernel, privileges, cgroups, and which start
options this version can apply.

Usage:
  workernator probe [--json]
";

/// The usage text of `topic`.
pub(crate) fn text(topic: &Topic) -> String {
    match topic {
        Topic::Main => MAIN.to_owned(),
        Topic::Jobs => JOBS.to_owned(),
        Topic::Start => start(),
        Topic::Kind(name) => match by_name(name) {
            Some(kind) => {
                let mut text = format!(
                    "{}\n\nUsage:\n  workernator jobs start [OPTIONS] {}",
                    kind.description, kind.name
                );
                if !kind.args.is_empty() {
                    let _ = write!(text, " {}", kind.args);
                }
                let _ = write!(text, "\n\n{START_OPTIONS}");
                text
            }
            None => start(),
        },
        Topic::Status => STATUS.to_owned(),
        Topic::Stop => STOP.to_owned(),
        Topic::Tail => TAIL.to_owned(),
        Topic::Wait => WAIT.to_owned(),
        Topic::List => LIST.to_owned(),
        Topic::Probe => PROBE.to_owned(),
    }
}

fn start() -> String {
    let mut text = String::from(
        "Start a job. It runs on under its own supervisor after this command exits.\n\n\
         Usage:\n  workernator jobs start [OPTIONS] <KIND> [ARGS...]\n\nKinds:\n",
    );
    for kind in KINDS {
        let usage = format!("{} {}", kind.name, kind.args);
        let _ = writeln!(text, "  {usage:<30}{}", kind.description);
    }
    let _ = write!(text, "\n{START_OPTIONS}");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_lists_every_kind_with_its_arguments() {
        let text = text(&Topic::Start);
        for kind in KINDS {
            assert!(
                text.contains(&format!("  {} {}", kind.name, kind.args)),
                "{text}"
            );
        }
        assert!(text.contains("--io-read-bps"));
    }

    #[test]
    fn a_kind_shows_its_own_usage() {
        let text = text(&Topic::Kind("fib".into()));
        assert!(
            text.contains("workernator jobs start [OPTIONS] fib <position>"),
            "{text}"
        );
        assert!(text.starts_with("Calculate the value of a position in the Fibonacci sequence."));
    }
}
