//! Random bytes from the kernel.

use rustix::io::Errno;
use rustix::rand::GetRandomFlags;
use std::io;

/// Fills `bytes` from the kernel's random source (`getrandom(2)`: one system
/// call, where reading /dev/urandom takes three).
pub(crate) fn random_bytes(bytes: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < bytes.len() {
        match rustix::rand::getrandom(&mut bytes[filled..], GetRandomFlags::empty()) {
            Ok(got) => filled += got,
            Err(Errno::INTR) => {}
            Err(errno) => return Err(errno.into()),
        }
    }
    Ok(())
}
