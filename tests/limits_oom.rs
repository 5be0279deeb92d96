//! A job that allocates past its memory limit is killed by the OOM killer in
//! its own cgroup: it ends failed with `oom_killed: true`, and the host (this
//! test process, and the next job) is fine.

mod common;

use common::jobs::{Hog, Square};
use workernator::{
    Limits, StartOptions,
    errors::WaitError,
    status::{ExitReason, JobState},
};

workernator::init_before_main!();

#[test]
fn a_job_past_its_memory_limit_is_oom_killed_and_says_so() {
    if !common::privileged("a_job_past_its_memory_limit_is_oom_killed_and_says_so") {
        return;
    }
    let test = common::runner();
    let limit = 64 << 20;
    let job = test
        .runner
        .start_with(
            Hog { bytes: 512 << 20 },
            StartOptions::new().limits(Limits::default().memory_max_bytes(limit)),
        )
        .unwrap();
    let rt = common::rt();
    let error = rt.block_on(job.wait()).unwrap_err();
    match &error {
        WaitError::OutOfMemory {
            limit_bytes,
            peak_bytes,
            ..
        } => {
            assert_eq!(*limit_bytes, Some(limit));
            assert!(peak_bytes.is_none_or(|peak| peak <= limit), "{error:?}");
        }
        other => panic!("expected OutOfMemory, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains("ran out of memory") && message.contains(&limit.to_string()),
        "{message}"
    );
    let status = job.status().unwrap();
    assert_eq!(status.state, JobState::Failed);
    assert_eq!(status.exit, Some(ExitReason::Signaled { signal: 9 }));
    let usage = status.usage.expect("final usage");
    assert!(usage.oom_killed, "{usage:?}");
    if let Some(peak) = usage.peak_memory_bytes {
        assert!(peak <= limit, "peak {peak} above the limit {limit}");
        assert!(peak > limit / 2, "peak {peak}: the job did reach its limit");
    }
    let log = job.output().unwrap();
    assert!(
        log.iter()
            .any(|r| String::from_utf8_lossy(&r.bytes).contains("OOM killer")),
        "the system log says why"
    );
    assert!(test.cgroup_left(job.id().as_str()).is_empty());

    // The host is fine: the next job runs.
    let next = test.runner.start(Square { n: 12 }).unwrap();
    assert_eq!(rt.block_on(next.wait()).unwrap(), 144);
    let usage = next.status().unwrap().usage.expect("usage");
    assert!(!usage.oom_killed);
}
