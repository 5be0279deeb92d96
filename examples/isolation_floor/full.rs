//! The full floor: every kernel operation the library does for a default
//! job, done straight-line by a process chain like the library's, with none
//! of its glue (no launcher round trip, no status machinery, no output pump,
//! no serialization, no async runtime).
//!
//! The application side makes the job's directory, lock, spec and status;
//! a supervisor forked per job makes the cgroup in all six hierarchies the
//! library uses here (limits: memory, pids, cpu; accounting: cpuacct, blkio;
//! freezer), the output pipes and the log, and clones the init into fresh
//! pid, mount, network, uts and ipc namespaces; the init builds the root with
//! the library's own `worker_isolate::mounts::enter_new_root`, moves itself
//! into the cgroup, drops the capability bounding set, sets no_new_privs,
//! installs the library's seccomp program, and forks the job, which becomes
//! an unprivileged user and writes its result. The supervisor then reads the
//! usage counters, removes the cgroup, and writes the result, a log record and
//! the final status; the application reads the status and the result.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Result;
use worker_isolate::mounts::{HostUser, RootTemplate, RootfsPlan};

/// The hierarchies the library uses on this host, and the limit written in each.
const HIERARCHIES: [(&str, Option<(&str, &str)>); 6] = [
    ("memory", Some(("memory.limit_in_bytes", "536870912"))),
    ("pids", Some(("pids.max", "1024"))),
    ("cpu", Some(("cpu.cfs_quota_us", "100000"))),
    ("cpuacct", None),
    ("blkio", None),
    ("freezer", None),
];
/// The counters the supervisor reads once the job has ended.
const USAGE: [(usize, &str); 6] = [
    (3, "cpuacct.usage_user"),
    (3, "cpuacct.usage_sys"),
    (0, "memory.max_usage_in_bytes"),
    (0, "memory.oom_control"),
    (4, "blkio.throttle.io_service_bytes"),
    (0, "cgroup.procs"),
];
const NOBODY: u32 = 65534;

/// A part of the full floor that can be left out, to see what it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The library's root (tmpfs, host entries bound one by one, /dev, /tmp,
    /// /work, the state directory hidden); without it, the bare floor's: the
    /// host root bound read-only, /proc, pivot.
    Rootfs,
    /// The seccomp program.
    Seccomp,
    /// The init's own capabilities dropped (and checked) once the job is
    /// forked. (The bounding set is always emptied: the job's switch to its
    /// user requires it.)
    Capabilities,
    /// The cpuacct, blkio and freezer hierarchies and the counters read from them.
    Accounting,
    /// The job's directory, lock, spec, status, log and result files.
    StateFiles,
    /// The job's own process: without it the init writes the result.
    JobProcess,
    /// The root built anew for each sandbox: without it, each sandbox copies
    /// the library's root template (worker_isolate::mounts::RootTemplate,
    /// made once) and mounts only its own /proc, /tmp, /dev/shm and /work.
    PerSandboxRoot,
}

impl Part {
    pub const ALL: [Part; 7] = [
        Part::Rootfs,
        Part::Seccomp,
        Part::Capabilities,
        Part::Accounting,
        Part::StateFiles,
        Part::JobProcess,
        Part::PerSandboxRoot,
    ];
}

/// Where the full floor keeps its jobs and cgroups.
pub struct FullFloor {
    state: PathBuf,
    parents: Vec<PathBuf>,
    next: AtomicUsize,
    /// The bare floor's root: a directory to bind the host root on.
    bare_root: PathBuf,
    template: RootTemplate,
}

impl FullFloor {
    /// Makes `<state>/jobs`, `<state>/active` and a cgroup parent in each hierarchy.
    /// Call while the process has a single thread (the template is forked).
    pub fn new(state: &Path, bare_root: &Path) -> Result<FullFloor> {
        let template = RootTemplate::build(&template_plan(state))?;
        fs::create_dir_all(state.join("jobs"))?;
        fs::create_dir_all(state.join("active"))?;
        let controllers = HIERARCHIES.map(|(controller, _)| controller);
        let parents = super::make_cgroup_parents(&controllers, "workernator-floor-full")?;
        Ok(FullFloor {
            template,
            bare_root: bare_root.to_owned(),
            state: state.to_owned(),
            parents,
            next: AtomicUsize::new(0),
        })
    }

    pub fn remove(&self) {
        super::remove_cgroup_parents(&self.parents);
    }

    /// One job, start to end, as the application sees it; `without` a part.
    pub fn one(&self, without: Option<Part>) -> Result<()> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("{n:032x}");
        let job = self.state.join("jobs").join(&id);
        let state_files = without != Some(Part::StateFiles);
        fs::create_dir(&job)?;
        fs::create_dir(job.join("work"))?;
        let cgroups: Vec<PathBuf> = (self.parents.iter().zip(HIERARCHIES))
            .filter(|(_, (_, limit))| limit.is_some() || without != Some(Part::Accounting))
            .map(|(parent, _)| parent.join(&id))
            .collect();
        let plan = RootfsPlan {
            work_dir: job.join("work"),
            // A default job's user: its /proc masks.
            job_user: Some(HostUser {
                uid: 65534,
                gid: 65534,
            }),
            ..template_plan(&self.state)
        };
        let setup = Setup {
            state: &self.state,
            id: &id,
            job: &job,
            cgroups: &cgroups,
            plan: &plan,
            bare_root: &self.bare_root,
            template: &self.template,
            without,
        };
        if !state_files {
            // SAFETY: as below.
            return match unsafe { libc::fork() } {
                -1 => Err(std::io::Error::last_os_error().into()),
                // SAFETY: as below.
                0 => unsafe { libc::_exit(i32::from(supervise(&setup).is_err())) },
                pid => super::wait_success(pid),
            };
        }
        let lock = OpenOptions::new()
            .create_new(true)
            .read(true)
            .write(true)
            .open(job.join("lock"))?;
        // Held by the supervisor (which inherits the descriptor) until it exits.
        // SAFETY: flock on a descriptor we own.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        fs::hard_link(job.join("lock"), self.state.join("active").join(&id))?;
        fs::write(job.join("spec.json"), [b'{'; 300])?;
        fs::write(job.join("status.json"), [b'{'; 600])?;
        // SAFETY: glibc's fork keeps malloc usable in the child, which is
        // single threaded from here on and ends with _exit.
        match unsafe { libc::fork() } {
            -1 => return Err(std::io::Error::last_os_error().into()),
            0 => {
                let code = match supervise(&setup) {
                    Ok(()) => 0,
                    Err(error) => {
                        let _ = writeln!(std::io::stderr(), "floor supervisor: {error}");
                        1
                    }
                };
                // SAFETY: ends the forked child without running the parent's exit handlers.
                unsafe { libc::_exit(code) }
            }
            pid => {
                drop(lock);
                super::wait_success(pid)?;
            }
        }
        // What wait() reads.
        let status = File::open(job.join("status.json"))?;
        let status = nix::fcntl::Flock::lock(status, nix::fcntl::FlockArg::LockShared)
            .map_err(|(_, errno)| errno)?;
        let mut text = Vec::new();
        (&*status).read_to_end(&mut text)?;
        let result = fs::read(job.join("result.json"))?;
        if result != b"ok" {
            return Err(format!(
                "the full floor job (without {without:?}) wrote no result: {result:?}"
            )
            .into());
        }
        Ok(())
    }
}

/// What one job's processes need, made by the application before the fork.
struct Setup<'a> {
    state: &'a Path,
    id: &'a str,
    job: &'a Path,
    cgroups: &'a [PathBuf],
    plan: &'a RootfsPlan,
    bare_root: &'a Path,
    template: &'a RootTemplate,
    without: Option<Part>,
}

fn supervise(setup: &Setup<'_>) -> Result<()> {
    let Setup {
        state,
        id,
        job,
        cgroups,
        ..
    } = *setup;
    let state_files = setup.without != Some(Part::StateFiles);
    let mut tasks = Vec::new();
    for (dir, (_, limit)) in cgroups.iter().zip(HIERARCHIES) {
        fs::create_dir(dir)?;
        if let Some((file, value)) = limit {
            fs::write(dir.join(file), value)?;
        }
        tasks.push(OwnedFd::from(
            OpenOptions::new().write(true).open(dir.join("tasks"))?,
        ));
    }
    let pipe = || nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC);
    let (stdout_read, stdout_write) = pipe()?;
    let (stderr_read, stderr_write) = pipe()?;
    let (result_read, result_write) = pipe()?;
    let (report_read, report_write) = pipe()?;
    let log = match state_files {
        true => {
            let log = OpenOptions::new()
                .create(true)
                .append(true)
                .open(job.join("output.log"))?;
            nix::fcntl::fallocate(
                &log,
                nix::fcntl::FallocateFlags::FALLOC_FL_KEEP_SIZE,
                0,
                65536,
            )?;
            Some(log)
        }
        false => None,
    };
    let hostname = format!("job-{}", &id[..12]);
    let mut flags =
        libc::CLONE_NEWPID | libc::CLONE_NEWNET | libc::CLONE_NEWUTS | libc::CLONE_NEWIPC;
    if setup.without != Some(Part::PerSandboxRoot) {
        // (From a template, the mount namespace is the template's copy.)
        flags |= libc::CLONE_NEWNS;
    }
    // SAFETY: a fork-like clone of this single-threaded process; the child
    // runs `init` and ends with _exit.
    let init = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (flags | libc::SIGCHLD) as libc::c_ulong,
            0,
            0,
            0,
            0,
        )
    };
    if init == 0 {
        drop((stdout_read, stderr_read, result_read, report_read));
        let code = match sandbox_init(
            setup,
            &hostname,
            &tasks,
            [stdout_write, stderr_write],
            result_write,
            report_write,
        ) {
            Ok(()) => 0,
            Err(error) => {
                let _ = writeln!(std::io::stderr(), "floor init: {error}");
                1
            }
        };
        // SAFETY: ends the cloned child without the parent's exit handlers.
        unsafe { libc::_exit(code) }
    }
    if init < 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    drop((
        stdout_write,
        stderr_write,
        result_write,
        report_write,
        tasks,
    ));
    let mut result = Vec::new();
    File::from(result_read).read_to_end(&mut result)?;
    let mut report = Vec::new();
    File::from(report_read).read_to_end(&mut report)?;
    let mut stderr = Vec::new();
    File::from(stdout_read).read_to_end(&mut Vec::new())?;
    File::from(stderr_read).read_to_end(&mut stderr)?;
    let waited = super::wait_success(init as libc::pid_t);
    let mut counters = String::new();
    for (hierarchy, file) in USAGE {
        if let Some(dir) = cgroups.get(hierarchy) {
            File::open(dir.join(file))?.read_to_string(&mut counters)?;
        }
    }
    for dir in cgroups {
        fs::remove_dir(dir)?;
    }
    if let Err(error) = waited {
        return Err(format!("{error}: {}", String::from_utf8_lossy(&stderr)).into());
    }
    let Some(log) = log else {
        return match result.as_slice() {
            b"ok" => Ok(()),
            _ => Err("no result".into()),
        };
    };
    OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(job.join("result.json"))?
        .write_all(&result)?;
    (&log).write_all(&[b'r'; 40])?;
    let status = OpenOptions::new()
        .write(true)
        .open(job.join("status.json"))?;
    let status = nix::fcntl::Flock::lock(status, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, errno)| errno)?;
    status.write_all_at(&[b'}'; 650], 0)?;
    drop(status);
    fs::remove_file(state.join("active").join(id))?;
    log.set_len(log.metadata()?.len())?;
    Ok(())
}

fn sandbox_init(
    setup: &Setup<'_>,
    hostname: &str,
    tasks: &[OwnedFd],
    stdio: [OwnedFd; 2],
    result: OwnedFd,
    report: OwnedFd,
) -> Result<()> {
    worker_isolate::namespaces::set_hostname(hostname).map_err(|e| format!("hostname: {e}"))?;
    // Opened first: the bare root has no /dev.
    let null = File::open("/dev/null")?;
    let without = setup.without;
    match without {
        Some(Part::Rootfs) => bare_root(setup.bare_root).map_err(|e| format!("bare root: {e}"))?,
        Some(Part::PerSandboxRoot) => {
            worker_isolate::mounts::enter_template_root(setup.template.namespace(), setup.plan)?
        }
        _ => worker_isolate::mounts::enter_new_root(setup.plan)?,
    }
    nix::unistd::dup2_stdin(&null)?;
    nix::unistd::dup2_stdout(&stdio[0])?;
    nix::unistd::dup2_stderr(&stdio[1])?;
    drop(stdio);
    for fd in tasks {
        nix::unistd::write(fd, b"0")?;
    }
    worker_isolate::privileges::drop_capability_bounding_set()?;
    worker_isolate::privileges::no_new_privileges()?;
    if without != Some(Part::Seccomp) {
        worker_isolate::seccomp::install_deny_list()?;
    }
    if without == Some(Part::JobProcess) {
        File::from(result).write_all(b"ok")?;
        File::from(report).write_all(&0i32.to_ne_bytes())?;
        return Ok(());
    }
    // SAFETY: this process is single threaded; the child ends with _exit.
    match unsafe { libc::fork() } {
        -1 => Err(std::io::Error::last_os_error().into()),
        0 => {
            let ran = worker_isolate::privileges::become_user(NOBODY, NOBODY)
                .map_err(|error| error.to_string())
                .and_then(|()| {
                    File::from(result)
                        .write_all(b"ok")
                        .map_err(|error| error.to_string())
                });
            // SAFETY: ends the forked job without the parent's exit handlers.
            unsafe { libc::_exit(if ran.is_ok() { 0 } else { 1 }) }
        }
        job => {
            drop(result);
            if without != Some(Part::Capabilities) {
                worker_isolate::privileges::drop_all_capabilities()?;
            }
            let mut status = 0;
            // SAFETY: waits for our own child into a valid out-pointer.
            if unsafe { libc::waitpid(job, &mut status, 0) } != job {
                return Err(std::io::Error::last_os_error().into());
            }
            File::from(report).write_all(&status.to_ne_bytes())?;
            Ok(())
        }
    }
}

/// The bare floor's root: the host root bound read-only, its own /proc, pivot.
fn bare_root(root: &Path) -> Result<()> {
    use nix::mount::{MntFlags, MsFlags, mount, umount2};
    let none = None::<&str>;
    mount(none, "/", none, MsFlags::MS_REC | MsFlags::MS_PRIVATE, none)?;
    mount(Some("/"), root, none, MsFlags::MS_BIND, none)?;
    mount(
        none,
        root,
        none,
        MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_RDONLY,
        none,
    )?;
    mount(
        Some("proc"),
        &root.join("proc"),
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        none,
    )?;
    nix::unistd::chdir(root)?;
    nix::unistd::pivot_root(".", ".")?;
    umount2(".", MntFlags::MNT_DETACH)?;
    nix::unistd::chdir("/")?;
    Ok(())
}

/// The library's default root for jobs of `state`, with no work directory:
/// what the launcher builds its template from.
fn template_plan(state: &Path) -> RootfsPlan {
    let mut plan = RootfsPlan::new(PathBuf::new());
    plan.hidden.push(state.to_owned());
    plan
}
