//! Output written by a grandchild of the job's process reaches the log.

mod common;
#[path = "common/output_jobs.rs"]
mod output_jobs;

use output_jobs::{all_records, stream_bytes};
use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run, logs::OutputStream};

workernator::init_before_main!();

/// Runs a shell that runs a shell in the background, which writes to both streams.
#[derive(Job, Serialize, Deserialize)]
struct Family;

impl Run for Family {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        let status = std::process::Command::new("/bin/sh")
            .args([
                "-c",
                "/bin/sh -c 'echo from the grandchild; echo grandchild error >&2' & wait",
            ])
            .status()?;
        if !status.success() {
            return Err(JobError::new(format!("the shell failed: {status}")));
        }
        Ok(())
    }
}

#[test]
fn a_grandchilds_output_is_in_the_log() {
    if !common::privileged("a_grandchilds_output_is_in_the_log") {
        return;
    }
    let test = common::runner();
    let rt = common::rt();
    let job = test.runner.start(Family).unwrap();
    let records = rt.block_on(all_records(&mut job.logs()));
    rt.block_on(job.wait()).unwrap();
    assert_eq!(
        stream_bytes(&records, OutputStream::Stdout),
        b"from the grandchild\n"
    );
    assert_eq!(
        stream_bytes(&records, OutputStream::Stderr),
        b"grandchild error\n"
    );
}
