use super::*;

/// A fake `/sys/dev/block` with disk 254:0 and its partition 254:1.
fn sysfs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("devices/vda");
    std::fs::create_dir_all(disk.join("vda1")).unwrap();
    std::fs::write(disk.join("dev"), "254:0\n").unwrap();
    std::fs::write(disk.join("vda1/dev"), "254:1\n").unwrap();
    std::fs::write(disk.join("vda1/partition"), "1\n").unwrap();
    std::os::unix::fs::symlink(&disk, dir.path().join("254:0")).unwrap();
    std::os::unix::fs::symlink(disk.join("vda1"), dir.path().join("254:1")).unwrap();
    dir
}

#[test]
fn defaults_are_valid() {
    let sys = sysfs();
    Limits::default().validate_with(sys.path()).unwrap();
    Limits::unlimited().validate_with(sys.path()).unwrap();
}

#[test]
fn nonsense_is_refused_with_the_rule() {
    let sys = sysfs();
    let rule = |limits: Limits| match limits.validate_with(sys.path()) {
        Err(LimitsError::Invalid { rule }) => rule,
        other => panic!("expected Invalid, got {other:?}"),
    };
    assert!(rule(Limits::default().cpu_max_cores(0.0)).contains("cpu_max_cores"));
    assert!(rule(Limits::default().memory_max_bytes(1)).contains("1 MiB"));
    assert!(rule(Limits::default().pids_max(0)).contains("pids_max"));
    assert!(rule(Limits::default().cpu_weight(0)).contains("cpu_weight"));
    assert!(rule(Limits::default().io_weight(20_000)).contains("io_weight"));
    assert!(
        rule(Limits::default().io_write_bps(BlockDevice::new(254, 0), 0)).contains("at least 1")
    );
}

#[test]
fn devices_must_exist_and_be_whole_disks() {
    let sys = sysfs();
    Limits::default()
        .io_write_bps(BlockDevice::new(254, 0), 1 << 20)
        .validate_with(sys.path())
        .unwrap();
    let missing = Limits::default().io_read_iops(BlockDevice::new(9, 9), 10);
    let error = missing.validate_with(sys.path()).unwrap_err();
    assert!(
        matches!(error, LimitsError::NoSuchDevice { device, .. } if device == BlockDevice::new(9, 9))
    );
    assert!(error.to_string().contains("9:9 does not exist"), "{error}");
    let partition = Limits::default().io_read_bps(BlockDevice::new(254, 1), 10);
    let error = partition.validate_with(sys.path()).unwrap_err();
    assert!(error.to_string().contains("(use 254:0)"), "{error}");
}

#[test]
fn io_builder_merges_per_device() {
    let disk = BlockDevice::new(8, 0);
    let limits = Limits::default()
        .io_read_bps(disk, 1)
        .io_write_iops(disk, 2)
        .io_write_bps(BlockDevice::new(8, 16), 3);
    assert_eq!(limits.io.len(), 2);
    assert_eq!(limits.io[0].read_bps, Some(1));
    assert_eq!(limits.io[0].write_iops, Some(2));
    let cgroup = limits.to_cgroup();
    assert_eq!(cgroup.io_devices[1].major, 8);
    assert_eq!(cgroup.io_devices[1].minor, 16);
    assert_eq!(cgroup.io_devices[1].write_bps, Some(3));
}

#[test]
fn block_device_parses() {
    assert_eq!("8:16".parse(), Ok(BlockDevice::new(8, 16)));
    for bad in ["", "8", "8:", ":1", "a:b", "8:0:1", "-1:0"] {
        assert!(bad.parse::<BlockDevice>().is_err(), "{bad}");
    }
}

#[test]
fn old_specs_without_io_fields_decode() {
    let text =
        r#"{"memory_max_bytes":1024,"pids_max":null,"cpu_max_cores":null,"cpu_weight":null}"#;
    let limits: Limits = serde_json::from_str(text).unwrap();
    assert!(limits.io.is_empty());
    assert_eq!(limits.io_weight, None);
}

#[test]
fn holding_finds_the_disk_of_a_real_file_or_none() {
    // Whatever this machine's temp dir is on, the answer is a device
    // sysfs knows, or None (tmpfs, overlay).
    let dir = tempfile::tempdir().unwrap();
    if let Some(device) = BlockDevice::holding(dir.path()).unwrap() {
        assert!(Path::new(SYS_DEV_BLOCK).join(device.to_string()).exists());
        assert!(
            !Path::new(SYS_DEV_BLOCK)
                .join(device.to_string())
                .join("partition")
                .exists()
        );
    }
}
