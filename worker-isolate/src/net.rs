//! The sandbox's network: loopback only.

use crate::error::SetupError;

/// Brings up the loopback interface of the calling process's network namespace,
/// which a new namespace starts with down.
pub fn loopback_up() -> Result<(), SetupError> {
    crate::sys::interface_up("lo")
        .map_err(|source| SetupError::new("bring up loopback", "/sys/class/net/lo", source))
}
