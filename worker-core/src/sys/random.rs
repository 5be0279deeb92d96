//! Random bytes from the kernel.
#![allow(unsafe_code)]

use std::io;

/// Fills `bytes` from the kernel's random source (`getrandom(2)`: one system
/// call, where reading /dev/urandom takes three).
pub(crate) fn random_bytes(bytes: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < bytes.len() {
        let rest = &mut bytes[filled..];
        // SAFETY: getrandom writes at most `rest.len()` bytes into `rest`, a
        // live, writable buffer of that length.
        let got = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        match got {
            n if n > 0 => filled += n as usize,
            _ => {
                let error = io::Error::last_os_error();
                if error.kind() != io::ErrorKind::Interrupted {
                    return Err(error);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
