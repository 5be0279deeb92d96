//! The bytes a job writes are the bytes readers get: invalid UTF-8, NUL bytes, a
//! 10 MB line, and stdout and stderr interleaved with the order of each kept.

mod common;
#[path = "common/output_jobs.rs"]
mod output_jobs;

use output_jobs::{all_records, stream_bytes};
use serde::{Deserialize, Serialize};
use std::io::Write;
use workernator::{
    Job, JobContext, JobError, Run,
    logs::{MAX_LINE_LEN, OutputStream},
};

workernator::init_before_main!();

const LONG_LINE: usize = 10_000_000;
const ROUNDS: usize = 2000;

fn expected_stdout() -> Vec<u8> {
    let mut out = b"a\xff\xfeb\0c\n".to_vec();
    out.extend(std::iter::repeat_n(b'L', LONG_LINE));
    out.push(b'\n');
    for n in 0..ROUNDS {
        out.extend(format!("out {n}\n").bytes());
    }
    out.extend(b"\0\0 no newline at the end \xc3");
    out
}

fn expected_stderr() -> Vec<u8> {
    (0..ROUNDS)
        .flat_map(|n| format!("err {n}\n").into_bytes())
        .collect()
}

/// Writes awkward bytes to both streams.
#[derive(Job, Serialize, Deserialize)]
struct Awkward;

impl Run for Awkward {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        let stdout = expected_stdout();
        let stderr = expected_stderr();
        let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
        let head = 7 + LONG_LINE + 1;
        out.write_all(&stdout[..head])?;
        out.flush()?;
        // Interleave, flushing each line so both pipes carry many small writes.
        let mut outs = stdout[head..].split_inclusive(|&b| b == b'\n');
        for err_line in stderr.split_inclusive(|&b| b == b'\n') {
            if let Some(line) = outs.next() {
                out.write_all(line)?;
                out.flush()?;
            }
            err.write_all(err_line)?;
            err.flush()?;
        }
        for rest in outs {
            out.write_all(rest)?;
        }
        out.flush()?;
        Ok(())
    }
}

#[test]
fn every_byte_comes_back_exactly_with_its_stream() {
    if !common::privileged("every_byte_comes_back_exactly_with_its_stream") {
        return;
    }
    let test = common::runner();
    let rt = common::rt();
    let job = test.runner.start(Awkward).unwrap();
    let mut logs = job.logs();
    let records = rt.block_on(all_records(&mut logs));
    rt.block_on(job.wait()).unwrap();
    assert!(stream_bytes(&records, OutputStream::Stdout) == expected_stdout());
    assert!(stream_bytes(&records, OutputStream::Stderr) == expected_stderr());
    // Timestamps never go backwards.
    assert!(
        records
            .windows(2)
            .all(|w| w[0].timestamp_ns <= w[1].timestamp_ns)
    );

    // The lines view: per stream, in order, the long line in bounded pieces.
    let mut lines = job.logs().lines();
    let mut out_lines = Vec::new();
    let mut err_lines = Vec::new();
    rt.block_on(async {
        while let Some(line) = lines.next().await {
            let line = line.unwrap();
            match line.stream {
                OutputStream::Stdout => out_lines.push(line.line),
                OutputStream::Stderr => err_lines.push(line.line),
                OutputStream::System => {}
            }
        }
    });
    assert_eq!(out_lines[0], "a\u{fffd}\u{fffd}b\0c");
    let pieces = LONG_LINE.div_ceil(MAX_LINE_LEN);
    assert!(
        out_lines[1..=pieces]
            .iter()
            .all(|l| l.len() <= MAX_LINE_LEN)
    );
    assert_eq!(
        out_lines[1..=pieces].iter().map(String::len).sum::<usize>(),
        LONG_LINE
    );
    let numbered: Vec<String> = (0..ROUNDS).map(|n| format!("out {n}")).collect();
    assert_eq!(out_lines[pieces + 1..pieces + 1 + ROUNDS], numbered[..]);
    assert_eq!(
        out_lines.last().map(String::as_str),
        Some("\0\0 no newline at the end \u{fffd}")
    );
    let numbered: Vec<String> = (0..ROUNDS).map(|n| format!("err {n}")).collect();
    assert_eq!(err_lines, numbered);
}
