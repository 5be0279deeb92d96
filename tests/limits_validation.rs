//! Nonsense limits and sandbox settings are a clear error at `start`, with
//! nothing left behind; usage is reported live while a job runs and finally
//! once it ended.

mod common;

use common::jobs::{Spin, Square};
use workernator::{
    Limits, StartOptions,
    errors::{LimitsError, OptionsError, StartError},
    limits::BlockDevice,
    sandbox::BindMount,
    status::JobState,
};

workernator::init_before_main!();

fn start_error(test: &common::TestRunner, options: StartOptions) -> StartError {
    let error = test
        .runner
        .start_with(Square { n: 1 }, options)
        .expect_err("refused at start");
    let jobs = std::fs::read_dir(test.dir.path().join("jobs"))
        .unwrap()
        .count();
    assert_eq!(jobs, 0, "nothing recorded for a refused start");
    error
}

#[test]
fn nonsense_limits_are_refused_at_start() {
    let test = common::runner();
    for (limits, expected) in [
        (Limits::default().cpu_max_cores(0.0), "cpu_max_cores"),
        (Limits::default().memory_max_bytes(1), "1 MiB"),
        (Limits::default().pids_max(0), "pids_max"),
        (Limits::default().io_weight(0), "io_weight"),
    ] {
        let error = start_error(&test, StartOptions::new().limits(limits));
        assert!(
            matches!(&error, StartError::Limits(LimitsError::Invalid { rule }) if rule.contains(expected)),
            "{error:?}"
        );
    }
    let missing = BlockDevice::new(4000, 4000);
    let error = start_error(
        &test,
        StartOptions::new().limits(Limits::default().io_read_bps(missing, 1 << 20)),
    );
    match error {
        StartError::Limits(error @ LimitsError::NoSuchDevice { .. }) => {
            assert!(
                error.to_string().contains("4000:4000 does not exist"),
                "{error}"
            );
        }
        other => panic!("expected NoSuchDevice, got {other:?}"),
    }
}

#[test]
fn nonsense_sandbox_settings_are_refused_at_start() {
    let test = common::runner();
    let error = start_error(
        &test,
        StartOptions::new().bind(BindMount::read_only("/no/such/path", "/data")),
    );
    assert!(
        matches!(error, StartError::Options(OptionsError::Bind { .. })),
        "{error:?}"
    );
    let error = start_error(&test, StartOptions::new().root_dir("/no/such/root"));
    assert!(
        matches!(error, StartError::Options(OptionsError::RootDir { .. })),
        "{error:?}"
    );
}

#[test]
fn usage_is_live_while_running_and_final_after() {
    if !common::privileged("usage_is_live_while_running_and_final_after") {
        return;
    }
    let test = common::runner();
    let job = test.runner.start(Spin { millis: 1500 }).unwrap();
    common::eventually("live cpu usage", || {
        let status = job.status().unwrap();
        status.state == JobState::Running
            && status
                .usage
                .is_some_and(|usage| usage.cpu_user_ms + usage.cpu_system_ms > 0)
    });
    common::rt().block_on(job.wait()).unwrap();
    let usage = job.status().unwrap().usage.expect("final usage");
    eprintln!("{usage:?}");
    assert!(usage.cpu_user_ms + usage.cpu_system_ms >= 500, "{usage:?}");
    assert!(usage.wall_ms >= 1000, "{usage:?}");
    assert!(usage.peak_memory_bytes.is_some_and(|peak| peak > 0));
    assert!(!usage.oom_killed);
}
