//! More followers of one job than a user may have inotify instances (128 by
//! default, for all of the user's processes together) all read it to the end:
//! followers share one inotify instance per process.

mod common;
#[path = "common/output_jobs.rs"]
mod output_jobs;

use output_jobs::{Talk, join_readers, spawn_readers};

workernator::init_before_main!();

const READERS: usize = 300;

#[test]
fn three_hundred_followers_of_a_live_job_all_read_it_to_the_end() {
    if !common::privileged("three_hundred_followers_of_a_live_job_all_read_it_to_the_end") {
        return;
    }
    let limit: usize = std::fs::read_to_string("/proc/sys/fs/inotify/max_user_instances")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(128);
    assert!(
        READERS > limit,
        "the test needs more readers ({READERS}) than inotify instances ({limit})"
    );
    let test = common::runner();
    let rt = output_jobs::multi_thread_rt();
    let job = test
        .runner
        .start(Talk {
            count: 20,
            interval_ms: 10,
            wait_for_go: false,
        })
        .unwrap();
    let readers = spawn_readers(&rt, &job, READERS);
    rt.block_on(job.wait()).unwrap();
    let mut digests = Vec::new();
    for (digest, system) in join_readers(&rt, readers, std::time::Duration::from_secs(60)) {
        assert_eq!(system.last().map(String::as_str), Some("job succeeded"));
        digests.push(digest);
    }
    let expected_len: usize = (0..20).map(|n| format!("line {n}\n").len()).sum();
    assert_eq!(
        digests[0].1, expected_len as u64,
        "the readers got all of it"
    );
    assert!(
        digests.iter().all(|digest| *digest == digests[0]),
        "every reader got the same bytes"
    );
}
