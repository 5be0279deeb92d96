//! Crash injection for the durability tests: `WORKERNATOR_TEST_CRASH_AT=<point>`
//! makes the process SIGKILL itself at that point of `start` (the launcher
//! inherits the variable: its points are named `launcher-*`). Read once; costs
//! one comparison per point otherwise.

use std::sync::OnceLock;

/// Env var naming the point at which to crash.
pub(crate) const CRASH_AT_ENV: &str = "WORKERNATOR_TEST_CRASH_AT";

/// Kills this process with SIGKILL if `point` is the configured crash point.
pub(crate) fn point(point: &str) {
    static CRASH_AT: OnceLock<Option<String>> = OnceLock::new();
    let configured = CRASH_AT.get_or_init(|| std::env::var(CRASH_AT_ENV).ok());
    if configured.as_deref() == Some(point) {
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    }
}
