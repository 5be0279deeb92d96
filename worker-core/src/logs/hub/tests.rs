use super::*;

fn may_end(interest: Interest, mask: AddWatchFlags, name: &str) -> bool {
    let name = (!name.is_empty()).then_some(name.as_bytes());
    event_may_end(interest, mask, name)
}

#[test]
fn only_status_lock_and_lost_events_may_end_the_job() {
    use AddWatchFlags as F;
    assert!(!may_end(Interest::JobDir, F::IN_MODIFY, "output.log"));
    assert!(may_end(Interest::JobDir, F::IN_MOVED_TO, "status.json"));
    // Rewritten in place (see state::in_place).
    assert!(may_end(Interest::JobDir, F::IN_MODIFY, "status.json"));
    assert!(may_end(Interest::JobDir, F::IN_CLOSE_WRITE, "status.json"));
    assert!(!may_end(
        Interest::JobDir,
        F::IN_MOVED_TO,
        ".status.json.tmp"
    ));
    assert!(may_end(Interest::JobDir, F::IN_DELETE_SELF, ""));
    assert!(may_end(Interest::LockFile, F::IN_CLOSE_WRITE, ""));
    assert!(may_end(Interest::LockFile, F::IN_IGNORED, ""));
    assert!(may_end(Interest::JobDir, F::IN_Q_OVERFLOW, ""));
}

/// Waits for the first event, then gathers until none comes for 100 ms
/// (events may be delivered in several batches): whether any of them may
/// end the job.
fn wait(subscription: &Subscription) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    let mut may_end = None::<bool>;
    let mut quiet_since = std::time::Instant::now();
    loop {
        if let Poll::Ready(result) = subscription.poll_changes(&mut cx) {
            *may_end.get_or_insert(false) |= result.expect("events");
            quiet_since = std::time::Instant::now();
        }
        match may_end {
            Some(may_end) if quiet_since.elapsed() > std::time::Duration::from_millis(100) => {
                return may_end;
            }
            None => assert!(std::time::Instant::now() < deadline, "no event came"),
            Some(_) => {}
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[test]
fn more_followers_than_a_user_may_have_inotify_instances_are_all_woken() {
    // 128 instances per user by default; one shared instance has no such cap.
    let dir = tempfile::tempdir().unwrap();
    let followers: Vec<Subscription> = (0..300)
        .map(|_| {
            let mut subscription = Subscription::new().unwrap();
            subscription.watch(dir.path(), Interest::JobDir).unwrap();
            subscription
        })
        .collect();
    // Each event reaches every subscriber at once: once the last one has
    // seen them all, every other has too, and one look tells what it got.
    let look = |follower: &Subscription| {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match follower.poll_changes(&mut cx) {
            Poll::Ready(may_end) => Some(may_end.expect("events")),
            Poll::Pending => None,
        }
    };
    let (last, others) = followers.split_last().unwrap();
    std::fs::write(dir.path().join("output.log"), b"x").unwrap();
    assert!(!wait(last), "a log write does not end the job");
    for follower in others {
        assert_eq!(look(follower), Some(false), "woken, not ended");
    }
    std::fs::write(dir.path().join("status.json"), b"{}").unwrap();
    assert!(wait(last), "a status write may end the job");
    for follower in others {
        assert_eq!(look(follower), Some(true), "woken, may have ended");
    }
}

#[test]
fn a_dropped_follower_leaves_the_others_subscribed() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Subscription::new().unwrap();
    first.watch(dir.path(), Interest::JobDir).unwrap();
    let mut second = Subscription::new().unwrap();
    second.watch(dir.path(), Interest::JobDir).unwrap();
    drop(first);
    std::fs::write(dir.path().join("status.json"), b"{}").unwrap();
    assert!(wait(&second));
    drop(second);
    // The last one gone, the watch is removed: a new follower starts afresh.
    let mut third = Subscription::new().unwrap();
    third.watch(dir.path(), Interest::JobDir).unwrap();
    std::fs::write(dir.path().join("output.log"), b"x").unwrap();
    assert!(!wait(&third));
}

#[test]
fn a_status_rewritten_in_place_wakes_a_follower() {
    let dir = tempfile::tempdir().unwrap();
    let status = dir.path().join("status.json");
    crate::state::write_in_place(&status, &vec![1]).unwrap();
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&status).unwrap());
    let mut follower = Subscription::new().unwrap();
    follower.watch(dir.path(), Interest::JobDir).unwrap();
    crate::state::write_in_place(&status, &vec![2]).unwrap();
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&status).unwrap()),
        inode,
        "rewritten, not replaced"
    );
    assert!(wait(&follower), "a rewrite may end the job");
}

#[test]
fn a_lock_file_closed_or_removed_may_end_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("lock");
    std::fs::write(&lock, b"").unwrap();
    let mut follower = Subscription::new().unwrap();
    follower.watch(&lock, Interest::LockFile).unwrap();
    drop(std::fs::File::options().write(true).open(&lock).unwrap());
    assert!(wait(&follower));
    std::fs::remove_file(&lock).unwrap();
    assert!(wait(&follower));
}

#[test]
fn the_active_marker_removed_while_the_job_dir_keeps_the_lock_may_end_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let active = dir.path().join("active");
    std::fs::write(&active, b"").unwrap();
    std::fs::hard_link(&active, dir.path().join("lock")).unwrap();
    let mut follower = Subscription::new().unwrap();
    follower.watch(&active, Interest::LockFile).unwrap();
    // No IN_DELETE_SELF: the inode lives on under its other name.
    std::fs::remove_file(&active).unwrap();
    assert!(wait(&follower));
}
