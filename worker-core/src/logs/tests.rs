use super::*;
use crate::logs::output_log::OutputLogWriter;
use crate::logs::record::OutputStream;
use crate::model::limits::DEFAULT_OUTPUT_CAP;
use crate::model::outcome::ExitReason;
use crate::model::time::Timestamp;
use crate::state::{JobStatus, write_in_place};

struct FakeJob {
    _dir: tempfile::TempDir,
    id: JobId,
    paths: JobPaths,
    status: JobStatus,
    writer: OutputLogWriter,
    /// Held as a live supervisor holds it.
    lock: Option<crate::state::JobLock>,
}

impl FakeJob {
    fn new() -> FakeJob {
        let dir = tempfile::tempdir().unwrap();
        let id = JobId::generate().unwrap();
        let paths = JobPaths::at(dir.path().join("jobs").join(id.as_str()));
        std::fs::create_dir_all(paths.dir()).unwrap();
        std::fs::create_dir_all(dir.path().join("active")).unwrap();
        let status = JobStatus::starting(id.clone(), "Fake".into(), 1, Timestamp::now());
        write_in_place(&paths.status(), &status).unwrap();
        let writer = OutputLogWriter::create(&paths.output(), DEFAULT_OUTPUT_CAP).unwrap();
        let lock = Some(crate::state::JobLock::create(&paths).unwrap());
        FakeJob {
            _dir: dir,
            id,
            paths,
            status,
            writer,
            lock,
        }
    }

    fn write(&mut self, stream: OutputStream, bytes: &[u8]) {
        self.writer.append(stream, bytes).unwrap();
    }

    fn finish(&mut self) {
        self.status.finish(ExitReason::Succeeded);
        write_in_place(&self.paths.status(), &self.status).unwrap();
    }

    fn open(&self, options: LogOptions) -> Logs {
        Logs::open_paths(self.id.clone(), self.paths.clone(), options).unwrap()
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn collect(logs: &mut Logs) -> (Vec<Vec<u8>>, Option<LogError>) {
    let mut records = Vec::new();
    while let Some(item) = logs.next().await {
        match item {
            Ok(record) => records.push(record.bytes),
            Err(error) => {
                assert!(
                    logs.next().await.is_none(),
                    "the stream ends after an error"
                );
                return (records, Some(error));
            }
        }
    }
    (records, None)
}

fn bytes(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|item| item.as_bytes().to_vec()).collect()
}

#[test]
fn a_follower_gets_everything_live_and_ends_with_the_job() {
    let mut job = FakeJob::new();
    job.write(OutputStream::Stdout, b"one");
    let mut logs = job.open(LogOptions::new());
    let rt = rt();
    let first = rt.block_on(logs.next()).unwrap().unwrap();
    assert_eq!(first.bytes, b"one");
    let writer = std::thread::spawn(move || {
        for n in 0..100 {
            job.write(OutputStream::Stderr, format!("line {n}").as_bytes());
        }
        job.finish();
        job
    });
    let (records, error) = rt.block_on(collect(&mut logs));
    assert!(error.is_none(), "{error:?}");
    let expected: Vec<Vec<u8>> = (0..100).map(|n| format!("line {n}").into_bytes()).collect();
    assert_eq!(records, expected);
    drop(writer.join().unwrap());
}

#[test]
fn a_follower_opened_before_the_log_exists_waits_for_it() {
    let mut job = FakeJob::new();
    std::fs::remove_file(job.paths.output()).unwrap();
    let mut logs = job.open(LogOptions::new());
    let rt = rt();
    let writer = std::thread::spawn(move || {
        job.writer = OutputLogWriter::create(&job.paths.output(), DEFAULT_OUTPUT_CAP).unwrap();
        job.write(OutputStream::Stdout, b"late");
        job.finish();
        job
    });
    let (records, error) = rt.block_on(collect(&mut logs));
    assert!(error.is_none(), "{error:?}");
    assert_eq!(records, bytes(&["late"]));
    drop(writer.join().unwrap());
}

#[test]
fn a_snapshot_stops_at_the_current_end_and_ignores_a_record_in_progress() {
    let mut job = FakeJob::new();
    job.write(OutputStream::Stdout, b"a");
    job.write(OutputStream::Stdout, b"b");
    // Half a record: the supervisor is in the middle of a write.
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(job.paths.output())
        .unwrap();
    std::io::Write::write_all(&mut log, &[5, 0, 0, 0, 1, 0]).unwrap();
    let mut logs = job.open(LogOptions::new().follow(false));
    let (records, error) = rt().block_on(collect(&mut logs));
    assert!(error.is_none(), "{error:?}");
    assert_eq!(records, bytes(&["a", "b"]));
}

#[test]
fn a_torn_tail_after_the_end_is_a_clear_error_after_every_whole_record() {
    for follow in [true, false] {
        let mut job = FakeJob::new();
        job.write(OutputStream::Stdout, b"whole");
        job.write(OutputStream::Stdout, b"cut short");
        let len = std::fs::metadata(job.paths.output()).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(job.paths.output())
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        job.finish();
        let mut logs = job.open(LogOptions::new().follow(follow));
        let (records, error) = rt().block_on(collect(&mut logs));
        assert_eq!(records, bytes(&["whole"]));
        match error {
            Some(LogError::Truncated { offset, .. }) => assert_eq!(offset, 16 + 5),
            other => panic!("expected a truncated log, got {other:?}"),
        }
    }
}

#[test]
fn garbage_is_a_corrupt_error_after_every_whole_record() {
    let mut job = FakeJob::new();
    job.write(OutputStream::Stdout, b"good");
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(job.paths.output())
        .unwrap();
    std::io::Write::write_all(&mut log, &[0xAB; 64]).unwrap();
    job.finish();
    let mut logs = job.open(LogOptions::new());
    let (records, error) = rt().block_on(collect(&mut logs));
    assert_eq!(records, bytes(&["good"]));
    let error = error.expect("an error");
    assert!(matches!(error, LogError::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains("is corrupt"), "{error}");
}

#[test]
fn from_the_end_skips_what_was_written_before() {
    let mut job = FakeJob::new();
    job.write(OutputStream::Stdout, b"old");
    let mut logs = job.open(LogOptions::new().start(Start::End));
    job.write(OutputStream::Stdout, b"new");
    job.finish();
    let (records, error) = rt().block_on(collect(&mut logs));
    assert!(error.is_none(), "{error:?}");
    assert_eq!(records, bytes(&["new"]));
}

#[test]
fn the_last_lines_come_exactly_then_the_rest() {
    let mut job = FakeJob::new();
    job.write(OutputStream::Stdout, b"1\n2\n3");
    job.write(OutputStream::Stderr, b"e1\n");
    job.write(OutputStream::Stdout, b"\n4\n");
    let lines = job.open(LogOptions::new().last_lines(2)).lines();
    let records = job.open(LogOptions::new().last_lines(2).follow(false));
    job.write(OutputStream::Stdout, b"5\n");
    job.finish();
    let rt = rt();
    let mut lines = lines;
    let mut texts = Vec::new();
    while let Some(line) = rt.block_on(lines.next()) {
        texts.push(line.unwrap().line);
    }
    assert_eq!(texts, ["3", "4", "5"]);
    // The record stream starts at the first byte of "3".
    let mut records = records;
    let (records, _) = rt.block_on(collect(&mut records));
    assert_eq!(records, bytes(&["3", "e1\n", "\n4\n"]));
}

#[test]
fn a_follower_of_a_job_whose_supervisor_died_ends() {
    // A supervisor that recorded itself, then vanished; and one that died
    // before recording itself (it does so only once the job runs), which
    // leaves a starting status without a pid. Nobody holds the lock.
    for recorded_pid in [Some(1), None] {
        let mut job = FakeJob::new();
        job.write(OutputStream::Stdout, b"before the crash");
        job.status.supervisor_pid = recorded_pid;
        write_in_place(&job.paths.status(), &job.status).unwrap();
        drop(job.lock.take());
        let mut logs = job.open(LogOptions::new());
        let (records, error) = rt().block_on(collect(&mut logs));
        assert!(error.is_none(), "{recorded_pid:?}: {error:?}");
        assert_eq!(records, bytes(&["before the crash"]), "{recorded_pid:?}");
    }
}

#[test]
fn a_follower_of_a_job_waiting_for_admission_waits() {
    // Queued, no supervisor yet, and nobody holds the lock: by design.
    let mut job = FakeJob::new();
    job.status.state = crate::state::JobState::Queued;
    write_in_place(&job.paths.status(), &job.status).unwrap();
    drop(job.lock.take());
    assert!(!follow::job_ended(&job.id, &job.paths).unwrap());
    job.status.supervisor_pid = Some(1);
    write_in_place(&job.paths.status(), &job.status).unwrap();
    assert!(follow::job_ended(&job.id, &job.paths).unwrap());
}

#[test]
fn a_missing_job_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let id = JobId::generate().unwrap();
    let error = Logs::open(dir.path(), &id, LogOptions::new()).unwrap_err();
    assert!(matches!(error, LogError::NoSuchJob { .. }), "{error:?}");
    assert!(error.to_string().contains(id.as_str()), "{error}");
}

#[test]
fn records_longer_than_the_window_are_read_whole() {
    let mut job = FakeJob::new();
    let big = vec![7u8; cursor::WINDOW * 2 + 3];
    job.write(OutputStream::Stdout, b"small");
    job.write(OutputStream::Stdout, &big);
    job.write(OutputStream::Stdout, b"after");
    job.finish();
    let mut logs = job.open(LogOptions::new());
    let (records, error) = rt().block_on(collect(&mut logs));
    assert!(error.is_none(), "{error:?}");
    assert_eq!(records, vec![b"small".to_vec(), big, b"after".to_vec()]);
}
