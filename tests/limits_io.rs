//! A write bandwidth limit slows a direct (O_DIRECT) write of the job to the
//! stated rate, and the bytes show in the job's io accounting.
//!
//! The write goes to the job's work directory, so the device limited is the
//! whole disk holding the test's state directory (on the development and CI
//! machines: virtio disk vda, 254:0, ext4, mq-deadline). Where that directory
//! is on a file system without a block device (tmpfs, overlay), the test says
//! so and skips.

mod common;

use common::jobs::DirectWrite;
use workernator::{Limits, StartOptions, limits::BlockDevice};

workernator::init_before_main!();

#[test]
fn a_write_bps_limit_slows_a_direct_write() {
    if !common::privileged("a_write_bps_limit_slows_a_direct_write") {
        return;
    }
    let test = common::runner();
    let Some(device) = BlockDevice::holding(test.dir.path()).unwrap() else {
        eprintln!(
            "a_write_bps_limit_slows_a_direct_write: skipped: {} is on no block device",
            test.dir.path().display()
        );
        return;
    };
    let limit: u64 = 1 << 20;
    let bytes: usize = 4 << 20;
    let job = test
        .runner
        .start_with(
            DirectWrite { bytes },
            StartOptions::new().limits(Limits::default().io_write_bps(device, limit)),
        )
        .unwrap();
    let millis = common::rt().block_on(job.wait()).unwrap();
    let rate = bytes as f64 / (millis.max(1) as f64 / 1000.0);
    eprintln!(
        "device {device}: {bytes} bytes in {millis} ms, {:.0} bytes/s (limit {limit})",
        rate
    );
    // A lower bound on the time taken only: a slow machine makes it pass
    // more easily, never fail.
    assert!(
        rate <= 2.0 * limit as f64,
        "{rate:.0} bytes/s is well above the {limit} bytes/s limit"
    );
    let usage = job.status().unwrap().usage.expect("final usage");
    assert!(
        usage.io_write_bytes >= bytes as u64,
        "direct writes are accounted to the job: {usage:?}"
    );
}
