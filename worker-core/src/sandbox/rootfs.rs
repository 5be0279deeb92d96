//! The sandbox's root file system: what a job's root is made of, and the root
//! a template is built from for every job of a state directory.

use crate::model::sandbox::NetworkMode;
use crate::state::JobSpec;
use std::path::{Path, PathBuf};
use worker_isolate::mounts::{Bind, HostUser, RootfsPlan, Shown};

/// The state directory of the job in `job_dir` (`<state>/jobs/<id>`).
pub(crate) fn state_dir_of(job_dir: &Path) -> Option<&Path> {
    job_dir.parent()?.parent()
}

/// The root a template is built from for the jobs of `state_dir`: what
/// [`rootfs_plan`] makes for a job without binds or a root of its own.
pub(crate) fn template_rootfs_plan(state_dir: &Path) -> RootfsPlan {
    // (The work directory is each sandbox's own: no template uses it.)
    let mut rootfs = RootfsPlan::new(PathBuf::new());
    rootfs.hidden.push(state_dir.to_owned());
    rootfs
}

/// The sandbox's file system for `spec`.
pub(crate) fn rootfs_plan(spec: &JobSpec, work: PathBuf) -> RootfsPlan {
    let mut rootfs = RootfsPlan::new(work);
    rootfs.hidden.push(spec.state_dir.clone());
    if let Some(root) = &spec.sandbox.root_dir {
        rootfs.source_root = root.clone();
        // A root made for jobs: all of it, on purpose.
        rootfs.shown = Shown::Everything;
    }
    // Rootless, the job's uid 0 is this user's on the host.
    rootfs.job_user = Some(match spec.sandbox.rootless {
        Some(_) => HostUser {
            uid: nix::unistd::geteuid().as_raw(),
            gid: nix::unistd::getegid().as_raw(),
        },
        None => HostUser {
            uid: spec.sandbox.user.uid,
            gid: spec.sandbox.user.gid,
        },
    });
    rootfs.host_resolver = spec.sandbox.network == NetworkMode::Host;
    rootfs.tmp_options = spec.sandbox.tmp_options();
    rootfs.shm_options = spec.sandbox.shm_options();
    rootfs.binds = spec
        .sandbox
        .binds
        .iter()
        .map(|bind| Bind {
            source: bind.source.clone(),
            target: bind.target.clone(),
            writable: bind.writable,
        })
        .collect();
    rootfs
}
