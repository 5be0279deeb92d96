use crate::app::handle::JobHandle;
use crate::job::settings::JobSettings;
use crate::job::{Job, JobContext, JobError, Run};
use crate::model::id::JobId;
use crate::model::limits::Limits;
use crate::model::outcome::ExitReason;
use crate::model::time::Timestamp;
use crate::state::{self, JobSpec, JobStatus, StateDir, StateError};
use serde::{Deserialize, Serialize};

/// A job type implemented by hand (the derive's generated paths name the
/// facade crate, which is another copy of this one in unit tests).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Add {
    a: i64,
    b: i64,
}

impl Run for Add {
    type Output = i64;
    fn run(self, _ctx: &JobContext) -> Result<i64, JobError> {
        Ok(self.a + self.b)
    }
}

impl Job for Add {
    const NAME: &'static str = "Add";
    const DESCRIPTION: &'static str = "Adds two numbers.";
    const SETTINGS: JobSettings = JobSettings::DEFAULT;
}

const ID: &str = "0123456789abcdef0123456789abcdef";

/// A job directory holding a spec and a status, as `Runner::start` leaves it.
fn recorded_job(dir: &std::path::Path, limits: Limits) -> JobHandle<Add> {
    let id: JobId = ID.parse().unwrap();
    let paths = StateDir::open(dir).unwrap().job(&id);
    paths.create_dir().unwrap();
    paths.create_work().unwrap();
    // From JSON, as the starter writes it: fields with defaults may be left out.
    let spec: JobSpec = serde_json::from_value(serde_json::json!({
        "format": JobSpec::FORMAT,
        "id": ID,
        "job_type": "Add",
        "args": { "a": 2, "b": 3 },
        "limits": limits,
        "stop_grace_ms": 1000,
        "state_dir": dir,
        "keep_work_dir": false,
        "cgroup_parent": "workernator",
        "attempt": 1,
        "created_at": Timestamp::now(),
    }))
    .unwrap();
    state::write_json_atomic(&paths.spec(), &spec).unwrap();
    let status = JobStatus::starting(id.clone(), "Add".into(), 1, Timestamp::now());
    state::write_in_place(&paths.status(), &status).unwrap();
    JobHandle::new(id, paths, None)
}

fn finish(job: &JobHandle<Add>, exit: ExitReason) {
    let mut status = job.status().unwrap();
    status.finish(exit);
    state::write_in_place(&job.paths.status(), &status).unwrap();
}

#[test]
fn the_job_value_and_limits_come_back_from_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits::default().memory_max_bytes(64 << 20).pids_max(10);
    let job = recorded_job(dir.path(), limits.clone());
    assert_eq!(job.job().unwrap(), Add { a: 2, b: 3 });
    assert_eq!(job.limits().unwrap(), limits);
}

#[test]
fn the_owner_comes_from_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let job = recorded_job(dir.path(), Limits::default());
    assert_eq!(job.owner().unwrap(), None);
    let mut spec: serde_json::Value = state::read_json(&job.paths.spec()).unwrap();
    spec["request"] = serde_json::json!({ "owner": "alice" });
    state::write_json_atomic(&job.paths.spec(), &spec).unwrap();
    assert_eq!(job.owner().unwrap().as_deref(), Some("alice"));
}

#[test]
fn output_json_is_none_until_the_job_succeeded() {
    let dir = tempfile::tempdir().unwrap();
    let job = recorded_job(dir.path(), Limits::default());
    assert_eq!(job.output_json().unwrap(), None);
    std::fs::write(job.paths.result(), b"5").unwrap();
    finish(&job, ExitReason::Succeeded);
    assert_eq!(job.output_json().unwrap(), Some(serde_json::json!(5)));
}

#[test]
fn output_json_is_none_for_a_job_that_failed() {
    let dir = tempfile::tempdir().unwrap();
    let job = recorded_job(dir.path(), Limits::default());
    finish(&job, ExitReason::Exited { code: 3 });
    assert_eq!(job.output_json().unwrap(), None);
}

#[test]
fn a_spec_of_another_shape_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let job = recorded_job(dir.path(), Limits::default());
    let mut spec: serde_json::Value = state::read_json(&job.paths.spec()).unwrap();
    spec["args"] = serde_json::json!({ "a": "two" });
    state::write_json_atomic(&job.paths.spec(), &spec).unwrap();
    match job.job() {
        Err(StateError::Corrupt { path, .. }) => assert_eq!(path, job.paths.spec()),
        other => panic!("expected a corrupt spec, got {other:?}"),
    }
}
