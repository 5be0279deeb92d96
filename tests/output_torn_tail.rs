//! A log whose writer was killed mid-record, or whose tail is garbage: readers get
//! every whole record, then a clear error, and never garbage.

mod common;
#[path = "common/output_jobs.rs"]
mod output_jobs;

use output_jobs::Talk;
use workernator::{
    errors::LogError,
    logs::{LogOptions, Logs, OutputRecord},
};

workernator::init_before_main!();

/// Reads to the end; the records and the error that ended the stream.
async fn read(mut logs: Logs) -> (Vec<OutputRecord>, Option<LogError>) {
    let mut records = Vec::new();
    while let Some(item) = logs.next().await {
        match item {
            Ok(record) => records.push(record),
            Err(error) => return (records, Some(error)),
        }
    }
    (records, None)
}

#[test]
fn a_torn_or_corrupt_tail_ends_in_a_clear_error_after_every_whole_record() {
    if !common::privileged("a_torn_or_corrupt_tail_ends_in_a_clear_error") {
        return;
    }
    let test = common::runner();
    let rt = common::rt();
    let job = test
        .runner
        .start(Talk {
            count: 20,
            interval_ms: 0,
            wait_for_go: false,
        })
        .unwrap();
    rt.block_on(job.wait()).unwrap();
    let (whole, error) = rt.block_on(read(job.logs()));
    assert!(error.is_none(), "{error:?}");
    let log = test
        .dir
        .path()
        .join("jobs")
        .join(job.id().as_str())
        .join("output.log");
    let original = std::fs::read(&log).unwrap();
    let last = whole.last().unwrap().bytes.len() + 16;

    // Killed while writing the last record: cut it anywhere.
    for cut in [1, 8, 16, last - 1] {
        std::fs::write(&log, &original[..original.len() - cut]).unwrap();
        for follow in [true, false] {
            let logs = job.logs_with(LogOptions::new().follow(follow));
            let (records, error) = rt.block_on(read(logs));
            assert_eq!(records, whole[..whole.len() - 1], "cut {cut}");
            match error {
                Some(LogError::Truncated { offset, .. }) => {
                    assert_eq!(offset as usize, original.len() - last)
                }
                other => panic!("cut {cut}: expected a truncated log, got {other:?}"),
            }
        }
    }

    // Garbage after the last whole record.
    let mut garbage = original.clone();
    garbage.extend_from_slice(&[0x5a; 100]);
    std::fs::write(&log, &garbage).unwrap();
    let (records, error) = rt.block_on(read(job.logs()));
    assert_eq!(records, whole);
    let error = error.expect("an error");
    assert!(matches!(error, LogError::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains("corrupt"), "{error}");

    // The lines view: every whole line, then the error.
    std::fs::write(&log, &original[..original.len() - 1]).unwrap();
    let mut lines = job.logs().lines();
    let mut texts = Vec::new();
    let ended_in = rt.block_on(async {
        while let Some(line) = lines.next().await {
            match line {
                Ok(line) => texts.push(line.line),
                Err(error) => return Some(error),
            }
        }
        None
    });
    assert!(matches!(ended_in, Some(LogError::Truncated { .. })));
    assert!(texts.contains(&"line 19".to_owned()), "{texts:?}");
}
