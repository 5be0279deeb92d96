use super::*;

#[test]
fn sizes() {
    assert_eq!(size("64M"), Ok(64 << 20));
    assert_eq!(size("1G"), Ok(1 << 30));
    assert_eq!(size("512k"), Ok(512 << 10));
    assert_eq!(size("64MiB"), Ok(64 << 20));
    assert_eq!(size("64MB"), Ok(64 << 20));
    assert_eq!(size("2T"), Ok(2 << 40));
    assert_eq!(size("1000"), Ok(1000));
    for bad in [
        "",
        "M",
        "0",
        "0M",
        "1.5G",
        "-1M",
        "64X",
        "99999999999T",
        "1 G",
    ] {
        assert!(size(bad).is_err(), "{bad:?} accepted");
    }
    assert_eq!(
        size("lots").unwrap_err().message("--memory", "lots"),
        "invalid value 'lots' for --memory: a size in bytes, with an optional K, M, G or T suffix (powers of 1024), e.g. 64M"
    );
}

#[test]
fn durations() {
    assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
    assert_eq!(duration("5m"), Ok(Duration::from_secs(300)));
    assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(duration("1h30m"), Ok(Duration::from_secs(5400)));
    assert_eq!(duration("2d"), Ok(Duration::from_secs(172_800)));
    assert_eq!(duration("45"), Ok(Duration::from_secs(45)));
    for bad in ["", "s", "0s", "5 m", "5x", "1.5s", "m5", "-5s", "5s5"] {
        assert!(duration(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn cores_and_counts() {
    assert_eq!(cores("0.5"), Ok(0.5));
    assert_eq!(cores("2"), Ok(2.0));
    for bad in ["0", "0.001", "-1", "NaN", "inf", "", "two", "5000"] {
        assert!(cores(bad).is_err(), "{bad:?} accepted");
    }
    assert_eq!(count("64"), Ok(64));
    assert!(count("0").is_err());
    assert!(count("-3").is_err());
}

#[test]
fn io_rates() {
    assert_eq!(
        io_rate("8:0=10M"),
        Ok(IoRate {
            device: Device { major: 8, minor: 0 },
            bytes_per_second: 10 << 20
        })
    );
    assert_eq!(
        io_rate("259:3=1048576").map(|r| r.bytes_per_second),
        Ok(1 << 20)
    );
    for bad in [
        "8:0", "8=10M", "8:0=", "a:b=1M", "8:0=0", ":0=1M", "8:0=1M=2",
    ] {
        assert!(io_rate(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn networks_and_owners() {
    assert_eq!(network("host"), Ok(Network::Host));
    assert_eq!(network("none"), Ok(Network::None));
    assert!(network("bridge").is_err());
    assert_eq!(owner("alice@team-1"), Ok("alice@team-1".into()));
    assert!(owner("").is_err());
    assert!(owner("a b").is_err());
    assert!(owner(&"x".repeat(65)).is_err());
}

#[test]
fn states_directories_and_policies() {
    assert_eq!(state("running"), Ok(State::Running));
    assert_eq!(
        state("starting")
            .unwrap_err()
            .message("--state", "starting"),
        "unknown state 'starting': use one of queued, running, succeeded, failed, stopped, lost"
    );
    assert_eq!(directory("/tmp/s"), Ok(PathBuf::from("/tmp/s")));
    assert_eq!(
        directory("").unwrap_err().message("--state-dir", ""),
        "--state-dir needs a directory"
    );
    for policy in [RootlessLimits::BestEffort, RootlessLimits::Require] {
        assert_eq!(rootless_limits(rootless_limits_name(policy)), Ok(policy));
    }
    assert!(rootless_limits("best_effort").is_err());
    assert!(rootless_limits("").is_err());
}
