//! The state directory: the single source of truth about jobs.
//!
//! ```text
//! <state>/jobs/<id>/spec.json     what to run (written once, by the starter)
//! <state>/jobs/<id>/status.json   where it is (rewritten in place: see `in_place`)
//! <state>/jobs/<id>/output.log    framed output records (append-only)
//! <state>/jobs/<id>/result.json   the typed output, serialized
//! <state>/jobs/<id>/work/         the job's writable directory
//! <state>/jobs/<id>/lock          the job's lock (a second link to the inode below)
//! <state>/active/<id>             the job's lock; present while it is not finished
//! ```
//!
//! Who may write what is in the `lock` module's documentation.

mod error;
mod files;
mod in_place;
mod layout;
mod lock;
mod record;
mod spec;
mod status;

pub use error::StateError;
pub(crate) use files::{read_json, write_json_atomic, write_new};
pub(crate) use in_place::{read_locked, write_in_place};
pub(crate) use layout::{JobPaths, SUPERVISOR_LOG, StateDir};
pub(crate) use lock::{JobLock, LockAttempt};
pub(crate) use record::record_new_job;
pub(crate) use spec::{CgroupLayout, JobSpec};
pub use status::{AttemptRecord, JobState, JobStatus, Progress, ResourceUsage, RunsAs};
