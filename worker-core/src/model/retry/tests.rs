use super::*;
use crate::model::outcome::JobFailure;

#[test]
fn backoff_grows_exponentially_up_to_the_cap() {
    let policy = RetryPolicy::DEFAULT
        .initial_backoff(Duration::from_millis(100))
        .max_backoff(Duration::from_millis(1_000))
        .jitter_percent(0);
    let delays: Vec<u64> = (1..=6)
        .map(|a| policy.backoff(a, 0.7).as_millis() as u64)
        .collect();
    assert_eq!(delays, vec![100, 200, 400, 800, 1_000, 1_000]);
}

#[test]
fn jitter_only_shortens_and_stays_within_its_share() {
    let policy = RetryPolicy::DEFAULT
        .initial_backoff(Duration::from_millis(1_000))
        .jitter_percent(20);
    assert_eq!(policy.backoff(1, 0.0), Duration::from_millis(1_000));
    assert_eq!(policy.backoff(1, 0.5), Duration::from_millis(900));
    assert_eq!(policy.backoff(1, 0.999_999), Duration::from_millis(800));
    let random = unit_random();
    assert!((0.0..1.0).contains(&random));
}

#[test]
fn temporary_failures_retry_permanent_ones_only_when_marked() {
    let policy = RetryPolicy::DEFAULT.max_attempts(3);
    let lost = ExitReason::Lost {
        reason: "gone".into(),
    };
    assert_eq!(
        policy.classify(&lost, false),
        (FailureClass::Temporary, true)
    );
    assert!(policy.should_retry(2, &lost, false));
    assert!(
        !policy.should_retry(3, &lost, false),
        "attempts are bounded"
    );
    let failure = |retryable| ExitReason::JobError {
        failure: JobFailure {
            message: "x".into(),
            causes: vec![],
            retryable,
        },
    };
    assert!(!policy.should_retry(1, &failure(false), false));
    assert!(policy.should_retry(1, &failure(true), false));
    assert!(!policy.should_retry(
        1,
        &ExitReason::Panicked {
            message: "p".into()
        },
        false
    ));
    assert!(
        !policy.should_retry(1, &ExitReason::Signaled { signal: 9 }, true),
        "OOM is permanent by default"
    );
    assert!(
        policy
            .retry_oom(true)
            .should_retry(1, &ExitReason::Signaled { signal: 9 }, true)
    );
    let timed_out = ExitReason::TimedOut { limit_ms: 5 };
    assert!(!policy.should_retry(1, &timed_out, false));
    assert!(
        policy
            .retry_timeout(true)
            .should_retry(1, &timed_out, false)
    );
    assert!(!RetryPolicy::NEVER.should_retry(1, &lost, false));
}
