use super::*;
use std::path::Path;

#[test]
fn options_override_the_config() {
    let config = Config::default()
        .network(NetworkMode::Host)
        .bind(BindMount::read_only("/etc", "/host-etc"))
        .tmp_size_bytes(8 << 20);
    let (limits, sandbox) = StartOptions::new().resolve(&config, &JobSettings::DEFAULT);
    assert_eq!(limits, Limits::default());
    assert_eq!(sandbox.network, NetworkMode::Host);
    assert_eq!(sandbox.tmp_options(), "mode=1777,size=8388608");

    let (limits, sandbox) = StartOptions::new()
        .limits(Limits::unlimited())
        .network(NetworkMode::None)
        .user(JobUser::new(1000, 1000))
        .bind(BindMount::writable("/var/tmp", "/scratch"))
        .root_dir("/")
        .resolve(&config, &JobSettings::DEFAULT);
    assert_eq!(limits, Limits::unlimited());
    assert_eq!(sandbox.network, NetworkMode::None);
    assert_eq!(sandbox.user, JobUser::new(1000, 1000));
    assert_eq!(sandbox.binds.len(), 2, "the runner's bind, then the job's");
    assert_eq!(sandbox.root_dir.as_deref(), Some(Path::new("/")));
    sandbox.validate().unwrap();
}

#[test]
fn a_job_type_asking_for_the_host_network_gets_it_unless_the_start_says_otherwise() {
    let config = Config::default();
    let host = JobSettings::DEFAULT.host_network(true);
    let (_, sandbox) = StartOptions::new().resolve(&config, &host);
    assert_eq!(sandbox.network, NetworkMode::Host);
    let (_, sandbox) = StartOptions::new()
        .network(NetworkMode::None)
        .resolve(&config, &host);
    assert_eq!(sandbox.network, NetworkMode::None);
}

#[test]
fn the_schedule_prefers_the_start_then_the_job_type() {
    let settings = JobSettings::DEFAULT
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy::NEVER);
    let schedule = StartOptions::new().schedule(&settings);
    assert_eq!(schedule.timeout_ms, Some(5_000));
    assert_eq!(schedule.retry.attempts(), 1);
    assert!(schedule.not_before.is_none());
    let schedule = StartOptions::new()
        .timeout(Duration::from_millis(10))
        .retry(RetryPolicy::DEFAULT.max_attempts(7))
        .delay(Duration::from_secs(60))
        .schedule(&settings);
    assert_eq!(schedule.timeout_ms, Some(10));
    assert_eq!(schedule.retry.attempts(), 7);
    assert!(schedule.not_before.is_some_and(|t| t > Timestamp::now()));
}
