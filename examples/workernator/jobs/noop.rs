//! `noop`: does nothing and prints nothing (the RFD's "0-th" job type).

use crate::kinds::{ArgsError, Kind};
use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

/// A job that does nothing.
#[derive(Debug, Clone, PartialEq, Eq, Job, Serialize, Deserialize)]
#[job(name = "noop")]
pub(crate) struct Noop;

impl Run for Noop {
    type Output = ();

    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        Ok(())
    }
}

impl Kind for Noop {
    const TITLE: &'static str = "Noop";
    const ARGS: &'static str = "";

    fn from_args(args: &[String]) -> Result<Self, ArgsError> {
        if !args.is_empty() {
            return Err(ArgsError::Count {
                expected: 0,
                received: args.len(),
            });
        }
        Ok(Noop)
    }

    fn describe(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}
