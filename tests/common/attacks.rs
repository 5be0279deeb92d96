//! Running attacks inside a sandbox and checking that each failed.
#![allow(dead_code)]

use crate::common::TestRunner;
use crate::common::jobs::{Attack, Attacks, Attempt};
use workernator::StartOptions;

/// Runs `attacks` in one job started with `options` and returns what came of each.
pub fn attempt(test: &TestRunner, attacks: Vec<Attack>, options: StartOptions) -> Vec<Attempt> {
    let job = test
        .runner
        .start_with(Attacks(attacks), options)
        .expect("start the attacking job");
    let attempts = crate::common::rt()
        .block_on(job.wait())
        .expect("the attacking job returns its report");
    assert!(
        test.cgroup_left(job.id().as_str()).is_empty(),
        "the job's cgroup was removed"
    );
    attempts
}

/// Panics, listing them, if any attack was allowed.
pub fn assert_all_refused(attempts: &[Attempt]) {
    let allowed: Vec<&Attempt> = attempts.iter().filter(|a| a.allowed).collect();
    assert!(allowed.is_empty(), "attacks that worked: {allowed:#?}");
    for attempt in attempts {
        eprintln!(
            "refused as it should be: {:?}: {}",
            attempt.attack, attempt.detail
        );
    }
}
