//! ADAPTER (replace when the live logs stream lands): where `tail` reads a
//! job's output.
//!
//! [`OutputSource`] is the seam: whole records, in order, from the job's first
//! byte. [`SnapshotSource`] implements it with what the library has today,
//! `JobHandle::output()` snapshots plus waiting for the job's end: it yields
//! everything written so far, then (when following a running job) waits for
//! the job to end, without polling, and yields the rest. Honest, complete and
//! exact, but not live. A source over `JobHandle::logs()` would yield records
//! as they come; `tail` needs no other change.

use crate::kinds::AnyJob;
use crate::render::state::State;
use workernator::{OutputRecord, StateError, WaitError};

/// The job's output could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OutputError {
    #[error("cannot read the job's status")]
    Status(#[source] StateError),
    #[error("cannot read the job's output")]
    Read(#[source] std::io::Error),
    #[error("cannot wait for the job to end")]
    Wait(#[source] WaitError),
}

/// A job's output records, in order, from the first.
pub(crate) trait OutputSource {
    /// The next records; `Ok(None)` once there will be no more.
    async fn next(&mut self) -> Result<Option<Vec<OutputRecord>>, OutputError>;
}

/// Snapshots of the output log: now, and again once the job has ended.
pub(crate) struct SnapshotSource<'a> {
    job: &'a dyn AnyJob,
    follow: bool,
    delivered: usize,
    step: Step,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Now,
    AtTheEnd,
    Done,
}

impl<'a> SnapshotSource<'a> {
    /// The output of `job`; with `follow`, until the job has ended.
    pub(crate) fn new(job: &'a dyn AnyJob, follow: bool) -> Self {
        SnapshotSource {
            job,
            follow,
            delivered: 0,
            step: Step::Now,
        }
    }
}

impl OutputSource for SnapshotSource<'_> {
    async fn next(&mut self) -> Result<Option<Vec<OutputRecord>>, OutputError> {
        match self.step {
            Step::Now => {
                // The status first: once it is final, the log is complete (the
                // supervisor writes its last record before the final status).
                let status = self.job.status().map_err(OutputError::Status)?;
                let finished = State::of(status.state).is_finished();
                let records = self.job.records().map_err(OutputError::Read)?;
                self.delivered = records.len();
                self.step = if self.follow && !finished {
                    Step::AtTheEnd
                } else {
                    Step::Done
                };
                Ok(Some(records))
            }
            Step::AtTheEnd => {
                self.job.ended().await.map_err(OutputError::Wait)?;
                let mut records = self.job.records().map_err(OutputError::Read)?;
                let rest = records.split_off(self.delivered.min(records.len()));
                self.delivered += rest.len();
                self.step = Step::Done;
                Ok(Some(rest))
            }
            Step::Done => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::{AnyJob, Arguments, JobFuture, KindInfo, by_name};
    use std::cell::RefCell;
    use workernator::{JobId, JobStatus, Limits, OutputStream, StopError};

    /// A job whose output grows by `at_the_end` when it ends.
    struct FakeJob {
        id: JobId,
        state: RefCell<&'static str>,
        records: RefCell<Vec<OutputRecord>>,
        at_the_end: Vec<OutputRecord>,
    }

    fn record(bytes: &[u8]) -> OutputRecord {
        OutputRecord {
            stream: OutputStream::Stdout,
            timestamp_ns: 0,
            bytes: bytes.to_vec(),
        }
    }

    fn fake(state: &'static str) -> FakeJob {
        FakeJob {
            id: "0123456789abcdef0123456789abcdef".parse().unwrap(),
            state: RefCell::new(state),
            records: RefCell::new(vec![record(b"a"), record(b"b")]),
            at_the_end: vec![record(b"c")],
        }
    }

    impl AnyJob for FakeJob {
        fn id(&self) -> &JobId {
            &self.id
        }
        fn info(&self) -> KindInfo {
            by_name("noop").unwrap()
        }
        fn status(&self) -> Result<JobStatus, StateError> {
            Ok(serde_json::from_value(serde_json::json!({
                "id": self.id, "job_type": "noop", "state": *self.state.borrow(),
                "attempt": 1, "created_at": 0, "started_at": null, "finished_at": null,
                "supervisor_pid": null, "supervisor_start_ticks": null,
                "sandbox_pid": null, "exit": null,
            }))
            .unwrap())
        }
        fn arguments(&self) -> Result<Arguments, StateError> {
            unimplemented!()
        }
        fn limits(&self) -> Result<Limits, StateError> {
            unimplemented!()
        }
        fn output_json(&self) -> Result<Option<serde_json::Value>, StateError> {
            unimplemented!()
        }
        fn records(&self) -> std::io::Result<Vec<OutputRecord>> {
            Ok(self.records.borrow().clone())
        }
        fn ended(&self) -> JobFuture<'_, Result<(), WaitError>> {
            if *self.state.borrow() == "running" {
                self.records.borrow_mut().extend(self.at_the_end.clone());
                *self.state.borrow_mut() = "succeeded";
            }
            Box::pin(async { Ok(()) })
        }
        fn stop(&self) -> JobFuture<'_, Result<JobStatus, StopError>> {
            unimplemented!()
        }
    }

    /// Every batch `source` yields, as text.
    fn batches(mut source: SnapshotSource<'_>) -> Vec<String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut seen = Vec::new();
        while let Some(records) = runtime.block_on(source.next()).unwrap() {
            let bytes: Vec<u8> = records.into_iter().flat_map(|r| r.bytes).collect();
            seen.push(String::from_utf8(bytes).unwrap());
        }
        seen
    }

    #[test]
    fn following_a_running_job_yields_the_rest_at_its_end() {
        let job = fake("running");
        assert_eq!(batches(SnapshotSource::new(&job, true)), ["ab", "c"]);
    }

    #[test]
    fn without_follow_only_what_there_is_now() {
        let job = fake("running");
        assert_eq!(batches(SnapshotSource::new(&job, false)), ["ab"]);
    }

    #[test]
    fn an_ended_job_is_read_once() {
        let job = fake("failed");
        assert_eq!(batches(SnapshotSource::new(&job, true)), ["ab"]);
    }
}
