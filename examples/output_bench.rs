//! Benchmark of job output (a measurement, not a test).
//!
//! 1. Throughput: a job writes 1 GiB to stdout as fast as it can, through the
//!    supervisor into the log; timed from `start` to the end of `wait`. The
//!    ceiling is `head -c 1G /dev/zero | cat > file` on the same file system;
//!    since `head` writes in small pieces, `dd bs=1M` in its place is shown too,
//!    as a stronger reference (1 MiB writes, like the job's).
//! 2. Latency: a job writes a timestamped line every 10 ms; a follower
//!    (`JobHandle::logs`) notes when each arrives. Reports p50 and p99.
//!
//! ```text
//! sudo cargo run --release --example output_bench
//! ```
//! Set `WORKERNATOR_BENCH_DIR` to benchmark another file system (default: the
//! system's temporary directory).

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use workernator::{Config, Job, JobContext, JobError, Run, Runner, logs::OutputStream};

const GIB: u64 = 1 << 30;
const RUNS: usize = 3;
const LATENCY_LINES: u32 = 500;
const CGROUP_PARENT: &str = "workernator-bench";

/// Writes `bytes` zero bytes to stdout, 1 MiB a write.
#[derive(Job, Serialize, Deserialize)]
struct Flood {
    bytes: u64,
}

impl Run for Flood {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        let chunk = vec![0u8; 1 << 20];
        let stdout = std::io::stdout();
        let mut left = self.bytes;
        while left > 0 {
            let take = left.min(chunk.len() as u64) as usize;
            let mut rest = &chunk[..take];
            while !rest.is_empty() {
                let written = nix::unistd::write(&stdout, rest).map_err(std::io::Error::from)?;
                rest = &rest[written..];
            }
            left -= take as u64;
        }
        Ok(())
    }
}

/// Writes `count` lines, each holding the time it was written, `interval_ms` apart.
#[derive(Job, Serialize, Deserialize)]
struct Ping {
    count: u32,
    interval_ms: u64,
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

impl Run for Ping {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        let mut out = std::io::stdout();
        for _ in 0..self.count {
            writeln!(out, "{}", now_ns())?;
            out.flush()?;
            std::thread::sleep(Duration::from_millis(self.interval_ms));
        }
        Ok(())
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ceiling(dir: &Path, source: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let file = dir.join("ceiling");
    let script = format!("{source} | cat > '{}'", file.display());
    let started = Instant::now();
    let status = std::process::Command::new("/bin/sh")
        .args(["-c", &script])
        .status()?;
    let seconds = started.elapsed().as_secs_f64();
    std::fs::remove_file(&file)?;
    if !status.success() {
        return Err(format!("the ceiling pipeline failed: {status}").into());
    }
    Ok(GIB as f64 / seconds)
}

async fn through_workernator(
    runner: &Runner,
    state: &Path,
) -> Result<f64, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let job = runner.start(Flood { bytes: GIB })?;
    job.wait().await?;
    let seconds = started.elapsed().as_secs_f64();
    let dir = state.join("jobs").join(job.id().as_str());
    let logged = std::fs::metadata(dir.join("output.log"))?.len();
    if logged < GIB {
        return Err(format!("only {logged} bytes were logged").into());
    }
    std::fs::remove_dir_all(dir)?;
    Ok(GIB as f64 / seconds)
}

async fn latency(runner: &Runner) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let job = runner.start(Ping {
        count: LATENCY_LINES,
        interval_ms: 10,
    })?;
    let mut logs = job.logs();
    let mut delays = Vec::new();
    while let Some(record) = logs.next().await {
        let received = now_ns();
        let record = record?;
        if record.stream != OutputStream::Stdout {
            continue;
        }
        for line in String::from_utf8_lossy(&record.bytes).lines() {
            let sent: u128 = line.trim().parse()?;
            delays.push(received.saturating_sub(sent) as f64 / 1e6);
        }
    }
    job.wait().await?;
    delays.sort_by(f64::total_cmp);
    Ok(delays)
}

fn remove_cgroup_parent() {
    if let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") {
        for entry in entries.flatten() {
            let _ = std::fs::remove_dir(entry.path().join(CGROUP_PARENT));
        }
    }
    let _ = std::fs::remove_dir(Path::new("/sys/fs/cgroup").join(CGROUP_PARENT));
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    workernator::init();
    let base =
        std::env::var_os("WORKERNATOR_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = base.join(format!("workernator-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let state = dir.join("state");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let runner = Runner::open(
            Config::default()
                .state_dir(&state)
                .cgroup_parent(CGROUP_PARENT)
                .output_cap(2 * GIB),
        )?;
        let mib = |rate: f64| rate / (1 << 20) as f64;
        let mut ceilings = Vec::new();
        let mut dds = Vec::new();
        let mut ours = Vec::new();
        for run in 1..=RUNS {
            let c = ceiling(&dir, "head -c 1G /dev/zero")?;
            let d = ceiling(&dir, "dd if=/dev/zero bs=1M count=1024 status=none")?;
            let w = through_workernator(&runner, &state).await?;
            println!(
                "run {run}: head|cat {:.0} MiB/s, dd bs=1M|cat {:.0} MiB/s, workernator {:.0} MiB/s",
                mib(c),
                mib(d),
                mib(w)
            );
            ceilings.push(c);
            dds.push(d);
            ours.push(w);
        }
        let (c, d, w) = (median(ceilings), median(dds), median(ours));
        println!(
            "throughput (median of {RUNS}, 1 GiB): workernator {:.0} MiB/s = {:.2} x the ceiling \
             (head -c 1G /dev/zero | cat > file: {:.0} MiB/s; target >= 0.70), \
             {:.2} x dd bs=1M | cat ({:.0} MiB/s)",
            mib(w),
            w / c,
            mib(c),
            w / d,
            mib(d)
        );
        let delays = latency(&runner).await?;
        println!(
            "follower latency ({} lines at 100/s): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (target p99 < 5 ms)",
            delays.len(),
            percentile(&delays, 0.50),
            percentile(&delays, 0.99),
            delays.last().copied().unwrap_or(0.0)
        );
        Ok::<_, Box<dyn std::error::Error>>(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    remove_cgroup_parent();
    result
}
