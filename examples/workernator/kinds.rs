//! The job kinds this CLI knows, and typed work behind untyped names: a job's
//! status names its type (`job_type`), and the CLI picks the matching Rust type
//! to attach to it with `Runner::attach::<T>`.

use crate::adapters;
use crate::cli::StartOptions;
use crate::jobs::{Evaluate, Exec, Fibonacci, Noop, WaitThenSend};
use std::future::Future;
use std::pin::Pin;
use workernator::{
    Job, JobHandle, JobId, Limits, Runner,
    errors::{AttachError, StartError, StateError, StopError, WaitError},
    logs::{LogOptions, Logs},
    status::JobStatus,
};

/// A job type the CLI can start from its arguments and show.
pub(crate) trait Kind: Job + Sized {
    /// The name people see, as in "Started 'Fibonacci' job".
    const TITLE: &'static str;
    /// Its arguments in usage texts, e.g. `<position>`.
    const ARGS: &'static str;

    /// The job, from the command-line arguments after the kind.
    ///
    /// # Errors
    ///
    /// The arguments do not make such a job (a usage error).
    fn from_args(args: &[String]) -> Result<Self, ArgsError>;

    /// Its arguments, labelled, for the status block.
    fn describe(&self) -> Vec<(&'static str, String)>;
}

/// Arguments that do not make a job of the kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ArgsError {
    /// Too many or too few (worded as in the RFD).
    #[error("accepts {expected} arg(s), received {received}")]
    Count { expected: usize, received: usize },
    /// One of them is wrong.
    #[error("invalid {what} '{value}': {reason}")]
    Invalid {
        what: &'static str,
        value: String,
        reason: String,
    },
}

/// A kind without its type: what the CLI shows, and how to start or attach.
#[derive(Clone, Copy)]
pub(crate) struct KindInfo {
    /// `Job::NAME`: the kind's name on the command line and in the status.
    pub(crate) name: &'static str,
    pub(crate) title: &'static str,
    pub(crate) args: &'static str,
    /// `Job::DESCRIPTION`: the type's doc comment.
    pub(crate) description: &'static str,
    parse: ParseFn,
    attach: AttachFn,
}

/// Makes a job of one kind from its arguments.
type ParseFn = fn(&[String]) -> Result<Box<dyn PendingJob>, ArgsError>;
/// Attaches to a job as one kind.
type AttachFn = fn(&Runner, &JobId) -> Result<Box<dyn AnyJob>, AttachError>;

impl std::fmt::Debug for KindInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KindInfo")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

const fn info<J: Kind>() -> KindInfo {
    KindInfo {
        name: J::NAME,
        title: J::TITLE,
        args: J::ARGS,
        description: J::DESCRIPTION,
        parse: parse_as::<J>,
        attach: attach_as::<J>,
    }
}

/// Every kind, by name.
pub(crate) const KINDS: [KindInfo; 5] = [
    info::<Evaluate>(),
    info::<Exec>(),
    info::<Fibonacci>(),
    info::<Noop>(),
    info::<WaitThenSend>(),
];

/// The kind named `name`.
pub(crate) fn by_name(name: &str) -> Option<KindInfo> {
    KINDS.iter().copied().find(|kind| kind.name == name)
}

impl KindInfo {
    /// Makes a job of this kind from its arguments, ready to start.
    pub(crate) fn parse(&self, args: &[String]) -> Result<Box<dyn PendingJob>, ArgsError> {
        (self.parse)(args)
    }
}

fn parse_as<J: Kind>(args: &[String]) -> Result<Box<dyn PendingJob>, ArgsError> {
    Ok(Box::new(Pending(J::from_args(args)?)))
}

fn attach_as<J: Kind>(runner: &Runner, id: &JobId) -> Result<Box<dyn AnyJob>, AttachError> {
    Ok(Box::new(runner.attach::<J>(id)?))
}

/// A job made from arguments, not started yet.
pub(crate) trait PendingJob {
    /// Starts it, applying `options` (see [`adapters::start`]).
    fn start(
        self: Box<Self>,
        runner: &Runner,
        options: &StartOptions,
    ) -> Result<Box<dyn AnyJob>, StartError>;
}

struct Pending<J>(J);

impl<J: Kind> PendingJob for Pending<J> {
    fn start(
        self: Box<Self>,
        runner: &Runner,
        options: &StartOptions,
    ) -> Result<Box<dyn AnyJob>, StartError> {
        Ok(Box::new(adapters::start::start(runner, self.0, options)?))
    }
}

/// A future borrowed from a job handle.
pub(crate) type JobFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The job's arguments, for people and as JSON.
#[derive(Debug, Clone)]
pub(crate) struct Arguments {
    pub(crate) labelled: Vec<(&'static str, String)>,
    pub(crate) json: serde_json::Value,
}

/// A typed [`JobHandle`] of any kind, behind one interface.
pub(crate) trait AnyJob {
    fn id(&self) -> &JobId;
    fn info(&self) -> KindInfo;
    fn status(&self) -> Result<JobStatus, StateError>;
    fn arguments(&self) -> Result<Arguments, StateError>;
    fn limits(&self) -> Result<Limits, StateError>;
    /// Whose job it is (`None`: the default owner).
    fn owner(&self) -> Result<Option<String>, StateError>;
    /// The typed output as JSON, once the job succeeded.
    fn output_json(&self) -> Result<Option<serde_json::Value>, StateError>;
    /// Its output records from the first byte; with `follow`, live until
    /// the job has ended, else up to what was written when it is opened.
    fn logs(&self, follow: bool) -> Logs;
    /// Waits until the job has ended, however it ended.
    ///
    /// # Errors
    ///
    /// Only when the waiting itself fails (the state cannot be read).
    fn ended(&self) -> JobFuture<'_, Result<(), WaitError>>;
    fn stop(&self) -> JobFuture<'_, Result<JobStatus, StopError>>;
}

impl<J: Kind> AnyJob for JobHandle<J> {
    fn id(&self) -> &JobId {
        JobHandle::id(self)
    }

    fn info(&self) -> KindInfo {
        info::<J>()
    }

    fn status(&self) -> Result<JobStatus, StateError> {
        JobHandle::status(self)
    }

    fn arguments(&self) -> Result<Arguments, StateError> {
        let job = self.job()?;
        Ok(Arguments {
            labelled: job.describe(),
            json: serde_json::to_value(&job).unwrap_or(serde_json::Value::Null),
        })
    }

    fn limits(&self) -> Result<Limits, StateError> {
        JobHandle::limits(self)
    }

    fn owner(&self) -> Result<Option<String>, StateError> {
        JobHandle::owner(self)
    }

    fn output_json(&self) -> Result<Option<serde_json::Value>, StateError> {
        JobHandle::output_json(self)
    }

    fn logs(&self, follow: bool) -> Logs {
        self.logs_with(LogOptions::new().follow(follow))
    }

    fn ended(&self) -> JobFuture<'_, Result<(), WaitError>> {
        Box::pin(async move {
            match self.wait().await {
                Ok(_) => Ok(()),
                Err(error @ (WaitError::State(_) | WaitError::Wait { .. })) => Err(error),
                // Every other error is how the job ended.
                Err(_) => Ok(()),
            }
        })
    }

    fn stop(&self) -> JobFuture<'_, Result<JobStatus, StopError>> {
        Box::pin(JobHandle::stop(self))
    }
}

/// A job that cannot be found, or not handled by this CLI.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FindError {
    /// No job has this id.
    #[error("no job {id} in {}", state_dir.display())]
    NotFound {
        id: JobId,
        state_dir: std::path::PathBuf,
    },
    /// The job is of a type this CLI does not know (another program's).
    #[error("job {id} is a '{kind}' job, which this CLI does not know (it knows {known})")]
    UnknownKind {
        id: JobId,
        kind: String,
        known: String,
    },
    /// Its status cannot be read.
    #[error("cannot read job {id}")]
    Unreadable {
        id: JobId,
        #[source]
        source: AttachError,
    },
}

/// A typed handle on job `id`, whatever its kind.
///
/// Tries one kind; the library names the job's real type when it is another
/// (`AttachError::WrongType`), and the CLI attaches as that one.
pub(crate) fn attach(runner: &Runner, id: &JobId) -> Result<Box<dyn AnyJob>, FindError> {
    let first = KINDS[0];
    let found = match (first.attach)(runner, id) {
        Err(AttachError::WrongType { found, .. }) => found,
        other => return other.map_err(|error| find_error(runner, id, error)),
    };
    let Some(kind) = by_name(&found) else {
        return Err(unknown_kind(id, found));
    };
    (kind.attach)(runner, id).map_err(|error| find_error(runner, id, error))
}

fn unknown_kind(id: &JobId, kind: String) -> FindError {
    let known: Vec<_> = KINDS.iter().map(|kind| kind.name).collect();
    FindError::UnknownKind {
        id: id.clone(),
        kind,
        known: known.join(", "),
    }
}

fn find_error(runner: &Runner, id: &JobId, error: AttachError) -> FindError {
    match error {
        AttachError::NotFound { .. } => FindError::NotFound {
            id: id.clone(),
            state_dir: runner.config().state_dir_path().to_owned(),
        },
        AttachError::WrongType { found, .. } => unknown_kind(id, found),
        // Unreadable state, or whatever a later library version adds.
        source => FindError::Unreadable {
            id: id.clone(),
            source,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_sorted_and_named_by_their_job_type() {
        let names: Vec<_> = KINDS.iter().map(|kind| kind.name).collect();
        assert_eq!(names, ["eval", "exec", "fib", "noop", "wait"]);
        assert_eq!(by_name("fib").map(|kind| kind.title), Some("Fibonacci"));
        assert!(by_name("Fibonacci").is_none());
    }

    #[test]
    fn every_kind_has_a_description() {
        for kind in KINDS {
            assert!(!kind.description.is_empty(), "{}", kind.name);
        }
    }
}
