//! A reader that stops polling holds up nobody: the job runs to its end, the
//! other readers get everything, and the stalled one can still catch up later.

mod common;
#[path = "common/output_jobs.rs"]
mod output_jobs;

use output_jobs::{Spew, digest_stdout, spew_digest};
use workernator::status::JobState;

workernator::init_before_main!();

const BYTES: u64 = 64 << 20;

#[test]
fn a_stalled_reader_slows_neither_the_job_nor_the_other_readers() {
    if !common::privileged("a_stalled_reader_slows_neither_the_job_nor_the_other_readers") {
        return;
    }
    let expected = spew_digest(BYTES, 3);
    let test = common::runner();
    let rt = output_jobs::multi_thread_rt();
    let job = test
        .runner
        .start(Spew {
            bytes: BYTES,
            seed: 3,
        })
        .unwrap();
    let mut stalled = job.logs();
    // It reads the first record, then is not polled again until the job is over.
    let first = rt.block_on(stalled.next()).unwrap().unwrap();
    let others: Vec<_> = (0..3)
        .map(|_| {
            let mut logs = job.logs();
            rt.spawn(async move { digest_stdout(&mut logs).await })
        })
        .collect();
    assert_eq!(rt.block_on(job.wait()).unwrap(), BYTES);
    assert_eq!(job.status().unwrap().state, JobState::Succeeded);
    for other in others {
        assert_eq!(rt.block_on(other).unwrap().0, expected);
    }
    // Back to the stalled reader: it resumes where it stopped and gets the rest.
    let mut digest = output_jobs::Digest::default();
    if first.stream == workernator::logs::OutputStream::Stdout {
        digest.update(&first.bytes);
    }
    rt.block_on(async {
        while let Some(record) = stalled.next().await {
            let record = record.unwrap();
            if record.stream == workernator::logs::OutputStream::Stdout {
                digest.update(&record.bytes);
            }
        }
    });
    assert_eq!(digest.finish(), expected);
}
