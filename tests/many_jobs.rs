//! Fifty jobs started at once all finish with the right outputs.

mod common;

use common::jobs::Square;

workernator::init_before_main!();

#[test]
fn fifty_jobs_at_once() {
    if !common::privileged("fifty_jobs_at_once") {
        return;
    }
    let test = common::runner();
    let jobs: Vec<_> = (0..50u64)
        .map(|n| (n, test.runner.start(Square { n }).unwrap()))
        .collect();
    let rt = common::rt();
    for (n, job) in &jobs {
        assert_eq!(rt.block_on(job.wait()).unwrap(), n * n);
        assert!(test.cgroup_left(job.id().as_str()).is_empty());
    }
}
