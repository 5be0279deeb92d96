//! Issue 8's admission benchmark: the cost of one admission decision with
//! 100,000 queued jobs across 1,000 owners (target: under 50 µs), and the rate
//! of enqueueing 100,000 jobs.
//!
//! ```text
//! cargo run --release -p worker-core --example admission_bench
//! ```
//!
//! The scheduler is crate-internal, so this example compiles its source in
//! directly; it measures exactly the code the runner uses.

// The benchmark drives only part of the scheduler's interface.
#[allow(dead_code, unused_imports)]
#[path = "../src/admission/mod.rs"]
mod admission;

use admission::{Capacity, Demand, Request, Scheduler, SystemClock};
use std::time::{Duration, Instant};

const JOBS: u64 = 100_000;
const OWNERS: u64 = 1_000;
const DECISION_ROUNDS: usize = 10_000;
const GIB: u64 = 1 << 30;

fn main() {
    println!("admission benchmark: {JOBS} queued jobs across {OWNERS} owners\n");
    enqueue_rate();
    println!();
    decisions(
        "slots only (max 1,000 running, no cpu/memory budget)",
        Capacity::jobs(1_000),
    );
    println!();
    decisions(
        "slots + budgets (max 1,000 running, 256 cores, 512 GiB; budgets bind first)",
        Capacity::jobs(1_000)
            .cpu_millicores(256_000)
            .memory_bytes(512 * GIB),
    );
}

/// Enqueues 100,000 prepared jobs into an empty scheduler, three times.
fn enqueue_rate() {
    let mut rates = Vec::new();
    for round in 1..=3 {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ round);
        let jobs: Vec<(u64, Request)> = (0..JOBS).map(|id| (id, rng.request(id))).collect();
        let mut scheduler = Scheduler::new(Capacity::jobs(1_000), SystemClock);
        let start = Instant::now();
        for (id, request) in jobs {
            if let Err(error) = scheduler.enqueue(id, request) {
                panic!("{error}");
            }
        }
        let elapsed = start.elapsed();
        let rate = JOBS as f64 / elapsed.as_secs_f64();
        println!(
            "enqueue {JOBS} jobs, round {round}: {:>8.1} ms  = {:>10.0} jobs/s",
            elapsed.as_secs_f64() * 1e3,
            rate
        );
        rates.push(rate);
        assert_eq!(scheduler.queued_len(), JOBS as usize);
    }
    rates.sort_by(f64::total_cmp);
    println!("enqueue median: {:.0} jobs/s", rates[1]);
}

/// Fills `capacity` from 100,000 queued jobs, then 10,000 rounds of churn: a
/// random running job finishes, a new job is queued (the queue stays at
/// 100,000), and admission runs until it returns `None`. Every
/// `next_admission` call is timed.
fn decisions(title: &str, capacity: Capacity) {
    println!("decisions, {title}:");
    let mut rng = Rng(42);
    let mut scheduler = Scheduler::new(capacity, SystemClock);
    for id in 0..JOBS {
        if let Err(error) = scheduler.enqueue(id, rng.request(id)) {
            panic!("{error}");
        }
    }
    let mut running: Vec<u64> = Vec::new();
    while let Some(admitted) = scheduler.next_admission() {
        running.push(admitted.id);
    }
    println!(
        "  after filling: {} running, {} queued",
        running.len(),
        scheduler.queued_len()
    );

    let mut admitting = Vec::with_capacity(DECISION_ROUNDS * 2);
    let mut refusing = Vec::with_capacity(DECISION_ROUNDS);
    let mut finishing = Vec::with_capacity(DECISION_ROUNDS);
    for next_id in JOBS..JOBS + DECISION_ROUNDS as u64 {
        let done = running.swap_remove(rng.below(running.len() as u64) as usize);
        let start = Instant::now();
        let was_running = scheduler.finished(&done);
        finishing.push(start.elapsed());
        assert!(was_running);
        if let Err(error) = scheduler.enqueue(next_id, rng.request(next_id)) {
            panic!("{error}");
        }
        loop {
            let start = Instant::now();
            let admitted = scheduler.next_admission();
            let elapsed = start.elapsed();
            match admitted {
                Some(admitted) => {
                    admitting.push(elapsed);
                    running.push(admitted.id);
                }
                None => {
                    refusing.push(elapsed);
                    break;
                }
            }
        }
    }
    println!(
        "  after {DECISION_ROUNDS} rounds: {} running, {} queued",
        running.len(),
        scheduler.queued_len()
    );
    report("next_admission -> Some (a job starts)", &mut admitting);
    report("next_admission -> None (nothing fits)", &mut refusing);
    let mut all: Vec<Duration> = admitting.iter().chain(&refusing).copied().collect();
    report("next_admission, every call", &mut all);
    report("finished", &mut finishing);
}

fn report(what: &str, samples: &mut [Duration]) {
    if samples.is_empty() {
        println!("  {what:<40} no samples");
        return;
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "  {what:<40} n={:>6}  median {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}  mean {:>8.2?}",
        samples.len(),
        at(0.5),
        at(0.99),
        samples[samples.len() - 1],
        mean
    );
}

/// xorshift64*: enough randomness for a benchmark, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A job of a random owner, priority 0 to 2, 0.25 to 2 cores, 256 MiB to 4 GiB.
    fn request(&mut self, id: u64) -> Request {
        let owner = format!("owner-{}", self.below(OWNERS));
        Request {
            owner,
            priority: self.below(3) as i32,
            not_before: None,
            key: Some(format!("key-{id}")),
            demand: Demand {
                cpu_millicores: 250 * (1 + self.below(8)),
                memory_bytes: (256 << 20) * (1 + self.below(16)),
            },
        }
    }
}
