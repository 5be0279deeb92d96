//! Admission: a runner with a capacity queues what does not fit, starts it in
//! fair order across owners, refuses what can never fit, drains and resumes,
//! and keeps unique keys unique.

mod common;

use common::jobs::{Square, Ticker};
use std::time::Duration;
use workernator::{Limits, StartOptions, config::Capacity, errors::StartError, status::JobState};

workernator::init_before_main!();

#[test]
fn a_second_owner_is_not_starved_by_the_first() {
    if !common::privileged("a_second_owner_is_not_starved_by_the_first") {
        return;
    }
    let test = common::runner_with(|config| config.capacity(Capacity::jobs(2)));
    let ticker = || Ticker {
        lines: 3,
        interval_ms: 20,
    };
    let mut jobs = Vec::new();
    for _ in 0..12 {
        jobs.push((
            "a",
            test.runner
                .start_with(ticker(), StartOptions::new().owner("a"))
                .unwrap(),
        ));
    }
    for _ in 0..3 {
        jobs.push((
            "b",
            test.runner
                .start_with(ticker(), StartOptions::new().owner("b"))
                .unwrap(),
        ));
    }
    let rt = common::rt();
    for (_, job) in &jobs {
        assert_eq!(rt.block_on(job.wait()).unwrap(), 3);
    }
    let mut started: Vec<(u64, &str)> = jobs
        .iter()
        .map(|(owner, job)| {
            (
                job.status().unwrap().started_at.unwrap().as_millis(),
                *owner,
            )
        })
        .collect();
    started.sort();
    let b_positions: Vec<usize> = started
        .iter()
        .enumerate()
        .filter(|(_, (_, owner))| *owner == "b")
        .map(|(position, _)| position)
        .collect();
    // A's first two hold both slots; from then on the owners alternate, so B's
    // three jobs are among the next six starts, not after A's twelve.
    assert!(
        b_positions.iter().all(|&p| p < 8),
        "B started at {b_positions:?} of {started:?}"
    );
}

#[test]
fn a_job_that_can_never_fit_is_refused_at_start() {
    if !common::privileged("a_job_that_can_never_fit_is_refused_at_start") {
        return;
    }
    let test =
        common::runner_with(|config| config.capacity(Capacity::jobs(2).memory_bytes(1 << 30)));
    let options = StartOptions::new().limits(Limits::default().memory_max_bytes(2 << 30));
    match test.runner.start_with(Square { n: 1 }, options) {
        Err(StartError::NeverFits { reason }) => assert!(reason.contains("memory"), "{reason}"),
        other => panic!("expected NeverFits, got {other:?}"),
    }
    assert!(
        test.runner.list(None).unwrap().is_empty(),
        "nothing recorded"
    );
}

#[test]
fn drain_holds_queued_jobs_and_resume_starts_them() {
    if !common::privileged("drain_holds_queued_jobs_and_resume_starts_them") {
        return;
    }
    let test = common::runner_with(|config| config.capacity(Capacity::jobs(1)));
    test.runner.drain();
    let job = test.runner.start(Square { n: 7 }).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let status = job.status().unwrap();
    assert_eq!(
        status.state,
        JobState::Queued,
        "nothing starts while draining"
    );
    assert!(
        test.runner.why_waiting(job.id()).unwrap().contains("drain"),
        "{:?}",
        test.runner.why_waiting(job.id())
    );
    test.runner.resume();
    assert_eq!(common::rt().block_on(job.wait()).unwrap(), 49);
}

#[test]
fn a_unique_key_returns_the_job_already_holding_it() {
    if !common::privileged("a_unique_key_returns_the_job_already_holding_it") {
        return;
    }
    let test = common::runner_with(|config| config.capacity(Capacity::jobs(4)));
    let options = || StartOptions::new().unique_key("nightly-report");
    let first = test
        .runner
        .start_with(
            Ticker {
                lines: 5,
                interval_ms: 20,
            },
            options(),
        )
        .unwrap();
    let second = test
        .runner
        .start_with(
            Ticker {
                lines: 5,
                interval_ms: 20,
            },
            options(),
        )
        .unwrap();
    assert_eq!(first.id(), second.id());
    let rt = common::rt();
    rt.block_on(first.wait()).unwrap();
    common::eventually("the key to be released", || {
        let third = test
            .runner
            .start_with(
                Ticker {
                    lines: 1,
                    interval_ms: 1,
                },
                options(),
            )
            .unwrap();
        let fresh = third.id() != first.id();
        if fresh {
            rt.block_on(third.wait()).unwrap();
        }
        fresh
    });
}

#[test]
fn stopping_a_queued_job_ends_it_without_running() {
    if !common::privileged("stopping_a_queued_job_ends_it_without_running") {
        return;
    }
    let test = common::runner_with(|config| config.capacity(Capacity::jobs(1)));
    test.runner.drain();
    let job = test.runner.start(Square { n: 2 }).unwrap();
    let rt = common::rt();
    let status = rt.block_on(job.stop()).unwrap();
    assert_eq!(status.state, JobState::Stopped);
    assert!(status.started_at.is_none());
    test.runner.resume();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(job.status().unwrap().state, JobState::Stopped);
}
