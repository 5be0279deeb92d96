//! Where job cgroups are created: version detection and name checks.

use std::fs;
use std::path::{Component, Path, PathBuf};

use nix::sys::statfs::{self, CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC};

use super::v1::{self, V1Controller, V1Job, V1Mount};
use super::v2::V2Job;
use super::{CgroupError, CgroupLimits, CgroupOp, JobCgroup};

/// The usual mount point of the cgroup file systems.
pub const DEFAULT_CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// The cgroup interface version in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CgroupVersion {
    /// One hierarchy per controller (`<root>/memory`, `<root>/pids`, ...).
    V1,
    /// The unified hierarchy.
    V2,
}

/// Where cgroups are created: a cgroup2 mount, or a directory holding cgroup
/// v1 controller mounts (`memory`, `pids`, `cpu`, `cpuacct`, `freezer`).
///
/// ```no_run
/// use worker_isolate::cgroup::{CgroupLimits, CgroupRoot};
///
/// # fn main() -> Result<(), worker_isolate::cgroup::CgroupError> {
/// let root = CgroupRoot::detect()?;
/// let limits = CgroupLimits {
///     memory_max_bytes: Some(256 << 20),
///     pids_max: Some(128),
///     ..CgroupLimits::default()
/// };
/// let job = root.create("workernator", "job-42", &limits)?;
/// job.add_process(4242)?;
/// // ... later
/// job.kill_all()?;
/// let usage = job.usage()?;
/// job.remove()?;
/// # let _ = usage;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CgroupRoot {
    root: PathBuf,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    V1 { mounts: Vec<V1Mount> },
    V2,
}

impl CgroupRoot {
    /// Detects the cgroup layout at [`DEFAULT_CGROUP_ROOT`].
    ///
    /// # Errors
    ///
    /// See [`CgroupRoot::at`].
    pub fn detect() -> Result<CgroupRoot, CgroupError> {
        CgroupRoot::at(DEFAULT_CGROUP_ROOT)
    }

    /// The host's cgroup v2 hierarchy, wherever it is mounted (at one of
    /// [`UNIFIED_MOUNTS`](super::UNIFIED_MOUNTS): alone, or beside v1 on a
    /// hybrid host); `None` if there is none.
    pub fn unified() -> Option<CgroupRoot> {
        super::UNIFIED_MOUNTS.iter().find_map(|mount| {
            CgroupRoot::at(mount)
                .ok()
                .filter(|root| root.version() == CgroupVersion::V2)
        })
    }

    /// Detects the cgroup layout at `root`: v2 if `root` is a cgroup2 mount
    /// (by `statfs` magic), else v1 with whichever of `memory`, `pids`, `cpu`,
    /// `cpuacct` and `freezer` are cgroup mounts under it. On a hybrid host
    /// `/sys/fs/cgroup` is v1 and `/sys/fs/cgroup/unified` is v2.
    ///
    /// # Errors
    ///
    /// [`CgroupError::Io`] if `root` cannot be examined,
    /// [`CgroupError::NoHierarchy`] if it holds no cgroups.
    pub fn at(root: impl Into<PathBuf>) -> Result<CgroupRoot, CgroupError> {
        let root = root.into();
        let stat = statfs::statfs(&root)
            .map_err(|e| CgroupError::io(CgroupOp::Detect, &root, e.into()))?;
        if stat.filesystem_type() == CGROUP2_SUPER_MAGIC {
            return Ok(CgroupRoot {
                root,
                kind: Kind::V2,
            });
        }
        CgroupRoot::v1_at(root, |dir| {
            statfs::statfs(dir).is_ok_and(|s| s.filesystem_type() == CGROUP_SUPER_MAGIC)
        })
    }

    /// The root at `root` as an earlier [`CgroupRoot::at`] found it:
    /// `version`, and on v1 each controller with the directory of its
    /// hierarchy (as [`CgroupRoot::controllers`] lists them). Saves the
    /// detection's system calls (a `statfs` per controller and a `readlink`
    /// per path component) where the layout is known, e.g. in a per-job
    /// process. One `statfs` of `root` checks the version still holds; if it
    /// does not (the host changed), or a controller name is unknown, the
    /// layout is detected afresh.
    ///
    /// # Errors
    ///
    /// As [`CgroupRoot::at`] when detecting afresh.
    pub fn from_layout(
        root: impl Into<PathBuf>,
        version: CgroupVersion,
        controllers: &[(String, PathBuf)],
    ) -> Result<CgroupRoot, CgroupError> {
        let root = root.into();
        let is_v2 = statfs::statfs(&root)
            .map_err(|e| CgroupError::io(CgroupOp::Detect, &root, e.into()))?
            .filesystem_type()
            == CGROUP2_SUPER_MAGIC;
        match version {
            CgroupVersion::V2 if is_v2 => {
                return Ok(CgroupRoot {
                    root,
                    kind: Kind::V2,
                });
            }
            CgroupVersion::V1 if !is_v2 && !controllers.is_empty() => {
                let found: Option<Vec<(V1Controller, PathBuf)>> = controllers
                    .iter()
                    .map(|(name, dir)| {
                        V1Controller::ALL
                            .into_iter()
                            .find(|controller| controller.name() == name)
                            .map(|controller| (controller, dir.clone()))
                    })
                    .collect();
                if let Some(found) = found {
                    return Ok(CgroupRoot {
                        root,
                        kind: Kind::V1 {
                            mounts: v1::group_mounts(found),
                        },
                    });
                }
            }
            _ => {}
        }
        CgroupRoot::at(root)
    }

    /// A root of a known version without checking file system types, for
    /// tests on a plain directory tree (v1: every controller directory present
    /// counts as a mount).
    #[cfg(test)]
    pub(super) fn assume(
        root: impl Into<PathBuf>,
        version: CgroupVersion,
    ) -> Result<CgroupRoot, CgroupError> {
        let root = root.into();
        match version {
            CgroupVersion::V2 => Ok(CgroupRoot {
                root,
                kind: Kind::V2,
            }),
            CgroupVersion::V1 => CgroupRoot::v1_at(root, Path::is_dir),
        }
    }

    fn v1_at(root: PathBuf, is_mount: impl Fn(&Path) -> bool) -> Result<CgroupRoot, CgroupError> {
        let mut found = Vec::new();
        for controller in V1Controller::ALL {
            let dir = root.join(controller.name());
            if !is_mount(&dir) {
                continue;
            }
            // `cpu` and `cpuacct` are often symlinks to one `cpu,cpuacct`.
            let resolved =
                fs::canonicalize(&dir).map_err(|e| CgroupError::io(CgroupOp::Detect, &dir, e))?;
            found.push((controller, resolved));
        }
        if found.is_empty() {
            return Err(CgroupError::NoHierarchy { root });
        }
        Ok(CgroupRoot {
            root,
            kind: Kind::V1 {
                mounts: v1::group_mounts(found),
            },
        })
    }

    /// The cgroup version at this root.
    pub fn version(&self) -> CgroupVersion {
        match self.kind {
            Kind::V1 { .. } => CgroupVersion::V1,
            Kind::V2 => CgroupVersion::V2,
        }
    }

    /// The root directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The controllers this root offers, each with the directory where job
    /// cgroups of it are made: on v1 those of `memory`, `pids`, `cpu`,
    /// `cpuacct`, `freezer` and `blkio` that are mounted, on v2 what the
    /// root's `cgroup.controllers` lists.
    ///
    /// # Errors
    ///
    /// [`CgroupError::Io`] if v2's `cgroup.controllers` cannot be read.
    pub fn controllers(&self) -> Result<Vec<(String, PathBuf)>, CgroupError> {
        match &self.kind {
            Kind::V1 { mounts } => Ok(mounts
                .iter()
                .flat_map(|m| {
                    m.controllers
                        .iter()
                        .map(|c| (c.name().to_owned(), m.dir.clone()))
                })
                .collect()),
            Kind::V2 => {
                let path = self.root.join("cgroup.controllers");
                let contents = super::fsutil::read(&path, CgroupOp::ReadControllers)?;
                Ok(super::parse::parse_controllers(&contents)
                    .into_iter()
                    .map(|c| (c.to_owned(), self.root.clone()))
                    .collect())
            }
        }
    }

    /// Creates the job cgroup `<parent>/<name>` and applies `limits`.
    ///
    /// `parent` (e.g. `"workernator"`, may have several `/`-separated parts)
    /// is created if missing, is shared by all jobs and is never removed by
    /// job code. On v2, `memory`, `pids` and `cpu` are enabled in the
    /// `cgroup.subtree_control` of the root and of each parent level where
    /// offered; the parent must hold no processes. The job directory itself
    /// must not exist yet (a leftover from a crash: [`CgroupRoot::open`] it,
    /// kill and remove). If applying a limit fails, the job directory is
    /// removed again.
    ///
    /// # Errors
    ///
    /// [`CgroupError::InvalidLimit`], [`CgroupError::InvalidName`] before
    /// anything is touched; [`CgroupError::ControllerUnavailable`] if a limit
    /// needs a controller the root lacks; [`CgroupError::Io`] (e.g.
    /// `AlreadyExists`, `EBUSY`) otherwise.
    pub fn create(
        &self,
        parent: &str,
        name: &str,
        limits: &CgroupLimits,
    ) -> Result<Box<dyn JobCgroup>, CgroupError> {
        limits.validate()?;
        let parent = check_parent(parent)?;
        let name = check_name(name)?;
        match &self.kind {
            Kind::V1 { mounts } => Ok(Box::new(V1Job::create(
                &self.root,
                mounts,
                &parent.join(name),
                limits,
            )?)),
            Kind::V2 => Ok(Box::new(V2Job::create(&self.root, &parent, name, limits)?)),
        }
    }

    /// Checks, without creating anything, that a job cgroup with `limits`
    /// could be created under `parent`: the limits are valid, every
    /// controller they need is there, and the caller may write where the job
    /// cgroup would go (the deepest existing level of `parent`, in each
    /// hierarchy).
    ///
    /// # Errors
    ///
    /// [`CgroupError::InvalidLimit`], [`CgroupError::InvalidName`],
    /// [`CgroupError::ControllerUnavailable`], or [`CgroupError::Io`] with
    /// [`CgroupOp::CheckAccess`] (e.g. `EACCES` when not root and nothing
    /// is delegated).
    pub fn check_can_create(&self, parent: &str, limits: &CgroupLimits) -> Result<(), CgroupError> {
        limits.validate()?;
        let parent = check_parent(parent)?;
        let dirs: Vec<PathBuf> = match &self.kind {
            Kind::V1 { mounts } => {
                for needed in limits.needed_controllers() {
                    let needed = if needed == "io" { "blkio" } else { needed };
                    if !mounts
                        .iter()
                        .any(|m| m.controllers.iter().any(|c| c.name() == needed))
                    {
                        return Err(CgroupError::ControllerUnavailable {
                            controller: needed,
                            path: self.root.join(needed),
                        });
                    }
                }
                mounts.iter().map(|m| m.dir.clone()).collect()
            }
            Kind::V2 => {
                let offered_path = self.root.join("cgroup.controllers");
                let contents = super::fsutil::read(&offered_path, CgroupOp::ReadControllers)?;
                let offered = super::parse::parse_controllers(&contents);
                for needed in limits.needed_controllers() {
                    if !offered.contains(&needed) {
                        return Err(CgroupError::ControllerUnavailable {
                            controller: needed,
                            path: offered_path,
                        });
                    }
                }
                vec![self.root.clone()]
            }
        };
        for dir in dirs {
            let mut deepest = dir.clone();
            for component in parent.components() {
                let next = deepest.join(component);
                if !next.is_dir() {
                    break;
                }
                deepest = next;
            }
            nix::unistd::access(&deepest, nix::unistd::AccessFlags::W_OK)
                .map_err(|errno| CgroupError::io(CgroupOp::CheckAccess, &deepest, errno.into()))?;
        }
        Ok(())
    }

    /// Opens an existing job cgroup, e.g. to clean up after a crash;
    /// `Ok(None)` if it does not exist. On v1 the job covers the controllers
    /// where its directory exists.
    ///
    /// # Errors
    ///
    /// [`CgroupError::InvalidName`]; [`CgroupError::Io`] if existence cannot
    /// be checked.
    pub fn open(
        &self,
        parent: &str,
        name: &str,
    ) -> Result<Option<Box<dyn JobCgroup>>, CgroupError> {
        let relative = check_parent(parent)?.join(check_name(name)?);
        Ok(match &self.kind {
            Kind::V1 { mounts } => {
                V1Job::open(mounts, &relative)?.map(|job| Box::new(job) as Box<dyn JobCgroup>)
            }
            Kind::V2 => {
                V2Job::open(&self.root, &relative)?.map(|job| Box::new(job) as Box<dyn JobCgroup>)
            }
        })
    }

    /// The directories in which `<parent>` lives, one per v1 hierarchy or the
    /// one v2 directory (for test cleanup).
    #[cfg(test)]
    pub(super) fn parent_dirs(&self, parent: &str) -> Vec<PathBuf> {
        match &self.kind {
            Kind::V1 { mounts } => mounts.iter().map(|m| m.dir.join(parent)).collect(),
            Kind::V2 => vec![self.root.join(parent)],
        }
    }
}

const NAME_MAX: usize = 255;

/// One path component usable as a cgroup directory name.
fn check_name(name: &str) -> Result<&str, CgroupError> {
    let invalid = |reason| {
        Err(CgroupError::InvalidName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return invalid("must not be empty");
    }
    if name.len() > NAME_MAX {
        return invalid("must be at most 255 bytes");
    }
    if name.contains('/') {
        return invalid("must not contain '/'");
    }
    if name.contains('\0') {
        return invalid("must not contain NUL");
    }
    if name == "." || name == ".." {
        return invalid("must not be '.' or '..'");
    }
    Ok(name)
}

/// A relative path of one or more valid names.
fn check_parent(parent: &str) -> Result<PathBuf, CgroupError> {
    let invalid = |reason| {
        Err(CgroupError::InvalidName {
            name: parent.to_owned(),
            reason,
        })
    };
    if parent.starts_with('/') {
        return invalid("parent must be relative to the cgroup root");
    }
    if parent.is_empty() {
        return invalid("parent must not be empty (jobs never go in the root itself)");
    }
    let mut path = PathBuf::new();
    for part in parent.split('/') {
        check_name(part)?;
        path.push(part);
    }
    // Belt and braces: only normal components.
    if !path.components().all(|c| matches!(c, Component::Normal(_))) {
        return invalid("parent must be made of plain names");
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("job-1").is_ok());
        for bad in ["", ".", "..", "a/b", "a\0b"] {
            assert!(
                matches!(check_name(bad), Err(CgroupError::InvalidName { .. })),
                "{bad:?}"
            );
        }
        assert!(check_name(&"x".repeat(256)).is_err());
    }

    #[test]
    fn parents() {
        assert_eq!(
            check_parent("workernator").ok(),
            Some(PathBuf::from("workernator"))
        );
        assert_eq!(check_parent("a/b").ok(), Some(PathBuf::from("a").join("b")));
        for bad in ["", "/abs", "a//b", "a/../b", "a/.", "a/"] {
            assert!(check_parent(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn at_a_plain_directory_is_no_hierarchy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = CgroupRoot::at(dir.path()).expect_err("not a cgroup fs");
        assert!(matches!(err, CgroupError::NoHierarchy { .. }));
    }

    #[test]
    fn at_a_missing_directory_is_an_io_error() {
        let err = CgroupRoot::at("/nonexistent/cgroup/root").expect_err("missing");
        assert!(matches!(
            err,
            CgroupError::Io {
                op: CgroupOp::Detect,
                ..
            }
        ));
    }
}
