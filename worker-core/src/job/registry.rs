//! Every job type linked into the program, collected at link time.
//!
//! `#[derive(Job)]` adds one [`JobEntry`] per type to [`JOBS`] (a linker section,
//! so no code runs before `main` to build it), which is how the re-executed
//! sandbox finds the code of a job from the name stored in its spec.

use crate::job::{Job, JobContext};
use crate::model::outcome::JobFailure;
use linkme::distributed_slice;

/// One job type, as the sandbox sees it: a name and a way to run serialized arguments.
#[doc(hidden)]
pub struct JobEntry {
    /// `Job::NAME`.
    pub name: &'static str,
    /// `Job::DESCRIPTION`.
    pub description: &'static str,
    /// The Rust path of the type, for error messages naming both sides of a clash.
    pub type_path: &'static str,
    /// Deserializes the arguments, runs the job, serializes its output.
    pub run: fn(&[u8], &JobContext) -> Result<Vec<u8>, JobFailure>,
}

/// All job types of the program.
#[doc(hidden)]
#[distributed_slice]
pub static JOBS: [JobEntry];

/// Runs a job of type `J` from its serialized arguments; what the derive registers.
#[doc(hidden)]
pub fn run_erased<J: Job>(args: &[u8], ctx: &JobContext) -> Result<Vec<u8>, JobFailure> {
    let job: J = serde_json::from_slice(args).map_err(|error| JobFailure {
        message: format!(
            "cannot decode the arguments of job type '{}': {error}",
            J::NAME
        ),
        causes: Vec::new(),
        retryable: false,
    })?;
    let output = job.run(ctx).map_err(crate::job::JobError::into_failure)?;
    serde_json::to_vec(&output).map_err(|error| JobFailure {
        message: format!(
            "cannot encode the output of job type '{}': {error}",
            J::NAME
        ),
        causes: Vec::new(),
        retryable: false,
    })
}

/// Finds the job type registered under `name`.
pub(crate) fn find(name: &str) -> Option<&'static JobEntry> {
    JOBS.iter().find(|entry| entry.name == name)
}

/// Two job types registered under one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameClash {
    pub(crate) name: &'static str,
    pub(crate) first: &'static str,
    pub(crate) second: &'static str,
}

/// The first clash of names among `entries`, if any.
pub(crate) fn first_clash<'a>(
    entries: impl IntoIterator<Item = &'a JobEntry>,
) -> Option<NameClash> {
    let mut seen: Vec<&JobEntry> = Vec::new();
    for entry in entries {
        if let Some(other) = seen.iter().find(|seen| seen.name == entry.name) {
            let (first, second) = if other.type_path <= entry.type_path {
                (other.type_path, entry.type_path)
            } else {
                (entry.type_path, other.type_path)
            };
            return Some(NameClash {
                name: entry.name,
                first,
                second,
            });
        }
        seen.push(entry);
    }
    None
}

#[cfg(test)]
mod tests;
