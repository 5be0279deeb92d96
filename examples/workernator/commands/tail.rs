//! `jobs tail <ID> [--no-follow] [--timestamps] [--raw]`: the job's stdout
//! bytes to stdout and its stderr bytes to stderr, from the first; following a
//! running job live, record by record, until it ends. Records of the
//! supervisor (job started, ended) are not the job's output and are not shown.
//!
//! Piped, the bytes are exactly as the job wrote them. A stream that is a
//! terminal gets them escaped ([`escape`]): the job's escape sequences would
//! act on the operator's terminal (its title, its clipboard through OSC 52,
//! what it shows). `--raw` writes them as they are, terminal or not.

use super::{Context, runtime};
use crate::adapters::output::{LiveSource, OutputError, OutputSource};
use crate::error::{CliError, exit};
use crate::render::escape::StreamEscaper;
use crate::render::time;
use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};
use workernator::{
    logs::{OutputRecord, OutputStream},
    status::Timestamp,
};

/// How to tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Options {
    /// Follow a running job until it ends.
    pub(crate) follow: bool,
    /// Start each line with the time it was written.
    pub(crate) timestamps: bool,
    /// Write the job's bytes as they are even to a terminal.
    pub(crate) raw: bool,
}

pub(crate) fn run(context: &Context, id: &str, options: Options) -> Result<i32, CliError> {
    let (_runner, job) = context.job(id)?;
    let id = job.id().clone();
    let mut source = LiveSource::new(job.logs(options.follow));
    let escaped = [
        !options.raw && io::stdout().is_terminal(),
        !options.raw && io::stderr().is_terminal(),
    ];
    runtime()?
        .block_on(copy(
            &mut source,
            &mut TailWriter::new(options.timestamps, escaped),
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
    writer.finish(stdout, stderr)?;
    Ok(())
}

fn flush(stream: &mut dyn Write, name: &'static str) -> Result<(), CliError> {
    stream.flush().map_err(|source| CliError::Write {
        stream: name,
        source,
    })
}

/// Writes records to their streams, escaped for a terminal if asked, with
/// timestamps at line starts if asked.
struct TailWriter {
    timestamps: bool,
    /// Per stream (stdout, stderr): whether the next byte starts a line.
    at_line_start: [bool; 2],
    /// Per stream: its escaper, if it goes to a terminal.
    escapers: [Option<StreamEscaper>; 2],
    /// Per stream: when its last record was written, in ns since the epoch.
    last_written_ns: [u64; 2],
}

const NAMES: [&str; 2] = ["stdout", "stderr"];

impl TailWriter {
    /// `escaped`: per stream (stdout, stderr), whether to escape it.
    fn new(timestamps: bool, escaped: [bool; 2]) -> Self {
        TailWriter {
            timestamps,
            at_line_start: [true, true],
            escapers: escaped.map(|escaped| escaped.then(StreamEscaper::default)),
            last_written_ns: [0, 0],
        }
    }

    fn write(
        &mut self,
        record: &OutputRecord,
        stdout: &mut impl Write,
        stderr: &mut impl Write,
    ) -> Result<(), CliError> {
        let (index, stream): (usize, &mut dyn Write) = match record.stream {
            OutputStream::Stdout => (0, stdout),
            OutputStream::Stderr => (1, stderr),
            // The supervisor's own notes; and whatever a later version adds.
            _ => return Ok(()),
        };
        let bytes = match &mut self.escapers[index] {
            Some(escaper) => Cow::Owned(escaper.escape(&record.bytes).into_bytes()),
            None => Cow::Borrowed(&record.bytes[..]),
        };
        self.last_written_ns[index] = record.timestamp_ns;
        let stamp = self.stamp(index);
        self.put(index, stream, &bytes, stamp.as_deref())
    }

    /// The timestamp for stream `index`'s last record, if timestamps are asked for.
    fn stamp(&self, index: usize) -> Option<String> {
        let millis = self.last_written_ns[index] / 1_000_000;
        self.timestamps
            .then(|| time::rfc3339(Timestamp::from_millis(millis)))
    }

    /// Writes what the escapers still hold: the output ended inside a character.
    fn finish(&mut self, stdout: &mut impl Write, stderr: &mut impl Write) -> Result<(), CliError> {
        let streams: [&mut dyn Write; 2] = [stdout, stderr];
        for (index, stream) in streams.into_iter().enumerate() {
            let Some(held) = self.escapers[index].as_mut().map(StreamEscaper::finish) else {
                continue;
            };
            if !held.is_empty() {
                // Timestamped with the time of the record it came in.
                let stamp = self.stamp(index);
                self.put(index, stream, held.as_bytes(), stamp.as_deref())?;
                flush(stream, NAMES[index])?;
            }
        }
        Ok(())
    }

    /// Writes `bytes` to stream `index`, with `stamp` at each line start if given.
    fn put(
        &mut self,
        index: usize,
        stream: &mut dyn Write,
        bytes: &[u8],
        stamp: Option<&str>,
    ) -> Result<(), CliError> {
        let written = match stamp {
            Some(stamp) => write_stamped(stream, bytes, stamp, &mut self.at_line_start[index]),
            None => stream.write_all(bytes),
        };
        written.map_err(|source| CliError::Write {
            stream: NAMES[index],
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
        tail_escaped(timestamps, [false, false], records)
    }

    fn tail_escaped(
        timestamps: bool,
        escaped: [bool; 2],
        records: &[OutputRecord],
    ) -> (Vec<u8>, Vec<u8>) {
        let mut writer = TailWriter::new(timestamps, escaped);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        for record in records {
            writer.write(record, &mut out, &mut err).unwrap();
        }
        writer.finish(&mut out, &mut err).unwrap();
        (out, err)
    }

    #[test]
    fn only_the_streams_on_a_terminal_are_escaped() {
        let records = [
            record(OutputStream::Stdout, b"\x1b]0;title\x07out\n"),
            record(OutputStream::Stderr, b"\x1b[2Jerr\r\n"),
        ];
        let (out, err) = tail_escaped(false, [true, false], &records);
        assert_eq!(
            out,
            br"\x1b]0;title\x07out"
                .iter()
                .chain(b"\n")
                .copied()
                .collect::<Vec<_>>()
        );
        assert_eq!(err, b"\x1b[2Jerr\r\n");
        let (out, err) = tail_escaped(false, [false, true], &records);
        assert_eq!(out, b"\x1b]0;title\x07out\n");
        assert_eq!(String::from_utf8(err).unwrap(), "\\x1b[2Jerr\\x0d\n");
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
            &mut TailWriter::new(false, [false, false]),
            &mut out,
            &mut err,
        ));
        assert!(copied.is_ok());
        assert_eq!(out.seen, [b"a\n".to_vec(), b"a\nb\n".to_vec()]);
        assert_eq!(err.seen, [b"e".to_vec()]);
    }

    #[test]
    fn timestamps_start_each_line_across_records_escaped_or_not() {
        let stamp = "2023-11-14T22:13:20.123Z";
        for (escaped, records, shown) in [
            (
                false,
                [&b"one\ntw"[..], b"o\nthree"],
                format!("{stamp} one\n{stamp} two\n{stamp} three"),
            ),
            // A character cut between records shows whole; one the output
            // ends inside of shows as its bytes.
            (
                true,
                [b"a\x07\nb\xe2", b"\x9c\x93\n\xe2\x9c"],
                format!("{stamp} a\\x07\n{stamp} b✓\n{stamp} \\xe2\\x9c"),
            ),
        ] {
            let records = records.map(|bytes| record(OutputStream::Stdout, bytes));
            let (out, _) = tail_escaped(true, [escaped, escaped], &records);
            assert_eq!(String::from_utf8(out).unwrap(), shown);
        }
    }
}
