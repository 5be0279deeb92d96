//! A disk that fills while a job logs: the status says so, every record before is
//! intact, and the job is not wedged (it runs to its end).

mod common;
#[path = "common/output_jobs.rs"]
mod output_jobs;

use nix::mount::{MntFlags, MsFlags};
use output_jobs::{Spew, all_records, spew_digest, stream_bytes};
use std::path::{Path, PathBuf};
use workernator::{logs::OutputStream, status::JobState};

workernator::init_before_main!();

/// A small tmpfs, unmounted (and its directory removed) when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::Builder::new()
            .prefix("workernator-test-")
            .tempdir()
            .unwrap();
        nix::mount::mount(
            Some("tmpfs"),
            dir.path(),
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some(format!("size={size},mode=0700").as_str()),
        )
        .expect("mount a tmpfs");
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        if nix::mount::umount2(self.dir.path(), MntFlags::empty()).is_err() {
            let _ = nix::mount::umount2(self.dir.path(), MntFlags::MNT_DETACH);
        }
    }
}

const BYTES: u64 = 16 << 20;

#[test]
fn a_full_disk_is_recorded_and_the_job_runs_on() {
    if !common::privileged("a_full_disk_is_recorded_and_the_job_runs_on") {
        return;
    }
    let disk = SmallDisk::mount("4m");
    let state: PathBuf = disk.path().join("state");
    let test = common::runner_with(|config| config.state_dir(&state));
    let rt = common::rt();
    let job = test
        .runner
        .start(Spew {
            bytes: BYTES,
            seed: 9,
        })
        .unwrap();
    let mut follower = job.logs();
    assert_eq!(rt.block_on(job.wait()).unwrap(), BYTES, "the job ran on");
    let status = job.status().unwrap();
    assert_eq!(status.state, JobState::Succeeded);
    let error = status.output_error.expect("the status records the failure");
    assert!(error.contains("No space left on device"), "{error}");

    for records in [
        rt.block_on(all_records(&mut follower)),
        rt.block_on(all_records(&mut job.logs())),
    ] {
        // Whatever was kept is exactly the start of what the job wrote.
        let kept = stream_bytes(&records, OutputStream::Stdout);
        assert!(!kept.is_empty() && (kept.len() as u64) < BYTES);
        assert_eq!(spew_digest(kept.len() as u64, 9), {
            let mut digest = output_jobs::Digest::default();
            digest.update(&kept);
            digest.finish()
        });
        let system: Vec<String> = records
            .iter()
            .filter(|r| r.stream == OutputStream::System)
            .map(|r| String::from_utf8_lossy(&r.bytes).into_owned())
            .collect();
        assert!(
            system.iter().any(|s| s.starts_with("output lost")),
            "{system:?}"
        );
    }
    drop(follower);
    drop(job);
    drop(test);
    drop(disk);
}
