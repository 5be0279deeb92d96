//! Why a queued job is not running yet, for its status.

use super::capacity::Shortage;
use super::clock::Millis;
use std::fmt;

/// The first thing that keeps a queued job from starting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitReason {
    /// The runner is draining: it admits nothing until resumed.
    Draining,
    /// The job asked not to start before this time.
    NotBefore(Millis),
    /// Not enough is free now; running jobs must finish first.
    Capacity(Shortage),
    /// It would fit, but other jobs go first: `ahead_in_owner` of its own owner's
    /// jobs, and owners with a smaller share of what is running.
    BehindOthers {
        /// Jobs of the same owner admitted before it.
        ahead_in_owner: usize,
    },
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitReason::Draining => {
                f.write_str("the runner is draining; it starts no jobs until resumed")
            }
            WaitReason::NotBefore(time) => write!(f, "asked not to start before {time}"),
            WaitReason::Capacity(shortage) => write!(
                f,
                "waits for capacity: needs {}, {} free",
                shortage.resource.amount(shortage.needed),
                shortage.resource.amount(shortage.free)
            ),
            WaitReason::BehindOthers { ahead_in_owner: 0 } => {
                f.write_str("next in line for its owner; other owners' turns come first")
            }
            WaitReason::BehindOthers { ahead_in_owner } => write!(
                f,
                "waits its turn: {ahead_in_owner} of its owner's jobs go first"
            ),
        }
    }
}

#[cfg(test)]
mod tests;
