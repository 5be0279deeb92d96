//! At the size cap the log keeps exactly the first bytes, says it truncated, and
//! the job runs on to its end (its pipes are still drained).

mod common;
#[path = "common/output_jobs.rs"]
mod output_jobs;

use output_jobs::{CHUNK, Spew, all_records, spew_chunk, stream_bytes};
use workernator::{logs::OutputStream, status::JobState};

workernator::init_before_main!();

const CAP: u64 = 1 << 20;
const BYTES: u64 = 8 << 20;

#[test]
fn output_past_the_cap_is_dropped_visibly_without_blocking_the_job() {
    if !common::privileged("output_past_the_cap_is_dropped_visibly") {
        return;
    }
    let test = common::runner_with(|config| config.output_cap(CAP));
    let rt = common::rt();
    let job = test
        .runner
        .start(Spew {
            bytes: BYTES,
            seed: 5,
        })
        .unwrap();
    assert_eq!(rt.block_on(job.wait()).unwrap(), BYTES);
    assert_eq!(job.status().unwrap().state, JobState::Succeeded);
    let records = rt.block_on(all_records(&mut job.logs()));
    let mut first = vec![0u8; CHUNK];
    spew_chunk(5, 0, &mut first);
    assert!(stream_bytes(&records, OutputStream::Stdout) == first[..CAP as usize]);
    let system: Vec<String> = records
        .iter()
        .filter(|r| r.stream == OutputStream::System)
        .map(|r| String::from_utf8_lossy(&r.bytes).into_owned())
        .collect();
    assert!(
        system.iter().any(|s| s.starts_with("output truncated")),
        "{system:?}"
    );
    let dropped = format!("{} bytes past the cap", BYTES - CAP);
    assert!(system.iter().any(|s| s.contains(&dropped)), "{system:?}");
    assert_eq!(system.last().map(String::as_str), Some("job succeeded"));
}
