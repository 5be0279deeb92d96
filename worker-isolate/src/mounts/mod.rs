//! The sandbox's filesystem: a fresh root assembled from read-only binds of the
//! host's, with a private /proc, a minimal /dev, a tmpfs /tmp and the job's
//! writable work directory.

use crate::error::SetupError;
use crate::sys;
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::stat::Mode;
use std::ffi::CString;
use std::fs;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

mod template;

pub use template::{MountTableWatch, RootTemplate, enter_template_root};

/// Device nodes the sandbox gets, bound from the host's /dev.
pub const DEVICES: [&str; 6] = ["null", "zero", "full", "random", "urandom", "tty"];

/// Where the job's work directory appears inside the sandbox.
pub const WORK_DIR: &str = "/work";

/// Top-level host entries the sandbox replaces with its own.
const REPLACED: [&str; 5] = ["proc", "dev", "tmp", "sys", "work"];

/// What the sandbox's root is made of.
#[derive(Debug, Clone)]
pub struct RootfsPlan {
    /// The directory whose entries become the sandbox's read-only root (the host's `/`).
    pub source_root: PathBuf,
    /// An existing host directory to build the new root on; a tmpfs is mounted over
    /// it in the sandbox's own mount namespace, so the host never sees it.
    pub staging: PathBuf,
    /// The job's writable directory on the host, bound at [`WORK_DIR`].
    pub work_dir: PathBuf,
    /// Host paths to hide (the state directory): an empty read-only tmpfs covers them.
    pub hidden: Vec<PathBuf>,
    /// tmpfs options for /tmp, e.g. `size=256m`.
    pub tmp_options: String,
    /// tmpfs options for /dev/shm, e.g. `size=64m`.
    pub shm_options: String,
    /// Host paths bound into the sandbox, in order, after everything else.
    pub binds: Vec<Bind>,
}

/// A host file or directory bound into the sandbox (never setuid, never devices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// The host path.
    pub source: PathBuf,
    /// The absolute path inside the sandbox. Created if missing, which works
    /// where the sandbox's tree is writable at setup: the top level, /tmp, /work.
    pub target: PathBuf,
    /// Whether the job may write through it.
    pub writable: bool,
}

impl RootfsPlan {
    /// The default plan: the host's `/` read-only, built on the host's `/tmp`.
    pub fn new(work_dir: impl Into<PathBuf>) -> Self {
        RootfsPlan {
            source_root: PathBuf::from("/"),
            staging: PathBuf::from("/tmp"),
            work_dir: work_dir.into(),
            hidden: Vec::new(),
            tmp_options: "mode=1777,size=256m".to_owned(),
            shm_options: "mode=1777,size=64m".to_owned(),
            binds: Vec::new(),
        }
    }
}

fn cstring(path: &Path) -> Result<CString, SetupError> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        SetupError::new(
            "use path",
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "path contains a NUL byte"),
        )
    })
}

fn mount_fs(
    step: &'static str,
    fstype: &str,
    target: &Path,
    flags: MsFlags,
    data: Option<&str>,
) -> Result<(), SetupError> {
    mount(Some(fstype), target, Some(fstype), flags, data)
        .map_err(|errno| SetupError::errno(step, target, errno))
}

fn bind(source: &Path, target: &Path, recursive: bool) -> Result<(), SetupError> {
    let mut flags = MsFlags::MS_BIND;
    flags.set(MsFlags::MS_REC, recursive);
    mount(Some(source), target, None::<&str>, flags, None::<&str>)
        .map_err(|errno| SetupError::errno("bind mount onto", target, errno))
}

fn make_dir(path: &Path) -> Result<(), SetupError> {
    match fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(SetupError::new("mkdir", path, error)),
    }
}

fn make_file(path: &Path) -> Result<(), SetupError> {
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map(drop)
        .map_err(|error| SetupError::new("create mount point", path, error))
}

/// The kinds of top-level entries of the source root, read before anything is
/// mounted; directories and files as detached copies of their mount trees, taken
/// before the staging tmpfs can cover them (the source root may live under it).
enum Entry {
    Dir(OwnedFd),
    File(OwnedFd),
    Symlink(PathBuf),
}

fn clone_tree(path: &Path) -> Result<OwnedFd, SetupError> {
    sys::clone_tree(&cstring(path)?).map_err(|error| SetupError::new("open_tree", path, error))
}

fn attach(tree: &OwnedFd, target: &Path, read_only: bool) -> Result<(), SetupError> {
    let target_c = cstring(target)?;
    sys::attach_tree(tree.as_fd(), &target_c)
        .map_err(|error| SetupError::new("move_mount onto", target, error))?;
    sys::restrict_tree(&target_c, read_only)
        .map_err(|error| SetupError::new("mount_setattr nosuid,nodev on", target, error))
}

/// Attaches a tree made by [`clone_tree`] at `target`, leaving its flags to a
/// later recursive [`sys::restrict_tree`].
fn attach_plain(tree: &OwnedFd, target: &Path) -> Result<(), SetupError> {
    sys::attach_tree(tree.as_fd(), &cstring(target)?)
        .map_err(|error| SetupError::new("move_mount onto", target, error))
}

/// Makes the mount point of a bind whose target lies under a top-level
/// directory that does not exist in the sandbox (`/opt2/x` when the host has
/// no `/opt2`), or under the sandbox's empty `/sys`: all of it is then on the root tmpfs, which turns read-only
/// before the binds are attached. Nothing is made under an existing top-level
/// entry: under a host directory that would create it on the host; under /tmp
/// and /work it is made once they are mounted.
fn make_new_top_level_mount_point(
    root: &Path,
    target: &Path,
    is_dir: bool,
) -> Result<(), SetupError> {
    let Ok(relative) = target.strip_prefix("/") else {
        return Ok(()); // refused, with its reason, where the binds are attached
    };
    let Some(first) = relative.components().next() else {
        return Ok(());
    };
    // `/sys` is an empty directory of the root tmpfs itself.
    if first.as_os_str() != "sys" && fs::symlink_metadata(root.join(first)).is_ok() {
        return Ok(());
    }
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|error| SetupError::new("create bind mount point", parent, error))?;
    }
    if is_dir {
        make_dir(&path)
    } else {
        make_file(&path)
    }
}

fn top_level_entries(plan: &RootfsPlan) -> Result<Vec<(std::ffi::OsString, Entry)>, SetupError> {
    let staging_name = plan.staging.file_name().map(|name| name.to_owned());
    let read = fs::read_dir(&plan.source_root)
        .map_err(|error| SetupError::new("read directory", &plan.source_root, error))?;
    let mut entries = Vec::new();
    for entry in read {
        let entry =
            entry.map_err(|error| SetupError::new("read directory", &plan.source_root, error))?;
        let name = entry.file_name();
        if REPLACED
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

/// Builds the sandbox's root per `plan` and makes it the root of the calling process.
///
/// The caller must be alone in a new mount namespace (and, for /proc to show only
/// the sandbox, PID 1 of a new pid namespace). Afterwards the working directory is
/// [`WORK_DIR`]. [`RootTemplate`] makes the same root from a copy.
pub fn enter_new_root(plan: &RootfsPlan) -> Result<(), SetupError> {
    make_mounts_private()?;
    // Taken before the staging tmpfs covers anything, in case the work dir lives there.
    let work_tree = clone_tree(&plan.work_dir)?;
    let entries = top_level_entries(plan)?;
    let binds = plan
        .binds
        .iter()
        .map(|bind| Ok((bind, clone_tree(&bind.source)?, bind.source.is_dir())))
        .collect::<Result<Vec<_>, SetupError>>()?;

    let root = plan.staging.as_path();
    build_shared_root(root, &entries, |root| {
        for (bind, _, is_dir) in &binds {
            make_new_top_level_mount_point(root, &bind.target, *is_dir)?;
        }
        Ok(())
    })?;
    mount_own_parts(root, plan, &work_tree)?;

    for (bind, tree, is_dir) in &binds {
        let Ok(relative) = bind.target.strip_prefix("/") else {
            return Err(SetupError::new(
                "bind onto",
                &bind.target,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "target is not absolute"),
            ));
        };
        let target = root.join(relative);
        if !target.exists() {
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)
                    .map_err(|error| SetupError::new("create bind mount point", parent, error))?;
            }
            if *is_dir {
                make_dir(&target)?;
            } else {
                make_file(&target)?;
            }
        }
        attach(tree, &target, !bind.writable)?;
    }
    hide(root, &plan.hidden)?;

    // The root is read-only already (see build_shared_root).
    pivot_into(root)?;
    nix::unistd::chdir(WORK_DIR).map_err(|errno| SetupError::errno("chdir", WORK_DIR, errno))
}

/// Nothing we mount may leak back to the namespace we were copied from.
fn make_mounts_private() -> Result<(), SetupError> {
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|errno| SetupError::errno("make mounts private", "/", errno))
}

/// The part of the root that is the same for every sandbox of a plan without
/// binds: a tmpfs at `root` with the host's top-level `entries` attached, the
/// mount points of what replaces the rest (`make_more_mount_points` adds its
/// own before the tree turns read-only), the whole made read-only, nosuid and
/// nodev by one recursive mount_setattr (rather than one per entry, and a
/// remount of the root at the end), and a read-only /dev with its device
/// nodes. What is mounted on it afterwards carries its own flags.
fn build_shared_root(
    root: &Path,
    entries: &[(std::ffi::OsString, Entry)],
    make_more_mount_points: impl FnOnce(&Path) -> Result<(), SetupError>,
) -> Result<(), SetupError> {
    mount_fs(
        "mount tmpfs root on",
        "tmpfs",
        root,
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=0755,size=1m"),
    )?;
    for (name, entry) in entries {
        let target = root.join(name);
        match entry {
            Entry::Dir(tree) => {
                make_dir(&target)?;
                attach_plain(tree, &target)?;
            }
            Entry::File(tree) => {
                make_file(&target)?;
                attach_plain(tree, &target)?;
            }
            Entry::Symlink(link) => std::os::unix::fs::symlink(link, &target)
                .map_err(|error| SetupError::new("symlink", &target, error))?,
        }
    }
    for replaced in REPLACED {
        make_dir(&root.join(replaced))?;
    }
    make_more_mount_points(root)?;
    let root_c = cstring(root)?;
    sys::restrict_tree(&root_c, true)
        .map_err(|error| SetupError::new("mount_setattr read-only on", root, error))?;
    populate_dev(&root.join("dev"))
}

/// What each sandbox gets of its own on the shared part at `root`: /proc,
/// /dev/shm, /tmp and the work directory (`work_tree`, from [`clone_tree`]).
fn mount_own_parts(root: &Path, plan: &RootfsPlan, work_tree: &OwnedFd) -> Result<(), SetupError> {
    mount_fs(
        "mount proc on",
        "proc",
        &root.join("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None,
    )?;
    mount_fs(
        "mount tmpfs on",
        "tmpfs",
        &root.join("dev/shm"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some(&plan.shm_options),
    )?;
    mount_fs(
        "mount tmpfs on",
        "tmpfs",
        &root.join("tmp"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(&plan.tmp_options),
    )?;
    let work = root.join(WORK_DIR.trim_start_matches('/'));
    attach(work_tree, &work, false)
}

/// Covers each of `hidden` (host paths) under `root` with an empty read-only tmpfs.
fn hide(root: &Path, hidden: &[PathBuf]) -> Result<(), SetupError> {
    for hidden in hidden {
        let Ok(relative) = hidden.strip_prefix("/") else {
            continue;
        };
        let target = root.join(relative);
        if target.is_dir() {
            mount_fs(
                "hide",
                "tmpfs",
                &target,
                MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
                Some("size=4k,mode=0000"),
            )?;
        }
    }
    Ok(())
}

/// Mounts the sandbox's /dev on `dev` (an existing directory): a tmpfs with the
/// device nodes bound from the host's, the usual links and an empty `shm`
/// (each sandbox mounts its own there), then made read-only: a [`RootTemplate`]'s
/// /dev is shared by every copy, so none may write to it (its device nodes are
/// mounts of their own, and stay writable).
fn populate_dev(dev: &Path) -> Result<(), SetupError> {
    mount_fs(
        "mount tmpfs on",
        "tmpfs",
        dev,
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("mode=0755,size=64k"),
    )?;
    for device in DEVICES {
        let target = dev.join(device);
        make_file(&target)?;
        bind(&Path::new("/dev").join(device), &target, false)?;
    }
    for (name, link) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        let target = dev.join(name);
        std::os::unix::fs::symlink(link, &target)
            .map_err(|error| SetupError::new("symlink", &target, error))?;
    }
    make_dir(&dev.join("shm"))?;
    mount(
        None::<&str>,
        dev,
        None::<&str>,
        MsFlags::MS_REMOUNT
            | MsFlags::MS_BIND
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NOSUID
            | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(|errno| SetupError::errno("remount read-only", dev, errno))
}

/// `pivot_root(root, root)` then detach the old root: the old root ends up stacked
/// under the new one and is unmounted, so no directory for it is needed.
fn pivot_into(root: &Path) -> Result<(), SetupError> {
    nix::unistd::chdir(root).map_err(|errno| SetupError::errno("chdir", root, errno))?;
    nix::unistd::pivot_root(".", ".")
        .map_err(|errno| SetupError::errno("pivot_root into", root, errno))?;
    umount2(".", MntFlags::MNT_DETACH)
        .map_err(|errno| SetupError::errno("detach old root", "/", errno))?;
    nix::unistd::chdir("/").map_err(|errno| SetupError::errno("chdir", "/", errno))?;
    set_job_umask();
    Ok(())
}

/// Files created in the new root are the job's, not group- or world-writable.
fn set_job_umask() {
    nix::sys::stat::umask(Mode::from_bits_truncate(0o022));
}
