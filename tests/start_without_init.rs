//! A program that forgot `workernator::init()` gets a clear error from `start`,
//! not a hang or a fork bomb, and nothing is written.

mod common;

use common::jobs::Square;
use workernator::errors::StartError;

#[test]
fn start_without_init_is_refused() {
    let test = common::runner();
    let error = test.runner.start(Square { n: 2 }).unwrap_err();
    assert!(matches!(error, StartError::InitNotCalled), "{error:?}");
    assert!(error.to_string().contains("workernator::init()"));
    let jobs: Vec<_> = std::fs::read_dir(test.dir.path().join("jobs"))
        .unwrap()
        .collect();
    assert!(jobs.is_empty(), "nothing recorded");
}
