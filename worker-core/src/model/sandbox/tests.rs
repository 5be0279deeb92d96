use super::*;

#[test]
fn bad_binds_are_refused() {
    let reason = |bind: BindMount| {
        let sandbox = SandboxSpec {
            binds: vec![bind],
            ..SandboxSpec::default()
        };
        match sandbox.validate() {
            Err(OptionsError::Bind { reason, .. }) => reason,
            other => panic!("expected a bind error, got {other:?}"),
        }
    };
    assert!(reason(BindMount::read_only("etc", "/x")).contains("absolute"));
    assert!(reason(BindMount::read_only("/no/such/dir", "/x")).contains("does not exist"));
    assert!(reason(BindMount::read_only("/etc", "x")).contains("absolute"));
    assert!(reason(BindMount::read_only("/etc", "/a/../b")).contains("'..'"));
    for reserved in [
        "/",
        "/proc",
        "/proc/sys",
        "/dev/sda",
        "/sys",
        "/tmp",
        "/work",
    ] {
        assert!(
            reason(BindMount::read_only("/etc", reserved)).contains("makes itself"),
            "{reserved}"
        );
    }
    let ok = SandboxSpec {
        binds: vec![
            BindMount::read_only("/etc", "/tmp/etc"),
            BindMount::writable("/var/tmp", "/scratch"),
        ],
        ..SandboxSpec::default()
    };
    ok.validate().unwrap();
}

#[test]
fn bad_settings_are_refused() {
    let root = SandboxSpec {
        root_dir: Some("/no/such/root".into()),
        ..SandboxSpec::default()
    };
    assert!(matches!(root.validate(), Err(OptionsError::RootDir { .. })));
    let tmp = SandboxSpec {
        tmp_size_bytes: 10,
        ..SandboxSpec::default()
    };
    assert!(matches!(tmp.validate(), Err(OptionsError::Setting { .. })));
    let files = SandboxSpec {
        open_files_max: 3,
        ..SandboxSpec::default()
    };
    assert!(matches!(
        files.validate(),
        Err(OptionsError::Setting { .. })
    ));
}

#[test]
fn old_specs_without_a_sandbox_decode_to_defaults() {
    let sandbox: SandboxSpec = serde_json::from_str("{}").unwrap();
    assert_eq!(sandbox, SandboxSpec::default());
    let text = serde_json::to_string(&SandboxSpec::default()).unwrap();
    assert!(text.contains(r#""network":"none""#), "{text}");
}
