//! `stop` ends every process of a job: one that ignores SIGTERM, and a grandchild
//! that double-forked away from it.

mod common;

use common::jobs::Stubborn;
use workernator::{
    errors::WaitError,
    logs::OutputStream,
    status::{ExitReason, JobState},
};

workernator::init_before_main!();

fn stop_kills_everything(ignore_term: bool) {
    let test = common::runner();
    let job = test.runner.start(Stubborn { ignore_term }).unwrap();
    let id = job.id().as_str().to_owned();
    common::eventually("the job to be ready", || {
        job.output()
            .unwrap()
            .iter()
            .any(|r| r.bytes.starts_with(b"ready"))
    });
    let pids = test.cgroup_pids(&id).expect("the job's cgroup");
    assert!(pids.len() >= 3, "init, job and orphaned sleep: {pids:?}");
    let rt = common::rt();
    let status = rt.block_on(job.stop()).unwrap();
    assert_eq!(status.state, JobState::Stopped);
    assert_eq!(status.exit, Some(ExitReason::Stopped));
    for pid in pids {
        assert!(
            !common::alive(pid),
            "process {pid} of the job survived the stop"
        );
    }
    assert!(
        test.cgroup_left(&id).is_empty(),
        "cgroup left: {:?}",
        test.cgroup_left(&id)
    );
    assert!(matches!(
        rt.block_on(job.wait()),
        Err(WaitError::Stopped { .. })
    ));
    // Stopping again is not an error.
    assert_eq!(rt.block_on(job.stop()).unwrap().state, JobState::Stopped);
}

#[test]
fn stop_kills_a_job_that_ignores_sigterm_and_its_double_forked_grandchild() {
    if !common::privileged("stop_kills_a_job_that_ignores_sigterm") {
        return;
    }
    stop_kills_everything(true);
}

#[test]
fn stop_ends_a_job_that_obeys_sigterm() {
    if !common::privileged("stop_ends_a_job_that_obeys_sigterm") {
        return;
    }
    stop_kills_everything(false);
}

#[test]
fn a_stop_during_setup_does_not_wait_out_the_grace_period() {
    if !common::privileged("a_stop_during_setup_does_not_wait_out_the_grace_period") {
        return;
    }
    // A grace period far longer than the test may take: if a stop during the
    // sandbox's setup waited it out (its init ignores SIGTERM and the job does
    // not exist yet, so nothing would end it), the test would hang until the
    // harness gives up. The stop is sent right after start, which on an idle
    // machine lands during the setup; on a busy one the job may be running by
    // then, and a job that ignored SIGTERM would rightly get the whole grace:
    // this one obeys it, so that case ends too, and the test says which it was.
    let test =
        common::runner_with(|config| config.stop_grace(std::time::Duration::from_secs(3600)));
    let job = test.runner.start(Stubborn { ignore_term: false }).unwrap();
    let status = common::rt().block_on(job.stop()).unwrap();
    assert_eq!(status.state, JobState::Stopped);
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
    let system: Vec<String> = job
        .output()
        .unwrap()
        .iter()
        .filter(|record| record.stream == OutputStream::System)
        .map(|record| String::from_utf8_lossy(&record.bytes).into_owned())
        .collect();
    let during_setup = !system.iter().any(|text| text == "job started");
    eprintln!(
        "a_stop_during_setup_does_not_wait_out_the_grace_period: the stop landed {} ({system:?})",
        if during_setup {
            "during the setup"
        } else {
            "after the job started"
        }
    );
}
