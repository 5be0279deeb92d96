//! A cpu quota of half a core gives a busy job about half a core of cpu time
//! over its wall time. A correctness check of the quota with a generous band,
//! not a timing test: the job measures nothing, the cgroup's accounting does.

mod common;

use common::jobs::Spin;
use workernator::{Limits, StartOptions, status::JobState};

workernator::init_before_main!();

#[test]
fn a_half_core_quota_yields_about_half_a_core() {
    if !common::privileged("a_half_core_quota_yields_about_half_a_core") {
        return;
    }
    let test = common::runner();
    let job = test
        .runner
        .start_with(
            Spin { millis: 3000 },
            StartOptions::new().limits(Limits::default().cpu_max_cores(0.5)),
        )
        .unwrap();
    common::rt().block_on(job.wait()).unwrap();
    let status = job.status().unwrap();
    assert_eq!(status.state, JobState::Succeeded);
    let usage = status.usage.expect("final usage");
    let cpu = (usage.cpu_user_ms + usage.cpu_system_ms) as f64;
    let ratio = cpu / usage.wall_ms as f64;
    eprintln!(
        "cpu {cpu} ms over {} ms of wall time: {ratio:.2} cores",
        usage.wall_ms
    );
    assert!(usage.wall_ms >= 2500, "{usage:?}");
    assert!((0.3..=0.7).contains(&ratio), "{ratio:.2} cores: {usage:?}");
}
