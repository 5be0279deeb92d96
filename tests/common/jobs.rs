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
}

/// Looks around the sandbox and reports what it sees.
#[derive(Job, Serialize, Deserialize)]
pub struct Probe {
    pub host_pid: i32,
    pub state_dir: String,
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
        Ok(SandboxView {
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
        })
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
