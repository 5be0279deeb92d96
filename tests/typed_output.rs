//! A job's typed output comes back through `wait`, and so do its failures.

mod common;

use common::jobs::{BigOutput, Failing, MakeReport, Panicking, Report};
use workernator::{errors::WaitError, logs::OutputStream, status::JobState};

workernator::init_before_main!();

#[test]
fn a_struct_round_trips() {
    if !common::privileged("a_struct_round_trips") {
        return;
    }
    let test = common::runner();
    let job = test
        .runner
        .start(MakeReport {
            name: "päivä ✓".into(),
        })
        .unwrap();
    let report: Report = common::rt().block_on(job.wait()).unwrap();
    assert_eq!(report.name, "päivä ✓");
    assert_eq!(report.values, vec![1, -2, i64::MAX]);
    assert_eq!(report.nested.unwrap().name, "inner päivä ✓");
    let status = job.status().unwrap();
    assert_eq!(status.state, JobState::Succeeded);
    assert!(status.started_at.is_some() && status.finished_at.is_some());
    // wait is idempotent.
    let again = common::rt().block_on(job.wait()).unwrap();
    assert_eq!(again.values.len(), 3);
}

#[test]
fn a_large_output_round_trips() {
    if !common::privileged("a_large_output_round_trips") {
        return;
    }
    let test = common::runner();
    let bytes = 8 << 20;
    let job = test.runner.start(BigOutput { bytes }).unwrap();
    let output = common::rt().block_on(job.wait()).unwrap();
    assert_eq!(output.len(), bytes);
    assert!(
        output
            .bytes()
            .enumerate()
            .all(|(i, b)| b == b'a' + (i % 26) as u8)
    );
}

#[test]
fn a_job_error_comes_back_typed_with_its_causes() {
    if !common::privileged("a_job_error_comes_back_typed_with_its_causes") {
        return;
    }
    let test = common::runner();
    let job = test.runner.start(Failing { retryable: false }).unwrap();
    match common::rt().block_on(job.wait()) {
        Err(WaitError::JobFailed { id, failure }) => {
            assert_eq!(&id, job.id());
            assert!(failure.message.contains("No such file"), "{failure:?}");
            assert!(!failure.retryable);
        }
        other => panic!("expected JobFailed, got {other:?}"),
    }
    assert_eq!(job.status().unwrap().state, JobState::Failed);

    let job = test.runner.start(Failing { retryable: true }).unwrap();
    match common::rt().block_on(job.wait()) {
        Err(WaitError::JobFailed { failure, .. }) => {
            assert_eq!(failure.message, "the service is busy");
            assert!(failure.retryable);
        }
        other => panic!("expected JobFailed, got {other:?}"),
    }
}

#[test]
fn a_panic_comes_back_typed_and_its_message_is_in_the_output() {
    if !common::privileged("a_panic_comes_back_typed_and_its_message_is_in_the_output") {
        return;
    }
    let test = common::runner();
    let job = test.runner.start(Panicking).unwrap();
    match common::rt().block_on(job.wait()) {
        Err(WaitError::Panicked { message, .. }) => assert_eq!(message, "the job gave up: 42"),
        other => panic!("expected Panicked, got {other:?}"),
    }
    let stderr: Vec<u8> = job
        .output()
        .unwrap()
        .into_iter()
        .filter(|r| r.stream == OutputStream::Stderr)
        .flat_map(|r| r.bytes)
        .collect();
    assert!(String::from_utf8_lossy(&stderr).contains("the job gave up: 42"));
}
