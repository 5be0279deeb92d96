use super::*;
use rustix::fs::FlockOperation;

#[test]
fn a_held_lock_cannot_be_taken_and_is_free_after_drop() {
    let dir = tempfile::tempdir().unwrap();
    let paths = JobPaths::at(dir.path().join("jobs").join("x"));
    std::fs::create_dir_all(dir.path().join("active")).unwrap();
    std::fs::create_dir_all(paths.dir()).unwrap();
    let held = JobLock::create(&paths).unwrap();
    assert!(JobLock::create(&paths).is_err(), "a lock is created once");
    assert!(matches!(
        JobLock::try_take(&paths).unwrap(),
        LockAttempt::Held
    ));
    drop(held);
    assert!(matches!(
        JobLock::try_take(&paths).unwrap(),
        LockAttempt::Taken(_)
    ));
    paths.clear_active().unwrap();
    assert!(matches!(
        JobLock::try_take(&paths).unwrap(),
        LockAttempt::Missing
    ));
}

#[test]
fn the_job_dir_keeps_the_lock_inode_when_the_marker_goes() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let paths = JobPaths::at(dir.path().join("jobs").join("x"));
    std::fs::create_dir_all(dir.path().join("active")).unwrap();
    std::fs::create_dir_all(paths.dir()).unwrap();
    let held = JobLock::create(&paths).unwrap();
    let in_dir = paths.dir().join("lock");
    let inode = std::fs::metadata(paths.lock()).unwrap().ino();
    assert_eq!(std::fs::metadata(&in_dir).unwrap().ino(), inode);
    // Either name is the same lock.
    let other = std::fs::File::open(&in_dir).unwrap();
    assert!(flock(other.as_fd(), FlockOperation::NonBlockingLockExclusive).is_err());
    paths.clear_active().unwrap();
    drop(held);
    assert!(matches!(
        JobLock::try_take(&paths).unwrap(),
        LockAttempt::Missing
    ));
    let left = std::fs::metadata(&in_dir).unwrap();
    assert_eq!((left.ino(), left.nlink()), (inode, 1), "the inode stays");
}

#[test]
fn dropping_a_shared_copy_keeps_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let paths = JobPaths::at(dir.path().join("jobs").join("x"));
    std::fs::create_dir_all(dir.path().join("active")).unwrap();
    std::fs::create_dir_all(paths.dir()).unwrap();
    let starter = JobLock::create(&paths).unwrap();
    let copy = starter.as_fd().try_clone_to_owned().unwrap();
    let handed_down = JobLock::adopt(copy, &paths).unwrap();
    drop(starter);
    assert!(
        matches!(JobLock::try_take(&paths).unwrap(), LockAttempt::Held),
        "the supervisor's copy still holds it"
    );
    drop(handed_down);
    assert!(matches!(
        JobLock::try_take(&paths).unwrap(),
        LockAttempt::Taken(_)
    ));
}
