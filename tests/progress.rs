//! A job's progress reports reach its status; the last one always does.

mod common;

use common::jobs::Steps;
use workernator::status::Progress;

workernator::init_before_main!();

#[test]
fn the_latest_progress_is_in_the_status() {
    if !common::privileged("the_latest_progress_is_in_the_status") {
        return;
    }
    let test = common::runner();
    let job = test.runner.start(Steps { steps: 40 }).unwrap();
    assert_eq!(common::rt().block_on(job.wait()).unwrap(), 40);
    let progress = job.status().unwrap().progress.expect("progress recorded");
    assert_eq!(
        progress,
        Progress {
            done: 40,
            total: Some(40),
            message: "step 40".into()
        }
    );
}
