use super::*;

#[test]
fn status_round_trips_through_json() {
    let id: JobId = "0123456789abcdef0123456789abcdef".parse().unwrap();
    let mut status = JobStatus::starting(id, "Fib".into(), 1, Timestamp::now());
    status.finish(ExitReason::Signaled { signal: 9 });
    let text = serde_json::to_string(&status).unwrap();
    assert!(text.contains(r#""state":"failed""#), "{text}");
    assert!(text.contains(r#""kind":"signaled""#), "{text}");
    let back: JobStatus = serde_json::from_str(&text).unwrap();
    assert_eq!(back, status);
}

#[test]
fn statuses_from_before_rootless_mode_read_as_enforced_and_not_rootless() {
    let id: JobId = "0123456789abcdef0123456789abcdef".parse().unwrap();
    let status = JobStatus::starting(id, "Fib".into(), 1, Timestamp::now());
    let mut value = serde_json::to_value(&status).unwrap();
    let object = value.as_object_mut().unwrap();
    for key in ["rootless", "limits_enforced", "limits_note", "runs_as"] {
        assert!(object.remove(key).is_some(), "{key} is written");
    }
    let old: JobStatus = serde_json::from_value(value).unwrap();
    assert!(!old.rootless && old.limits_enforced);
    assert_eq!((old.limits_note, old.runs_as), (None, None));
}

#[test]
fn stop_and_success_map_to_their_states() {
    let id: JobId = "0123456789abcdef0123456789abcdef".parse().unwrap();
    let mut status = JobStatus::starting(id, "Fib".into(), 1, Timestamp::now());
    status.finish(ExitReason::Stopped);
    assert_eq!(status.state, JobState::Stopped);
    status.finish(ExitReason::Succeeded);
    assert_eq!(status.state, JobState::Succeeded);
    assert!(status.state.is_finished());
    assert_eq!(status.failure_class, None);
}

#[test]
fn a_failure_records_its_class() {
    let id: JobId = "0123456789abcdef0123456789abcdef".parse().unwrap();
    let mut status = JobStatus::starting(id, "Fib".into(), 1, Timestamp::now());
    status.finish(ExitReason::Lost {
        reason: "gone".into(),
    });
    assert_eq!(
        status.failure_class,
        Some(crate::model::retry::FailureClass::Temporary)
    );
    status.finish(ExitReason::Panicked {
        message: "p".into(),
    });
    assert_eq!(
        status.failure_class,
        Some(crate::model::retry::FailureClass::Permanent)
    );
}
