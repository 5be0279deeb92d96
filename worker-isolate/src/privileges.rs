//! Giving up privileges and tying the sandbox's life to its supervisor.

use crate::error::SetupError;
use nix::sys::signal::Signal;

/// Asks the kernel to SIGKILL the calling process when its parent thread dies.
///
/// The caller must then check that its parent is still alive (for example by
/// reading a pipe the parent holds open): the parent may have died before this call.
pub fn die_with_parent() -> Result<(), SetupError> {
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)
        .map_err(|errno| SetupError::errno("prctl(PR_SET_PDEATHSIG)", "/proc/self", errno))
}

/// Sets `no_new_privs`: nothing the job executes can gain privileges (setuid bits,
/// file capabilities).
pub fn no_new_privileges() -> Result<(), SetupError> {
    nix::sys::prctl::set_no_new_privs()
        .map_err(|errno| SetupError::errno("prctl(PR_SET_NO_NEW_PRIVS)", "/proc/self", errno))
}
