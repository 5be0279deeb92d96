//! `status.json`: rewritten in place, under `flock`, instead of replaced.
//!
//! Replacing a file (write a temporary, rename it over) frees the old inode on
//! every write, and ext4 without a journal makes every later file creation in
//! the block group check each inode freed in the last 5 to 35 seconds: at a few
//! hundred jobs a second, that was 40% of the machine's CPU. A status is written
//! up to three times per job, so it is rewritten in the same inode instead.
//!
//! The protocol, which every reader and writer of a status follows:
//!
//! - A **writer** opens the file (no `O_TRUNC`), takes `flock(LOCK_EX)`, and
//!   checks that the descriptor is still the file at the path (`fstat` against
//!   `stat`: same device and inode); if not, the file was replaced meanwhile
//!   and it opens the new one and tries again. It then writes the whole new
//!   text with one `pwrite` at offset 0, padded with ASCII spaces up to the
//!   file's current length when shorter (JSON allows trailing whitespace). The
//!   file is never truncated, so no crash can leave it cut short.
//! - That holds only while the old and the new text both fit in one page
//!   ([`IN_PLACE_MAX`]): a buffered write within one page cannot be cut in two
//!   by a SIGKILL, a write across pages can (between them). Beyond that (a long
//!   history of attempts), the writer replaces the file as before (temporary
//!   and rename), still holding the lock on the old inode, which is why writers
//!   re-check the inode after locking. A file that does not exist yet is also
//!   created that way, so that it never exists empty (renaming onto a missing
//!   name frees nothing).
//! - A **reader** opens the file, takes `flock(LOCK_SH)`, reads it whole,
//!   closes it (unlocking), then decodes. The shared lock keeps it from seeing
//!   a write half-copied into the page; a reader that opened a file just
//!   replaced reads the old text, which is whole.
//!
//! Watchers (`logs::hub`) see the rewrite as `IN_MODIFY`/`IN_CLOSE_WRITE` of
//! `status.json`, and a replacement as `IN_MOVED_TO`; they react to all three.

use super::StateError;
use super::files::{decode, encode, write_atomic};
use crate::sys::flock;
use rustix::fs::FlockOperation;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::fd::AsFd;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;

/// The longest text (old or new) rewritten in place: one page.
pub(crate) const IN_PLACE_MAX: u64 = 4096;

/// How many times a writer follows a file replaced under it before giving up
/// (only a writer racing endless replacements gets there).
const MAX_REOPENS: usize = 100;

/// Reads and decodes the file at `path` under a shared lock (see the module's
/// protocol).
pub(crate) fn read_locked<T: DeserializeOwned>(path: &Path) -> Result<T, StateError> {
    let mut file = File::open(path).map_err(|source| StateError::io("read", path, source))?;
    flock(file.as_fd(), FlockOperation::LockShared)
        .map_err(|source| StateError::io("lock", path, source))?;
    let mut bytes = Vec::with_capacity(IN_PLACE_MAX as usize + 1);
    file.read_to_end(&mut bytes)
        .map_err(|source| StateError::io("read", path, source))?;
    drop(file);
    decode(path, &bytes)
}

/// Writes `value` to `path` in place under an exclusive lock, or replaces the
/// file when the old or the new text is longer than a page (see the module's
/// protocol).
pub(crate) fn write_in_place<T: Serialize>(path: &Path, value: &T) -> Result<(), StateError> {
    write_bytes_in_place(path, encode(path, value)?)
}

fn write_bytes_in_place(path: &Path, mut bytes: Vec<u8>) -> Result<(), StateError> {
    for _ in 0..MAX_REOPENS {
        let file = match OpenOptions::new().write(true).open(path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return write_atomic(path, &bytes);
            }
            Err(source) => return Err(StateError::io("open", path, source)),
        };
        flock(file.as_fd(), FlockOperation::LockExclusive)
            .map_err(|source| StateError::io("lock", path, source))?;
        let held = file
            .metadata()
            .map_err(|source| StateError::io("read the metadata of", path, source))?;
        match fs::metadata(path) {
            Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => {}
            // Replaced (or removed) since we opened it: follow the new file.
            Ok(_) => continue,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(StateError::io("read the metadata of", path, source)),
        }
        let current = held.len();
        if current.max(bytes.len() as u64) > IN_PLACE_MAX {
            // Still holding the lock on the old inode: a writer waiting on it
            // sees the replacement when it re-checks.
            return write_atomic(path, &bytes);
        }
        let padded = usize::try_from(current)
            .unwrap_or(usize::MAX)
            .max(bytes.len());
        bytes.resize(padded, b' ');
        return file
            .write_all_at(&bytes, 0)
            .map_err(|source| StateError::io("write", path, source));
    }
    Err(StateError::io(
        "write",
        path,
        std::io::Error::other(format!(
            "the file was replaced under the writer {MAX_REOPENS} times in a row"
        )),
    ))
}

#[cfg(test)]
mod tests;
