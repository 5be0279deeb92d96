//! Which top-level entries of the source root a sandbox shows.
//!
//! The host's root holds two kinds of things: what programs need to run
//! (their binaries, libraries and configuration) and the host's runtime
//! state (daemons' unix sockets under /run and /var/lib, people's files
//! under /home and /root, logs, caches, spools). A unix socket can be
//! connected to through a read-only bind mount, and network namespaces do
//! not cover path-named sockets, so a sandbox that shows the whole host root
//! lets its job talk to every daemon on the host, whatever its network mode.
//! The default root therefore shows only [`PROGRAM_ENTRIES`].

use super::{RootfsPlan, SetupError, clone_tree};
use std::ffi::OsString;
use std::fs;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// The host root's top-level entries that a sandbox of [`Shown::Programs`]
/// shows, read-only, where they exist: binaries, libraries (every multilib
/// layout) and configuration, and /opt, where add-on packages keep their
/// programs (FHS: their state goes to /var/opt). Symbolic links among them,
/// like `/bin -> usr/bin`, are shown as the same links. /etc is shown whole:
/// a socket a host program put there (none does by convention) would be
/// reachable.
pub const PROGRAM_ENTRIES: [&str; 9] = [
    "bin", "etc", "lib", "lib32", "lib64", "libx32", "opt", "sbin", "usr",
];

/// Directories a sandbox of [`Shown::Programs`] has empty, on its read-only
/// root, in place of the host's: programs expect them to exist, but the host
/// keeps its sockets and state there. Everything else of the host's root
/// (/home, /root, /srv, /mnt, /media, /boot, ...) is absent.
pub const EMPTY_DIRS: [&str; 2] = ["run", "var"];

/// Which top-level entries of [`RootfsPlan::source_root`] a sandbox shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Only [`PROGRAM_ENTRIES`], with [`EMPTY_DIRS`] empty: for the host's
    /// root, which also holds the host's runtime state.
    Programs,
    /// Every entry: for a root directory made for jobs, which holds only
    /// what its maker put there.
    Everything,
}

impl Shown {
    fn shows(self, name: &[u8]) -> bool {
        match self {
            Shown::Programs => PROGRAM_ENTRIES.iter().any(|entry| entry.as_bytes() == name),
            Shown::Everything => true,
        }
    }

    /// The empty directories the sandbox's root gets in place of the host's.
    pub(super) fn empty_dirs(self) -> &'static [&'static str] {
        match self {
            Shown::Programs => &EMPTY_DIRS,
            Shown::Everything => &[],
        }
    }
}

/// A top-level entry of the source root as the sandbox shows it, read before
/// anything is mounted; directories and files as detached copies of their
/// mount trees, taken before the staging tmpfs can cover them (the source
/// root may live under it).
pub(super) enum Entry {
    Dir(OwnedFd),
    File(OwnedFd),
    Symlink(PathBuf),
}

/// The top-level entries of `plan`'s source root that its sandbox shows,
/// less those it replaces with its own (`replaced`) and the staging
/// directory. Sockets, devices and fifos at the top level are never shown.
pub(super) fn top_level_entries(
    plan: &RootfsPlan,
    replaced: &[&str],
) -> Result<Vec<(OsString, Entry)>, SetupError> {
    let staging_name = plan.staging.file_name().map(|name| name.to_owned());
    let read = fs::read_dir(&plan.source_root)
        .map_err(|error| SetupError::new("read directory", &plan.source_root, error))?;
    let mut entries = Vec::new();
    for entry in read {
        let entry =
            entry.map_err(|error| SetupError::new("read directory", &plan.source_root, error))?;
        let name = entry.file_name();
        if !plan.shown.shows(name.as_bytes())
            || replaced
                .iter()
                .any(|replaced| name.as_bytes() == replaced.as_bytes())
            || staging_name.as_deref() == Some(name.as_os_str())
        {
            continue;
        }
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|error| SetupError::new("stat", &path, error))?;
        let item = if kind.is_symlink() {
            let target =
                fs::read_link(&path).map_err(|error| SetupError::new("readlink", &path, error))?;
            Entry::Symlink(target)
        } else if kind.is_dir() {
            Entry::Dir(clone_tree(&path)?)
        } else if kind.is_file() {
            Entry::File(clone_tree(&path)?)
        } else {
            continue;
        };
        entries.push((name, item));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_show_binaries_libraries_and_configuration_only() {
        for shown in ["usr", "etc", "bin", "lib64", "opt"] {
            assert!(Shown::Programs.shows(shown.as_bytes()), "{shown}");
        }
        for state in [
            "run", "var", "home", "root", "srv", "mnt", "media", "boot", "tmp", "snap", "nix",
            "usr2", "et",
        ] {
            assert!(!Shown::Programs.shows(state.as_bytes()), "{state}");
            assert!(Shown::Everything.shows(state.as_bytes()), "{state}");
        }
    }
}
