//! A fork bomb stops at the job's pids limit, and the job can still be stopped.

mod common;

use common::jobs::ForkBomb;
use workernator::{Limits, StartOptions, status::JobState};

workernator::init_before_main!();

#[test]
fn a_fork_bomb_stops_at_the_pids_limit_and_can_be_stopped() {
    if !common::privileged("a_fork_bomb_stops_at_the_pids_limit_and_can_be_stopped") {
        return;
    }
    let test = common::runner();
    let pids_max = 32;
    let job = test
        .runner
        .start_with(
            ForkBomb,
            StartOptions::new().limits(Limits::default().pids_max(pids_max)),
        )
        .unwrap();
    let id = job.id().as_str().to_owned();
    let mut line = String::new();
    common::eventually("the bomb to hit the limit", || {
        job.output().unwrap().iter().any(|r| {
            let text = String::from_utf8_lossy(&r.bytes);
            if text.contains("limit reached") {
                line = text.into_owned();
                true
            } else {
                false
            }
        })
    });
    eprintln!("{line}");
    assert!(line.contains("Some(11)"), "EAGAIN from fork: {line}");
    let pids = test.cgroup_pids(&id).expect("the job's cgroup");
    assert!(
        pids.len() as u64 <= pids_max,
        "{} processes, limit {pids_max}",
        pids.len()
    );
    let status = common::rt().block_on(job.stop()).unwrap();
    assert_eq!(status.state, JobState::Stopped);
    for pid in pids {
        assert!(!common::alive(pid), "process {pid} survived the stop");
    }
    assert!(test.cgroup_left(&id).is_empty());
}
