use super::*;

/// What the result pipe carries when the job sends `result`.
fn sent(result: JobResult) -> Vec<u8> {
    let mut pipe = Vec::new();
    result.send(&mut pipe).unwrap();
    pipe
}

fn ok(payload: &[u8]) -> Vec<u8> {
    sent(JobResult::Output(payload.to_vec()))
}

#[test]
fn output_and_clean_exit_is_success() {
    let observed = Observed {
        result: ok(b"42"),
        job_end: Some(ProcessEnd::Exited(0)),
        init_end: Some(ProcessEnd::Exited(0)),
        ..Observed::default()
    };
    assert_eq!(
        decide(&observed),
        (ExitReason::Succeeded, Some(b"42".to_vec()))
    );
}

#[test]
fn success_wins_over_a_late_stop_but_a_killed_job_is_stopped() {
    let mut observed = Observed {
        result: ok(b"1"),
        job_end: Some(ProcessEnd::Exited(0)),
        stop_requested: true,
        ..Observed::default()
    };
    assert_eq!(decide(&observed).0, ExitReason::Succeeded);
    observed.result.clear();
    observed.job_end = Some(ProcessEnd::Signaled(15));
    assert_eq!(decide(&observed).0, ExitReason::Stopped);
}

#[test]
fn a_timeout_is_not_a_plain_stop() {
    let observed = Observed {
        job_end: Some(ProcessEnd::Signaled(15)),
        stop_requested: true,
        timed_out: Some(500),
        ..Observed::default()
    };
    assert_eq!(decide(&observed).0, ExitReason::TimedOut { limit_ms: 500 });
}

#[test]
fn setup_failure_is_reported_as_such() {
    let failure = SetupFailure {
        step: "mount proc on".into(),
        path: "/proc".into(),
        errno: Some(1),
        message: "Operation not permitted".into(),
    };
    let observed = Observed {
        setup_failure: Some(failure.clone()),
        init_end: Some(ProcessEnd::Exited(125)),
        ..Observed::default()
    };
    assert_eq!(decide(&observed).0, ExitReason::SetupFailed { failure });
}

#[test]
fn job_error_panic_exit_and_signal() {
    let failure = JobFailure {
        message: "bad".into(),
        causes: vec![],
        retryable: true,
    };
    let result = sent(JobResult::Error(serde_json::to_vec(&failure).unwrap()));
    let observed = Observed {
        result,
        job_end: Some(ProcessEnd::Exited(1)),
        ..Observed::default()
    };
    assert_eq!(decide(&observed).0, ExitReason::JobError { failure });

    let observed = Observed {
        result: sent(JobResult::Panicked(b"boom".to_vec())),
        job_end: Some(ProcessEnd::Exited(101)),
        ..Observed::default()
    };
    assert_eq!(
        decide(&observed).0,
        ExitReason::Panicked {
            message: "boom".into()
        }
    );

    let observed = Observed {
        job_end: Some(ProcessEnd::Exited(3)),
        ..Observed::default()
    };
    assert_eq!(decide(&observed).0, ExitReason::Exited { code: 3 });

    let observed = Observed {
        init_end: Some(ProcessEnd::Signaled(9)),
        ..Observed::default()
    };
    assert_eq!(decide(&observed).0, ExitReason::Signaled { signal: 9 });
}

#[test]
fn output_without_clean_exit_is_not_success() {
    let observed = Observed {
        result: ok(b"42"),
        job_end: Some(ProcessEnd::Signaled(9)),
        ..Observed::default()
    };
    assert_eq!(decide(&observed).0, ExitReason::Signaled { signal: 9 });
}
