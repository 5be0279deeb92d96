//! `jobs tail <ID> [--no-follow] [--timestamps]`: the job's stdout bytes to
//! stdout and its stderr bytes to stderr, exactly as written, from the first;
//! following a running job until it ends. Records of the supervisor (job
//! started, ended) are not the job's output and are not shown.

use super::{Context, runtime};
use crate::adapters::output::{OutputSource, SnapshotSource};
use crate::error::{CliError, exit};
use crate::render::time;
use std::io::{self, Write};
use workernator::{OutputRecord, OutputStream, Timestamp};

pub(crate) fn run(
    context: &Context,
    id: &str,
    follow: bool,
    timestamps: bool,
) -> Result<i32, CliError> {
    let (_runner, job) = context.job(id)?;
    let id = job.id().clone();
    let mut source = SnapshotSource::new(job.as_ref(), follow);
    let mut writer = TailWriter::new(timestamps);
    runtime()?.block_on(async {
        while let Some(records) = source.next().await.map_err(|source| CliError::Output {
            id: id.clone(),
            source: Box::new(source),
        })? {
            let mut stdout = io::stdout().lock();
            let mut stderr = io::stderr().lock();
            for record in &records {
                writer.write(record, &mut stdout, &mut stderr)?;
            }
            flush(&mut stdout, "stdout")?;
            flush(&mut stderr, "stderr")?;
        }
        Ok::<(), CliError>(())
    })?;
    Ok(exit::OK)
}

fn flush(stream: &mut impl Write, name: &'static str) -> Result<(), CliError> {
    stream.flush().map_err(|source| CliError::Write {
        stream: name,
        source,
    })
}

/// Writes records to their streams, with timestamps at line starts if asked.
struct TailWriter {
    timestamps: bool,
    /// Per stream (stdout, stderr): whether the next byte starts a line.
    at_line_start: [bool; 2],
}

impl TailWriter {
    fn new(timestamps: bool) -> Self {
        TailWriter {
            timestamps,
            at_line_start: [true, true],
        }
    }

    fn write(
        &mut self,
        record: &OutputRecord,
        stdout: &mut impl Write,
        stderr: &mut impl Write,
    ) -> Result<(), CliError> {
        let (index, stream, name): (usize, &mut dyn Write, _) = match record.stream {
            OutputStream::Stdout => (0, stdout, "stdout"),
            OutputStream::Stderr => (1, stderr, "stderr"),
            // The supervisor's own notes; and whatever a later version adds.
            _ => return Ok(()),
        };
        let written = if self.timestamps {
            let stamp = time::rfc3339(Timestamp::from_millis(record.timestamp_ns / 1_000_000));
            write_stamped(
                stream,
                &record.bytes,
                &stamp,
                &mut self.at_line_start[index],
            )
        } else {
            stream.write_all(&record.bytes)
        };
        written.map_err(|source| CliError::Write {
            stream: name,
            source,
        })
    }
}

/// `bytes`, with `stamp` and a space before each line that starts in them.
fn write_stamped(
    stream: &mut dyn Write,
    bytes: &[u8],
    stamp: &str,
    at_line_start: &mut bool,
) -> io::Result<()> {
    for line in bytes.split_inclusive(|byte| *byte == b'\n') {
        if *at_line_start {
            stream.write_all(stamp.as_bytes())?;
            stream.write_all(b" ")?;
        }
        stream.write_all(line)?;
        *at_line_start = line.ends_with(b"\n");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(stream: OutputStream, bytes: &[u8]) -> OutputRecord {
        OutputRecord {
            stream,
            timestamp_ns: 1_700_000_000_123_456_789,
            bytes: bytes.to_vec(),
        }
    }

    fn tail(timestamps: bool, records: &[OutputRecord]) -> (Vec<u8>, Vec<u8>) {
        let mut writer = TailWriter::new(timestamps);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        for record in records {
            writer.write(record, &mut out, &mut err).unwrap();
        }
        (out, err)
    }

    #[test]
    fn bytes_go_to_their_stream_exactly() {
        let (out, err) = tail(
            false,
            &[
                record(OutputStream::System, b"job started"),
                record(OutputStream::Stdout, b"a\x00\xff"),
                record(OutputStream::Stderr, b"oops\n"),
                record(OutputStream::Stdout, b"b\n"),
            ],
        );
        assert_eq!(out, b"a\x00\xffb\n");
        assert_eq!(err, b"oops\n");
    }

    #[test]
    fn timestamps_start_each_line_across_records() {
        let (out, _) = tail(
            true,
            &[
                record(OutputStream::Stdout, b"one\ntw"),
                record(OutputStream::Stdout, b"o\nthree"),
            ],
        );
        let stamp = "2023-11-14T22:13:20.123Z";
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{stamp} one\n{stamp} two\n{stamp} three")
        );
    }
}
