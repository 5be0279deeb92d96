//! Job types used across the integration tests.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

/// Squares a number.
#[derive(Job, Serialize, Deserialize)]
pub struct Square {
    pub n: u64,
}

impl Run for Square {
    type Output = u64;
    fn run(self, _ctx: &JobContext) -> Result<u64, JobError> {
        Ok(self.n * self.n)
    }
}

/// What a job sees of its sandbox.
#[derive(Debug, Serialize, Deserialize)]
pub struct SandboxView {
    pub pid: u32,
    pub visible_pids: Vec<i32>,
    pub hostname: String,
    pub interfaces: Vec<String>,
    pub loopback_works: bool,
    pub signal_host_pid: String,
    pub write_etc: String,
    pub write_usr: String,
    pub write_work: bool,
    pub write_tmp: bool,
    pub cwd: String,
    pub state_dir_listing: Result<Vec<String>, String>,
    pub devices: Vec<String>,
    /// What /tmp held before this job wrote to it.
    pub tmp_before: Vec<String>,
    pub write_dev: String,
    /// The device of the root directory: live sandboxes copied from one
    /// template share their root tmpfs; two live ones that built their own
    /// roots cannot share a device number.
    pub root_device: u64,
}

/// Looks around the sandbox and reports what it sees.
#[derive(Job, Serialize, Deserialize)]
pub struct Probe {
    pub host_pid: i32,
    pub state_dir: String,
    /// How long the job stays alive after looking (to overlap with another).
    pub linger_ms: u64,
}

fn try_write(path: &str) -> String {
    match std::fs::write(path, b"x") {
        Ok(()) => "written".into(),
        Err(error) => format!("{:?}", error.raw_os_error()),
    }
}

impl Run for Probe {
    type Output = SandboxView;
    fn run(self, _ctx: &JobContext) -> Result<SandboxView, JobError> {
        let mut visible_pids: Vec<i32> = std::fs::read_dir("/proc")?
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        visible_pids.sort();
        let interfaces = std::fs::read_to_string("/proc/net/dev")?
            .lines()
            .skip(2)
            .filter_map(|line| Some(line.split(':').next()?.trim().to_owned()))
            .collect();
        let loopback_works = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| std::net::TcpStream::connect(listener.local_addr()?))
            .is_ok();
        let signal_host_pid =
            match nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.host_pid), None) {
                Ok(()) => "delivered".into(),
                Err(errno) => errno.to_string(),
            };
        let state_dir_listing = std::fs::read_dir(&self.state_dir)
            .map(|d| {
                d.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
                    .collect()
            })
            .map_err(|e| e.to_string());
        let mut devices: Vec<String> = std::fs::read_dir("/dev")?
            .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
            .collect();
        devices.sort();
        let linger = std::time::Duration::from_millis(self.linger_ms);
        let tmp_before = std::fs::read_dir("/tmp")?
            .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
            .collect();
        let view = SandboxView {
            tmp_before,
            write_dev: try_write("/dev/workernator-probe"),
            root_device: std::os::unix::fs::MetadataExt::dev(&std::fs::metadata("/")?),
            pid: std::process::id(),
            visible_pids,
            hostname: std::fs::read_to_string("/proc/sys/kernel/hostname")?
                .trim()
                .to_owned(),
            interfaces,
            loopback_works,
            signal_host_pid,
            write_etc: try_write("/etc/workernator-probe"),
            write_usr: try_write("/usr/workernator-probe"),
            write_work: std::fs::write("/work/probe", b"x").is_ok(),
            write_tmp: std::fs::write("/tmp/probe", b"x").is_ok(),
            cwd: std::env::current_dir()?.display().to_string(),
            state_dir_listing,
            devices,
        };
        std::thread::sleep(linger);
        Ok(view)
    }
}

/// A structured output.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub name: String,
    pub values: Vec<i64>,
    pub nested: Option<Box<Report>>,
}

/// Builds a report.
#[derive(Job, Serialize, Deserialize)]
pub struct MakeReport {
    pub name: String,
}

impl Run for MakeReport {
    type Output = Report;
    fn run(self, _ctx: &JobContext) -> Result<Report, JobError> {
        Ok(Report {
            name: self.name.clone(),
            values: vec![1, -2, i64::MAX],
            nested: Some(Box::new(Report {
                name: format!("inner {}", self.name),
                values: vec![],
                nested: None,
            })),
        })
    }
}

/// Returns a large output.
#[derive(Job, Serialize, Deserialize)]
pub struct BigOutput {
    pub bytes: usize,
}

impl Run for BigOutput {
    type Output = String;
    fn run(self, _ctx: &JobContext) -> Result<String, JobError> {
        Ok((0..self.bytes)
            .map(|i| (b'a' + (i % 26) as u8) as char)
            .collect())
    }
}

/// Fails with an error, with a cause.
#[derive(Job, Serialize, Deserialize)]
pub struct Failing {
    pub retryable: bool,
}

impl Run for Failing {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        if self.retryable {
            return Err(JobError::retryable("the service is busy"));
        }
        std::fs::read("/no/such/file")?;
        Ok(())
    }
}

/// Panics.
#[derive(Job, Serialize, Deserialize)]
pub struct Panicking;

impl Run for Panicking {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        panic!("the job gave up: {}", 42);
    }
}

/// Ignores SIGTERM, leaves a double-forked grandchild behind, and sleeps.
#[derive(Job, Serialize, Deserialize)]
pub struct Stubborn {
    pub ignore_term: bool,
}

impl Run for Stubborn {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        if self.ignore_term {
            // SAFETY: SIG_IGN installs no handler code, so nothing can run in signal context.
            unsafe {
                nix::sys::signal::signal(
                    nix::sys::signal::Signal::SIGTERM,
                    nix::sys::signal::SigHandler::SigIgn,
                )
            }?;
        }
        // The shell starts sleep in the background and exits: sleep is orphaned
        // (re-parented to the sandbox's init), a double fork.
        let status = std::process::Command::new("/bin/sh")
            .args(["-c", "trap '' TERM; sleep 1000 >/dev/null 2>&1 &"])
            .status()?;
        assert!(status.success());
        println!("ready");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}

/// Prints numbered lines over time, then returns their sum.
#[derive(Job, Serialize, Deserialize)]
pub struct Ticker {
    pub lines: u64,
    pub interval_ms: u64,
}

impl Run for Ticker {
    type Output = u64;
    fn run(self, _ctx: &JobContext) -> Result<u64, JobError> {
        let mut sum = 0;
        for i in 0..self.lines {
            println!("tick {i}");
            sum += i;
            std::thread::sleep(std::time::Duration::from_millis(self.interval_ms));
        }
        Ok(sum)
    }
}

/// Fails with a retryable error until its `succeed_on` attempt, counting
/// attempts in its work dir (which attempts share).
#[derive(Job, Serialize, Deserialize)]
#[job(max_attempts = 4, backoff = "50ms", max_backoff = "200ms")]
pub struct Flaky {
    pub succeed_on: u32,
}

impl Run for Flaky {
    type Output = String;
    fn run(self, ctx: &JobContext) -> Result<String, JobError> {
        let seen: u32 = std::fs::read_to_string("/work/attempts")
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(0)
            + 1;
        std::fs::write("/work/attempts", seen.to_string())?;
        println!("attempt {} (my count {seen})", ctx.attempt());
        if ctx.attempt() < self.succeed_on {
            return Err(JobError::retryable(format!("not yet ({seen})")));
        }
        Ok(format!("succeeded on attempt {}", ctx.attempt()))
    }
}

/// Sleeps past its time limit.
#[derive(Job, Serialize, Deserialize)]
#[job(timeout = "300ms", max_attempts = 1)]
pub struct Sleepy;

impl Run for Sleepy {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        std::thread::sleep(std::time::Duration::from_secs(600));
        Ok(())
    }
}

/// Reports progress through its steps.
#[derive(Job, Serialize, Deserialize)]
pub struct Steps {
    pub steps: u64,
}

impl Run for Steps {
    type Output = u64;
    fn run(self, ctx: &JobContext) -> Result<u64, JobError> {
        for step in 1..=self.steps {
            ctx.progress(step, Some(self.steps), &format!("step {step}"));
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        Ok(self.steps)
    }
}

/// Allocates and touches `bytes` of memory, then returns how much it held.
#[derive(Job, Serialize, Deserialize)]
pub struct Hog {
    pub bytes: usize,
}

impl Run for Hog {
    type Output = usize;
    fn run(self, _ctx: &JobContext) -> Result<usize, JobError> {
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        let mut held = 0;
        while held < self.bytes {
            // Touch every page so that it is really charged.
            chunks.push(vec![1u8; 1 << 20]);
            held += 1 << 20;
        }
        Ok(chunks.iter().map(Vec::len).sum())
    }
}

/// Starts processes until the pids limit refuses one, says so, then keeps
/// trying forever.
#[derive(Job, Serialize, Deserialize)]
pub struct ForkBomb;

impl Run for ForkBomb {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        let mut children = Vec::new();
        let error = loop {
            match std::process::Command::new("/bin/sleep").arg("1000").spawn() {
                Ok(child) => children.push(child),
                Err(error) => break error,
            }
        };
        println!(
            "limit reached after {} children: {:?}",
            children.len(),
            error.raw_os_error()
        );
        loop {
            if let Ok(child) = std::process::Command::new("/bin/sleep").arg("1000").spawn() {
                children.push(child);
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

/// Keeps one core busy for `millis` of wall-clock time.
#[derive(Job, Serialize, Deserialize)]
pub struct Spin {
    pub millis: u64,
}

impl Run for Spin {
    type Output = u64;
    fn run(self, _ctx: &JobContext) -> Result<u64, JobError> {
        let start = std::time::Instant::now();
        let mut counter = 0u64;
        while start.elapsed() < std::time::Duration::from_millis(self.millis) {
            counter = std::hint::black_box(counter.wrapping_add(1));
        }
        Ok(counter)
    }
}

/// Writes `bytes` to /work/direct with O_DIRECT, in 1 MiB aligned chunks;
/// returns the milliseconds it took.
#[derive(Job, Serialize, Deserialize)]
pub struct DirectWrite {
    pub bytes: usize,
}

impl Run for DirectWrite {
    type Output = u64;
    fn run(self, _ctx: &JobContext) -> Result<u64, JobError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        const CHUNK: usize = 1 << 20;
        // O_DIRECT needs a buffer aligned to the logical block size.
        let backing = vec![7u8; CHUNK + 4096];
        let offset = backing.as_ptr().align_offset(4096);
        let chunk = &backing[offset..offset + CHUNK];
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_DIRECT)
            .open("/work/direct")?;
        let start = std::time::Instant::now();
        let mut written = 0;
        while written < self.bytes {
            file.write_all(chunk)?;
            written += CHUNK;
        }
        file.sync_all()?;
        Ok(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
    }
}

/// Something a job must not be able to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Attack {
    /// Read a file.
    ReadFile(String),
    /// Create and write a file.
    WriteFile(String),
    /// List a directory.
    ListDir(String),
    /// Read `<state dir>/jobs/<own id>/spec.json`.
    ReadOwnSpec(String),
    /// SIGKILL a process by (host) pid.
    Signal(i32),
    /// Look for a process in /proc.
    SeeProcess(i32),
    /// TCP connect to an address.
    Connect(String),
    /// Mount a tmpfs on /tmp.
    Mount,
    /// Unmount a path.
    Unmount(String),
    /// Run a program; allowed if it exits 0.
    Exec(Vec<String>),
    /// PTRACE_ATTACH to a child process of its own, and to PID 1.
    Ptrace,
    /// finit_module and delete_module.
    LoadModule,
    /// unshare(CLONE_NEWUSER).
    UserNamespace,
    /// Write its own pid into a cgroup.procs file.
    JoinCgroup(String),
    /// sethostname.
    SetHostname(String),
    /// Write to /tmp until it refuses; allowed if more than the bytes given fit.
    FillTmp(u64),
}

/// What came of one attack.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attempt {
    pub attack: Attack,
    pub allowed: bool,
    pub detail: String,
}

/// Tries each attack in turn and reports.
#[derive(Job, Serialize, Deserialize)]
pub struct Attacks(pub Vec<Attack>);

fn outcome<T: std::fmt::Debug, E: std::fmt::Debug>(result: Result<T, E>) -> (bool, String) {
    match result {
        Ok(value) => (true, format!("{value:?}")),
        Err(error) => (false, format!("{error:?}")),
    }
}

impl Attack {
    fn attempt(&self, ctx: &JobContext) -> (bool, String) {
        use nix::unistd::Pid;
        match self {
            Attack::ReadFile(path) => outcome(std::fs::read(path).map(|b| b.len())),
            Attack::WriteFile(path) => outcome(std::fs::write(path, b"pwned")),
            Attack::ListDir(path) => outcome(std::fs::read_dir(path).map(|d| {
                d.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
                    .collect::<Vec<_>>()
            })),
            Attack::ReadOwnSpec(state_dir) => outcome(std::fs::read_to_string(format!(
                "{state_dir}/jobs/{}/spec.json",
                ctx.id()
            ))),
            Attack::Signal(pid) => outcome(nix::sys::signal::kill(
                Pid::from_raw(*pid),
                nix::sys::signal::Signal::SIGKILL,
            )),
            Attack::SeeProcess(pid) => {
                let exists = std::path::Path::new(&format!("/proc/{pid}")).exists();
                (exists, format!("/proc/{pid} exists: {exists}"))
            }
            Attack::Connect(address) => outcome(std::net::TcpStream::connect(address)),
            Attack::Mount => outcome(nix::mount::mount(
                Some("tmpfs"),
                "/tmp",
                Some("tmpfs"),
                nix::mount::MsFlags::empty(),
                None::<&str>,
            )),
            Attack::Unmount(path) => outcome(nix::mount::umount2(
                path.as_str(),
                nix::mount::MntFlags::MNT_DETACH,
            )),
            Attack::Exec(argv) => match std::process::Command::new(&argv[0])
                .args(&argv[1..])
                .output()
            {
                Ok(output) => (
                    output.status.success(),
                    format!(
                        "{:?} stdout {:?} stderr {:?}",
                        output.status,
                        String::from_utf8_lossy(&output.stdout),
                        String::from_utf8_lossy(&output.stderr)
                    ),
                ),
                Err(error) => (false, format!("{error:?}")),
            },
            Attack::Ptrace => {
                let mut child = match std::process::Command::new("/bin/sleep").arg("100").spawn() {
                    Ok(child) => child,
                    Err(error) => return (false, format!("spawn: {error:?}")),
                };
                let pid = Pid::from_raw(child.id() as i32);
                let on_child = nix::sys::ptrace::attach(pid);
                let on_init = nix::sys::ptrace::attach(Pid::from_raw(1));
                let _ = child.kill();
                let _ = child.wait();
                (
                    on_child.is_ok() || on_init.is_ok(),
                    format!("child: {on_child:?}, init: {on_init:?}"),
                )
            }
            Attack::LoadModule => {
                let load = std::fs::File::open("/dev/null").map(|file| {
                    nix::kmod::finit_module(&file, c"", nix::kmod::ModuleInitFlags::empty())
                });
                let unload =
                    nix::kmod::delete_module(c"loop", nix::kmod::DeleteModuleFlags::O_NONBLOCK);
                (
                    matches!(load, Ok(Ok(()))) || unload.is_ok(),
                    format!("finit_module: {load:?}, delete_module: {unload:?}"),
                )
            }
            Attack::UserNamespace => {
                let direct = nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWUSER);
                (
                    direct.is_ok(),
                    format!("unshare(CLONE_NEWUSER): {direct:?}"),
                )
            }
            Attack::JoinCgroup(procs) => {
                outcome(std::fs::write(procs, std::process::id().to_string()))
            }
            Attack::SetHostname(name) => outcome(nix::unistd::sethostname(name)),
            Attack::FillTmp(cap) => {
                use std::io::Write;
                let chunk = vec![0u8; 1 << 20];
                let mut written = 0u64;
                let result = std::fs::File::create("/tmp/fill").and_then(|mut file| {
                    loop {
                        file.write_all(&chunk)?;
                        written += chunk.len() as u64;
                        if written > cap.saturating_mul(4) {
                            return Ok(());
                        }
                    }
                });
                (
                    written > *cap,
                    format!(
                        "wrote {written} bytes, then {:?}",
                        result.map_err(|e| e.raw_os_error())
                    ),
                )
            }
        }
    }
}

impl Run for Attacks {
    type Output = Vec<Attempt>;
    fn run(self, ctx: &JobContext) -> Result<Vec<Attempt>, JobError> {
        Ok(self
            .0
            .into_iter()
            .map(|attack| {
                let (allowed, detail) = attack.attempt(ctx);
                Attempt {
                    attack,
                    allowed,
                    detail,
                }
            })
            .collect())
    }
}

/// What the job's process is: uid, gid, groups and capability sets, from
/// /proc/self/status.
#[derive(Job, Serialize, Deserialize)]
pub struct WhoAmI;

impl Run for WhoAmI {
    type Output = Vec<String>;
    fn run(self, _ctx: &JobContext) -> Result<Vec<String>, JobError> {
        let status = std::fs::read_to_string("/proc/self/status")?;
        Ok(status
            .lines()
            .filter(|line| {
                ["Uid:", "Gid:", "Groups:", "Cap", "NoNewPrivs:", "Seccomp:"]
                    .iter()
                    .any(|key| line.starts_with(key))
            })
            .map(str::to_owned)
            .collect())
    }
}
