//! Leaving the machine as the benchmark found it: no job process, no cgroup.
//!
//! Every job removes its own cgroup; the shared parent the runner creates in each
//! hierarchy is the benchmark's to remove. If a figure fails half-way, jobs may
//! still run: [`sweep`] stops them through their supervisors (SIGTERM, which a
//! supervisor answers with SIGTERM to its job, SIGKILL after the grace period,
//! and cgroup removal).

use crate::procfs::ProcessRef;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use workernator::status::JobStatus;

/// The cgroup roots a parent may have been created under: every v1 hierarchy and
/// the v2 mount (`/sys/fs/cgroup` itself on a v2-only host, `unified` on a hybrid).
fn hierarchies() -> Vec<PathBuf> {
    let root = Path::new("/sys/fs/cgroup");
    let mut dirs = vec![root.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(root) {
        dirs.extend(
            entries
                .flatten()
                .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
                .map(|entry| entry.path()),
        );
    }
    dirs
}

/// Removes the (by now empty) cgroup parent `name` everywhere; returns the
/// directories that could not be removed, with why.
pub fn remove_cgroup_parent(name: &str) -> Vec<String> {
    let mut left = Vec::new();
    for hierarchy in hierarchies() {
        let dir = hierarchy.join(name);
        if !dir.is_dir() {
            continue;
        }
        // Only an empty cgroup can be removed; a non-empty one is a leak to report.
        if let Err(error) = std::fs::remove_dir(&dir) {
            left.push(format!("{}: {error}", dir.display()));
        }
    }
    left
}

/// A job's status, read under a shared lock as the library reads it (its
/// supervisor rewrites the file in place under an exclusive one); `None` if
/// it cannot be read or parsed.
pub fn read_status(path: &Path) -> Option<JobStatus> {
    let file = std::fs::File::open(path).ok()?;
    let locked = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockShared).ok()?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut &*locked, &mut bytes).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Stops every job under `state_dir` whose status is not final and whose
/// supervisor (pid plus start time, as recorded) still lives; waits (bounded) for
/// them to go. Returns how many it had to stop.
pub fn sweep(state_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(state_dir.join("jobs")) else {
        return 0;
    };
    let mut live = Vec::new();
    for entry in entries.flatten() {
        let Some(status) = read_status(&entry.path().join("status.json")) else {
            continue;
        };
        if status.state.is_finished() {
            continue;
        }
        let Some(pid) = status.supervisor_pid else {
            continue;
        };
        let Some(process) = ProcessRef::of(pid) else {
            continue;
        };
        // The status names the supervisor by pid and start time: stop it only if
        // both still match, never a stranger that reused the pid.
        if status.supervisor_start_ticks != Some(process.start_ticks()) {
            continue;
        }
        let _ = std::fs::write(entry.path().join("stop"), b"");
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        );
        live.push(process);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while live.iter().any(ProcessRef::alive) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    live.len()
}
