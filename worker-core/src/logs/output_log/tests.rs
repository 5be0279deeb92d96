use super::super::record::{OutputRecord, read_all};
use super::*;
use crate::model::limits::DEFAULT_OUTPUT_CAP;
use std::path::{Path, PathBuf};

fn job_bytes(records: &[OutputRecord]) -> Vec<u8> {
    records
        .iter()
        .filter(|r| r.stream != OutputStream::System)
        .flat_map(|r| r.bytes.iter().copied())
        .collect()
}

#[test]
fn records_round_trip_binary_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("output.log");
    let mut writer = OutputLogWriter::create(&path, DEFAULT_OUTPUT_CAP).unwrap();
    writer.append(OutputStream::Stdout, b"hello\n").unwrap();
    writer
        .append(OutputStream::Stderr, &[0, 0xff, 0xfe, b'\n'])
        .unwrap();
    writer.append(OutputStream::System, b"").unwrap();
    let records = read_all(&path).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].bytes, b"hello\n");
    assert_eq!(records[1].stream, OutputStream::Stderr);
    assert_eq!(records[1].bytes, [0, 0xff, 0xfe, b'\n']);
    assert!(records[0].timestamp_ns <= records[1].timestamp_ns);
}

#[test]
fn the_cap_cuts_the_crossing_record_and_drops_the_rest_visibly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("output.log");
    let mut writer = OutputLogWriter::create(&path, 10).unwrap();
    writer.append(OutputStream::Stdout, b"123456").unwrap();
    writer.append(OutputStream::Stderr, b"abcdef").unwrap();
    writer.append(OutputStream::Stdout, b"more").unwrap();
    writer
        .append(OutputStream::System, b"job succeeded")
        .unwrap();
    assert_eq!(writer.dropped(), 6);
    let records = read_all(&path).unwrap();
    assert_eq!(job_bytes(&records), b"123456abcd");
    let system: Vec<String> = records
        .iter()
        .filter(|r| r.stream == OutputStream::System)
        .map(|r| String::from_utf8_lossy(&r.bytes).into_owned())
        .collect();
    assert_eq!(system.len(), 3, "{system:?}");
    assert!(system[0].starts_with("output truncated"), "{system:?}");
    assert!(system[1].contains("6 bytes past the cap"), "{system:?}");
    assert_eq!(system[2], "job succeeded");
}

#[test]
fn output_exactly_at_the_cap_is_not_called_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("output.log");
    let mut writer = OutputLogWriter::create(&path, 4).unwrap();
    writer.append(OutputStream::Stdout, b"abcd").unwrap();
    writer
        .append(OutputStream::System, b"job succeeded")
        .unwrap();
    let records = read_all(&path).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(writer.dropped(), 0);
    // More, later: now it is truncated, and says so once.
    writer.append(OutputStream::Stdout, b"e").unwrap();
    writer.append(OutputStream::Stdout, b"f").unwrap();
    let records = read_all(&path).unwrap();
    assert_eq!(records.len(), 3);
    assert!(records[2].bytes.starts_with(b"output truncated"));
}

/// Bytes of disk space the file at `path` holds.
fn claimed(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::blocks(&std::fs::metadata(path).unwrap()) * 512
}

#[test]
fn the_reserve_is_claimed_past_the_end_and_given_back_with_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("output.log");
    let mut writer = OutputLogWriter::create(&path, DEFAULT_OUTPUT_CAP).unwrap();
    let reserve = dir.path().join("output.reserve");
    if !writer.can_preallocate {
        // A file system without fallocate: the reserve is a file beside.
        assert_eq!(
            std::fs::metadata(&reserve).unwrap().len(),
            RESERVE_LEN as u64
        );
        drop(writer);
        assert!(!reserve.exists());
        return;
    }
    assert!(!reserve.exists(), "no file of its own");
    assert!(claimed(&path) >= RESERVE_LEN as u64);
    for size in [10, 70_000, 1 << 20, 5] {
        writer
            .append(OutputStream::Stdout, &vec![b'x'; size])
            .unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(
            claimed(&path) >= len + RESERVE_LEN as u64,
            "the reserve stays claimed past the end ({len} bytes)"
        );
    }
    let len = std::fs::metadata(&path).unwrap().len();
    drop(writer);
    assert!(
        claimed(&path) < len + 4096 * 2,
        "given back: {} bytes claimed for {len}",
        claimed(&path)
    );
    assert_eq!(read_all(&path).unwrap().len(), 4);
}

/// A small tmpfs mounted on a temporary directory, unmounted when dropped.
struct SmallDisk(tempfile::TempDir);

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(self.0.path(), nix::mount::MntFlags::MNT_DETACH);
    }
}

#[test]
fn on_a_full_disk_the_failure_notice_fits_in_the_claimed_reserve() {
    if !nix::unistd::geteuid().is_root() {
        assert!(
            std::env::var_os("WORKERNATOR_REQUIRE_PRIVILEGED").is_none_or(|v| v != "1"),
            "needs root (mounts a small tmpfs)"
        );
        eprintln!("skipped: not root (mounts a small tmpfs)");
        return;
    }
    let disk = SmallDisk(
        tempfile::Builder::new()
            .prefix("workernator-test-")
            .tempdir()
            .unwrap(),
    );
    nix::mount::mount(
        Some("tmpfs"),
        disk.0.path(),
        Some("tmpfs"),
        nix::mount::MsFlags::MS_NOSUID | nix::mount::MsFlags::MS_NODEV,
        Some("size=4m,mode=0700"),
    )
    .unwrap();
    let path = disk.0.path().join("output.log");
    let mut writer = OutputLogWriter::create(&path, DEFAULT_OUTPUT_CAP).unwrap();
    assert!(writer.can_preallocate, "tmpfs claims space ahead");
    writer.append(OutputStream::Stdout, b"before\n").unwrap();
    // Fill the disk to the last page.
    let mut filler = std::fs::File::create(disk.0.path().join("filler")).unwrap();
    while filler.write_all(&[0u8; 4096]).is_ok() {}
    // Log on, into the space claimed ahead, until the claim runs out.
    let mut appended = 0;
    let error = loop {
        match writer.append(OutputStream::Stdout, &[b'y'; 4000]) {
            Ok(()) => appended += 1,
            Err(error) => break error,
        }
        assert!(appended < 1000, "the disk never filled");
    };
    assert_eq!(error.source.raw_os_error(), Some(libc::ENOSPC));
    let records = read_all(&path).unwrap();
    assert_eq!(records.len(), 2 + appended, "every record before is whole");
    assert_eq!(records[0].bytes, b"before\n");
    let last = records.last().unwrap();
    assert_eq!(last.stream, OutputStream::System);
    assert!(
        last.bytes.starts_with(b"output lost"),
        "{:?}",
        String::from_utf8_lossy(&last.bytes)
    );
    // The rest of the reserve was given back, for the status and result.
    filler
        .write_all(&[0u8; RESERVE_LEN / 2])
        .expect("the reserve is free again");
    drop(writer);
}

#[test]
fn a_failed_write_is_reported_once_and_later_output_dropped() {
    // /dev/full fails every write with ENOSPC.
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open("/dev/full")
        .unwrap();
    let mut writer = OutputLogWriter {
        file,
        path: PathBuf::from("/dev/full"),
        reserve: None,
        len: 0,
        allocated: 0,
        can_preallocate: false,
        cap: DEFAULT_OUTPUT_CAP,
        job_bytes: 0,
        dropped: 0,
        dropped_reported: 0,
        truncated: false,
        failed: false,
        frame: Vec::new(),
    };
    let error = writer.append(OutputStream::Stdout, b"abc").unwrap_err();
    assert_eq!(error.source.raw_os_error(), Some(libc::ENOSPC));
    assert!(error.to_string().contains("/dev/full"), "{error}");
    writer.append(OutputStream::Stdout, b"defg").unwrap();
    writer
        .append(OutputStream::System, b"job succeeded")
        .unwrap();
    assert_eq!(writer.dropped(), 4);
}
