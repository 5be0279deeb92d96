//! Job types and helpers for the output tests.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use std::io::Write;
use workernator::{
    Job, JobContext, JobError, Run,
    logs::{Logs, OutputRecord, OutputStream},
};

/// Size of each write of [`Spew`].
pub const CHUNK: usize = 1 << 20;

/// The `index`-th chunk of `Spew { seed, .. }`: pseudo-random bytes (xorshift),
/// with the index stamped at the front so that a lost, repeated or reordered
/// chunk changes the digest.
pub fn spew_chunk(seed: u64, index: u64, chunk: &mut [u8]) {
    let mut state = seed | 1;
    for word in chunk.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        word.copy_from_slice(&state.to_le_bytes()[..word.len()]);
    }
    chunk[..8].copy_from_slice(&index.to_le_bytes());
}

/// The digest of everything `Spew { bytes, seed }` writes.
pub fn spew_digest(bytes: u64, seed: u64) -> (u128, u64) {
    let mut digest = Digest::default();
    let mut chunk = vec![0u8; CHUNK];
    spew_chunk(seed, 0, &mut chunk);
    let mut index = 0u64;
    let mut left = bytes;
    while left > 0 {
        chunk[..8].copy_from_slice(&index.to_le_bytes());
        let take = left.min(CHUNK as u64) as usize;
        digest.update(&chunk[..take]);
        left -= take as u64;
        index += 1;
    }
    digest.finish()
}

/// Writes `bytes` pseudo-random bytes to stdout as fast as it can, 1 MiB a write.
#[derive(Job, Serialize, Deserialize)]
pub struct Spew {
    pub bytes: u64,
    pub seed: u64,
}

impl Run for Spew {
    type Output = u64;
    fn run(self, _ctx: &JobContext) -> Result<u64, JobError> {
        let mut chunk = vec![0u8; CHUNK];
        spew_chunk(self.seed, 0, &mut chunk);
        let stdout = std::io::stdout();
        let mut index = 0u64;
        let mut left = self.bytes;
        while left > 0 {
            chunk[..8].copy_from_slice(&index.to_le_bytes());
            let take = left.min(CHUNK as u64) as usize;
            let mut rest = &chunk[..take];
            while !rest.is_empty() {
                // Straight to the pipe: no line buffering in the way.
                let written = nix::unistd::write(&stdout, rest).map_err(std::io::Error::from)?;
                rest = &rest[written..];
            }
            left -= take as u64;
            index += 1;
        }
        Ok(self.bytes)
    }
}

/// Prints `count` numbered lines, `interval_ms` apart, then waits until /work/go
/// exists if `wait_for_go`.
#[derive(Job, Serialize, Deserialize)]
pub struct Talk {
    pub count: u32,
    pub interval_ms: u64,
    pub wait_for_go: bool,
}

impl Run for Talk {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        let mut out = std::io::stdout();
        for n in 0..self.count {
            writeln!(out, "line {n}")?;
            out.flush()?;
            std::thread::sleep(std::time::Duration::from_millis(self.interval_ms));
        }
        if self.wait_for_go {
            writeln!(out, "waiting")?;
            out.flush()?;
            while !std::path::Path::new("/work/go").exists() {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            writeln!(out, "done")?;
        }
        Ok(())
    }
}

/// A streaming digest: xxh3-128 of the bytes and their count.
#[derive(Default)]
pub struct Digest {
    hasher: xxhash_rust::xxh3::Xxh3,
    len: u64,
}

impl Digest {
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.len += bytes.len() as u64;
    }

    pub fn finish(&self) -> (u128, u64) {
        (self.hasher.digest128(), self.len)
    }
}

/// Reads `logs` to its end; the digest of its stdout bytes, and its system texts.
pub async fn digest_stdout(logs: &mut Logs) -> ((u128, u64), Vec<String>) {
    let mut digest = Digest::default();
    let mut system = Vec::new();
    while let Some(record) = logs.next().await {
        let record = record.expect("every record reads");
        match record.stream {
            OutputStream::Stdout => digest.update(&record.bytes),
            OutputStream::System => system.push(String::from_utf8_lossy(&record.bytes).into()),
            OutputStream::Stderr => {}
        }
    }
    (digest.finish(), system)
}

/// Every record of `logs`, to its end (panics on an error).
pub async fn all_records(logs: &mut Logs) -> Vec<OutputRecord> {
    let mut records = Vec::new();
    while let Some(record) = logs.next().await {
        records.push(record.expect("every record reads"));
    }
    records
}

/// The bytes of one stream, in order.
pub fn stream_bytes(records: &[OutputRecord], stream: OutputStream) -> Vec<u8> {
    records
        .iter()
        .filter(|r| r.stream == stream)
        .flat_map(|r| r.bytes.iter().copied())
        .collect()
}

/// A field of /proc/self/status in KiB (VmRSS, VmHWM).
pub fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} not in /proc/self/status"))
}

/// Descriptors of this process: (all, inotify).
/// This process's open descriptors other than inotify instances, and the
/// inotify watches they hold (from /proc/self/fdinfo). The library keeps one
/// inotify instance per process once something followed a log.
pub fn open_fds() -> (usize, usize) {
    let mut others = 0;
    let mut watches = 0;
    for entry in std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .flatten()
    {
        let is_inotify = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().contains("inotify"));
        if !is_inotify {
            others += 1;
            continue;
        }
        let info = std::path::Path::new("/proc/self/fdinfo").join(entry.file_name());
        watches += std::fs::read_to_string(info)
            .unwrap_or_default()
            .lines()
            .filter(|line| line.starts_with("inotify wd:"))
            .count();
    }
    (others, watches)
}

/// What one reader of a job's stdout got: its digest and the system records.
pub type ReaderResult = ((u128, u64), Vec<String>);

/// `count` followers of `job`'s output from its first byte, each digesting
/// its stdout on `rt`.
pub fn spawn_readers<J: workernator::Job>(
    rt: &tokio::runtime::Runtime,
    job: &workernator::JobHandle<J>,
    count: usize,
) -> Vec<tokio::task::JoinHandle<ReaderResult>> {
    (0..count)
        .map(|_| {
            let mut logs = job.logs();
            rt.spawn(async move { digest_stdout(&mut logs).await })
        })
        .collect()
}

/// What each reader got, once all have ended; a reader that does not end
/// within `limit` fails the test instead of holding CI until its time runs out.
pub fn join_readers(
    rt: &tokio::runtime::Runtime,
    readers: Vec<tokio::task::JoinHandle<ReaderResult>>,
    limit: std::time::Duration,
) -> Vec<ReaderResult> {
    readers
        .into_iter()
        .map(|reader| {
            rt.block_on(async { tokio::time::timeout(limit, reader).await })
                .expect("every reader ends once the job has")
                .expect("the reader does not panic")
        })
        .collect()
}

pub fn multi_thread_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}
