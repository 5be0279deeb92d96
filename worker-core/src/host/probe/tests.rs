use super::*;

#[test]
fn probe_reports_this_host() {
    let host = probe();
    assert!(!host.kernel_release.is_empty());
    // Every kernel this library supports (5.12+) has pidfd.
    assert!(host.pidfd);
    let text = serde_json::to_string(&host).unwrap();
    let back: HostSupport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, host);
    if let Some(cgroup) = &host.cgroup {
        assert!(cgroup.version == 1 || cgroup.version == 2);
        for controller in &cgroup.controllers {
            assert_eq!(
                host.controller_writable(&controller.name),
                controller.writable
            );
        }
    }
    assert!(!host.controller_writable("no-such-controller"));
}
