//! The errors of the runner's API, one enum per operation.

use crate::model::id::JobId;
use crate::model::limits::LimitsError;
use crate::model::outcome::JobFailure;
use crate::model::outcome::SetupFailure;
use crate::model::sandbox::OptionsError;
use crate::state::StateError;
use std::io;

/// [`Runner::open`](crate::Runner::open) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Two job types in this program have the same name; rename one with
    /// `#[job(name = "...")]`.
    #[error(
        "job types {first} and {second} are both named '{name}'; give one another name with #[job(name = \"...\")]"
    )]
    DuplicateJobName {
        /// The shared name.
        name: &'static str,
        /// One type.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// The cgroup parent is not a relative path of plain names.
    #[error(
        "cgroup parent '{parent}' is invalid: use a relative path of [A-Za-z0-9_.-] names, like \"workernator\""
    )]
    InvalidCgroupParent {
        /// The parent given.
        parent: String,
    },
    /// The state directory cannot be used.
    #[error("cannot use the state directory")]
    State(#[source] StateError),
}

/// [`Runner::start`](crate::Runner::start) failed; nothing was started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// `workernator::init()` was not called: it must be the first line of `main`
    /// (or `workernator::init_before_main!()` in test binaries).
    #[error(
        "workernator::init() was not called: call it first thing in main (or use workernator::init_before_main!() in tests), so that the job's supervisor can start"
    )]
    InitNotCalled,
    /// This process is itself a job's supervisor or sandbox.
    #[error("cannot start jobs from inside a workernator supervisor")]
    InsideSupervisor,
    /// The job's type is not registered in this program.
    #[error("job type '{name}' is not registered; derive it with #[derive(Job)]")]
    NotRegistered {
        /// `Job::NAME`.
        name: &'static str,
    },
    /// The limits make no sense, or this host cannot enforce them.
    #[error("cannot start the job with these limits")]
    Limits(#[source] LimitsError),
    /// The sandbox settings (binds, root directory, sizes) make no sense.
    #[error("cannot start the job with these sandbox settings")]
    Options(#[source] OptionsError),
    /// The job value does not serialize.
    #[error("cannot serialize the job")]
    Encode(#[source] serde_json::Error),
    /// No random id could be made.
    #[error("cannot generate a job id")]
    Id(#[source] io::Error),
    /// The state directory cannot be written.
    #[error("cannot record the job")]
    State(#[source] StateError),
    /// The job can never start under the runner's capacity (it needs more than
    /// the whole of it); it was not queued.
    #[error("{reason}")]
    NeverFits {
        /// Which resource, and by how much.
        reason: String,
    },
    /// A job with the same uniqueness key is queued or running, but its handle
    /// cannot be had (it is of another type).
    #[error("job {existing} already holds key '{key}', but cannot be attached: {reason}")]
    Duplicate {
        /// The key.
        key: String,
        /// The job that holds it.
        existing: JobId,
        /// Why it cannot be attached.
        reason: String,
    },
    /// The supervisor process did not start.
    #[error("cannot start the supervisor of job {id}")]
    Spawn {
        /// The job.
        id: JobId,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// Waiting for a job's output failed, or the job did not produce one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The job's `run` returned an error.
    #[error("job {id} failed: {failure}")]
    JobFailed {
        /// The job.
        id: JobId,
        /// Its error.
        failure: JobFailure,
    },
    /// The job panicked.
    #[error("job {id} panicked: {message}")]
    Panicked {
        /// The job.
        id: JobId,
        /// The panic message.
        message: String,
    },
    /// The job's process exited without returning its output.
    #[error("job {id} exited with code {code} without returning its output")]
    Exited {
        /// The job.
        id: JobId,
        /// The exit code.
        code: i32,
    },
    /// The job's process was killed by a signal.
    #[error("job {id} was killed by signal {signal}")]
    Signaled {
        /// The job.
        id: JobId,
        /// The signal number.
        signal: i32,
    },
    /// The OOM killer ended the job: it used all the memory its limit allows.
    /// Raise [`Limits::memory_max_bytes`](crate::Limits::memory_max_bytes), or
    /// make the job use less.
    #[error(
        "job {id} ran out of memory: the OOM killer ended it at its memory limit{}{}",
        limit_bytes.map(|b| format!(" of {b} bytes")).unwrap_or_default(),
        peak_bytes.map(|b| format!(" (peak use {b} bytes)")).unwrap_or_default()
    )]
    OutOfMemory {
        /// The job.
        id: JobId,
        /// Its memory limit, if one was set (else the host's memory ran out).
        limit_bytes: Option<u64>,
        /// The most memory it used, as its cgroup counted it.
        peak_bytes: Option<u64>,
    },
    /// The job was stopped.
    #[error("job {id} was stopped")]
    Stopped {
        /// The job.
        id: JobId,
    },
    /// The job ran longer than its timeout and was stopped.
    #[error("job {id} timed out after {limit_ms} ms")]
    TimedOut {
        /// The job.
        id: JobId,
        /// The timeout, in milliseconds.
        limit_ms: u64,
    },
    /// The sandbox could not be set up.
    #[error("job {id} could not start: sandbox setup failed: {failure}")]
    SetupFailed {
        /// The job.
        id: JobId,
        /// The step that failed.
        failure: SetupFailure,
    },
    /// The supervisor failed.
    #[error("job {id}: supervisor failed: {message}")]
    SupervisorFailed {
        /// The job.
        id: JobId,
        /// What went wrong.
        message: String,
    },
    /// The supervisor disappeared without recording the end; the job was cleaned up.
    #[error("job {id} was lost: {reason}")]
    Lost {
        /// The job.
        id: JobId,
        /// What was found.
        reason: String,
    },
    /// The output does not decode as the job type's output.
    #[error("the output of job {id} does not decode")]
    Output {
        /// The job.
        id: JobId,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The state directory could not be read.
    #[error("cannot read the state of the job")]
    State(#[source] StateError),
    /// Waiting for the supervisor failed.
    #[error("cannot wait for the supervisor of job {id}")]
    Wait {
        /// The job.
        id: JobId,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// Stopping a job failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StopError {
    /// The state directory could not be used.
    #[error("cannot record the stop request")]
    State(#[source] StateError),
    /// The supervisor could not be signalled or waited for.
    #[error("cannot signal the supervisor of job {id}")]
    Signal {
        /// The job.
        id: JobId,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// [`Runner::attach`](crate::Runner::attach) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttachError {
    /// No job has this id in the state directory.
    #[error("no job {id} in the state directory")]
    NotFound {
        /// The id asked for.
        id: JobId,
    },
    /// The job is of another type.
    #[error("job {id} is a '{found}' job, not '{expected}'")]
    WrongType {
        /// The job.
        id: JobId,
        /// The type asked for.
        expected: &'static str,
        /// The job's type.
        found: String,
    },
    /// The job's status cannot be read.
    #[error("cannot read the job's status")]
    State(#[source] StateError),
}

/// [`Runner::list`](crate::Runner::list) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListError {
    /// The state directory cannot be read.
    #[error("cannot read the state directory")]
    State(#[source] StateError),
}
