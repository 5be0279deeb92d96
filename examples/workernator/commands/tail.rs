//! `jobs tail <ID> [--no-follow] [--timestamps]`: the job's stdout bytes to
//! stdout and its stderr bytes to stderr, exactly as written, from the first;
//! following a running job live, record by record, until it ends. Records of the supervisor (job
//! started, ended) are not the job's output and are not shown.

use super::{Context, runtime};
use crate::adapters::output::{LiveSource, OutputError, OutputSource};
use crate::error::{CliError, exit};
use crate::render::time;
use std::io::{self, Write};
use workernator::{
    logs::{OutputRecord, OutputStream},
    status::Timestamp,
};

pub(crate) fn run(
    context: &Context,
    id: &str,
    follow: bool,
    timestamps: bool,
) -> Result<i32, CliError> {
    let (_runner, job) = context.job(id)?;
    let id = job.id().clone();
    let mut source = LiveSource::new(job.logs(follow));
    runtime()?
        .block_on(copy(
            &mut source,
            &mut TailWriter::new(timestamps),
            &mut io::stdout(),
            &mut io::stderr(),
        ))
        .map_err(|error| match error {
            Failure::Output(source) => CliError::Output {
                id,
                source: Box::new(source),
            },
            Failure::Cli(error) => error,
        })?;
    Ok(exit::OK)
}

/// Why copying the output stopped short.
enum Failure {
    Output(OutputError),
    Cli(CliError),
}

impl From<CliError> for Failure {
    fn from(error: CliError) -> Self {
        Failure::Cli(error)
    }
}

/// Copies every record of `source` to its stream as it arrives, flushing it at
/// once so that a follower sees each write as the job makes it.
async fn copy(
    source: &mut impl OutputSource,
    writer: &mut TailWriter,
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> Result<(), Failure> {
    while let Some(record) = source.next().await.map_err(Failure::Output)? {
        writer.write(&record, stdout, stderr)?;
        match record.stream {
            OutputStream::Stdout => flush(stdout, "stdout")?,
            OutputStream::Stderr => flush(stderr, "stderr")?,
            _ => {}
        }
    }
    Ok(())
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

    /// A source of records given in advance.
    struct Given(std::collections::VecDeque<OutputRecord>);

    impl OutputSource for Given {
        async fn next(&mut self) -> Result<Option<OutputRecord>, OutputError> {
            Ok(self.0.pop_front())
        }
    }

    /// Counts flushes, and what was written before each.
    #[derive(Default)]
    struct Flushes {
        bytes: Vec<u8>,
        seen: Vec<Vec<u8>>,
    }

    impl Write for Flushes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.bytes.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.seen.push(self.bytes.clone());
            Ok(())
        }
    }

    #[test]
    fn each_record_is_flushed_as_it_arrives() {
        let mut source = Given(
            [
                record(OutputStream::Stdout, b"a\n"),
                record(OutputStream::System, b"note"),
                record(OutputStream::Stderr, b"e"),
                record(OutputStream::Stdout, b"b\n"),
            ]
            .into(),
        );
        let (mut out, mut err) = (Flushes::default(), Flushes::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let copied = runtime.block_on(copy(
            &mut source,
            &mut TailWriter::new(false),
            &mut out,
            &mut err,
        ));
        assert!(copied.is_ok());
        assert_eq!(out.seen, [b"a\n".to_vec(), b"a\nb\n".to_vec()]);
        assert_eq!(err.seen, [b"e".to_vec()]);
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
