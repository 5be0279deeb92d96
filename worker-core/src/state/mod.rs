//! The state directory: the single source of truth about jobs.
//!
//! ```text
//! <state>/jobs/<id>/spec.json     what to run (written once, by the starter)
//! <state>/jobs/<id>/status.json   where it is (replaced atomically)
//! <state>/jobs/<id>/output.log    framed output records (append-only)
//! <state>/jobs/<id>/result.json   the typed output, serialized
//! <state>/jobs/<id>/lock          held by the job's supervisor while it lives
//! <state>/jobs/<id>/work/         the job's writable directory
//! ```

mod error;
mod files;
mod layout;
mod spec;
mod status;

pub use error::StateError;
pub(crate) use files::{read_json, write_atomic, write_json_atomic};
pub(crate) use layout::{JobPaths, StateDir};
pub(crate) use spec::JobSpec;
pub use spec::Limits;
pub use status::{
    ExitReason, JobState, JobStatus, Progress, ResourceUsage, SetupFailure, Timestamp,
};
