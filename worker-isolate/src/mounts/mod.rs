//! The sandbox's filesystem: a fresh root assembled from read-only binds of
//! what programs need of the host's (see [`Shown`]), with a private, masked
//! /proc, a minimal /dev, a tmpfs /tmp and the job's writable work directory.

use crate::error::SetupError;
use crate::sys;
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::stat::Mode;
use std::ffi::CString;
use std::fs;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

mod own_path;
mod proc;
mod shown;
mod template;

use own_path::{SandboxOwnPaths, SharedOwnPaths};
use proc::ProcMasks;
pub use proc::{MASKED_DIRS, MASKED_FILES, READ_ONLY};
pub use shown::{EMPTY_DIRS, PROGRAM_ENTRIES, Shown};
use shown::{Entry, top_level_entries};
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
    /// Which of its top-level entries the sandbox shows: [`Shown::Programs`]
    /// for the host's root, [`Shown::Everything`] for a root of the caller's own.
    pub shown: Shown,
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
    /// The application's executable (the file the calling process runs, as
    /// the host names it), shown read-only at that path so that the job,
    /// which runs that program's code, finds itself (`current_exe()`,
    /// backtraces). Not shown under /work, /proc, /dev, /sys or a hidden
    /// path, which the sandbox replaces or covers. `None`: not shown.
    pub executable: Option<PathBuf>,
    /// Who the job's code runs as on the host, which decides what of /proc
    /// must be masked (see [`MASKED_FILES`]); `None`: as root.
    pub job_user: Option<HostUser>,
    /// Whether the job uses the host's network: then, where /etc/resolv.conf
    /// links to a file outside what the sandbox shows (systemd-resolved's
    /// stub under /run), that file is shown read-only at its path.
    pub host_resolver: bool,
}

/// A user and group of the host, as the job's code runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostUser {
    /// The user id.
    pub uid: u32,
    /// The group id (the only group: supplementary groups are dropped).
    pub gid: u32,
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
    /// The default plan: what programs need of the host's `/`, read-only,
    /// and the calling process's executable, built on the host's `/tmp`;
    /// /proc masked as for a job run as root, the host's resolver not shown.
    ///
    /// The first call in a process also reads what sandboxes need to know
    /// of the host's /proc, once: a process that forks sandboxes has it
    /// ready for all of them.
    pub fn new(work_dir: impl Into<PathBuf>) -> Self {
        proc::read_host_proc();
        RootfsPlan {
            source_root: PathBuf::from("/"),
            shown: Shown::Programs,
            staging: PathBuf::from("/tmp"),
            work_dir: work_dir.into(),
            hidden: Vec::new(),
            tmp_options: "mode=1777,size=256m".to_owned(),
            shm_options: "mode=1777,size=64m".to_owned(),
            binds: Vec::new(),
            executable: own_path::own_executable(),
            job_user: None,
            host_resolver: false,
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

/// Makes the mount point of `target` (a path inside the sandbox) on the
/// root tmpfs at `root`, before it turns read-only, where the root does not
/// get its top-level directory from the source: one the source lacks
/// (`/opt2/x` when the host has no `/opt2`), the empty /sys, or an empty
/// directory of [`Shown::empty_dirs`]. Nothing is made under a directory
/// bound from the source, which would make it on the host, nor under a
/// symbolic link; under /tmp and /work it is made once they are mounted.
/// Returns the mount point if it exists now.
fn make_mount_point(
    root: &Path,
    shown: Shown,
    target: &Path,
    is_dir: bool,
) -> Result<Option<PathBuf>, SetupError> {
    let Ok(relative) = target.strip_prefix("/") else {
        return Ok(None); // refused, with its reason, where the binds are attached
    };
    let Some(first) = relative.components().next() else {
        return Ok(None);
    };
    let path = root.join(relative);
    let own = first.as_os_str() == "sys"
        || shown
            .empty_dirs()
            .iter()
            .any(|dir| first.as_os_str() == *dir);
    match fs::symlink_metadata(root.join(first)) {
        Ok(meta) if meta.is_symlink() => return Ok(None),
        Ok(_) if !own => return Ok(path.exists().then_some(path)),
        _ => {}
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|error| SetupError::new("create bind mount point", parent, error))?;
    }
    if is_dir {
        make_dir(&path)?;
    } else {
        make_file(&path)?;
    }
    Ok(Some(path))
}

/// Builds the sandbox's root per `plan` and makes it the root of the calling process.
///
/// The caller must be alone in a new mount namespace (and, for /proc to show only
/// the sandbox, PID 1 of a new pid namespace). Afterwards the working directory is
/// [`WORK_DIR`]. [`RootTemplate`] makes the same root from a copy.
pub fn enter_new_root(plan: &RootfsPlan) -> Result<(), SetupError> {
    make_mounts_private()?;
    // Taken before the staging tmpfs covers anything, in case they live there.
    let own = OwnParts::take(plan)?;
    let entries = top_level_entries(plan, &REPLACED)?;
    let shared_paths = SharedOwnPaths::take(plan)?;
    let binds = plan
        .binds
        .iter()
        .map(|bind| Ok((bind, clone_tree(&bind.source)?, bind.source.is_dir())))
        .collect::<Result<Vec<_>, SetupError>>()?;

    let root = plan.staging.as_path();
    build_shared_root(root, plan, &entries, |root| {
        shared_paths.place(root, plan.shown)?;
        for (bind, _, is_dir) in &binds {
            make_mount_point(root, plan.shown, &bind.target, *is_dir)?;
        }
        Ok(())
    })?;
    mount_own_parts(root, plan, &own)?;

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
/// binds: a tmpfs at `root` with the source's shown top-level `entries`
/// attached, the mount points of what replaces the rest, the empty
/// directories of [`Shown::empty_dirs`] (`before_read_only` adds its own
/// mounts and mount points), the whole made read-only, nosuid and nodev by
/// one recursive mount_setattr (rather than one per entry, and a remount of
/// the root at the end), and a read-only /dev with its device nodes. What is
/// mounted on it afterwards carries its own flags.
fn build_shared_root(
    root: &Path,
    plan: &RootfsPlan,
    entries: &[(std::ffi::OsString, Entry)],
    before_read_only: impl FnOnce(&Path) -> Result<(), SetupError>,
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
    for dir in REPLACED.iter().chain(plan.shown.empty_dirs()) {
        make_dir(&root.join(dir))?;
    }
    before_read_only(root)?;
    let root_c = cstring(root)?;
    sys::restrict_tree(&root_c, true)
        .map_err(|error| SetupError::new("mount_setattr read-only on", root, error))?;
    populate_dev(&root.join("dev"))
}

/// What a sandbox takes for the parts of its root that are its own, in the
/// mount namespace where the host's paths lead to the host's files.
struct OwnParts {
    /// The job's work directory, from [`clone_tree`].
    work: OwnedFd,
    paths: SandboxOwnPaths,
    proc_masks: ProcMasks,
}

impl OwnParts {
    fn take(plan: &RootfsPlan) -> Result<OwnParts, SetupError> {
        Ok(OwnParts {
            work: clone_tree(&plan.work_dir)?,
            paths: SandboxOwnPaths::take(plan)?,
            proc_masks: ProcMasks::for_user(plan.job_user),
        })
    }
}

/// What each sandbox gets of its own on the shared part at `root`: /proc
/// (masked), /dev/shm, /tmp and the work directory, and its own files at
/// their own paths.
fn mount_own_parts(root: &Path, plan: &RootfsPlan, own: &OwnParts) -> Result<(), SetupError> {
    let proc = root.join("proc");
    mount_fs(
        "mount proc on",
        "proc",
        &proc,
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None,
    )?;
    let shm = root.join("dev/shm");
    // Before /dev/shm is mounted: the masks use the empty directory under it.
    own.proc_masks.apply(&proc, &root.join("dev/null"), &shm)?;
    mount_fs(
        "mount tmpfs on",
        "tmpfs",
        &shm,
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
    own.paths.place_in_tmp(root)?;
    own.paths.place_resolver(root)?;
    let work = root.join(WORK_DIR.trim_start_matches('/'));
    attach(&own.work, &work, false)
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
