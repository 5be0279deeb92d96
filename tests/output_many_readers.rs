//! 100 readers of a job writing 256 MiB as fast as it can all get exactly the
//! bytes it wrote, and the application's memory stays bounded meanwhile.

mod common;
#[path = "common/output_jobs.rs"]
mod output_jobs;

use output_jobs::{Spew, join_readers, proc_status_kib, spawn_readers, spew_digest};

workernator::init_before_main!();

const READERS: usize = 100;
const BYTES: u64 = 256 << 20;

/// The bound: each reader holds a 512 KiB window and one record of at most
/// 256 KiB, so 100 readers need under 100 MiB; 64 MiB more for the runtime, the
/// allocator's slack and the test's own buffers. The output itself (256 MiB) is
/// on disk and never held.
const MEMORY_BOUND_KIB: u64 = (READERS as u64) * 1024 + 64 * 1024;

#[test]
fn a_hundred_readers_get_identical_bytes_in_bounded_memory() {
    if !common::privileged("a_hundred_readers_get_identical_bytes_in_bounded_memory") {
        return;
    }
    let expected = spew_digest(BYTES, 7);
    let test = common::runner();
    let rt = output_jobs::multi_thread_rt();
    let peak_before = proc_status_kib("VmHWM");
    let job = test
        .runner
        .start(Spew {
            bytes: BYTES,
            seed: 7,
        })
        .unwrap();
    let readers = spawn_readers(&rt, &job, READERS);
    assert_eq!(rt.block_on(job.wait()).unwrap(), BYTES);
    for (digest, system) in join_readers(&rt, readers, std::time::Duration::from_secs(300)) {
        assert_eq!(digest, expected, "a reader got other bytes");
        assert_eq!(system.last().map(String::as_str), Some("job succeeded"));
    }
    let peak_after = proc_status_kib("VmHWM");
    let grown = peak_after.saturating_sub(peak_before);
    assert!(
        grown < MEMORY_BOUND_KIB,
        "peak memory grew by {grown} KiB with {READERS} readers; bound {MEMORY_BOUND_KIB} KiB"
    );
    eprintln!("peak memory grew by {grown} KiB (bound {MEMORY_BOUND_KIB} KiB)");
}
