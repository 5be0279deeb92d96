//! The launcher's root template (worker_isolate::mounts::RootTemplate): built
//! while the launcher is idle, for the state directory of the jobs it starts,
//! handed to each supervisor it forks, and dropped when the host's mount
//! table or its root directory changes (a template is a snapshot of both), to
//! be built again at the next idle moment.
//!
//! Only root builds one. Until one is ready, or where it cannot be built,
//! sandboxes build their own root, as without it.

use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use worker_isolate::mounts::{MountTableWatch, RootTemplate};

/// The launcher's template, and what tells when it is out of date.
pub(super) struct TemplateSlot {
    enabled: bool,
    /// The state directory of the jobs seen so far (a launcher serves one runner).
    state_dir: Option<PathBuf>,
    template: Option<RootTemplate>,
    /// The host root's modification time when the template was built: a
    /// top-level entry added or removed since changes it.
    root_changed_at: Option<(i64, i64)>,
    watch: Option<MountTableWatch>,
}

impl TemplateSlot {
    pub(super) fn new() -> TemplateSlot {
        let enabled = nix::unistd::geteuid().is_root();
        TemplateSlot {
            enabled,
            state_dir: None,
            template: None,
            root_changed_at: None,
            watch: enabled.then(|| MountTableWatch::new().ok()).flatten(),
        }
    }

    /// The descriptor that polls with `POLLPRI` when the host's mount table
    /// changes, while a template can be used.
    pub(super) fn watch(&self) -> Option<BorrowedFd<'_>> {
        self.watch
            .as_ref()
            .filter(|_| self.enabled)
            .map(MountTableWatch::as_fd)
    }

    /// Whether a template is wanted and missing.
    pub(super) fn wants_build(&self) -> bool {
        self.enabled && self.state_dir.is_some() && self.template.is_none()
    }

    /// Builds the template (the launcher has a single thread). One that
    /// cannot be built here never will be: the slot then stays empty.
    pub(super) fn build(&mut self) {
        let Some(plan) = self
            .state_dir
            .as_deref()
            .map(crate::sandbox::rootfs::template_rootfs_plan)
        else {
            return;
        };
        let root_changed_at = root_changed_at();
        match RootTemplate::build(&plan) {
            Ok(template) => {
                self.template = Some(template);
                self.root_changed_at = root_changed_at;
            }
            Err(error) => {
                self.enabled = false;
                tracing::debug!(%error, "no root template: sandboxes build their own roots");
            }
        }
    }

    /// The host's mounts changed: the template no longer shows them.
    pub(super) fn host_mounts_changed(&mut self) {
        self.template = None;
    }

    /// A descriptor of the template's mount namespace for the supervisor of
    /// the job in `job_dir`, if there is an up-to-date one for its state
    /// directory. Notes the state directory for the template to come.
    pub(super) fn for_job(&mut self, job_dir: &Path) -> Option<OwnedFd> {
        if !self.enabled {
            return None;
        }
        let state_dir = crate::sandbox::rootfs::state_dir_of(job_dir)?;
        match &self.state_dir {
            None => self.state_dir = Some(state_dir.to_owned()),
            Some(known) if known != state_dir => return None,
            Some(_) => {}
        }
        if self.template.is_some() && root_changed_at() != self.root_changed_at {
            self.template = None;
        }
        self.template
            .as_ref()
            .and_then(|template| template.namespace().try_clone_to_owned().ok())
    }
}

fn root_changed_at() -> Option<(i64, i64)> {
    let root = std::fs::metadata("/").ok()?;
    Some((root.mtime(), root.mtime_nsec()))
}
