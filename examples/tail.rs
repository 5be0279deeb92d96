//! Starts a job that prints a line every 200 ms and streams its output with two
//! readers: one from the start, one that joins late (from the last 2 lines, then
//! live). Both end when the job ends.
//!
//! ```text
//! sudo cargo run --example tail
//! ```

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::time::Duration;
use workernator::{
    Config, Job, JobContext, JobError, Run, Runner,
    logs::{LogOptions, OutputStream},
};

/// Counts, slowly.
#[derive(Job, Serialize, Deserialize)]
struct Count {
    to: u32,
}

impl Run for Count {
    type Output = u32;
    fn run(self, _ctx: &JobContext) -> Result<u32, JobError> {
        let mut out = std::io::stdout();
        for n in 1..=self.to {
            writeln!(out, "tick {n}")?;
            out.flush()?;
            if n % 4 == 0 {
                eprintln!("{n} is a multiple of 4");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(self.to)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    workernator::init();
    let state = tempfile_dir()?;
    let rt = tokio::runtime::Runtime::new()?;
    let result = rt.block_on(async {
        let runner = Runner::open(Config::default().state_dir(&state))?;
        let job = runner.start(Count { to: 10 })?;
        println!("started job {}", job.id());

        let mut early = job.logs().lines();
        let first = tokio::spawn(async move {
            while let Some(line) = early.next().await {
                let line = line?;
                let tag = match line.stream {
                    OutputStream::Stdout => "out",
                    OutputStream::Stderr => "err",
                    OutputStream::System => "sys",
                };
                println!("[reader 1] {tag}: {}", line.line);
            }
            Ok::<_, workernator::errors::LogError>(())
        });

        tokio::time::sleep(Duration::from_millis(1100)).await;
        println!("reader 2 joins: the last 2 lines, then live");
        let mut late = job.logs_with(LogOptions::new().last_lines(2)).lines();
        let second = tokio::spawn(async move {
            while let Some(line) = late.next().await {
                println!("[reader 2] {}", line?.line);
            }
            Ok::<_, workernator::errors::LogError>(())
        });

        let counted = job.wait().await?;
        first.await??;
        second.await??;
        println!("job counted to {counted}; both readers saw the end");
        Ok::<_, Box<dyn std::error::Error>>(())
    });
    let _ = std::fs::remove_dir_all(&state);
    result
}

/// A fresh state directory for the demo, removed at the end.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("workernator-tail-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
