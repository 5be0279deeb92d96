use super::*;

const LOCKS: &str = "\
1: POSIX  ADVISORY  WRITE 903 00:19:717 0 EOF
2: FLOCK  ADVISORY  WRITE 4455 fd:01:1234567 0 EOF
2: -> FLOCK  ADVISORY  WRITE 4460 fd:01:7654321 0 EOF
";

#[test]
fn real_events_wake_the_watch() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut watch = Watch::new(dir.path(), &dir.path().join("no-lock")).unwrap();
    // Only events may say check_end here, not the safety-net re-check.
    watch.recheck_every = std::time::Duration::from_secs(3600);
    // Events may come in several batches: gather them until none comes for
    // a while.
    let gather = |watch: &mut Watch| {
        rt.block_on(async {
            let mut check_end = false;
            let quiet = std::time::Duration::from_millis(200);
            let first = std::future::poll_fn(|cx| watch.poll_changes(cx)).await;
            check_end |= first.unwrap().check_end;
            while let Ok(more) =
                tokio::time::timeout(quiet, std::future::poll_fn(|cx| watch.poll_changes(cx))).await
            {
                check_end |= more.unwrap().check_end;
            }
            check_end
        })
    };
    std::fs::write(dir.path().join("output.log"), b"x").unwrap();
    assert!(!gather(&mut watch), "a log write does not end the job");
    std::fs::write(dir.path().join(".status.json.tmp"), b"{}").unwrap();
    std::fs::rename(
        dir.path().join(".status.json.tmp"),
        dir.path().join("status.json"),
    )
    .unwrap();
    assert!(gather(&mut watch), "a new status may end it");
}

#[test]
fn a_granted_flock_is_found_by_device_and_inode() {
    assert!(locks_hold(LOCKS, (0xfd, 1), 1234567));
    assert!(!locks_hold(LOCKS, (0xfd, 2), 1234567));
    assert!(
        !locks_hold(LOCKS, (0, 0x19), 717),
        "POSIX locks are not ours"
    );
    assert!(
        !locks_hold(LOCKS, (0xfd, 1), 7654321),
        "a waiter holds nothing"
    );
}

#[test]
fn our_own_flock_shows_in_proc_locks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lock");
    let file = std::fs::File::create(&path).unwrap();
    assert!(!lock_held(&path, None));
    let locked = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock)
        .map_err(|(_, errno)| errno)
        .unwrap();
    assert!(lock_held(&path, None));
    drop(locked);
    assert!(!lock_held(&path, None));
}

#[test]
fn a_flock_shows_in_the_fdinfo_of_its_descriptor() {
    use std::os::fd::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lock");
    let file = std::fs::File::create(&path).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    let device = (
        nix::sys::stat::major(meta.dev()),
        nix::sys::stat::minor(meta.dev()),
    );
    let fdinfo = format!("/proc/self/fdinfo/{}", file.as_raw_fd());
    let info = std::fs::read_to_string(&fdinfo).unwrap();
    assert!(!fdinfo_holds(&info, device, meta.ino()));
    let locked = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock)
        .map_err(|(_, errno)| errno)
        .unwrap();
    let info = std::fs::read_to_string(&fdinfo).unwrap();
    assert!(fdinfo_holds(&info, device, meta.ino()), "{info}");
    assert!(!fdinfo_holds(&info, device, meta.ino() + 1));
    drop(locked);
}
