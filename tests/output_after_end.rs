//! Readers that start after the job ended, and after the runner that started it
//! was dropped and a new one opened on the same state directory, get every byte.

mod common;
#[path = "common/output_jobs.rs"]
mod output_jobs;

use output_jobs::{Spew, all_records, digest_stdout, spew_digest};
use workernator::{
    Config, Runner,
    logs::{LogOptions, Logs, Start},
};

workernator::init_before_main!();

const BYTES: u64 = 8 << 20;

#[test]
fn late_readers_and_a_reopened_runner_get_every_byte() {
    if !common::privileged("late_readers_and_a_reopened_runner_get_every_byte") {
        return;
    }
    let expected = spew_digest(BYTES, 11);
    let test = common::runner();
    let config = || {
        Config::default()
            .state_dir(test.dir.path())
            .cgroup_parent(&test.cgroup_parent)
    };
    let rt = common::rt();
    let first = Runner::open(config()).unwrap();
    let job = first
        .start(Spew {
            bytes: BYTES,
            seed: 11,
        })
        .unwrap();
    let id = job.id().clone();
    rt.block_on(job.wait()).unwrap();

    // After the end, from the handle.
    let (digest, system) = rt.block_on(digest_stdout(&mut job.logs()));
    assert_eq!(digest, expected);
    assert_eq!(system.last().map(String::as_str), Some("job succeeded"));
    let everything = rt.block_on(all_records(&mut job.logs()));
    drop(job);
    drop(first);

    // A new runner on the same state directory.
    let second = Runner::open(config()).unwrap();
    let (digest, _) = rt.block_on(digest_stdout(&mut second.logs(&id).unwrap()));
    assert_eq!(digest, expected);
    // Without a runner, as another program would, and as a snapshot.
    let mut snapshot = Logs::open(test.dir.path(), &id, LogOptions::new().follow(false)).unwrap();
    assert_eq!(rt.block_on(all_records(&mut snapshot)), everything);
    // From the end of a finished job: nothing, and the stream ends.
    let mut tail = second
        .logs_with(&id, LogOptions::new().start(Start::End))
        .unwrap();
    assert!(rt.block_on(tail.next()).is_none());
}
