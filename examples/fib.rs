//! Runs `Fib` in a sandbox and prints its result and its output.
//!
//! ```text
//! sudo cargo run --example fib -- 90
//! ```

use serde::{Deserialize, Serialize};
use workernator::{Config, Job, JobContext, JobError, Run, Runner, logs::OutputStream};

/// Compute the n-th Fibonacci number.
#[derive(Job, Serialize, Deserialize)]
struct Fib {
    n: u32,
}

impl Run for Fib {
    type Output = u64;

    fn run(self, ctx: &JobContext) -> Result<u64, JobError> {
        println!("job {} computing fib({}) in a sandbox", ctx.id(), self.n);
        println!(
            "hostname: {}",
            std::fs::read_to_string("/proc/sys/kernel/hostname")?.trim()
        );
        println!("my pid in the sandbox: {}", std::process::id());
        let (mut a, mut b) = (0u64, 1u64);
        for _ in 0..self.n {
            let next = a
                .checked_add(b)
                .ok_or_else(|| JobError::new(format!("fib({}) does not fit in a u64", self.n)))?;
            a = b;
            b = next;
        }
        Ok(a)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    workernator::init();
    let n = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("not a position: {arg:?}"))?,
        None => 90,
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let runner = Runner::open(Config::default())?;
        let job = runner.start(Fib { n })?;
        println!("started job {} ({:?})", job.id(), job.status()?.state);
        let value = job.wait().await;
        println!("--- output of job {} ---", job.id());
        for record in job.output()? {
            let text = String::from_utf8_lossy(&record.bytes);
            match record.stream {
                OutputStream::Stdout => print!("{text}"),
                OutputStream::Stderr => eprint!("{text}"),
                OutputStream::System => println!("[{text}]"),
            }
        }
        println!("---");
        let status = job.status()?;
        println!("state: {:?}", status.state);
        println!("fib({n}) = {}", value?);
        Ok(())
    })
}
