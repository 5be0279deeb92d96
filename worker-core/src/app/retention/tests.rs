use super::*;
use std::time::Duration;

fn finished_job(state: &StateDir, age: Duration) -> crate::model::id::JobId {
    let id = crate::model::id::JobId::generate().unwrap();
    let dir = state.jobs_dir().join(id.as_str());
    fs::create_dir(&dir).unwrap();
    let status = fs::File::create(dir.join("status.json")).unwrap();
    status.set_modified(SystemTime::now() - age).unwrap();
    id
}

#[test]
fn old_and_surplus_finished_jobs_go_unfinished_ones_stay() {
    let dir = tempfile::tempdir().unwrap();
    let state = StateDir::open(dir.path()).unwrap();
    let old = finished_job(&state, Duration::from_secs(100));
    let newer = finished_job(&state, Duration::from_secs(10));
    let newest = finished_job(&state, Duration::from_secs(1));
    let running = finished_job(&state, Duration::from_secs(1000));
    fs::write(state.active_dir().join(running.as_str()), b"").unwrap();

    let removed = prune(
        &state,
        Retention::default().max_age(Duration::from_secs(50)),
    )
    .unwrap();
    assert_eq!(removed, 1);
    assert!(!state.job(&old).dir().exists());

    let removed = prune(
        &state,
        Retention::default()
            .max_age(Duration::from_secs(500))
            .max_finished(1),
    )
    .unwrap();
    assert_eq!(removed, 1);
    assert!(!state.job(&newer).dir().exists());
    assert!(state.job(&newest).dir().exists());
    assert!(
        state.job(&running).dir().exists(),
        "unfinished jobs are never pruned"
    );
}

#[test]
fn a_job_dir_being_created_stays_an_abandoned_one_goes() {
    let dir = tempfile::tempdir().unwrap();
    let state = StateDir::open(dir.path()).unwrap();
    // Mid-creation: the directory and its lock, no active marker yet.
    let new = crate::model::id::JobId::generate().unwrap();
    fs::create_dir(state.job(&new).dir()).unwrap();
    fs::write(state.job(&new).dir().join("lock"), b"").unwrap();
    let abandoned = crate::model::id::JobId::generate().unwrap();
    fs::create_dir(state.job(&abandoned).dir()).unwrap();
    fs::File::open(state.job(&abandoned).dir())
        .unwrap()
        .set_modified(SystemTime::now() - 2 * CREATION_GRACE)
        .unwrap();
    let removed = prune(&state, Retention::default()).unwrap();
    assert_eq!(removed, 1);
    assert!(state.job(&new).dir().exists());
    assert!(!state.job(&abandoned).dir().exists());
}
