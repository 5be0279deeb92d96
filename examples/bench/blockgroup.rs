//! A block group of its own for each state directory of the benchmark.
//!
//! On ext4 without a journal, every file creation in a block group checks, one
//! by one, the inodes freed there in the last 30 s (five minutes while their
//! inode table block is dirty), and skips them. After a burst of frees in the
//! group (the previous run's state directories removed at its end, another
//! program's cleanup), creating a file costs 50–1000 µs instead of 10, and a
//! throughput figure measured the neighbours: perf showed 25–44 % of the
//! benchmark's CPU in `__ext4_new_inode` with the state in /var/tmp, 1 % with
//! it in a block group of its own, whichever build.
//!
//! A directory marked "top of a directory hierarchy" (`chattr +T`,
//! `FS_TOPDIR_FL`) has its subdirectories placed like top-level ones: spread
//! to a little-used block group. The benchmark makes one such parent and puts
//! each state directory in it; a job's files follow their directory's group.
//! Elsewhere (another file system, no permission) the flag is not set and the
//! state directories stay beside their parent, as before.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

/// `FS_TOPDIR_FL` of linux/fs.h.
const FS_TOPDIR_FL: libc::c_int = 0x0002_0000;

/// A temporary directory in `dir` whose subdirectories ext4 spreads over
/// block groups of their own; and whether that took (the flag was set).
pub fn spreading_parent(dir: &Path) -> io::Result<(tempfile::TempDir, bool)> {
    let parent = tempfile::Builder::new()
        .prefix("workernator-bench-")
        .tempdir_in(dir)?;
    let spread = set_topdir(&File::open(parent.path())?).is_ok();
    Ok((parent, spread))
}

fn set_topdir(dir: &File) -> io::Result<()> {
    // The kernel reads and writes an int through these two requests.
    let mut flags: libc::c_int = 0;
    // SAFETY: FS_IOC_GETFLAGS writes one int through the pointer, which is
    // valid and writable for the call; the descriptor is open.
    if unsafe { libc::ioctl(dir.as_raw_fd(), libc::FS_IOC_GETFLAGS, &mut flags) } < 0 {
        return Err(io::Error::last_os_error());
    }
    flags |= FS_TOPDIR_FL;
    // SAFETY: FS_IOC_SETFLAGS reads one int through the pointer, valid for the
    // call; the descriptor is open.
    if unsafe { libc::ioctl(dir.as_raw_fd(), libc::FS_IOC_SETFLAGS, &flags) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
