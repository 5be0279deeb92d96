//! Which failures are retried, and after how long.
//!
//! A failure is temporary (the world failed the job: its supervisor was lost, its
//! sandbox could not be set up) or permanent (the job failed itself: it returned
//! an error, panicked, exited or was killed). Temporary failures are retried by
//! default, permanent ones only when the job returned an error it marked
//! retryable ([`JobError::retryable`](crate::JobError::retryable)). By policy:
//! an OOM kill is permanent (the same limit will kill it again) unless
//! [`RetryPolicy::retry_oom`] says otherwise; a timeout is permanent unless
//! [`RetryPolicy::retry_timeout`] says otherwise.

use crate::model::outcome::ExitReason;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Whether a failure may go away by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// Infrastructure: retried by default.
    Temporary,
    /// The job's own failure: retried only if it said so.
    Permanent,
}

/// How many attempts a job gets and how long it waits between them:
/// exponential backoff with jitter, capped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff_ms: u64,
    max_backoff_ms: u64,
    /// Backoff grows by this factor per attempt, in percent (200 = doubles).
    growth_percent: u32,
    /// Up to this share of each delay (percent) is randomised away.
    jitter_percent: u32,
    retry_oom: bool,
    retry_timeout: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::DEFAULT
    }
}

impl RetryPolicy {
    /// 3 attempts, 1 s backoff doubling up to 1 min, 20 % jitter; OOM kills and
    /// timeouts not retried.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        initial_backoff_ms: 1_000,
        max_backoff_ms: 60_000,
        growth_percent: 200,
        jitter_percent: 20,
        retry_oom: false,
        retry_timeout: false,
    };

    /// One attempt: never retried.
    pub const NEVER: RetryPolicy = RetryPolicy::DEFAULT.max_attempts(1);

    /// At most this many attempts in all (at least 1).
    pub const fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = if attempts == 0 { 1 } else { attempts };
        self
    }

    /// The wait before the second attempt.
    pub const fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff_ms = backoff.as_millis() as u64;
        self
    }

    /// The longest wait between attempts.
    pub const fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff_ms = backoff.as_millis() as u64;
        self
    }

    /// Growth of the backoff per attempt, in percent (200 doubles it; at least 100).
    pub const fn growth_percent(mut self, percent: u32) -> Self {
        self.growth_percent = if percent < 100 { 100 } else { percent };
        self
    }

    /// Share of each delay randomised away, in percent (0 to 100).
    pub const fn jitter_percent(mut self, percent: u32) -> Self {
        self.jitter_percent = if percent > 100 { 100 } else { percent };
        self
    }

    /// Whether an OOM-killed job is tried again.
    pub const fn retry_oom(mut self, retry: bool) -> Self {
        self.retry_oom = retry;
        self
    }

    /// Whether a job that ran out of time is tried again.
    pub const fn retry_timeout(mut self, retry: bool) -> Self {
        self.retry_timeout = retry;
        self
    }

    /// The number of attempts allowed.
    pub const fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The class of a failure, and whether this policy retries it.
    pub fn classify(&self, exit: &ExitReason, oom_killed: bool) -> (FailureClass, bool) {
        if oom_killed {
            return (FailureClass::Permanent, self.retry_oom);
        }
        match exit {
            ExitReason::Lost { .. }
            | ExitReason::SetupFailed { .. }
            | ExitReason::SupervisorFailed { .. } => (FailureClass::Temporary, true),
            ExitReason::TimedOut { .. } => (FailureClass::Permanent, self.retry_timeout),
            ExitReason::JobError { failure } => (FailureClass::Permanent, failure.retryable),
            ExitReason::Panicked { .. }
            | ExitReason::Exited { .. }
            | ExitReason::Signaled { .. } => (FailureClass::Permanent, false),
            ExitReason::Succeeded | ExitReason::Stopped => (FailureClass::Permanent, false),
        }
    }

    /// Whether attempt `attempt` (from 1), which failed with `exit`, gets another.
    pub fn should_retry(&self, attempt: u32, exit: &ExitReason, oom_killed: bool) -> bool {
        attempt < self.max_attempts && self.classify(exit, oom_killed).1
    }

    /// The wait after failed attempt `attempt` (from 1): `initial × growth^(attempt-1)`,
    /// capped, minus a random share of up to `jitter` given by `unit_random` in [0, 1).
    pub fn backoff(&self, attempt: u32, unit_random: f64) -> Duration {
        let mut delay = self.initial_backoff_ms as f64;
        for _ in 1..attempt.max(1) {
            delay = delay * f64::from(self.growth_percent) / 100.0;
            if delay >= self.max_backoff_ms as f64 {
                break;
            }
        }
        let delay = delay.min(self.max_backoff_ms as f64);
        let jitter = delay * f64::from(self.jitter_percent) / 100.0 * unit_random.clamp(0.0, 1.0);
        Duration::from_millis((delay - jitter).round() as u64)
    }
}

/// A random number in [0, 1) from the kernel, for jitter.
pub(crate) fn unit_random() -> f64 {
    let mut bytes = [0u8; 8];
    if crate::sys::random_bytes(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
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
}
