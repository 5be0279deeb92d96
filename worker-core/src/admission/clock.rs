//! Time for admission: a point in time, and where "now" comes from.
//!
//! The scheduler never reads the system clock itself; it asks an injected
//! [`Clock`], so tests move time by hand instead of sleeping.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, as milliseconds since the Unix epoch (the scale of
/// `state::Timestamp`, so the runner converts with `Millis(ts.as_millis())`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Millis(pub(crate) u64);

impl Millis {
    /// This time plus `ms` milliseconds, saturating at the end of time.
    #[cfg(test)]
    pub(crate) fn plus(self, ms: u64) -> Millis {
        Millis(self.0.saturating_add(ms))
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms after the epoch", self.0)
    }
}

/// Where the scheduler reads the current time.
pub(crate) trait Clock {
    /// Now.
    fn now(&self) -> Millis;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        Millis(u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX))
    }
}

/// A clock that only moves when told to; clones share the same time.
#[cfg(test)]
#[derive(Debug, Clone, Default)]
pub(crate) struct ManualClock(std::rc::Rc<std::cell::Cell<u64>>);

#[cfg(test)]
impl ManualClock {
    /// A clock showing `ms`.
    pub(crate) fn at(ms: u64) -> ManualClock {
        ManualClock(std::rc::Rc::new(std::cell::Cell::new(ms)))
    }

    /// Moves the clock to `ms`.
    pub(crate) fn set(&self, ms: u64) {
        self.0.set(ms);
    }

    /// Moves the clock forward by `ms`.
    pub(crate) fn advance(&self, ms: u64) {
        self.0.set(self.0.get().saturating_add(ms));
    }
}

#[cfg(test)]
impl Clock for ManualClock {
    fn now(&self) -> Millis {
        Millis(self.0.get())
    }
}

#[cfg(test)]
mod tests;
