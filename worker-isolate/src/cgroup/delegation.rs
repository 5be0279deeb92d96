//! Rootless cgroups: the cgroup v2 subtree delegated to an ordinary user.
//!
//! A user may manage cgroups only where the administrator (or systemd, with
//! `Delegate=yes`, as for every `user@UID.service`) handed a subtree over:
//! its directory, `cgroup.procs` and `cgroup.subtree_control` belong to the
//! user. [`Delegation::find`] starts at the caller's own cgroup (the `0::`
//! line of `/proc/self/cgroup`) and climbs while the parent is still
//! writable; the top of that climb is the delegated subtree, under which
//! job cgroups go (`<delegated>/<parent>/<job>`, made by
//! [`CgroupRoot::at`](super::CgroupRoot::at) on that directory).
//!
//! Moving a process between two cgroups needs write access to
//! `cgroup.procs` of their closest common ancestor; since the caller's own
//! cgroup is inside the delegated subtree, that ancestor is inside it too.

use std::fs;
use std::path::{Path, PathBuf};

use super::parse;
use super::v2::WANTED_CONTROLLERS;

/// Where the unified (v2) hierarchy is mounted: on its own, or beside v1.
pub const UNIFIED_MOUNTS: [&str; 2] = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"];

/// A cgroup v2 subtree the caller may manage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    /// The delegated directory: the highest writable ancestor of the
    /// caller's own cgroup (possibly that cgroup itself).
    pub dir: PathBuf,
    /// The controllers it offers (`cgroup.controllers`).
    pub controllers: Vec<String>,
    /// The controllers enabled for its children (`cgroup.subtree_control`).
    pub enabled: Vec<String>,
    /// Whether processes live in it directly (then no controller can be
    /// enabled for its children: cgroup v2's "no internal processes" rule).
    pub has_processes: bool,
}

/// Why no usable delegated cgroup was found; each says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DelegationError {
    /// No cgroup2 file system at any of [`UNIFIED_MOUNTS`].
    #[error("no cgroup v2 hierarchy is mounted (looked at {})", UNIFIED_MOUNTS.join(", "))]
    NoUnifiedHierarchy,
    /// `/proc/self/cgroup` names no cgroup v2 path.
    #[error("this process is in no cgroup v2 cgroup (no \"0::\" line in /proc/self/cgroup)")]
    NotInUnifiedHierarchy,
    /// The caller's own cgroup is not the caller's to manage.
    #[error(
        "this process's cgroup {} is not delegated to uid {uid} (its directory, cgroup.procs or \
         cgroup.subtree_control is not writable)",
        dir.display()
    )]
    NotDelegated {
        /// The caller's cgroup.
        dir: PathBuf,
        /// The caller's uid.
        uid: u32,
    },
    /// A controller the limits need is not offered in the delegated subtree.
    #[error(
        "the {controller} controller is not delegated: {} offers only [{offered}]",
        dir.join("cgroup.controllers").display()
    )]
    ControllerMissing {
        /// The controller needed.
        controller: &'static str,
        /// The delegated directory.
        dir: PathBuf,
        /// What it offers, space-separated.
        offered: String,
    },
    /// Controllers still have to be enabled for the subtree's children, but
    /// processes live in it directly, which cgroup v2 forbids.
    #[error(
        "the delegated cgroup {} holds processes, so [{missing}] cannot be enabled in its \
         cgroup.subtree_control; start the application in a child cgroup of it",
        dir.display()
    )]
    Busy {
        /// The delegated directory.
        dir: PathBuf,
        /// The controllers not enabled yet, space-separated.
        missing: String,
    },
    /// A cgroup file could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

impl Delegation {
    /// Finds the subtree delegated to the calling process, on this host.
    ///
    /// # Errors
    ///
    /// A [`DelegationError`] saying what is missing.
    pub fn find() -> Result<Delegation, DelegationError> {
        let root = super::CgroupRoot::unified().ok_or(DelegationError::NoUnifiedHierarchy)?;
        let own = read("/proc/self/cgroup".as_ref())?;
        Delegation::find_in(
            root.path(),
            &own,
            nix::unistd::geteuid().as_raw(),
            &writable,
        )
    }

    /// Finds the delegated subtree in the v2 hierarchy mounted at `mount`,
    /// for a process whose `/proc/self/cgroup` reads `proc_self_cgroup`;
    /// `writable` says whether the caller (uid `uid`) may write a path.
    ///
    /// # Errors
    ///
    /// A [`DelegationError`] saying what is missing.
    pub fn find_in(
        mount: &Path,
        proc_self_cgroup: &str,
        uid: u32,
        writable: &dyn Fn(&Path) -> bool,
    ) -> Result<Delegation, DelegationError> {
        let relative = proc_self_cgroup
            .lines()
            .find_map(|line| line.strip_prefix("0::"))
            .ok_or(DelegationError::NotInUnifiedHierarchy)?;
        let own = mount.join(relative.trim().trim_start_matches('/'));
        let managed = |dir: &Path| {
            writable(dir)
                && writable(&dir.join("cgroup.procs"))
                && writable(&dir.join("cgroup.subtree_control"))
        };
        if !managed(&own) {
            return Err(DelegationError::NotDelegated { dir: own, uid });
        }
        let mut dir = own;
        while dir != mount {
            match dir.parent() {
                Some(parent) if parent.starts_with(mount) && managed(parent) => {
                    dir = parent.to_path_buf();
                }
                _ => break,
            }
        }
        let controllers = words(&read(&dir.join("cgroup.controllers"))?);
        let enabled = words(&read(&dir.join("cgroup.subtree_control"))?);
        let has_processes = !read(&dir.join("cgroup.procs"))?.trim().is_empty();
        Ok(Delegation {
            dir,
            controllers,
            enabled,
            has_processes,
        })
    }

    /// Checks that job cgroups with the controllers `needed` can be made
    /// under the subtree.
    ///
    /// # Errors
    ///
    /// [`DelegationError::ControllerMissing`] or [`DelegationError::Busy`].
    pub fn check(&self, needed: &[&'static str]) -> Result<(), DelegationError> {
        for controller in needed {
            if !self.controllers.iter().any(|c| c == controller) {
                return Err(DelegationError::ControllerMissing {
                    controller,
                    dir: self.dir.clone(),
                    offered: self.controllers.join(" "),
                });
            }
        }
        // What creating a job cgroup would enable here (see v2::enable_controllers).
        let missing: Vec<&str> = WANTED_CONTROLLERS
            .iter()
            .copied()
            .filter(|c| {
                self.controllers.iter().any(|o| o == c) && !self.enabled.iter().any(|e| e == c)
            })
            .collect();
        if self.has_processes && !missing.is_empty() {
            return Err(DelegationError::Busy {
                dir: self.dir.clone(),
                missing: missing.join(" "),
            });
        }
        Ok(())
    }
}

fn read(path: &Path) -> Result<String, DelegationError> {
    fs::read_to_string(path).map_err(|source| DelegationError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn words(contents: &str) -> Vec<String> {
    parse::parse_controllers(contents)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Whether the calling process may write `path` (by its effective ids).
fn writable(path: &Path) -> bool {
    nix::unistd::faccessat(
        nix::fcntl::AT_FDCWD,
        path,
        nix::unistd::AccessFlags::W_OK,
        nix::fcntl::AtFlags::AT_EACCESS,
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::{CgroupLimits, CgroupRoot, CgroupVersion};

    const SERVICE: &str = "user.slice/user-1000.slice/user@1000.service";

    fn write(path: impl AsRef<Path>, contents: &str) {
        fs::write(path.as_ref(), contents).expect("write fixture file");
    }

    /// A cgroup2 tree as systemd lays it out: the user's manager
    /// (`user@1000.service`, delegated: owned by the user) with its processes
    /// in leaves, and an ssh session scope (not delegated).
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut level = dir.path().to_path_buf();
        for (part, controllers, enabled) in [
            (
                "",
                "cpuset cpu io memory hugetlb pids rdma misc",
                "cpuset cpu io memory pids",
            ),
            ("user.slice", "cpuset cpu io memory pids", "cpu memory pids"),
            ("user-1000.slice", "cpu memory pids", "cpu memory pids"),
            ("user@1000.service", "cpu memory pids", "cpu memory pids"),
            ("app.slice", "cpu memory pids", "cpu memory pids"),
            ("app-editor.scope", "cpu memory pids", ""),
        ] {
            level.push(part);
            fs::create_dir_all(&level).expect("mkdir");
            write(
                level.join("cgroup.controllers"),
                &format!("{controllers}\n"),
            );
            write(
                level.join("cgroup.subtree_control"),
                &format!("{enabled}\n"),
            );
            write(level.join("cgroup.procs"), "");
        }
        write(level.join("cgroup.procs"), "4242\n4243\n");
        let session = dir
            .path()
            .join("user.slice/user-1000.slice/session-3.scope");
        fs::create_dir_all(&session).expect("mkdir");
        write(session.join("cgroup.controllers"), "cpu memory pids\n");
        write(session.join("cgroup.subtree_control"), "");
        write(session.join("cgroup.procs"), "77\n");
        dir
    }

    /// Writable: anything inside the user's manager, as systemd's `Delegate=yes` makes it.
    fn delegated(mount: &Path) -> impl Fn(&Path) -> bool + '_ {
        move |path: &Path| path.starts_with(mount.join(SERVICE))
    }

    #[test]
    fn finds_the_user_managers_subtree_from_an_application_scope() {
        let tree = tree();
        let own = format!("0::/{SERVICE}/app.slice/app-editor.scope\n");
        let found = Delegation::find_in(tree.path(), &own, 1000, &delegated(tree.path()))
            .expect("delegated");
        assert_eq!(found.dir, tree.path().join(SERVICE));
        assert_eq!(found.controllers, ["cpu", "memory", "pids"]);
        assert!(!found.has_processes);
        found.check(&["memory", "pids", "cpu"]).expect("usable");
        match found.check(&["io"]) {
            Err(error @ DelegationError::ControllerMissing { .. }) => {
                let text = error.to_string();
                assert!(text.contains("io controller is not delegated"), "{text}");
                assert!(text.contains("offers only [cpu memory pids]"), "{text}");
            }
            other => panic!("expected ControllerMissing, got {other:?}"),
        }
    }

    #[test]
    fn hybrid_hosts_list_v1_lines_before_the_unified_one() {
        let tree = tree();
        let own = format!(
            "12:pids:/user.slice\n4:memory:/user.slice\n0::/{SERVICE}/app.slice/app-editor.scope\n"
        );
        let found = Delegation::find_in(tree.path(), &own, 1000, &delegated(tree.path()))
            .expect("delegated");
        assert_eq!(found.dir, tree.path().join(SERVICE));
    }

    #[test]
    fn a_login_session_scope_is_not_delegated() {
        let tree = tree();
        let own = "0::/user.slice/user-1000.slice/session-3.scope\n";
        match Delegation::find_in(tree.path(), own, 1000, &delegated(tree.path())) {
            Err(error @ DelegationError::NotDelegated { .. }) => {
                let text = error.to_string();
                assert!(text.contains("session-3.scope"), "{text}");
                assert!(text.contains("not delegated to uid 1000"), "{text}");
            }
            other => panic!("expected NotDelegated, got {other:?}"),
        }
        let v1_only = "4:memory:/user.slice\n";
        assert!(matches!(
            Delegation::find_in(tree.path(), v1_only, 1000, &delegated(tree.path())),
            Err(DelegationError::NotInUnifiedHierarchy)
        ));
        // The root's own cgroup on a host where nothing is delegated.
        assert!(matches!(
            Delegation::find_in(tree.path(), "0::/\n", 1000, &|_: &Path| false),
            Err(DelegationError::NotDelegated { .. })
        ));
    }

    #[test]
    fn a_delegated_cgroup_holding_processes_cannot_enable_controllers() {
        let tree = tree();
        let scope = tree.path().join(SERVICE).join("app.slice/app-editor.scope");
        // Only the scope itself is delegated, and the application lives in it.
        let only_scope = |path: &Path| path.starts_with(&scope);
        let own = format!("0::/{SERVICE}/app.slice/app-editor.scope\n");
        let found = Delegation::find_in(tree.path(), &own, 1000, &only_scope).expect("found");
        assert_eq!(found.dir, scope);
        assert!(found.has_processes);
        match found.check(&["memory"]) {
            Err(error @ DelegationError::Busy { .. }) => {
                let text = error.to_string();
                assert!(text.contains("[memory pids cpu]"), "{text}");
                assert!(text.contains("child cgroup"), "{text}");
            }
            other => panic!("expected Busy, got {other:?}"),
        }
    }

    /// Job cgroups go under the delegated directory, treated as the root:
    /// controllers already enabled there are not written again, and the
    /// levels below get them.
    #[test]
    fn job_cgroups_are_made_under_the_delegated_directory() {
        let tree = tree();
        let service = tree.path().join(SERVICE);
        let root = CgroupRoot::assume(&service, CgroupVersion::V2).expect("root");
        let limits = CgroupLimits {
            memory_max_bytes: Some(64 << 20),
            pids_max: Some(32),
            ..CgroupLimits::default()
        };
        // The kernel fills a new cgroup's files; the fixture does it by hand.
        let parent = service.join("workernator");
        fs::create_dir(&parent).expect("mkdir parent");
        write(parent.join("cgroup.controllers"), "cpu memory pids\n");
        write(parent.join("cgroup.subtree_control"), "");
        let job = root
            .create("workernator", "job-1", &limits)
            .expect("create");
        assert_eq!(
            fs::read_to_string(service.join("cgroup.subtree_control")).expect("read"),
            "cpu memory pids\n",
            "already enabled: not rewritten"
        );
        assert_eq!(
            fs::read_to_string(parent.join("cgroup.subtree_control")).expect("read"),
            "+memory +pids +cpu"
        );
        assert_eq!(
            fs::read_to_string(parent.join("job-1/memory.max")).expect("read"),
            (64u64 << 20).to_string()
        );
        assert_eq!(
            fs::read_to_string(parent.join("job-1/pids.max")).expect("read"),
            "32"
        );
        assert!(
            job.path_description()
                .contains("user@1000.service/workernator/job-1")
        );
    }
}
