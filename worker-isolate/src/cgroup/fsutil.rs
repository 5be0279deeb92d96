//! Small file helpers for cgroupfs: every error carries the path and the
//! operation, removal retries `EBUSY` for a bounded time, and waiting is a
//! bounded poll.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;

use super::parse::{self, FormatError};
use super::{CgroupError, CgroupOp};

/// Attempts at `rmdir` while the kernel says `EBUSY` (the last exiting task
/// may not be unlinked yet). With the delays below this waits at most ~40 ms.
const RMDIR_ATTEMPTS: u32 = 8;
const RMDIR_FIRST_DELAY: Duration = Duration::from_millis(1);
const RMDIR_MAX_DELAY: Duration = Duration::from_millis(8);

/// Longest sleep between two polls.
const POLL_MAX_DELAY: Duration = Duration::from_millis(25);

pub(super) fn read(path: &Path, op: CgroupOp) -> Result<String, CgroupError> {
    fs::read_to_string(path).map_err(|e| CgroupError::io(op, path, e))
}

/// Reads a file that older kernels or missing controllers may not have.
pub(super) fn read_optional(path: &Path, op: CgroupOp) -> Result<Option<String>, CgroupError> {
    match fs::read_to_string(path) {
        Ok(contents) => Ok(Some(contents)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CgroupError::io(op, path, e)),
    }
}

/// Reads and parses a file, putting the path into a format error.
pub(super) fn read_parsed<T>(
    path: &Path,
    op: CgroupOp,
    parser: impl FnOnce(&str) -> Result<T, FormatError>,
) -> Result<T, CgroupError> {
    let contents = read(path, op)?;
    parser(&contents).map_err(|e| CgroupError::parse(path, e))
}

/// Like [`read_parsed`], `Ok(None)` when the file does not exist.
pub(super) fn read_parsed_optional<T>(
    path: &Path,
    op: CgroupOp,
    parser: impl FnOnce(&str) -> Result<T, FormatError>,
) -> Result<Option<T>, CgroupError> {
    match read_optional(path, op)? {
        Some(contents) => parser(&contents)
            .map(Some)
            .map_err(|e| CgroupError::parse(path, e)),
        None => Ok(None),
    }
}

/// Writes an existing control file in one `write(2)` (as `echo > file` does:
/// `O_TRUNC`, which cgroupfs ignores). Never creates the file: a missing
/// control file means the kernel lacks the feature, and creating one in a
/// tmpfs would hide that.
pub(super) fn write(path: &Path, contents: &str, op: CgroupOp) -> Result<(), CgroupError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .map_err(|e| CgroupError::io(op, path, e))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| CgroupError::io(op, path, e))
}

/// The processes listed in `<dir>/cgroup.procs`.
pub(super) fn procs(dir: &Path) -> Result<Vec<i32>, CgroupError> {
    read_parsed(
        &dir.join("cgroup.procs"),
        CgroupOp::ListProcesses,
        parse::parse_procs,
    )
}

/// Removes a cgroup directory and any cgroups below it, children first.
/// A directory that is already gone is fine.
pub(super) fn remove_tree(dir: &Path) -> Result<(), CgroupError> {
    // A job's cgroup rarely has children: one rmdir, no listing. With
    // children (EBUSY in cgroupfs, ENOTEMPTY elsewhere) or tasks still
    // leaving (EBUSY), the listing and the retries below.
    match fs::remove_dir(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(code) if code == Errno::EBUSY as i32 || code == Errno::ENOTEMPTY as i32
            ) => {}
        Err(e) => return Err(CgroupError::io(CgroupOp::Remove, dir, e)),
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(CgroupError::io(CgroupOp::Remove, dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| CgroupError::io(CgroupOp::Remove, dir, e))?;
        let file_type = entry
            .file_type()
            .map_err(|e| CgroupError::io(CgroupOp::Remove, entry.path(), e))?;
        // In cgroupfs the only directories are child cgroups.
        if file_type.is_dir() {
            remove_tree(&entry.path())?;
        }
    }
    remove_dir_retrying(dir)
}

/// `rmdir` with a short bounded retry on `EBUSY`; `ENOENT` counts as done.
pub(super) fn remove_dir_retrying(dir: &Path) -> Result<(), CgroupError> {
    let mut delay = RMDIR_FIRST_DELAY;
    let mut attempt = 1;
    loop {
        match fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) if e.raw_os_error() == Some(Errno::EBUSY as i32) && attempt < RMDIR_ATTEMPTS => {
                thread::sleep(delay);
                delay = (delay * 2).min(RMDIR_MAX_DELAY);
                attempt += 1;
            }
            Err(e) => return Err(CgroupError::io(CgroupOp::Remove, dir, e)),
        }
    }
}

/// Calls `check` until it returns `Some`, sleeping 1 ms, 2 ms, ... up to
/// 25 ms between calls; `Ok(None)` once `budget` has passed.
pub(super) fn poll<T>(
    budget: Duration,
    mut check: impl FnMut() -> Result<Option<T>, CgroupError>,
) -> Result<Option<T>, CgroupError> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(1);
    loop {
        if let Some(value) = check()? {
            return Ok(Some(value));
        }
        let elapsed = start.elapsed();
        if elapsed >= budget {
            return Ok(None);
        }
        thread::sleep(delay.min(budget - elapsed));
        delay = (delay * 2).min(POLL_MAX_DELAY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_never_creates_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cgroup.kill");
        let err = write(&path, "1", CgroupOp::Kill).expect_err("missing file");
        assert_eq!(
            err.io_error().map(io::Error::kind),
            Some(io::ErrorKind::NotFound)
        );
        assert!(!path.exists());
    }

    #[test]
    fn optional_reads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("memory.peak");
        assert_eq!(
            read_parsed_optional(&path, CgroupOp::ReadUsage, parse::parse_single_u64)
                .expect("absent is fine"),
            None
        );
        fs::write(&path, "4096\n").expect("write");
        assert_eq!(
            read_parsed_optional(&path, CgroupOp::ReadUsage, parse::parse_single_u64)
                .expect("parses"),
            Some(4096)
        );
        fs::write(&path, "lots\n").expect("write");
        let err = read_parsed_optional(&path, CgroupOp::ReadUsage, parse::parse_single_u64)
            .expect_err("garbage");
        assert!(matches!(err, CgroupError::Parse { line: Some(1), .. }));
    }

    #[test]
    fn remove_tree_removes_children_and_is_idempotent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let job = dir.path().join("job");
        fs::create_dir_all(job.join("child/grandchild")).expect("mkdir");
        remove_tree(&job).expect("removed");
        assert!(!job.exists());
        remove_tree(&job).expect("already gone is fine");
    }

    #[test]
    fn remove_reports_other_errors_with_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let job = dir.path().join("job");
        fs::create_dir(&job).expect("mkdir");
        // A regular file inside: rmdir fails with ENOTEMPTY, not retried.
        fs::write(job.join("file"), "x").expect("write");
        let err = remove_tree(&job).expect_err("not empty");
        match err {
            CgroupError::Io { op, path, .. } => {
                assert_eq!(op, CgroupOp::Remove);
                assert_eq!(path, job);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn poll_is_bounded() {
        let start = Instant::now();
        let mut calls = 0;
        let result = poll::<()>(Duration::from_millis(30), || {
            calls += 1;
            Ok(None)
        })
        .expect("no error");
        assert_eq!(result, None);
        assert!(calls > 1);
        assert!(start.elapsed() < Duration::from_secs(1));
        let found = poll(Duration::from_secs(5), || Ok(Some(7))).expect("no error");
        assert_eq!(found, Some(7));
    }
}
