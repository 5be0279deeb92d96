//! Failed attempts are retried per the job type's policy, each attempt recorded;
//! permanent failures are not; a timeout stops the job and says so.

mod common;

use common::jobs::{Failing, Flaky, Sleepy};
use workernator::{
    errors::WaitError,
    status::{ExitReason, JobState},
};

workernator::init_before_main!();

#[test]
fn a_retryable_failure_is_retried_until_it_succeeds() {
    if !common::privileged("a_retryable_failure_is_retried_until_it_succeeds") {
        return;
    }
    let test = common::runner();
    let job = test.runner.start(Flaky { succeed_on: 3 }).unwrap();
    let output = common::rt().block_on(job.wait()).unwrap();
    assert_eq!(output, "succeeded on attempt 3");
    let status = job.status().unwrap();
    assert_eq!(status.state, JobState::Succeeded);
    assert_eq!(status.attempt, 3);
    assert_eq!(status.attempts.len(), 2);
    for (index, record) in status.attempts.iter().enumerate() {
        assert_eq!(record.attempt, index as u32 + 1);
        assert!(matches!(&record.exit, ExitReason::JobError { failure } if failure.retryable));
    }
    let stdout: String = job
        .output()
        .unwrap()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.bytes).into_owned())
        .collect();
    for attempt in 1..=3 {
        assert!(
            stdout.contains(&format!("attempt {attempt} (my count {attempt})")),
            "{stdout}"
        );
    }
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
}

#[test]
fn retries_stop_at_max_attempts() {
    if !common::privileged("retries_stop_at_max_attempts") {
        return;
    }
    let test = common::runner();
    let job = test.runner.start(Flaky { succeed_on: 10 }).unwrap();
    assert!(matches!(
        common::rt().block_on(job.wait()),
        Err(WaitError::JobFailed { .. })
    ));
    let status = job.status().unwrap();
    assert_eq!(status.attempt, 4);
    assert_eq!(status.attempts.len(), 3);
}

#[test]
fn a_permanent_failure_gets_one_attempt() {
    if !common::privileged("a_permanent_failure_gets_one_attempt") {
        return;
    }
    let test = common::runner();
    let job = test.runner.start(Failing { retryable: false }).unwrap();
    assert!(common::rt().block_on(job.wait()).is_err());
    let status = job.status().unwrap();
    assert_eq!(status.attempt, 1);
    assert!(status.attempts.is_empty());
    assert_eq!(
        status.failure_class,
        Some(workernator::retry::FailureClass::Permanent)
    );
}

#[test]
fn a_timeout_stops_the_job_and_says_so() {
    if !common::privileged("a_timeout_stops_the_job_and_says_so") {
        return;
    }
    let test = common::runner();
    let job = test.runner.start(Sleepy).unwrap();
    match common::rt().block_on(job.wait()) {
        Err(WaitError::TimedOut { limit_ms, .. }) => assert_eq!(limit_ms, 300),
        other => panic!("expected TimedOut, got {other:?}"),
    }
    let status = job.status().unwrap();
    assert_eq!(status.state, JobState::Failed);
    assert_eq!(status.exit, Some(ExitReason::TimedOut { limit_ms: 300 }));
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
}
