//! A job with a truncated or garbage status or spec is reported corrupt with
//! its path; the other jobs are fine and `open` does not fail.

mod common;

use common::jobs::Square;
use workernator::{
    Runner,
    status::{JobState, ListedJob},
};

workernator::init_before_main!();

#[test]
fn corrupt_jobs_are_reported_and_do_not_stop_open() {
    if !common::privileged("corrupt_jobs_are_reported_and_do_not_stop_open") {
        return;
    }
    let test = common::runner();
    let rt = common::rt();
    let jobs: Vec<_> = (0..3)
        .map(|n| test.runner.start(Square { n }).unwrap())
        .collect();
    for job in &jobs {
        rt.block_on(job.wait()).unwrap();
    }
    let jobs_dir = test.dir.path().join("jobs");
    let truncated = jobs_dir.join(jobs[0].id().as_str()).join("status.json");
    let text = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    // An unfinished-looking job (lock file present, nobody holding it) whose spec is garbage.
    let garbage = jobs_dir.join(jobs[1].id().as_str());
    std::fs::write(garbage.join("spec.json"), b"\0\xff garbage").unwrap();
    std::fs::write(garbage.join("status.json"), b"{\"nope\": 1}").unwrap();
    std::fs::write(
        test.dir.path().join("active").join(jobs[1].id().as_str()),
        b"",
    )
    .unwrap();

    let runner = Runner::open(test.runner.config().clone()).expect("open survives corrupt jobs");
    let listed = runner.list(None).unwrap();
    assert_eq!(listed.len(), 3);
    let mut corrupt_paths = Vec::new();
    for job in &listed {
        match job {
            ListedJob::Job(status) => {
                assert_eq!(&status.id, jobs[2].id());
                assert_eq!(status.state, JobState::Succeeded);
            }
            ListedJob::Corrupt { path, error, .. } => {
                assert!(error.contains("corrupt"), "{error}");
                corrupt_paths.push(path.clone());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    corrupt_paths.sort();
    let mut expected = vec![truncated, garbage.join("status.json")];
    expected.sort();
    assert_eq!(corrupt_paths, expected);
    assert_eq!(runner.list(Some(JobState::Succeeded)).unwrap().len(), 1);
}
