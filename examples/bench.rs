//! The benchmark of issue 7: workernator beside the tools a user would pick
//! instead (bubblewrap, unshare(1), a plain spawn), in one run on one machine.
//!
//! ```text
//! sudo cargo run --release --example bench -- [--quick] [--json] [--only GROUP,...]
//!                                             [--no-peers] [--svg PATH]
//! ```
//!
//! Every figure is a median and a p99 over repeated measurements (the counts are
//! printed beside them). `--quick` is the short version CI runs so the benchmark
//! never rots; `--json` prints `{"figures": [...]}` on stdout instead of the
//! table. The start→exit distributions are drawn to `target/bench/start_exit.svg`.
//! Groups for `--only`: start_exit, big_app, throughput, output, follow, stop,
//! footprint, open_list. `--no-peers` skips the peers (for profiling our side).
//! `--pause-ms N` pauses N ms before every start→exit run (ours and the peers'),
//! so that each starts on an idle machine, as an application starting a job now
//! and then does, instead of back to back.
//!
//! Needs root (namespaces and cgroups). bubblewrap comes from
//! `apt-get install -y bubblewrap`; without it its columns say "skipped".

#[path = "bench/blockgroup.rs"]
mod blockgroup;
#[path = "bench/cleanup.rs"]
mod cleanup;
#[path = "bench/corpus.rs"]
mod corpus;
#[path = "bench/follow.rs"]
mod follow;
#[path = "bench/jobs.rs"]
mod jobs;
#[path = "bench/peers.rs"]
mod peers;
#[path = "bench/procfs.rs"]
mod procfs;
#[path = "bench/stats.rs"]
mod stats;
#[path = "bench/svg.rs"]
mod svg;

use follow::{FileFollower, RecordSource};
use jobs::{Noop, Sleeper, Ticker, Writer};
use peers::Peer;
use procfs::ProcessRef;
use stats::{Better, Figure, median, ms};
use std::error::Error;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use workernator::{
    Config, Job, JobHandle, JobId, Limits, Runner, logs::OutputStream, status::JobState,
};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// How many times each figure is measured.
struct Counts {
    /// start→exit runs in blocks of `block` runs of one tool, tools taking turns;
    /// the first `warmup` runs of each block are dropped.
    warmup: usize,
    block: usize,
    start_exit: usize,
    /// The big-application figure alternates blocks: small app, then 1 GiB app.
    big_app_blocks: usize,
    big_app_per_block: usize,
    throughput_rounds: usize,
    throughput_jobs: usize,
    output_bytes: u64,
    output_runs: usize,
    follow_ticks: u32,
    stop_runs: usize,
    footprint_jobs: usize,
    finished_jobs: usize,
    running_jobs: usize,
    /// Finished jobs actually run for the open/list state directory; the rest
    /// are copies of them.
    real_finished: usize,
    open_runs: usize,
    list_runs: usize,
}

const FULL: Counts = Counts {
    warmup: 3,
    block: 50,
    start_exit: 500,
    big_app_blocks: 5,
    big_app_per_block: 60,
    throughput_rounds: 5,
    throughput_jobs: 200,
    output_bytes: 1 << 30,
    output_runs: 5,
    follow_ticks: 400,
    stop_runs: 30,
    footprint_jobs: 1000,
    finished_jobs: 10_000,
    running_jobs: 100,
    real_finished: 100,
    open_runs: 50,
    list_runs: 20,
};

const QUICK: Counts = Counts {
    warmup: 2,
    block: 10,
    start_exit: 40,
    big_app_blocks: 2,
    big_app_per_block: 10,
    throughput_rounds: 2,
    throughput_jobs: 40,
    output_bytes: 256 << 20,
    output_runs: 2,
    follow_ticks: 100,
    stop_runs: 5,
    footprint_jobs: 100,
    finished_jobs: 10_000,
    running_jobs: 100,
    real_finished: 20,
    open_runs: 10,
    list_runs: 5,
};

/// The grace period between SIGTERM and SIGKILL; subtracted from `stop_kill`.
const GRACE: Duration = Duration::from_millis(50);
/// The heap of the "big application".
const BIG_APP_BYTES: usize = 1 << 30;
/// Figure groups, for `--only`.
const GROUPS: [&str; 8] = [
    "start_exit",
    "big_app",
    "throughput",
    "output",
    "follow",
    "stop",
    "footprint",
    "open_list",
];
/// Bound on every wait for a job, so a broken run fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(120);

struct Options {
    quick: bool,
    json: bool,
    only: Option<Vec<String>>,
    peers: bool,
    svg: Option<PathBuf>,
    state_parent: PathBuf,
    /// Idle time before every start→exit run.
    pause: std::time::Duration,
}

const USAGE: &str = "usage: bench [--quick] [--json] [--only GROUP,...] [--no-peers] [--svg PATH]\n\
             [--state-parent DIR] [--pause-ms N]\n\
groups: start_exit, big_app, throughput, output, follow, stop, footprint, open_list\n\
--pause-ms N: N ms of idle before every start_exit run (default 0: back to back)\n\
state directories go in a temporary directory under DIR (default /var/tmp, beside the\n\
library's default /var/lib/workernator, else $TMPDIR)";

impl Options {
    fn parse() -> Result<Options> {
        let mut options = Options {
            quick: false,
            json: false,
            only: None,
            peers: true,
            svg: None,
            state_parent: default_state_parent(),
            pause: std::time::Duration::ZERO,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--json" => options.json = true,
                "--no-peers" => options.peers = false,
                "--only" => {
                    let groups: Vec<String> = args
                        .next()
                        .ok_or(USAGE)?
                        .split(',')
                        .map(str::to_owned)
                        .collect();
                    if let Some(bad) = groups.iter().find(|g| !GROUPS.contains(&g.as_str())) {
                        return Err(format!("unknown group '{bad}'\n{USAGE}").into());
                    }
                    options.only = Some(groups);
                }
                "--svg" => options.svg = Some(args.next().ok_or(USAGE)?.into()),
                "--state-parent" => options.state_parent = args.next().ok_or(USAGE)?.into(),
                "--pause-ms" => {
                    let value = args.next().ok_or(USAGE)?;
                    let ms: u64 = value.parse().map_err(|_| {
                        format!("--pause-ms takes milliseconds, not '{value}'\n{USAGE}")
                    })?;
                    options.pause = std::time::Duration::from_millis(ms);
                }
                "--help" | "-h" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument '{other}'\n{USAGE}").into()),
            }
        }
        Ok(options)
    }

    fn wants(&self, group: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|g| g == group))
    }
}

fn main() -> Result<()> {
    workernator::init();
    let options = Options::parse()?;
    if !nix::unistd::geteuid().is_root() {
        return Err("the benchmark needs root (namespaces and cgroups)".into());
    }
    raise_fd_limit();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut bench = Bench::new(options)?;
    let outcome = runtime.block_on(bench.run_all());
    drop(runtime);
    let cleaned = bench.clean_up();
    outcome?;
    cleaned?;
    bench.report()
}

/// A thousand running jobs hold a thousand pidfds: lift the soft limit to the hard one.
fn raise_fd_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}

/// The peers of start→exit, detected once (a missing one is skipped, visibly).
struct Peers {
    bwrap: Arc<Peer>,
    unshare: Peer,
    spawn: Peer,
}

struct Bench {
    options: Options,
    counts: &'static Counts,
    cgroup_parent: String,
    /// The state directory of the main runner, and the others made on the way;
    /// removed at the end, after every job in them is gone.
    state: tempfile::TempDir,
    other_states: Vec<tempfile::TempDir>,
    runner: Runner,
    peers: Option<Peers>,
    figures: Vec<Figure>,
    chart: Vec<svg::Series>,
    load_before: String,
    /// Where the state directories are and what creating a file there costs.
    context: String,
    /// The directory the state directories are made in (see `blockgroup`);
    /// last, so removed after them.
    parent: tempfile::TempDir,
    /// Whether each state directory has a block group of its own.
    spread: bool,
}

fn progress(message: impl AsRef<str>) {
    eprintln!("bench: {}", message.as_ref());
}

impl Bench {
    fn new(options: Options) -> Result<Bench> {
        let cgroup_parent = format!("workernator-bench-{}", std::process::id());
        let (parent, spread) = blockgroup::spreading_parent(&options.state_parent)?;
        let state = tempfile::Builder::new()
            .prefix("state-")
            .tempdir_in(parent.path())?;
        let counts = if options.quick { &QUICK } else { &FULL };
        let runner = Runner::open(config(state.path(), &cgroup_parent))?;
        Ok(Bench {
            options,
            counts,
            cgroup_parent,
            state,
            other_states: Vec::new(),
            runner,
            peers: None,
            figures: Vec::new(),
            chart: Vec::new(),
            load_before: procfs::load_average(),
            context: String::new(),
            parent,
            spread,
        })
    }

    fn job_dir(&self, id: &JobId) -> PathBuf {
        self.state.path().join("jobs").join(id.as_str())
    }

    async fn run_all(&mut self) -> Result<()> {
        progress(format!(
            "{} mode, load average {} (figures taken under load are noisy)",
            if self.options.quick { "quick" } else { "full" },
            self.load_before
        ));
        let (create_median, create_p99) = inode_creation_us(self.state.path())?;
        self.context = format!(
            "state directories under {} ({}, {}): creating a file there takes \
             {create_median:.0} µs (p99 {create_p99:.0} µs)",
            self.options.state_parent.display(),
            procfs::file_system(self.state.path()),
            if self.spread {
                "each in a block group of its own"
            } else {
                "in their parent's block group"
            },
        );
        progress(&self.context);
        if create_median > 100.0 {
            progress(
                "WARNING: creating a file in the state directory is slow. On ext4 without a \
                 journal this is the cost of skipping recently freed inodes in the same block \
                 group (another run's cleanup frees thousands): wait a minute, or use \
                 --state-parent elsewhere; figures that create files are inflated meanwhile",
            );
        }
        if self.options.peers {
            let peers = Peers {
                bwrap: Arc::new(peers::bwrap()),
                unshare: peers::unshare(),
                spawn: peers::spawn(),
            };
            for peer in [&*peers.bwrap, &peers.unshare, &peers.spawn] {
                progress(format!("peer {}", peer.describe()));
            }
            self.peers = Some(peers);
        } else {
            progress("peers: not measured (--no-peers)");
        }
        if self.options.wants("start_exit") {
            self.start_exit().await?;
        }
        if self.options.wants("big_app") {
            self.big_app().await?;
        }
        if self.options.wants("throughput") {
            self.throughput().await?;
        }
        if self.options.wants("output") {
            self.output().await?;
        }
        if self.options.wants("follow") {
            self.follow().await?;
        }
        if self.options.wants("stop") {
            self.stop().await?;
        }
        if self.options.wants("footprint") {
            self.footprint().await?;
        }
        if self.options.wants("open_list") {
            self.open_list().await?;
        }
        Ok(())
    }

    // ---- 1. start→exit, beside bwrap, unshare and a plain spawn ----

    async fn start_exit(&mut self) -> Result<()> {
        let counts = self.counts;
        let blocks = counts.start_exit.div_ceil(counts.block);
        progress(format!(
            "start_exit: {} runs of ours and of each peer, in {blocks} blocks of {} per tool \
             (tools taking turns), the first {} of each block dropped{}",
            counts.start_exit,
            counts.block,
            counts.warmup,
            match self.options.pause.as_millis() {
                0 => String::new(),
                ms => format!(", {ms} ms of idle before each run"),
            }
        ));
        let peers: Vec<&Peer> = match &self.peers {
            Some(peers) => [&*peers.bwrap, &peers.unshare, &peers.spawn]
                .into_iter()
                .filter(|peer| peer.available())
                .collect(),
            None => Vec::new(),
        };
        let mut ours = Vec::with_capacity(counts.start_exit);
        let mut theirs = vec![Vec::with_capacity(counts.start_exit); peers.len()];
        let tools = 1 + peers.len();
        // Blocks, not one run of each in turn: each tool then runs after itself, as
        // it would for a user, rather than after the others' network namespaces,
        // whose teardown in the kernel holds up the next one's creation. Taking
        // turns block by block spreads any drift of the machine over every tool.
        for block in 0..blocks {
            for turn in 0..tools {
                let tool = (block + turn) % tools;
                for run in 0..counts.warmup + counts.block {
                    if !self.options.pause.is_zero() {
                        tokio::time::sleep(self.options.pause).await;
                    }
                    let elapsed = if tool == 0 {
                        noop_once(&self.runner).await?
                    } else {
                        peers[tool - 1].run_once()?
                    };
                    if run >= counts.warmup {
                        match tool {
                            0 => ours.push(ms(elapsed)),
                            _ => theirs[tool - 1].push(ms(elapsed)),
                        }
                    }
                }
            }
        }
        let mut figure = Figure::new(
            "start_exit",
            "ms",
            Better::Lower,
            &ours,
            format!(
                "runner.start(Noop) until wait() returns: pid, mount, uts, ipc and net \
                 namespaces, pivoted read-only root, cgroup with memory, pids and cpu limits{}",
                match self.options.pause.as_millis() {
                    0 => String::new(),
                    ms => format!(" (each run after {ms} ms of idle)"),
                }
            ),
        );
        self.chart.push(svg::Series {
            name: "workernator".into(),
            values: ours,
        });
        for name in ["bwrap", "unshare", "spawn"] {
            let samples = peers
                .iter()
                .position(|peer| peer.name == name)
                .map(|index| theirs[index].clone());
            figure = figure.peer(name, samples.as_deref().map(median));
            if let Some(values) = samples {
                self.chart.push(svg::Series {
                    name: name.into(),
                    values,
                });
            }
        }
        self.figures.push(figure);
        Ok(())
    }

    // ---- 2. start→exit from an application holding 1 GiB ----

    async fn big_app(&mut self) -> Result<()> {
        let counts = self.counts;
        progress(format!(
            "start_exit_big_app: {} blocks of {} runs from the small app, then {} with 1 GiB of touched heap",
            counts.big_app_blocks, counts.big_app_per_block, counts.big_app_per_block
        ));
        let mut small = Vec::new();
        let mut big = Vec::new();
        for _ in 0..counts.big_app_blocks {
            for _ in 0..counts.big_app_per_block {
                small.push(ms(noop_once(&self.runner).await?));
            }
            // Every page written, so the kernel really maps 1 GiB (and fork would
            // have 262,144 page table entries to copy).
            let mut heap: Vec<u8> = Vec::new();
            heap.resize(BIG_APP_BYTES, 1);
            std::hint::black_box(&mut heap);
            let rss = procfs::own_rss_kib()?;
            if rss < (BIG_APP_BYTES / 1024) as u64 {
                return Err(format!("the big app's RSS is only {rss} KiB").into());
            }
            for _ in 0..counts.big_app_per_block {
                big.push(ms(noop_once(&self.runner).await?));
            }
            drop(heap);
        }
        self.figures.push(
            Figure::new(
                "start_exit_big_app",
                "ms",
                Better::Lower,
                &big,
                "start_exit from an application with 1 GiB of touched heap; peer: the same \
                 process without it, in alternating blocks",
            )
            .peer("small_app", Some(median(&small))),
        );
        self.chart.push(svg::Series {
            name: "workernator, 1 GiB app".into(),
            values: big,
        });
        Ok(())
    }

    // ---- 3. throughput with 2, 8, 32 in flight ----

    async fn throughput(&mut self) -> Result<()> {
        let counts = self.counts;
        let bwrap = self
            .peers
            .as_ref()
            .map(|peers| Arc::clone(&peers.bwrap))
            .filter(|peer| peer.available());
        for (name, in_flight) in [
            ("throughput_2", 2),
            ("throughput_8", 8),
            ("throughput_32", 32),
        ] {
            progress(format!(
                "{name}: {} rounds of {} jobs, {in_flight} in flight, {}",
                counts.throughput_rounds,
                counts.throughput_jobs,
                if bwrap.is_some() {
                    "ours then bwrap"
                } else {
                    "ours only (bwrap skipped)"
                }
            ));
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            for _ in 0..counts.throughput_rounds {
                ours.push(jobs_per_second(&self.runner, in_flight, counts.throughput_jobs).await?);
                if let Some(bwrap) = &bwrap {
                    theirs.push(peer_per_second(bwrap, in_flight, counts.throughput_jobs).await?);
                }
            }
            let peer = bwrap.as_ref().map(|_| median(&theirs));
            self.figures.push(
                Figure::new(
                    name,
                    "jobs/s",
                    Better::Higher,
                    &ours,
                    format!(
                        "noop jobs started and finished per second, {in_flight} in flight \
                         (one sample per round of {} jobs; p99 = slowest tail)",
                        counts.throughput_jobs
                    ),
                )
                .peer("bwrap", peer),
            );
        }
        Ok(())
    }

    // ---- 4. output: 1 GiB through to the log, and follower latency ----

    async fn output(&mut self) -> Result<()> {
        let counts = self.counts;
        let bytes = counts.output_bytes;
        let mib = bytes as f64 / f64::from(1 << 20);
        progress(format!(
            "output: {} runs of a job writing {mib} MiB to stdout, each beside head | cat",
            counts.output_runs
        ));
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..counts.output_runs {
            let start = Instant::now();
            let job = self.runner.start(Writer {
                bytes,
                chunk: 1 << 20,
            })?;
            job.wait().await?;
            let elapsed = start.elapsed();
            let dir = self.job_dir(job.id());
            let logged = stdout_bytes_in_log(&dir.join("output.log"))?;
            if logged != bytes {
                return Err(format!("the log holds {logged} bytes of stdout, not {bytes}").into());
            }
            std::fs::remove_dir_all(&dir)?;
            ours.push(mib / elapsed.as_secs_f64());
            let peer = peers::pipe_to_file(bytes, &self.state.path().join("pipe-to-file.out"))?;
            theirs.push(mib / peer.as_secs_f64());
        }
        self.figures.push(
            Figure::new(
                "output",
                "MiB/s",
                Better::Higher,
                &ours,
                format!(
                    "a job writing {mib} MiB to stdout in 1 MiB writes, start until wait() \
                     returns, every byte checked in the log; peer: head -c | cat > file"
                ),
            )
            .peer("pipe_to_file", Some(median(&theirs))),
        );
        Ok(())
    }

    async fn follow(&mut self) -> Result<()> {
        let ticks = self.counts.follow_ticks;
        progress(format!(
            "follow_latency: {ticks} lines written 5 ms apart, read back by a follower"
        ));
        let job = self.runner.start(Ticker {
            delay_ms: 100,
            count: ticks,
            interval_us: 5_000,
        })?;
        let log = self.job_dir(job.id()).join("output.log");
        let mut source = FileFollower::new(&job, &log).await?;
        let samples = follow_latency(&mut source, ticks, jobs::now_ns()).await?;
        job.wait().await?;
        self.figures.push(
            Figure::new(
                "follow_latency",
                "ms",
                Better::Lower,
                &samples.total,
                "a job's write() until a follower of its log has the bytes (follower: inotify \
                 on output.log); detail: write → record stamped by the supervisor → reader",
            )
            .detail("write_to_record", median(&samples.to_record))
            .detail("record_to_reader", median(&samples.to_reader)),
        );
        Ok(())
    }

    // ---- 5. stop ----

    async fn stop(&mut self) -> Result<()> {
        let runs = self.counts.stop_runs;
        for (name, ignore_term) in [("stop_term", false), ("stop_kill", true)] {
            progress(format!("{name}: {runs} runs"));
            let mut samples = Vec::new();
            for _ in 0..runs {
                samples.push(ms(stop_once(&self.runner, ignore_term).await?));
            }
            let what = if ignore_term {
                format!(
                    "stop() until every process is gone, job ignoring SIGTERM; the {} ms grace \
                     period subtracted",
                    GRACE.as_millis()
                )
            } else {
                "stop() until every process (supervisor, init, job) is gone, job ending on SIGTERM"
                    .to_owned()
            };
            self.figures
                .push(Figure::new(name, "ms", Better::Lower, &samples, what));
        }
        Ok(())
    }

    // ---- 6. footprint ----

    async fn footprint(&mut self) -> Result<()> {
        let total = self.counts.footprint_jobs;
        let batches = 10;
        let per_batch = total / batches;
        progress(format!(
            "footprint: {total} sleeping jobs, started in {batches} batches"
        ));
        let mut jobs = Vec::new();
        // After each batch, the growth since the start divided by the jobs running:
        // the heap grows in steps (a vector doubling, a new malloc arena), so the
        // difference between two batches would be mostly zeros and one spike.
        let mut growth = Vec::new();
        // The start() call alone, with no job running and with all of them asleep:
        // it should not grow with the number of jobs the runner has running.
        let idle_calls = start_calls(&self.runner, 20).await?;
        let before = procfs::own_rss_kib()?;
        for _ in 0..batches {
            for _ in 0..per_batch {
                jobs.push(self.runner.start(Sleeper { ignore_term: false })?);
            }
            let after = procfs::own_rss_kib()?;
            growth.push((after as f64 - before as f64) / jobs.len() as f64);
        }
        let measured = measure_footprint(&jobs).await;
        let busy_calls = match &measured {
            Ok(_) => start_calls(&self.runner, 20).await,
            Err(_) => Ok(Vec::new()),
        };
        let stopped = stop_all(jobs).await;
        let (supervisor, init, job) = measured?;
        let busy_calls = busy_calls?;
        stopped?;
        let both: Vec<f64> = supervisor.iter().zip(&init).map(|(s, i)| s + i).collect();
        self.figures.push(
            Figure::new(
                "footprint_pss",
                "KiB",
                Better::Lower,
                &both,
                format!(
                    "PSS of supervisor + sandbox init per job, {total} sleeping jobs alive \
                     (smaps_rollup); detail: each part and the job's own process"
                ),
            )
            .detail("supervisor", median(&supervisor))
            .detail("init", median(&init))
            .detail("job", median(&job)),
        );
        self.figures.push(
            Figure::new(
                "app_growth",
                "KiB",
                Better::Lower,
                &growth,
                format!(
                    "the application's RSS growth per running job (samples: growth since \
                     the first start / jobs running, after each batch of {per_batch}); \
                     detail: the start() call alone in ms, idle and with {total} jobs asleep"
                ),
            )
            .detail("start_call_idle_ms", median(&idle_calls))
            .detail("start_call_busy_ms", median(&busy_calls)),
        );
        Ok(())
    }

    // ---- 7. open and list ----

    async fn open_list(&mut self) -> Result<()> {
        let counts = self.counts;
        progress(format!(
            "open_list: {} finished ({} run, the rest copies) and {} running jobs",
            counts.finished_jobs, counts.real_finished, counts.running_jobs
        ));
        let dir = tempfile::Builder::new()
            .prefix("list-")
            .tempdir_in(self.parent.path())?;
        let state = dir.path().to_owned();
        self.other_states.push(dir);
        let config = config(&state, &self.cgroup_parent);
        let runner = Runner::open(config.clone())?;
        jobs_per_second(&runner, 8, counts.real_finished).await?;
        let templates: Vec<PathBuf> = std::fs::read_dir(state.join("jobs"))?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<std::io::Result<_>>()?;
        let mut running = Vec::new();
        for _ in 0..counts.running_jobs {
            running.push(runner.start(Sleeper { ignore_term: false })?);
        }
        let measured = self.measure_open_list(&state, &config, &templates).await;
        let stopped = stop_all(running).await;
        let (open, list) = measured?;
        stopped?;
        self.figures.push(Figure::new(
            "open",
            "ms",
            Better::Lower,
            &open,
            format!(
                "Runner::open of a state directory with {} finished and {} running jobs",
                counts.finished_jobs, counts.running_jobs
            ),
        ));
        self.figures.push(Figure::new(
            "list",
            "ms",
            Better::Lower,
            &list,
            "Runner::list(None): every job's status, warm page cache",
        ));
        Ok(())
    }

    async fn measure_open_list(
        &self,
        state: &Path,
        config: &Config,
        templates: &[PathBuf],
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        let counts = self.counts;
        let added = corpus::fill(&state.join("jobs"), templates, counts.finished_jobs)?;
        progress(format!("open_list: {added} job directories copied"));
        wait_all_running(state, counts.running_jobs).await?;
        let mut open = Vec::new();
        for _ in 0..counts.open_runs {
            let start = Instant::now();
            let runner = Runner::open(config.clone())?;
            open.push(ms(start.elapsed()));
            drop(runner);
        }
        let mut list = Vec::new();
        let runner = Runner::open(config.clone())?;
        for _ in 0..counts.list_runs {
            let start = Instant::now();
            let listed = runner.list(None)?;
            list.push(ms(start.elapsed()));
            let expected = counts.finished_jobs + counts.running_jobs;
            if listed.len() != expected {
                return Err(format!("listed {} jobs, expected {expected}", listed.len()).into());
            }
        }
        Ok((open, list))
    }

    // ---- the end ----

    /// Stops whatever a failed figure left running, then removes the cgroup parent.
    fn clean_up(&mut self) -> Result<()> {
        let mut stopped = cleanup::sweep(self.state.path());
        for state in &self.other_states {
            stopped += cleanup::sweep(state.path());
        }
        if stopped > 0 {
            progress(format!("cleanup: stopped {stopped} jobs left running"));
        }
        let left = cleanup::remove_cgroup_parent(&self.cgroup_parent);
        if !left.is_empty() {
            return Err(format!("cgroups left behind: {}", left.join("; ")).into());
        }
        Ok(())
    }

    fn report(&self) -> Result<()> {
        if !self.chart.is_empty() {
            let path = match &self.options.svg {
                Some(path) => path.clone(),
                None => target_dir().join("bench").join("start_exit.svg"),
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let chart = svg::cdf_chart(
                "start → exit of a no-op (lower is better)",
                "milliseconds",
                &self.chart,
            );
            std::fs::write(&path, chart)?;
            progress(format!("chart: {}", path.display()));
        }
        let load_after = procfs::load_average();
        if self.options.json {
            println!("{}", stats::report_json(&self.figures));
        } else {
            println!(
                "workernator benchmark, {} mode; load average {} before, {load_after} after\n{}\n",
                if self.options.quick { "quick" } else { "full" },
                self.load_before,
                self.context,
            );
            println!("{}", stats::report_table(&self.figures));
            println!("{}", stats::report_targets(&self.figures));
        }
        Ok(())
    }
}

/// The runner's configuration: default isolation, default limits plus a CPU
/// quota (so the cgroup carries memory, pids and cpu limits), a short grace.
fn config(state: &Path, cgroup_parent: &str) -> Config {
    Config::default()
        .state_dir(state)
        .cgroup_parent(cgroup_parent)
        .stop_grace(GRACE)
        .limits(Limits::default().cpu_max_cores(1.0))
}

/// `/var/tmp` if it exists: the same file system as the library's default state
/// directory `/var/lib/workernator`. Each state directory then gets a block
/// group of its own where the file system can (see `blockgroup`): `/tmp` and
/// `/var/tmp` are where test suites and other runs churn through thousands of
/// files, and on ext4 without a journal every file created in a block group
/// with many recently freed inodes pays for skipping them, which would measure
/// the neighbours, not us.
fn default_state_parent() -> PathBuf {
    let var_tmp = PathBuf::from("/var/tmp");
    if var_tmp.is_dir() {
        var_tmp
    } else {
        std::env::temp_dir()
    }
}

/// How long creating (and opening) a new empty file in `dir` takes, in µs: the
/// file system cost the start path pays about a dozen times per job. The files
/// stay until the directory is removed (deleting them here would make later
/// creations in the same place slower on ext4 without a journal).
fn inode_creation_us(dir: &Path) -> Result<(f64, f64)> {
    let probe = dir.join("inode-probe");
    std::fs::create_dir(&probe)?;
    let mut times = Vec::new();
    for index in 0..50 {
        let start = Instant::now();
        std::fs::File::create(probe.join(index.to_string()))?;
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    Ok((median(&times), stats::percentile(&times, 0.99)))
}

/// `target/` of this build: the benchmark runs as `target/<profile>/examples/bench`.
fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.ancestors().nth(3)?.to_owned()))
        .filter(|dir| dir.file_name().is_some_and(|name| name == "target"))
        .unwrap_or_else(|| PathBuf::from("target"))
}

async fn noop_once(runner: &Runner) -> Result<Duration> {
    let start = Instant::now();
    let job = runner.start(Noop)?;
    job.wait().await?;
    Ok(start.elapsed())
}

/// Times `count` start() calls (of noop jobs, each waited for afterwards), in ms.
async fn start_calls(runner: &Runner, count: usize) -> Result<Vec<f64>> {
    let mut calls = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        let job = runner.start(Noop)?;
        calls.push(ms(start.elapsed()));
        job.wait().await?;
    }
    Ok(calls)
}

/// Runs `total` noop jobs, keeping `in_flight` of them going; jobs per second.
async fn jobs_per_second(runner: &Runner, in_flight: usize, total: usize) -> Result<f64> {
    let mut running = JoinSet::new();
    let start = Instant::now();
    let mut started = 0;
    let start_one = |running: &mut JoinSet<_>| -> Result<()> {
        let job = runner.start(Noop)?;
        running.spawn(async move { job.wait().await });
        Ok(())
    };
    while started < in_flight.min(total) {
        start_one(&mut running)?;
        started += 1;
    }
    while let Some(joined) = running.join_next().await {
        joined??;
        if started < total {
            start_one(&mut running)?;
            started += 1;
        }
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// The same for a peer command.
async fn peer_per_second(peer: &Arc<Peer>, in_flight: usize, total: usize) -> Result<f64> {
    let mut running = JoinSet::new();
    let start = Instant::now();
    let mut started = 0;
    while started < in_flight.min(total) {
        let peer = Arc::clone(peer);
        running.spawn(async move { peer.run_async().await });
        started += 1;
    }
    while let Some(joined) = running.join_next().await {
        joined??;
        if started < total {
            let peer = Arc::clone(peer);
            running.spawn(async move { peer.run_async().await });
            started += 1;
        }
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// Counts the stdout bytes in an output log, walking the record headers
/// (format: worker-core/src/output_log.rs) without reading the bodies.
fn stdout_bytes_in_log(path: &Path) -> Result<u64> {
    let mut log = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut total = 0;
    let mut header = [0u8; 16];
    loop {
        match log.read_exact(&mut header) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(total),
            Err(error) => return Err(error.into()),
        }
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        if header[4] == 1 {
            total += u64::from(len);
        }
        log.seek_relative(i64::from(len))?;
    }
}

/// Follower latency, split at the supervisor's timestamp on the record.
struct FollowSamples {
    total: Vec<f64>,
    to_record: Vec<f64>,
    to_reader: Vec<f64>,
}

/// Reads `ticks` tick lines from `source`; for those written after `since_ns` (when
/// the follower was in place), the time from the job's write to the reader having it.
async fn follow_latency(
    source: &mut impl RecordSource,
    ticks: u32,
    since_ns: u64,
) -> Result<FollowSamples> {
    let mut samples = FollowSamples {
        total: Vec::new(),
        to_record: Vec::new(),
        to_reader: Vec::new(),
    };
    let millis = |from: u64, to: u64| to.saturating_sub(from) as f64 / 1e6;
    let mut seen = 0;
    while seen < ticks {
        let records = tokio::time::timeout(PATIENCE, source.next_records()).await??;
        let received = jobs::now_ns();
        for record in records {
            if record.stream != OutputStream::Stdout {
                continue;
            }
            // One record per read by the supervisor, which may hold several writes.
            for line in record
                .bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
            {
                let written = jobs::tick_time(line).ok_or("a tick line did not parse")?;
                seen += 1;
                if written < since_ns {
                    continue;
                }
                samples.total.push(millis(written, received));
                samples.to_record.push(millis(written, record.timestamp_ns));
                samples
                    .to_reader
                    .push(millis(record.timestamp_ns, received));
            }
        }
    }
    if samples.total.is_empty() {
        return Err("no tick was written after the follower started".into());
    }
    Ok(samples)
}

/// Waits until a job has written its first bytes (a [`Sleeper`]'s "ready") and its
/// status says it runs (the supervisor may log the bytes before it writes that).
async fn wait_ready<J: Job>(job: &JobHandle<J>) -> Result<()> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let ready = job
            .output()?
            .iter()
            .any(|record| record.stream == OutputStream::Stdout)
            && job.status()?.state == JobState::Running;
        if ready {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("job {} never got ready", job.id()).into());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The supervisor, sandbox init and job process of a running job.
fn job_processes<J: Job>(job: &JobHandle<J>) -> Result<[ProcessRef; 3]> {
    let status = job.status()?;
    let find = |pid: Option<i32>, what: &str| {
        pid.and_then(ProcessRef::of)
            .ok_or_else(|| format!("job {}: no {what} process", job.id()))
    };
    let supervisor = find(status.supervisor_pid, "supervisor")?;
    let init = find(status.sandbox_pid, "sandbox init")?;
    let child = procfs::children(init.pid).first().copied();
    let process = find(child, "job")?;
    Ok([supervisor, init, process])
}

/// Starts a sleeper, waits until it is ready, then times `stop()` until every
/// process of the job is gone (grace period subtracted when it ignores SIGTERM).
async fn stop_once(runner: &Runner, ignore_term: bool) -> Result<Duration> {
    let job = runner.start(Sleeper { ignore_term })?;
    wait_ready(&job).await?;
    let processes = job_processes(&job)?;
    let start = Instant::now();
    let status = job.stop().await?;
    if status.state != JobState::Stopped {
        return Err(format!("job {} ended {:?}, not stopped", job.id(), status.state).into());
    }
    while processes.iter().any(ProcessRef::alive) {
        if start.elapsed() > PATIENCE {
            return Err(format!("job {}: processes outlived stop()", job.id()).into());
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    let elapsed = start.elapsed();
    Ok(if ignore_term {
        elapsed.saturating_sub(GRACE)
    } else {
        elapsed
    })
}

/// Stops every job, a few dozen at a time.
async fn stop_all<J: Job>(jobs: Vec<JobHandle<J>>) -> Result<()> {
    let mut stopping = JoinSet::new();
    for job in jobs {
        if stopping.len() >= 64 {
            if let Some(joined) = stopping.join_next().await {
                joined??;
            }
        }
        stopping.spawn(async move { job.stop().await.map(drop) });
    }
    while let Some(joined) = stopping.join_next().await {
        joined??;
    }
    Ok(())
}

/// Waits until `expected` jobs under `state` run with their job process started.
async fn wait_all_running(state: &Path, expected: usize) -> Result<()> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let found = corpus::list_scan(state)?;
        if found.get("running").copied().unwrap_or(0) >= expected {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("only {found:?} after {PATIENCE:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Per job: PSS of supervisor, init and job process, in KiB, once all sleep.
async fn measure_footprint<J: Job>(
    jobs: &[JobHandle<J>],
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    for job in jobs {
        wait_ready(job).await?;
    }
    let (mut supervisor, mut init, mut process) = (Vec::new(), Vec::new(), Vec::new());
    for job in jobs {
        let [s, i, p] = job_processes(job)?;
        supervisor.push(procfs::pss_kib(s.pid)? as f64);
        init.push(procfs::pss_kib(i.pid)? as f64);
        process.push(procfs::pss_kib(p.pid)? as f64);
    }
    Ok((supervisor, init, process))
}
