//! The least work any sandbox with issue 7's default isolation must do, timed
//! beside bubblewrap in one run: the floors under our start→exit and
//! throughput figures (examples/bench/PROFILE.md says what they showed).
//!
//! `cargo run --release --example isolation_floor [-- --quick]` (as root;
//! bubblewrap installed, else its figures are skipped). `-- --ablate`: the
//! full floor with each of its parts left out in turn. `-- --full-throughput`:
//! only the full floor, 2,000 jobs with 8 in flight (to profile it).
//!
//! The **bare floor** is one process cloned into new pid, mount, network, uts
//! and ipc namespaces that moves itself into a fresh cgroup with memory, pids
//! and cpu limits, bind-mounts the host root read-only, mounts its own /proc,
//! pivots into that root, and exits. It has no state directory, no log, no
//! supervisor, no separate init and job, no seccomp filter, no dropped
//! privileges and no accounting: whatever a real sandbox adds to it, it
//! cannot go below it. The **process chain** is the bare floor run the way the
//! library runs a job: a supervisor forked per job makes the cgroup and clones
//! the init, which forks the job. The **full floor** (`full.rs`) does every
//! kernel operation the library does for a default job, with none of its glue.
//!
//! Figures:
//!
//! - **sequential**: one sandbox after another, made on demand, against
//!   `bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev /bin/true`;
//! - **sequential, pooled**: the bare floor, but each sandbox is made ahead by
//!   a second thread (cgroup created with its limits, process cloned and its
//!   root pivoted); a start only lets a ready one go and waits for it. The
//!   pool is refilled while the next start runs, as any pool must be when
//!   starts come back to back;
//! - **throughput**: sandboxes made and ended per second with 8 in flight, and
//!   bubblewrap's with 8 in flight; with the machine's CPU time per sandbox
//!   (all CPUs, kernel threads included, from /proc/stat).
//!
//! State and scratch directories live on /dev/shm: the figures are the
//! sandbox's, not a disk's.

mod full;

use std::ffi::CString;
use std::fs;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The controllers issue 7's default isolation limits.
const CONTROLLERS: [&str; 3] = ["memory", "pids", "cpu"];
const BWRAP: &[&str] = &[
    "--unshare-all",
    "--ro-bind",
    "/",
    "/",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "/bin/true",
];

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> Result<()> {
    if !nix::unistd::geteuid().is_root() {
        return Err("isolation_floor needs root (namespaces, cgroups, mounts)".into());
    }
    let quick = std::env::args().any(|arg| arg == "--quick");
    let ablate = std::env::args().any(|arg| arg == "--ablate");
    let floor = Floor::new()?;
    // For profiling: only the full floor, 8 in flight.
    let full_only = std::env::args().any(|arg| arg == "--full-throughput");
    let result = match (ablate, full_only) {
        (true, _) => ablation(&floor, quick),
        (_, true) => throughput(8, 2000, || floor.full.one(None)).map(|rate| {
            println!(
                "full floor: {:.0} jobs/s, {:.2} ms of CPU each",
                rate.per_second, rate.cpu_ms_each
            );
        }),
        _ => measure(&floor, quick),
    };
    floor.remove();
    result
}

fn measure(floor: &Floor, quick: bool) -> Result<()> {
    let bwrap_works = Command::new("bwrap")
        .args(BWRAP)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !bwrap_works {
        eprintln!("isolation_floor: bwrap is not installed or fails here: its figures are skipped");
    }
    let (blocks, per_block, rounds, per_round) = match quick {
        true => (2, 50, 1, 200),
        false => (10, 50, 5, 400),
    };

    // Sequential: the three take turns in blocks, the first 3 of each dropped.
    let mut fresh = Vec::new();
    let mut pooled = Vec::new();
    let mut chain = Vec::new();
    let mut full = Vec::new();
    let mut templated = Vec::new();
    let mut bwrap = Vec::new();
    for _ in 0..blocks {
        fresh.extend(
            sequential(per_block, || floor.one_fresh())?
                .into_iter()
                .skip(3),
        );
        pooled.extend(floor.sequential_pooled(per_block)?.into_iter().skip(3));
        chain.extend(
            sequential(per_block, || floor.one_chain())?
                .into_iter()
                .skip(3),
        );
        full.extend(
            sequential(per_block, || floor.full.one(None))?
                .into_iter()
                .skip(3),
        );
        let from_template = || floor.full.one(Some(full::Part::PerSandboxRoot));
        templated.extend(sequential(per_block, from_template)?.into_iter().skip(3));
        if bwrap_works {
            bwrap.extend(sequential(per_block, bwrap_once)?.into_iter().skip(3));
        }
    }
    println!(
        "sequential start→exit, ms ({} runs each, in {blocks} blocks taking turns)",
        fresh.len()
    );
    let bwrap_median = median(&mut bwrap);
    for (name, times) in [
        ("floor, made on demand", &mut fresh),
        ("floor, pooled", &mut pooled),
        ("floor, process chain", &mut chain),
        ("full floor", &mut full),
        ("full, template root", &mut templated),
        ("bwrap", &mut bwrap),
    ] {
        let Some(middle) = median(times) else {
            continue;
        };
        let ratio = bwrap_median.map(|b| format!("  {:.2}x bwrap", middle / b));
        println!(
            "  {name:<24} median {middle:6.3}  p99 {:6.3}{}",
            percentile(times, 0.99),
            ratio.unwrap_or_default()
        );
    }

    // Throughput: alternating rounds, bubblewrap last.
    let fresh = || floor.one_fresh();
    let chain = || floor.one_chain();
    let full = || floor.full.one(None);
    let templated = || floor.full.one(Some(full::Part::PerSandboxRoot));
    type One<'a> = &'a (dyn Fn() -> Result<()> + Sync);
    let mut kinds: Vec<(&str, One<'_>, Vec<Rate>)> = vec![
        ("floor", &fresh, Vec::new()),
        ("floor, process chain", &chain, Vec::new()),
        ("full floor", &full, Vec::new()),
        ("full, template root", &templated, Vec::new()),
    ];
    if bwrap_works {
        kinds.push(("bwrap", &bwrap_once, Vec::new()));
    }
    for _ in 0..rounds {
        for (_, one, samples) in &mut kinds {
            samples.push(throughput(8, per_round, *one)?);
        }
    }
    println!("throughput, 8 in flight ({rounds} rounds of {per_round})");
    let medians: Vec<(f64, f64)> = kinds
        .iter()
        .map(|(_, _, samples)| {
            let mut per_second: Vec<f64> = samples.iter().map(|s| s.per_second).collect();
            let mut cpu: Vec<f64> = samples.iter().map(|s| s.cpu_ms_each).collect();
            (
                median(&mut per_second).unwrap_or(0.0),
                median(&mut cpu).unwrap_or(0.0),
            )
        })
        .collect();
    let bwrap_rate = bwrap_works.then(|| medians[medians.len() - 1].0);
    for ((name, _, _), (per_second, cpu)) in kinds.iter().zip(&medians) {
        let ratio = bwrap_rate.map(|b| format!("   {:.2}x bwrap", per_second / b));
        println!(
            "  {name:<24} {per_second:6.0} /s   {cpu:.2} ms of CPU each{}",
            ratio.unwrap_or_default()
        );
    }
    Ok(())
}

/// The full floor with each of its parts left out in turn: what each costs.
fn ablation(floor: &Floor, quick: bool) -> Result<()> {
    let (blocks, per_block, rounds, per_round) = match quick {
        true => (2, 40, 1, 200),
        false => (6, 50, 3, 300),
    };
    let variants: Vec<Option<full::Part>> = std::iter::once(None)
        .chain(full::Part::ALL.into_iter().map(Some))
        .collect();
    let mut latency = vec![Vec::new(); variants.len()];
    let mut rates: Vec<Vec<Rate>> = variants.iter().map(|_| Vec::new()).collect();
    for _ in 0..blocks {
        for (index, without) in variants.iter().enumerate() {
            let times = sequential(per_block, || floor.full.one(*without))?;
            latency[index].extend(times.into_iter().skip(3));
        }
    }
    for _ in 0..rounds {
        for (index, without) in variants.iter().enumerate() {
            rates[index].push(throughput(8, per_round, || floor.full.one(*without))?);
        }
    }
    println!(
        "full floor without one part: sequential median ms ({blocks} blocks of {per_block}), \
         8 in flight ({rounds} rounds of {per_round})"
    );
    println!(
        "  {:<14} {:>9} {:>9} {:>8} {:>11} {:>9}",
        "without", "ms", "Δ ms", "jobs/s", "CPU ms each", "Δ CPU"
    );
    let mut base = (0.0, 0.0);
    for (index, without) in variants.iter().enumerate() {
        let middle = median(&mut latency[index]).unwrap_or(0.0);
        let mut per_second: Vec<f64> = rates[index].iter().map(|r| r.per_second).collect();
        let mut cpu: Vec<f64> = rates[index].iter().map(|r| r.cpu_ms_each).collect();
        let per_second = median(&mut per_second).unwrap_or(0.0);
        let cpu = median(&mut cpu).unwrap_or(0.0);
        if without.is_none() {
            base = (middle, cpu);
        }
        let name = without.map_or("(nothing)".to_owned(), |part| format!("{part:?}"));
        println!(
            "  {name:<14} {middle:9.3} {:9.3} {per_second:8.0} {cpu:11.2} {:9.2}",
            middle - base.0,
            cpu - base.1
        );
    }
    Ok(())
}

/// The cgroup parents and the directory the sandboxes pivot into.
struct Floor {
    /// `<hierarchy>/workernator-floor-<pid>` for each controller.
    parents: Vec<PathBuf>,
    /// Holds `root`, an empty directory: the mount point of the new root.
    scratch: tempfile::TempDir,
    root: CString,
    proc: CString,
    next: AtomicUsize,
    full: full::FullFloor,
}

/// A sandbox's cgroup: one directory per controller, and the `tasks` file of
/// each, open for the sandbox to move itself in.
struct Cgroup {
    dirs: Vec<PathBuf>,
    tasks: Vec<OwnedFd>,
}

/// A sandbox made ahead: cloned, pivoted, waiting for its go-ahead.
struct Ready {
    cgroup: Cgroup,
    pid: libc::pid_t,
    go: OwnedFd,
}

impl Floor {
    fn new() -> Result<Floor> {
        let parents = make_cgroup_parents(&CONTROLLERS, "workernator-floor")?;
        let scratch = tempfile::Builder::new()
            .prefix("workernator-floor-")
            // tmpfs: the figures are the sandbox's, not a disk's (on this
            // machine's journal-less ext4, file creation cost varies tenfold
            // with what else was deleted nearby).
            .tempdir_in("/dev/shm")?;
        let root = scratch.path().join("root");
        fs::create_dir(&root)?;
        let proc = root.join("proc");
        let full = full::FullFloor::new(&scratch.path().join("state"), &root)?;
        Ok(Floor {
            full,
            parents,
            root: CString::new(root.into_os_string().into_encoded_bytes())?,
            proc: CString::new(proc.into_os_string().into_encoded_bytes())?,
            scratch,
            next: AtomicUsize::new(0),
        })
    }

    fn remove(self) {
        self.full.remove();
        remove_cgroup_parents(&self.parents);
        drop(self.scratch);
    }

    /// A new cgroup with limits in every hierarchy.
    fn cgroup(&self) -> Result<Cgroup> {
        let name = format!("s{}", self.next.fetch_add(1, Ordering::Relaxed));
        let mut cgroup = Cgroup {
            dirs: Vec::new(),
            tasks: Vec::new(),
        };
        for (parent, controller) in self.parents.iter().zip(CONTROLLERS) {
            let dir = parent.join(&name);
            fs::create_dir(&dir)?;
            cgroup.dirs.push(dir.clone());
            let (file, limit) = limit_of(controller);
            fs::write(dir.join(file), limit)?;
            let tasks = fs::OpenOptions::new().write(true).open(dir.join("tasks"))?;
            cgroup.tasks.push(OwnedFd::from(tasks));
        }
        Ok(cgroup)
    }

    /// Clones a sandbox. With `(go, ready)`, it sets itself up, writes a byte
    /// to `ready`, and waits for a byte on `go` before it moves into its cgroup.
    fn clone_sandbox(&self, cgroup: &Cgroup, go: Option<(RawFd, RawFd)>) -> Result<libc::pid_t> {
        let tasks: Vec<RawFd> = cgroup.tasks.iter().map(AsRawFd::as_raw_fd).collect();
        let flags = libc::CLONE_NEWPID
            | libc::CLONE_NEWNS
            | libc::CLONE_NEWNET
            | libc::CLONE_NEWUTS
            | libc::CLONE_NEWIPC;
        // SAFETY: a fork-like clone (no new stack, no shared memory). The child
        // runs only `sandbox_child`, which makes raw system calls on data made
        // before the clone and never returns.
        let pid = unsafe {
            libc::syscall(
                libc::SYS_clone,
                (flags | libc::SIGCHLD) as libc::c_ulong,
                0usize,
                0usize,
                0usize,
                0usize,
            )
        };
        match pid {
            -1 => Err(std::io::Error::last_os_error().into()),
            0 => sandbox_child(&self.root, &self.proc, &tasks, go, false),
            pid => Ok(pid as libc::pid_t),
        }
    }

    /// The paths of a new cgroup, none of them made yet.
    fn cgroup_plan(&self) -> Result<CgroupPlan> {
        let name = format!("c{}", self.next.fetch_add(1, Ordering::Relaxed));
        let mut plan = CgroupPlan {
            dirs: Vec::new(),
            limits: Vec::new(),
            tasks: Vec::new(),
        };
        let path = |path: PathBuf| CString::new(path.into_os_string().into_encoded_bytes());
        for (parent, controller) in self.parents.iter().zip(CONTROLLERS) {
            let dir = parent.join(&name);
            let (file, limit) = limit_of(controller);
            plan.limits.push((path(dir.join(file))?, limit));
            plan.tasks.push(path(dir.join("tasks"))?);
            plan.dirs.push(path(dir)?);
        }
        Ok(plan)
    }

    /// One sandbox through a chain like the library's: a supervisor forked
    /// per job makes the cgroup and clones the init, which forks the job.
    fn one_chain(&self) -> Result<()> {
        let plan = self.cgroup_plan()?;
        // SAFETY: a fork-like clone; the child runs only `supervisor_child`
        // (raw system calls on data made before it) and never returns.
        let pid =
            unsafe { libc::syscall(libc::SYS_clone, libc::SIGCHLD as libc::c_ulong, 0, 0, 0, 0) };
        match pid {
            -1 => Err(std::io::Error::last_os_error().into()),
            0 => supervisor_child(&plan, &self.root, &self.proc),
            pid => wait_success(pid as libc::pid_t),
        }
    }

    /// One sandbox made on demand, run, waited for and removed.
    fn one_fresh(&self) -> Result<()> {
        let cgroup = self.cgroup()?;
        let pid = self.clone_sandbox(&cgroup, None)?;
        drop(cgroup.tasks);
        wait_success(pid)?;
        remove_dirs(&cgroup.dirs)
    }

    /// One sandbox made ahead.
    fn ready(&self) -> Result<Ready> {
        let cgroup = self.cgroup()?;
        let (go_read, go_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let (ready_read, ready_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let pid = self.clone_sandbox(
            &cgroup,
            Some((go_read.as_raw_fd(), ready_write.as_raw_fd())),
        )?;
        drop((go_read, ready_write));
        // Handed out only once it has pivoted, as a pool's sandbox would be.
        let mut byte = [0u8];
        fs::File::from(ready_read).read_exact(&mut byte)?;
        Ok(Ready {
            cgroup,
            pid,
            go: go_write,
        })
    }

    /// `count` starts from a pool of one sandbox refilled by a second thread.
    fn sequential_pooled(&self, count: usize) -> Result<Vec<f64>> {
        std::thread::scope(|scope| {
            let (sender, receiver) = mpsc::sync_channel::<Ready>(0);
            let maker = scope.spawn(move || -> Result<()> {
                for _ in 0..count {
                    let ready = self.ready()?;
                    if sender.send(ready).is_err() {
                        break;
                    }
                }
                Ok(())
            });
            let mut times = Vec::with_capacity(count);
            for _ in 0..count {
                let start = Instant::now();
                let Ok(ready) = receiver.recv() else { break };
                let mut go = fs::File::from(ready.go);
                go.write_all(b"g")?;
                drop(go);
                wait_success(ready.pid)?;
                drop(ready.cgroup.tasks);
                remove_dirs(&ready.cgroup.dirs)?;
                times.push(start.elapsed().as_secs_f64() * 1e3);
            }
            drop(receiver);
            maker.join().map_err(|_| "the pool's thread panicked")??;
            Ok(times)
        })
    }
}

/// The sandbox's own code, between clone and exit: raw system calls only.
fn sandbox_child(
    root: &CString,
    proc: &CString,
    tasks: &[RawFd],
    go: Option<(RawFd, RawFd)>,
    fork_job: bool,
) -> ! {
    // SAFETY: plain system calls on C strings and descriptors made before the
    // clone; no allocation, no locks. Any failure ends the child with a code
    // naming the step, which the parent reports.
    unsafe {
        let slash = c"/".as_ptr();
        let dot = c".".as_ptr();
        let none = std::ptr::null();
        let step = |code: i32, result: libc::c_int| {
            if result != 0 {
                libc::_exit(code);
            }
        };
        step(
            10,
            libc::mount(
                none,
                slash,
                none,
                libc::MS_REC | libc::MS_PRIVATE,
                none.cast(),
            ),
        );
        step(
            11,
            libc::mount(slash, root.as_ptr(), none, libc::MS_BIND, none.cast()),
        );
        step(
            12,
            libc::mount(
                none,
                root.as_ptr(),
                none,
                libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY,
                none.cast(),
            ),
        );
        step(
            13,
            libc::mount(
                c"proc".as_ptr(),
                proc.as_ptr(),
                c"proc".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                none.cast(),
            ),
        );
        step(14, libc::chdir(root.as_ptr()));
        step(
            15,
            libc::syscall(libc::SYS_pivot_root, dot, dot) as libc::c_int,
        );
        step(16, libc::umount2(dot, libc::MNT_DETACH));
        step(17, libc::chdir(slash));
        if let Some((go, ready)) = go {
            if libc::write(ready, c"r".as_ptr().cast(), 1) != 1 {
                libc::_exit(18);
            }
            let mut byte = 0u8;
            if libc::read(go, (&mut byte as *mut u8).cast(), 1) != 1 {
                libc::_exit(18);
            }
        }
        for &fd in tasks {
            if libc::write(fd, c"0".as_ptr().cast(), 1) != 1 {
                libc::_exit(19);
            }
        }
        if fork_job {
            // The job: a child of this init, as in a real sandbox.
            let job = libc::syscall(libc::SYS_clone, libc::SIGCHLD as libc::c_ulong, 0, 0, 0, 0);
            if job == 0 {
                libc::_exit(0);
            }
            let mut status = 0;
            if job < 0 || libc::waitpid(job as libc::pid_t, &mut status, 0) != job as libc::pid_t {
                libc::_exit(20);
            }
        }
        libc::_exit(0)
    }
}

/// The paths a supervisor needs for one sandbox's cgroup, made before the fork.
struct CgroupPlan {
    dirs: Vec<CString>,
    limits: Vec<(CString, &'static str)>,
    tasks: Vec<CString>,
}

/// A per-job supervisor's own code, between fork and exit: makes the cgroup,
/// clones the init (which forks the job), waits, removes the cgroup. Raw
/// system calls only.
fn supervisor_child(plan: &CgroupPlan, root: &CString, proc: &CString) -> ! {
    // SAFETY: plain system calls on C strings made before the fork; no
    // allocation (the descriptor array is on the stack), no locks.
    unsafe {
        for dir in &plan.dirs {
            if libc::mkdir(dir.as_ptr(), 0o755) != 0 {
                libc::_exit(21);
            }
        }
        for (file, value) in &plan.limits {
            let fd = libc::open(file.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
            if fd < 0 || libc::write(fd, value.as_ptr().cast(), value.len()) != value.len() as isize
            {
                libc::_exit(22);
            }
            libc::close(fd);
        }
        let mut tasks = [-1; CONTROLLERS.len()];
        for (slot, file) in tasks.iter_mut().zip(&plan.tasks) {
            *slot = libc::open(file.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
            if *slot < 0 {
                libc::_exit(23);
            }
        }
        let flags = libc::CLONE_NEWPID
            | libc::CLONE_NEWNS
            | libc::CLONE_NEWNET
            | libc::CLONE_NEWUTS
            | libc::CLONE_NEWIPC;
        let init = libc::syscall(
            libc::SYS_clone,
            (flags | libc::SIGCHLD) as libc::c_ulong,
            0,
            0,
            0,
            0,
        );
        if init == 0 {
            sandbox_child(root, proc, &tasks, None, true);
        }
        for fd in tasks {
            libc::close(fd);
        }
        let mut status = 0;
        if init < 0 || libc::waitpid(init as libc::pid_t, &mut status, 0) != init as libc::pid_t {
            libc::_exit(24);
        }
        for dir in &plan.dirs {
            if libc::rmdir(dir.as_ptr()) != 0 {
                libc::_exit(25);
            }
        }
        if !libc::WIFEXITED(status) {
            libc::_exit(26);
        }
        libc::_exit(libc::WEXITSTATUS(status))
    }
}

/// The limit file written for a controller, and its value.
fn limit_of(controller: &str) -> (&'static str, &'static str) {
    match controller {
        "memory" => ("memory.limit_in_bytes", "536870912"),
        "pids" => ("pids.max", "1024"),
        _ => ("cpu.cfs_quota_us", "100000"),
    }
}

fn wait_success(pid: libc::pid_t) -> Result<()> {
    let mut status = 0;
    // SAFETY: waits for our own child; `status` is a valid out-pointer.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    if waited != pid {
        return Err(std::io::Error::last_os_error().into());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!(
            "a floor sandbox failed: wait status {status:#x} (exit code 10-19 names its step)"
        )
        .into());
    }
    Ok(())
}

/// `/sys/fs/cgroup/<controller>/<prefix>-<pid>` for each of `controllers`, made.
fn make_cgroup_parents(controllers: &[&str], prefix: &str) -> Result<Vec<PathBuf>> {
    let mut parents = Vec::new();
    for controller in controllers {
        let parent = Path::new("/sys/fs/cgroup")
            .join(controller)
            .join(format!("{prefix}-{}", std::process::id()));
        if let Err(error) = fs::create_dir(&parent) {
            remove_cgroup_parents(&parents);
            return Err(format!("cannot create {}: {error}", parent.display()).into());
        }
        parents.push(parent);
    }
    Ok(parents)
}

/// Removes what [`make_cgroup_parents`] made, saying what it cannot.
fn remove_cgroup_parents(parents: &[PathBuf]) {
    for parent in parents {
        if let Err(error) = fs::remove_dir(parent) {
            eprintln!(
                "isolation_floor: cannot remove {}: {error}",
                parent.display()
            );
        }
    }
}

fn remove_dirs(dirs: &[PathBuf]) -> Result<()> {
    for dir in dirs {
        fs::remove_dir(dir)?;
    }
    Ok(())
}

fn bwrap_once() -> Result<()> {
    let status = Command::new("bwrap")
        .args(BWRAP)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    match status.success() {
        true => Ok(()),
        false => Err(format!("bwrap failed: {status}").into()),
    }
}

/// `count` runs of `one`, one after another; each one's time in ms.
fn sequential(count: usize, one: impl Fn() -> Result<()>) -> Result<Vec<f64>> {
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        one()?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    Ok(times)
}

struct Rate {
    per_second: f64,
    cpu_ms_each: f64,
}

/// `total` runs of `one`, `in_flight` at a time; with the machine's CPU time each.
fn throughput(in_flight: usize, total: usize, one: impl Fn() -> Result<()> + Sync) -> Result<Rate> {
    let left = AtomicUsize::new(total);
    let cpu_before = busy_cpu()?;
    let start = Instant::now();
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = (0..in_flight)
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    while left
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                        .is_ok()
                    {
                        one()?;
                    }
                    Ok(())
                })
            })
            .collect();
        for worker in workers {
            worker.join().map_err(|_| "a worker panicked")??;
        }
        Ok(())
    })?;
    let elapsed = start.elapsed();
    let cpu = busy_cpu()?.saturating_sub(cpu_before);
    Ok(Rate {
        per_second: total as f64 / elapsed.as_secs_f64(),
        cpu_ms_each: cpu.as_secs_f64() * 1e3 / total as f64,
    })
}

/// CPU time spent by all CPUs outside idle and iowait, from /proc/stat.
fn busy_cpu() -> Result<Duration> {
    let mut stat = String::new();
    fs::File::open("/proc/stat")?.read_to_string(&mut stat)?;
    let line = stat.lines().next().ok_or("empty /proc/stat")?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()?;
    // user nice system idle iowait irq softirq steal ...
    let busy: u64 = fields
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != 3 && *index != 4)
        .map(|(_, ticks)| ticks)
        .sum();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Ok(Duration::from_micros(busy * 1_000_000 / hz))
}

fn median(times: &mut [f64]) -> Option<f64> {
    if times.is_empty() {
        return None;
    }
    times.sort_by(f64::total_cmp);
    Some(times[times.len() / 2])
}

fn percentile(times: &mut [f64], fraction: f64) -> f64 {
    times.sort_by(f64::total_cmp);
    let index = ((times.len() as f64 * fraction).ceil() as usize).saturating_sub(1);
    times[index.min(times.len() - 1)]
}
