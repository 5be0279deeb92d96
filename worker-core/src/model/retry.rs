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
mod tests;
