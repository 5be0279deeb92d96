//! Host files a sandbox shows read-only at their own paths, although the
//! directories holding them are not shown: the application's executable
//! (the job's code is that program, and `current_exe()` and backtraces look
//! for it at its path), and, for a job on the host's network, the file
//! /etc/resolv.conf links to when that lies outside the shown entries
//! (systemd-resolved's `/run/systemd/resolve/stub-resolv.conf`).
//!
//! The executable is placed in the shared part of the root (a
//! [`RootTemplate`](super::RootTemplate) holds it, so a copy costs nothing
//! more), unless it lies under /tmp, which each sandbox mounts for itself.
//! The resolver's file is bound in each sandbox, fresh (it is replaced by
//! renames, which a bind made once would not follow); its mount point is
//! made in the shared part.

use super::shown::{PROGRAM_ENTRIES, Shown};
use super::{RootfsPlan, SetupError, attach, attach_plain, clone_tree, make_mount_point};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

/// Top-level directories that a sandbox replaces with its own and where no
/// host file is shown at its own path: the job's work directory, /proc,
/// /dev and the empty /sys.
const NOT_THERE: [&str; 4] = ["proc", "dev", "sys", "work"];

/// The file the calling process runs: the path the host knows it by, and
/// its device and inode numbers. Read once per process (a process runs one
/// file all its life; a supervisor inherits its launcher's).
struct Executable {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

static OWN_EXECUTABLE: OnceLock<Option<Executable>> = OnceLock::new();

fn running() -> Option<&'static Executable> {
    OWN_EXECUTABLE
        .get_or_init(|| {
            let path = std::fs::read_link("/proc/self/exe").ok()?;
            let meta = std::fs::metadata("/proc/self/exe").ok()?;
            let deleted = path.to_str()?.ends_with(" (deleted)");
            (path.is_absolute() && !deleted).then(|| Executable {
                path,
                dev: meta.dev(),
                ino: meta.ino(),
            })
        })
        .as_ref()
}

/// The path of the file the calling process runs, as the host knows it:
/// `None` if it was deleted or replaced when first asked (the path then
/// names another file, or none).
pub(super) fn own_executable() -> Option<PathBuf> {
    running().map(|executable| executable.path.clone())
}

/// Where a host file goes to be shown at its own `path`.
#[derive(Debug, PartialEq, Eq)]
enum Place {
    /// Under a shown host directory: already there.
    Visible,
    /// On the shared part of the root, before it turns read-only.
    Shared,
    /// In the sandbox's own /tmp, once mounted.
    Tmp,
    /// Nowhere: under what the sandbox replaces, or under a hidden path.
    Nowhere,
}

fn first_component(path: &Path) -> Option<&str> {
    match path.strip_prefix("/").ok()?.components().next()? {
        Component::Normal(name) => name.to_str(),
        _ => None,
    }
}

fn place(plan: &RootfsPlan, path: &Path) -> Place {
    let Some(first) = first_component(path) else {
        return Place::Nowhere;
    };
    if NOT_THERE.contains(&first) || plan.hidden.iter().any(|hidden| path.starts_with(hidden)) {
        Place::Nowhere
    } else if first == "tmp" {
        Place::Tmp
    } else if plan.shown == Shown::Programs && PROGRAM_ENTRIES.contains(&first) {
        Place::Visible
    } else {
        Place::Shared
    }
}

/// The application's executable, ready to attach where `wanted` says,
/// taken (a detached copy of its mount) in the namespace where its path
/// leads to it; `None` if it goes elsewhere or its path now names another
/// file than the one running.
fn take_executable(plan: &RootfsPlan, wanted: Place) -> Result<Option<OwnPath>, SetupError> {
    let Some(path) = &plan.executable else {
        return Ok(None);
    };
    if place(plan, path) != wanted {
        return Ok(None);
    }
    // Gone since, or where this user may not look (a rootless runner's
    // program under another user's home): not shown, as under /work.
    let tree = match clone_tree(path) {
        Ok(tree) => tree,
        Err(error)
            if matches!(
                error.source.raw_os_error(),
                Some(libc::ENOENT | libc::EACCES | libc::ENOTDIR)
            ) =>
        {
            return Ok(None);
        }
        Err(error) => return Err(error),
    };
    let taken = nix::sys::stat::fstat(tree.as_fd())
        .map_err(|errno| SetupError::errno("stat", path, errno))?;
    let same = running().is_some_and(|running| {
        running.dev == taken.st_dev as u64 && running.ino == taken.st_ino as u64
    });
    Ok(same.then(|| OwnPath {
        path: path.clone(),
        tree,
    }))
}

/// The resolver's configuration, which glibc reads (and nothing else).
const RESOLVER_CONFIG: &str = "/etc/resolv.conf";

/// The file [`RESOLVER_CONFIG`] links to, if the sandbox shows the host's
/// /etc but not that file.
fn resolver_file(plan: &RootfsPlan) -> Option<PathBuf> {
    linked_file(plan, Path::new(RESOLVER_CONFIG))
}

/// The regular file the symbolic link `link` leads to, if the sandbox
/// shows the host's root but not that file.
fn linked_file(plan: &RootfsPlan, link: &Path) -> Option<PathBuf> {
    if plan.shown != Shown::Programs || plan.source_root != Path::new("/") {
        return None;
    }
    if !link.symlink_metadata().ok()?.is_symlink() {
        return None;
    }
    let target = std::fs::canonicalize(link).ok()?;
    let shown_elsewhere = place(plan, &target) == Place::Shared;
    (shown_elsewhere && target.metadata().ok()?.is_file()).then_some(target)
}

/// A host file and a detached copy of its mount, to attach at its path.
struct OwnPath {
    path: PathBuf,
    tree: OwnedFd,
}

/// What the shared part of a sandbox's root shows at its own paths.
pub(super) struct SharedOwnPaths {
    executable: Option<OwnPath>,
    resolver_mount_point: Option<PathBuf>,
}

impl SharedOwnPaths {
    /// Takes what the shared part of `plan`'s root needs, before the
    /// staging tmpfs can cover it.
    pub(super) fn take(plan: &RootfsPlan) -> Result<SharedOwnPaths, SetupError> {
        Ok(SharedOwnPaths {
            executable: take_executable(plan, Place::Shared)?,
            resolver_mount_point: resolver_file(plan),
        })
    }

    /// Attaches the executable, and makes the resolver file's mount point,
    /// on the shared part at `root` before it turns read-only. A path under
    /// a shown host directory that lacks it (a root of the caller's own) is
    /// left out.
    pub(super) fn place(&self, root: &Path, shown: Shown) -> Result<(), SetupError> {
        if let Some(executable) = &self.executable {
            if let Some(target) = make_mount_point(root, shown, &executable.path, false)? {
                attach_plain(&executable.tree, &target)?;
            }
        }
        if let Some(resolver) = &self.resolver_mount_point {
            make_mount_point(root, shown, resolver, false)?;
        }
        Ok(())
    }
}

/// What each sandbox shows at their own paths for itself.
pub(super) struct SandboxOwnPaths {
    executable_in_tmp: Option<OwnPath>,
    resolver: Option<OwnPath>,
}

impl SandboxOwnPaths {
    /// Takes what a sandbox of `plan` binds itself, in the namespace where
    /// the paths lead to the host's files.
    pub(super) fn take(plan: &RootfsPlan) -> Result<SandboxOwnPaths, SetupError> {
        let resolver = match plan.host_resolver {
            true => resolver_file(plan)
                .map(|path| Ok::<_, SetupError>((clone_tree(&path)?, path)))
                .transpose()?
                .map(|(tree, path)| OwnPath { path, tree }),
            false => None,
        };
        Ok(SandboxOwnPaths {
            executable_in_tmp: take_executable(plan, Place::Tmp)?,
            resolver,
        })
    }

    /// Binds the executable into the sandbox's /tmp (mounted, under `root`),
    /// making the directories that lead to it.
    pub(super) fn place_in_tmp(&self, root: &Path) -> Result<(), SetupError> {
        let Some(executable) = &self.executable_in_tmp else {
            return Ok(());
        };
        // The sandbox's /tmp is new and empty: each directory is made,
        // from the top, with no look for what is there.
        let target = under(root, &executable.path);
        let tmp = root.join("tmp");
        let mut dir = tmp.clone();
        let parents = target
            .parent()
            .and_then(|parent| parent.strip_prefix(&tmp).ok());
        for component in parents.into_iter().flat_map(Path::components) {
            dir.push(component);
            super::make_dir(&dir)?;
        }
        super::make_file(&target)?;
        attach(&executable.tree, &target, true)
    }

    /// Binds the resolver's file onto its mount point in the shared part, if
    /// the root has one (a template built before /etc/resolv.conf changed
    /// may lack it).
    pub(super) fn place_resolver(&self, root: &Path) -> Result<(), SetupError> {
        let Some(resolver) = &self.resolver else {
            return Ok(());
        };
        let target = under(root, &resolver.path);
        if !target.is_file() {
            return Ok(());
        }
        attach(&resolver.tree, &target, true)
    }
}

fn under(root: &Path, path: &Path) -> PathBuf {
    root.join(path.strip_prefix("/").unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> RootfsPlan {
        let mut plan = RootfsPlan::new("/var/lib/workernator/jobs/a/work");
        plan.hidden.push("/var/lib/workernator".into());
        plan
    }

    #[test]
    fn a_file_goes_where_the_sandbox_can_show_it() {
        let plan = plan();
        let cases = [
            ("/usr/local/bin/app", Place::Visible),
            ("/opt/app/bin/app", Place::Visible),
            ("/home/someone/project/target/debug/app", Place::Shared),
            ("/root/app", Place::Shared),
            ("/run/systemd/resolve/stub-resolv.conf", Place::Shared),
            ("/tmp/build/app", Place::Tmp),
            ("/work/project/target/debug/app", Place::Nowhere),
            ("/proc/1/exe", Place::Nowhere),
            ("/var/lib/workernator/app", Place::Nowhere),
            ("relative/app", Place::Nowhere),
            ("/", Place::Nowhere),
        ];
        for (path, expected) in cases {
            assert_eq!(place(&plan, Path::new(path)), expected, "{path}");
        }
        let mut everything = plan;
        everything.shown = Shown::Everything;
        assert_eq!(
            place(&everything, Path::new("/usr/local/bin/app")),
            Place::Shared,
            "a root of the caller's own may lack it"
        );
    }

    #[test]
    fn a_link_out_of_what_is_shown_is_followed_to_its_file() {
        let hidden = tempfile::Builder::new()
            .prefix("workernator-test-link-")
            .tempdir_in("/var/tmp")
            .unwrap();
        let file = hidden.path().join("stub-resolv.conf");
        std::fs::write(&file, "nameserver 127.0.0.53\n").unwrap();
        let links = tempfile::tempdir_in("/tmp").unwrap();
        let link = |name: &str, target: &Path| {
            let path = links.path().join(name);
            std::os::unix::fs::symlink(target, &path).unwrap();
            path
        };
        let plan = plan();
        let to_hidden = link("hidden", &file);
        assert_eq!(linked_file(&plan, &to_hidden), Some(file.clone()));
        // Relative, through another link.
        let chained = link("chained", Path::new("hidden"));
        assert_eq!(linked_file(&plan, &chained), Some(file.clone()));
        // Shown anyway, replaced by the sandbox's own, or not a file.
        let shown = link("shown", Path::new("/etc/hostname"));
        let file_in_tmp = links.path().join("file");
        std::fs::write(&file_in_tmp, "nameserver 127.0.0.53\n").unwrap();
        let in_tmp = link("tmp", &file_in_tmp);
        let dir = link("dir", hidden.path());
        let nowhere = link("nowhere", &hidden.path().join("missing"));
        for path in [shown, in_tmp, dir, nowhere, file.clone()] {
            assert_eq!(linked_file(&plan, &path), None, "{}", path.display());
        }
        let mut everything = plan;
        everything.shown = Shown::Everything;
        assert_eq!(linked_file(&everything, &to_hidden), None);
    }

    #[test]
    fn the_running_executable_is_found() {
        let path = own_executable().expect("this test's executable");
        assert!(path.is_file(), "{}", path.display());
    }
}
