//! Where things live in the state directory.

use super::StateError;
use crate::model::id::JobId;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The supervisor's stderr in a job's directory, for what it cannot put in
/// the status (created by whoever starts it: the launcher or the starter).
pub(crate) const SUPERVISOR_LOG: &str = "supervisor.log";

/// An opened state directory.
#[derive(Debug, Clone)]
pub(crate) struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// Creates (mode 0700) or opens the state directory and checks that it is writable.
    pub(crate) fn open(root: &Path) -> Result<StateDir, StateError> {
        let root = if root.is_absolute() {
            root.to_owned()
        } else {
            std::env::current_dir()
                .map_err(|source| StateError::io("resolve", root, source))?
                .join(root)
        };
        let jobs = root.join("jobs");
        for dir in [&jobs, &root.join("active")] {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| StateError::io("create", dir, source))?;
        }
        // Tighten a directory that existed with looser permissions.
        fs::set_permissions(&root, fs::Permissions::from_mode(0o700))
            .map_err(|source| StateError::io("set permissions of", &root, source))?;
        nix::unistd::access(&jobs, nix::unistd::AccessFlags::W_OK)
            .map_err(|errno| StateError::io("write to", &jobs, errno.into()))?;
        Ok(StateDir { root })
    }

    /// The root path.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of job directories.
    pub(crate) fn jobs_dir(&self) -> PathBuf {
        self.root.join("jobs")
    }

    /// The directory of markers of unfinished jobs.
    pub(crate) fn active_dir(&self) -> PathBuf {
        self.root.join("active")
    }

    /// The ids named by the entries of `dir` (the jobs or active directory);
    /// entries that are not job ids (temporary files) are skipped.
    pub(crate) fn ids_in(dir: &Path) -> Result<Vec<JobId>, StateError> {
        let entries = fs::read_dir(dir).map_err(|source| StateError::io("read", dir, source))?;
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| StateError::io("read", dir, source))?;
            if let Some(id) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse().ok())
            {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// The paths of one job.
    pub(crate) fn job(&self, id: &JobId) -> JobPaths {
        JobPaths {
            dir: self.root.join("jobs").join(id.as_str()),
            active: Some(self.root.join("active").join(id.as_str())),
        }
    }
}

/// The files of one job.
#[derive(Debug, Clone)]
pub(crate) struct JobPaths {
    dir: PathBuf,
    active: Option<PathBuf>,
}

impl JobPaths {
    /// Builds the paths of a job directory given directly (the supervisor's view).
    /// The active marker lives in `<state>/active/`, two levels up.
    pub(crate) fn at(dir: PathBuf) -> JobPaths {
        let active = match (dir.parent().and_then(Path::parent), dir.file_name()) {
            (Some(state), Some(id)) => Some(state.join("active").join(id)),
            _ => None,
        };
        JobPaths { dir, active }
    }

    /// Removes the job's "not finished" marker `<state>/active/<id>` (done last,
    /// by the lock holder, once the job is finished). The lock's inode stays,
    /// linked as `lock` in the job directory (see [`JobLock::create`]), so that
    /// a finished job frees no inode: on ext4 without a journal every inode
    /// freed makes the file creations of the next seconds slower.
    ///
    /// [`JobLock::create`]: super::JobLock::create
    pub(crate) fn clear_active(&self) -> Result<(), StateError> {
        let Some(active) = &self.active else {
            return Ok(());
        };
        match fs::remove_file(active) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StateError::io("remove", active, source)),
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn spec(&self) -> PathBuf {
        self.dir.join("spec.json")
    }

    pub(crate) fn status(&self) -> PathBuf {
        self.dir.join("status.json")
    }

    pub(crate) fn output(&self) -> PathBuf {
        self.dir.join("output.log")
    }

    pub(crate) fn result(&self) -> PathBuf {
        self.dir.join("result.json")
    }

    /// The job's lock, which is also its "not finished" marker: `<state>/active/<id>`.
    pub(crate) fn lock(&self) -> PathBuf {
        self.active.clone().unwrap_or_else(|| self.lock_in_dir())
    }

    /// The lock's name in the job directory, where its inode is created: it
    /// keeps the inode when the active marker goes.
    pub(crate) fn lock_in_dir(&self) -> PathBuf {
        self.dir.join("lock")
    }

    /// Links the lock in the job directory as the active marker
    /// `<state>/active/<id>`: a second name for the same inode (`flock` locks
    /// the inode, so either name is the same lock). Fails if the marker exists.
    pub(crate) fn link_active(&self) -> Result<(), StateError> {
        let Some(active) = &self.active else {
            return Ok(());
        };
        fs::hard_link(self.lock_in_dir(), active)
            .map_err(|source| StateError::io("link", active, source))
    }

    pub(crate) fn stop_request(&self) -> PathBuf {
        self.dir.join("stop")
    }

    pub(crate) fn work(&self) -> PathBuf {
        self.dir.join("work")
    }

    /// Creates the job directory (mode 0700); fails if it exists.
    pub(crate) fn create_dir(&self) -> Result<(), StateError> {
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&self.dir)
            .map_err(|source| StateError::io("create", &self.dir, source))
    }

    /// Removes what the job left in its work directory, leaving the directory
    /// itself, empty: it goes with the job directory. Removing it would free
    /// its inode, and on ext4 without a journal every inode freed slows the
    /// file creations of the next seconds. Symbolic links are removed, never
    /// followed. A missing work directory is fine.
    pub(crate) fn empty_work(&self) -> std::io::Result<()> {
        let work = self.work();
        let entries = match fs::read_dir(&work) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        for entry in entries {
            let entry = entry?;
            let removed = if entry.file_type()?.is_dir() {
                fs::remove_dir_all(entry.path())
            } else {
                fs::remove_file(entry.path())
            };
            match removed {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
        }
        Ok(())
    }

    /// Creates the job's work directory (mode 0700).
    pub(crate) fn create_work(&self) -> Result<(), StateError> {
        let work = self.work();
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&work)
            .map_err(|source| StateError::io("create", &work, source))
    }
}

#[cfg(test)]
mod tests;
