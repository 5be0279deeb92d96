//! What a sandbox's /proc hides: the entries Docker's default masks or makes
//! read-only, and /proc/kallsyms and /proc/interrupts.
//!
//! /proc is each sandbox's own (a procfs belongs to the pid namespace that
//! mounts it), so none of this can live in a [`RootTemplate`](super::RootTemplate):
//! every mask is a mount per start. Measured on a 2-core VM (Linux 6.18), a
//! mask costs 7-8 µs, most of it the first lookup of the entry in the fresh
//! procfs, and a read-only entry 9-10 µs (bind, then remount). To keep the
//! count down:
//!
//! - entries this kernel lacks are left out, found once per process on the
//!   caller's /proc ([`read_host_proc`]) instead of in each sandbox's;
//! - an entry the job's user could neither read nor write anyway (the job
//!   has no capabilities, so only the mode bits decide, and every entry
//!   belongs to root) is left as it is: /proc/kcore, /proc/timer_list and
//!   /proc/sysrq-trigger are closed to anyone but root;
//! - /proc/sys, bus, fs and irq turn read-only only for a job that runs as
//!   root or in group root (uid 0 on the host may write root-owned files
//!   without any capability: /proc/sys/kernel/core_pattern, for one);
//! - the masked directories are covered with a bind of an empty directory
//!   of the read-only /dev (`/dev/shm` before the sandbox mounts its own
//!   there) rather than a tmpfs each (7 µs rather than 17).

use super::{HostUser, SetupError, bind};
use nix::mount::{MsFlags, mount};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::OnceLock;

/// Files of /proc that a sandbox masks with a bind of /dev/null (reads are
/// empty, writes go nowhere), where the job's user could read them.
pub const MASKED_FILES: [&str; 9] = [
    "interrupts",
    "kallsyms",
    "kcore",
    "key-users",
    "keys",
    "latency_stats",
    "sched_debug",
    "timer_list",
    "timer_stats",
];

/// Directories of /proc that a sandbox covers with an empty read-only directory.
pub const MASKED_DIRS: [&str; 3] = ["acpi", "asound", "scsi"];

/// Entries of /proc that a sandbox makes read-only (readable as before) for
/// a job that runs as root or in group root.
pub const READ_ONLY: [&str; 5] = ["bus", "fs", "irq", "sys", "sysrq-trigger"];

/// The masks one sandbox's /proc gets.
#[derive(Debug)]
pub(super) struct ProcMasks {
    files: Vec<&'static str>,
    dirs: Vec<&'static str>,
    read_only: Vec<&'static str>,
}

/// The mode of each entry of [`MASKED_FILES`], [`MASKED_DIRS`] and
/// [`READ_ONLY`] in the calling process's /proc (`None`: this kernel lacks
/// it), read once per process: a property of the kernel, and 17 lookups in
/// /proc cost 20-50 µs. A process that forks sandboxes (the launcher, whose
/// supervisors inherit this) reads it ahead with [`read_host_proc`].
static HOST_PROC: OnceLock<Vec<(&'static str, Option<u32>)>> = OnceLock::new();

/// Reads the modes of the entries a sandbox's /proc may mask, if not yet read.
pub(super) fn read_host_proc() -> &'static [(&'static str, Option<u32>)] {
    HOST_PROC.get_or_init(|| {
        MASKED_FILES
            .iter()
            .chain(&MASKED_DIRS)
            .chain(&READ_ONLY)
            .map(|name| {
                let meta = std::fs::symlink_metadata(Path::new("/proc").join(name));
                (*name, meta.ok().map(|meta| meta.permissions().mode()))
            })
            .collect()
    })
}

impl ProcMasks {
    /// The masks for a job run as `user` (`None`: as root), from the
    /// entries of the caller's /proc (the same kernel's).
    pub(super) fn for_user(user: Option<HostUser>) -> ProcMasks {
        let host = read_host_proc();
        let mode = |name: &str| host.iter().find(|(entry, _)| *entry == name)?.1;
        let opens = |name: &&str| mode(name).is_some_and(|mode| access_bits(mode, user) != 0);
        let root_like = user.is_none_or(|user| user.uid == 0 || user.gid == 0);
        ProcMasks {
            files: MASKED_FILES.into_iter().filter(opens).collect(),
            dirs: MASKED_DIRS.into_iter().filter(opens).collect(),
            read_only: match root_like {
                true => READ_ONLY
                    .into_iter()
                    .filter(|name| mode(name).is_some())
                    .collect(),
                false => Vec::new(),
            },
        }
    }

    /// Masks the entries of the sandbox's /proc at `proc`: files with the
    /// sandbox's `/dev/null` at `dev_null`, directories with `empty_dir`, an
    /// empty directory on a read-only mount (a bind of it costs less than a
    /// tmpfs of its own). An entry that the sandbox's /proc lacks after all
    /// is skipped; any other failure is an error, and the job never runs
    /// without its masks.
    pub(super) fn apply(
        &self,
        proc: &Path,
        dev_null: &Path,
        empty_dir: &Path,
    ) -> Result<(), SetupError> {
        for file in &self.files {
            skip_missing(bind(dev_null, &proc.join(file), false))?;
        }
        for dir in &self.dirs {
            skip_missing(bind(empty_dir, &proc.join(dir), false))?;
        }
        for entry in &self.read_only {
            let target = proc.join(entry);
            if skip_missing(bind(&target, &target, false))? {
                // The procfs's own flags are kept (a user namespace may not
                // drop them).
                mount(
                    None::<&str>,
                    &target,
                    None::<&str>,
                    MsFlags::MS_REMOUNT
                        | MsFlags::MS_BIND
                        | MsFlags::MS_RDONLY
                        | MsFlags::MS_NOSUID
                        | MsFlags::MS_NODEV
                        | MsFlags::MS_NOEXEC,
                    None::<&str>,
                )
                .map_err(|errno| SetupError::errno("remount read-only", &target, errno))?;
            }
        }
        Ok(())
    }
}

/// Whether a mask was placed (`false`: its entry is missing).
fn skip_missing(placed: Result<(), SetupError>) -> Result<bool, SetupError> {
    match placed {
        Ok(()) => Ok(true),
        Err(error) if error.source.raw_os_error() == Some(libc::ENOENT) => Ok(false),
        Err(error) => Err(error),
    }
}

/// The read and write bits of `mode` that apply to `user` for an entry that
/// root (uid and gid 0) owns; a user without capabilities has no others.
fn access_bits(mode: u32, user: Option<HostUser>) -> u32 {
    let bits = match user {
        None => mode >> 6,
        Some(user) if user.uid == 0 => mode >> 6,
        Some(user) if user.gid == 0 => mode >> 3,
        Some(_) => mode,
    };
    bits & 0o6
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOBODY: HostUser = HostUser {
        uid: 65534,
        gid: 65534,
    };

    #[test]
    fn root_only_entries_need_no_mask_for_another_user() {
        // /proc/kcore and /proc/timer_list: 0400; /proc/sysrq-trigger: 0200.
        for mode in [0o400, 0o200] {
            assert_eq!(access_bits(mode, Some(NOBODY)), 0, "{mode:o}");
            assert_ne!(access_bits(mode, None), 0, "{mode:o}");
            assert_ne!(access_bits(mode, Some(HostUser { uid: 0, gid: 7 })), 0);
        }
        // /proc/keys, kallsyms, interrupts: 0444; acpi: 0555.
        for mode in [0o444, 0o555] {
            assert_ne!(access_bits(mode, Some(NOBODY)), 0, "{mode:o}");
        }
        // Group root reads what the group may.
        assert_ne!(access_bits(0o440, Some(HostUser { uid: 7, gid: 0 })), 0);
        assert_eq!(access_bits(0o440, Some(NOBODY)), 0);
    }

    #[test]
    fn entries_this_kernel_lacks_are_left_out() {
        let masks = ProcMasks::for_user(None);
        for name in masks
            .files
            .iter()
            .chain(&masks.dirs)
            .chain(&masks.read_only)
        {
            assert!(Path::new("/proc").join(name).exists(), "{name}");
        }
        assert!(masks.read_only.contains(&"sys"), "{masks:?}");
        let nobody = ProcMasks::for_user(Some(NOBODY));
        assert!(nobody.read_only.is_empty(), "{nobody:?}");
        assert!(nobody.files.len() <= masks.files.len(), "{nobody:?}");
    }
}
