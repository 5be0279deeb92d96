//! A job's recorded supervisor pid that now belongs to an unrelated process:
//! that process is never signalled, and the job is recognised as lost.

mod common;

use common::jobs::Ticker;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use workernator::{
    Runner,
    errors::WaitError,
    status::{JobState, JobStatus},
};

workernator::init_before_main!();

#[test]
fn a_reused_pid_is_never_taken_for_the_supervisor() {
    if !common::privileged("a_reused_pid_is_never_taken_for_the_supervisor") {
        return;
    }
    let test = common::runner();
    let (job, status, pids) = common::running_ticker(&test);
    let supervisor = status.supervisor_pid.unwrap();
    kill(Pid::from_raw(supervisor), Signal::SIGKILL).unwrap();
    common::eventually("the sandbox to die", || {
        pids.iter().all(|pid| !common::alive(*pid))
    });

    // An unrelated process now sits at the recorded pid (we write its pid into the
    // status, as if the kernel had reused the supervisor's).
    let mut unrelated = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let path = test
        .dir
        .path()
        .join("jobs")
        .join(job.id().as_str())
        .join("status.json");
    let mut forged: JobStatus = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    forged.supervisor_pid = Some(unrelated.id() as i32);
    std::fs::write(&path, serde_json::to_vec(&forged).unwrap()).unwrap();

    let runner = Runner::open(test.runner.config().clone()).unwrap();
    let attached = runner.attach::<Ticker>(job.id()).unwrap();
    let rt = common::rt();
    assert_eq!(rt.block_on(attached.stop()).unwrap().state, JobState::Lost);
    assert!(matches!(
        rt.block_on(attached.wait()),
        Err(WaitError::Lost { .. })
    ));
    assert!(
        unrelated.try_wait().unwrap().is_none(),
        "the unrelated process was not touched"
    );
    unrelated.kill().unwrap();
    unrelated.wait().unwrap();
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
}
