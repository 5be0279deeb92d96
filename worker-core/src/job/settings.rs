//! What a job type declares about itself: `#[job(...)]` attributes become a
//! [`JobSettings`] constant.

use crate::model::retry::RetryPolicy;
use std::time::Duration;

/// Per-type settings, declared with `#[job(...)]` and overridable per start.
///
/// ```
/// use std::time::Duration;
/// use workernator::{job::JobSettings, retry::RetryPolicy};
/// const SETTINGS: JobSettings = JobSettings::DEFAULT
///     .host_network(true)
///     .retry(RetryPolicy::DEFAULT.max_attempts(5).initial_backoff(Duration::from_millis(200)))
///     .timeout(Duration::from_secs(60));
/// assert_eq!(SETTINGS.retry_policy().attempts(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobSettings {
    host_network: bool,
    retry: RetryPolicy,
    timeout: Option<Duration>,
}

impl JobSettings {
    /// Loopback-only network, [`RetryPolicy::DEFAULT`], no timeout.
    pub const DEFAULT: JobSettings = JobSettings {
        host_network: false,
        retry: RetryPolicy::DEFAULT,
        timeout: None,
    };

    /// Runs jobs of this type with the host's network (`#[job(network = "host")]`)
    /// instead of loopback only.
    pub const fn host_network(mut self, host: bool) -> Self {
        self.host_network = host;
        self
    }

    /// How failed jobs of this type are retried.
    pub const fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// A wall-clock limit on each attempt (`#[job(timeout = "30s")]`).
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Whether jobs of this type use the host's network.
    pub const fn uses_host_network(&self) -> bool {
        self.host_network
    }

    /// The retry policy.
    pub const fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The per-attempt timeout.
    pub const fn timeout_limit(&self) -> Option<Duration> {
        self.timeout
    }
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings::DEFAULT
    }
}
