//! `exec -- <program> [args...]`: runs an existing program inside the sandbox,
//! its output passing straight through to the job's log.

use crate::kinds::{ArgsError, Kind};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use workernator::{Job, JobContext, JobError, Run};

/// Run a program in the sandbox and return its exit code.
#[derive(Debug, Clone, PartialEq, Eq, Job, Serialize, Deserialize)]
#[job(name = "exec")]
pub(crate) struct Exec {
    /// The program (looked up in `PATH`) and its arguments.
    pub(crate) argv: Vec<String>,
}

impl Run for Exec {
    /// The program's exit code: always 0, since any other is the job's failure.
    type Output = i32;

    fn run(self, _ctx: &JobContext) -> Result<i32, JobError> {
        let Some((program, args)) = self.argv.split_first() else {
            return Err(JobError::new("no program to run"));
        };
        // Whatever the job printed must come before the program's output.
        let _ = std::io::stdout().flush();
        let status = Command::new(program)
            .args(args)
            .status()
            .map_err(|error| JobError::new(format!("cannot run '{program}': {error}")))?;
        match (status.code(), status.signal()) {
            (Some(0), _) => Ok(0),
            (Some(code), _) => Err(JobError::new(format!(
                "'{program}' exited with code {code}"
            ))),
            (None, Some(signal)) => Err(JobError::new(format!(
                "'{program}' was killed by signal {signal}"
            ))),
            (None, None) => Err(JobError::new(format!("'{program}' ended abnormally"))),
        }
    }
}

impl Kind for Exec {
    const TITLE: &'static str = "Exec";
    const ARGS: &'static str = "-- <program> [args...]";

    /// Everything after the kind (the CLI has dropped the `--` that keeps the
    /// program's own options from being taken for the CLI's).
    fn from_args(argv: &[String]) -> Result<Self, ArgsError> {
        if argv.is_empty() {
            return Err(ArgsError::Invalid {
                what: "command",
                value: String::new(),
                reason: "expected a program to run after '--'".into(),
            });
        }
        Ok(Exec {
            argv: argv.to_vec(),
        })
    }

    fn describe(&self) -> Vec<(&'static str, String)> {
        vec![("Command", shell_words(&self.argv))]
    }
}

/// The argv as one might type it: words with shell-special characters quoted.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|word| {
            let plain = !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_arguments_are_the_command_line() {
        let exec = Exec::from_args(&args(&["ls", "--", "-l"])).unwrap();
        assert_eq!(exec.argv, ["ls", "--", "-l"]);
        assert!(Exec::from_args(&args(&[])).is_err());
    }

    #[test]
    fn commands_are_shown_quoted() {
        assert_eq!(
            shell_words(&args(&["printf", "a b", "it's", "", "x=1"])),
            r"printf 'a b' 'it'\''s' '' x=1"
        );
    }
}
