//! Two applications on one state directory at once, while a third keeps
//! re-opening it: no job is started twice, none is lost.

mod common;

use common::app::{AppMode, app_process as app_body, spawn_app};
use std::collections::HashSet;
use workernator::{
    Runner,
    status::{JobState, ListedJob},
};

workernator::init_before_main!();

#[test]
fn app_process() {
    app_body();
}

#[test]
fn two_runners_share_a_state_dir() {
    if !common::privileged("two_runners_share_a_state_dir") {
        return;
    }
    let test = common::runner();
    let mut first = spawn_app(&test, AppMode::Squares(10), &[]);
    let mut second = spawn_app(&test, AppMode::Squares(10), &[]);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let reopen = std::thread::scope(|scope| {
        let reopener = scope.spawn(|| {
            let mut opens = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                Runner::open(test.runner.config().clone()).unwrap();
                opens += 1;
            }
            opens
        });
        let mut ids = first.read_until("done");
        ids.extend(second.read_until("done"));
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        (ids, reopener.join().unwrap())
    });
    let (ids, opens) = reopen;
    assert!(first.wait().success() && second.wait().success());
    assert!(opens > 0);
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 20);
    let listed = test.runner.list(None).unwrap();
    assert_eq!(listed.len(), 20);
    assert!(
        listed
            .iter()
            .all(|job| matches!(job, ListedJob::Job(s) if s.state == JobState::Succeeded))
    );
}
