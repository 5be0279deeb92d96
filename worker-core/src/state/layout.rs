//! Where things live in the state directory.

use super::StateError;
use crate::id::JobId;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

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
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&jobs)
            .map_err(|source| StateError::io("create", &jobs, source))?;
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

    /// The paths of one job.
    pub(crate) fn job(&self, id: &JobId) -> JobPaths {
        JobPaths {
            dir: self.root.join("jobs").join(id.as_str()),
        }
    }
}

/// The files of one job.
#[derive(Debug, Clone)]
pub(crate) struct JobPaths {
    dir: PathBuf,
}

impl JobPaths {
    /// Builds the paths of a job directory given directly (the supervisor's view).
    pub(crate) fn at(dir: PathBuf) -> JobPaths {
        JobPaths { dir }
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

    pub(crate) fn lock(&self) -> PathBuf {
        self.dir.join("lock")
    }

    pub(crate) fn stop_request(&self) -> PathBuf {
        self.dir.join("stop")
    }

    pub(crate) fn work(&self) -> PathBuf {
        self.dir.join("work")
    }

    /// Creates the job directory and its work directory (mode 0700).
    pub(crate) fn create(&self) -> Result<(), StateError> {
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&self.dir)
            .map_err(|source| StateError::io("create", &self.dir, source))?;
        let work = self.work();
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&work)
            .map_err(|source| StateError::io("create", &work, source))
    }
}
