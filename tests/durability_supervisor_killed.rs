//! A killed supervisor takes its sandbox with it; the job is reported lost and
//! its cgroup removed. A killed sandbox init fails the job with the signal.

mod common;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use workernator::{
    errors::WaitError,
    status::{ExitReason, JobState},
};

workernator::init_before_main!();

#[test]
fn killing_the_supervisor_kills_the_sandbox_and_the_job_is_lost() {
    if !common::privileged("killing_the_supervisor_kills_the_sandbox") {
        return;
    }
    let test = common::runner();
    let (job, status, pids) = common::running_ticker(&test);
    assert!(pids.len() >= 2, "{pids:?}");
    kill(
        Pid::from_raw(status.supervisor_pid.unwrap()),
        Signal::SIGKILL,
    )
    .unwrap();
    common::eventually("the sandbox to die", || {
        pids.iter().all(|pid| !common::alive(*pid))
    });
    match common::rt().block_on(job.wait()) {
        Err(WaitError::Lost { reason, .. }) => assert!(reason.contains("supervisor"), "{reason}"),
        other => panic!("expected Lost, got {other:?}"),
    }
    let status = job.status().unwrap();
    assert_eq!(status.state, JobState::Lost);
    assert_eq!(
        status.failure_class,
        Some(workernator::retry::FailureClass::Temporary)
    );
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
}

#[test]
fn killing_the_sandbox_init_fails_the_job_with_the_signal() {
    if !common::privileged("killing_the_sandbox_init_fails_the_job") {
        return;
    }
    let test = common::runner();
    let (job, status, _) = common::running_ticker(&test);
    kill(Pid::from_raw(status.sandbox_pid.unwrap()), Signal::SIGKILL).unwrap();
    match common::rt().block_on(job.wait()) {
        Err(WaitError::Signaled { signal, .. }) => assert_eq!(signal, 9),
        other => panic!("expected Signaled, got {other:?}"),
    }
    let status = job.status().unwrap();
    assert_eq!(status.state, JobState::Failed);
    assert_eq!(status.exit, Some(ExitReason::Signaled { signal: 9 }));
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
}
