//! Bad input gives a clear typed error and leaves nothing behind.

mod common;

use common::jobs::Square;
use workernator::{
    Config, Limits, Runner,
    errors::{OpenError, WaitError},
};

workernator::init_before_main!();

#[test]
fn an_unusable_state_dir_is_a_clear_error() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let error = Runner::open(Config::default().state_dir(file.path().join("state"))).unwrap_err();
    assert!(matches!(error, OpenError::State(_)), "{error:?}");
    let text = format!("{error}: {}", std::error::Error::source(&error).unwrap());
    assert!(text.contains(&file.path().display().to_string()), "{text}");
}

#[test]
fn a_failing_sandbox_setup_names_the_step() {
    if !common::privileged("a_failing_sandbox_setup_names_the_step") {
        return;
    }
    // One process allowed: the sandbox's init fits, the job's process does not.
    let test = common::runner_with(|config| config.limits(Limits::default().pids_max(1)));
    let job = test.runner.start(Square { n: 3 }).unwrap();
    match common::rt().block_on(job.wait()) {
        Err(WaitError::SetupFailed { failure, .. }) => {
            assert_eq!(failure.step, "fork the job process");
            assert_eq!(failure.errno, Some(libc::EAGAIN));
        }
        other => panic!("expected SetupFailed, got {other:?}"),
    }
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
}

#[test]
fn ids_are_validated() {
    for bad in ["../x", "", "ABC"] {
        assert!(bad.parse::<workernator::JobId>().is_err());
    }
}
