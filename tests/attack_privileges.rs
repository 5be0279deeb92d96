//! Attacks on privileges and the kernel: each must fail inside the sandbox.

mod common;

use common::attacks::{assert_all_refused, attempt};
use common::jobs::Attack;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use workernator::{StartOptions, sandbox::BindMount};

workernator::init_before_main!();

/// A setuid-root copy of `cat` and a copy with the file capability
/// cap_dac_read_search, made on the host and bound into the sandbox: neither
/// can read /etc/shadow (bind mounts are nosuid, and no_new_privs holds).
#[test]
fn raise_privileges_through_setuid_root_or_file_capabilities() {
    if !common::privileged("raise_privileges_through_setuid_root_or_file_capabilities") {
        return;
    }
    let tools = tempfile::Builder::new()
        .prefix("workernator-test-setuid-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(tools.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let setuid = tools.path().join("cat-setuid");
    std::fs::copy("/bin/cat", &setuid).unwrap();
    std::fs::set_permissions(&setuid, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let id_setuid = tools.path().join("id-setuid");
    std::fs::copy("/usr/bin/id", &id_setuid).unwrap();
    std::fs::set_permissions(&id_setuid, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let capable = tools.path().join("cat-caps");
    std::fs::copy("/bin/cat", &capable).unwrap();
    let setcap = Command::new("setcap")
        .arg("cap_dac_read_search,cap_setuid+ep")
        .arg(&capable)
        .status()
        .expect("setcap (package libcap2-bin) is needed for this test");
    assert!(setcap.success(), "setcap failed");

    let target = "/workernator-tools";
    let secret = if std::path::Path::new("/etc/shadow").exists() {
        "/etc/shadow"
    } else {
        "/root/.bashrc"
    };
    let test = common::runner();
    let attempts = attempt(
        &test,
        vec![
            Attack::Exec(vec![format!("{target}/cat-setuid"), secret.into()]),
            Attack::Exec(vec![format!("{target}/cat-caps"), secret.into()]),
            // `id -u` prints the effective uid: 0 would mean it worked.
            Attack::Exec(vec![
                "/bin/sh".into(),
                "-c".into(),
                format!("test \"$({target}/id-setuid -u)\" = 0"),
            ]),
        ],
        StartOptions::new().bind(BindMount::read_only(tools.path(), target)),
    );
    assert_all_refused(&attempts);
}

#[test]
fn ptrace_another_process() {
    if !common::privileged("ptrace_another_process") {
        return;
    }
    let test = common::runner();
    let attempts = attempt(&test, vec![Attack::Ptrace], StartOptions::new());
    assert_all_refused(&attempts);
    assert!(attempts[0].detail.contains("EPERM"), "{:?}", attempts[0]);
}

#[test]
fn load_or_unload_a_kernel_module() {
    if !common::privileged("load_or_unload_a_kernel_module") {
        return;
    }
    let test = common::runner();
    let attempts = attempt(&test, vec![Attack::LoadModule], StartOptions::new());
    assert_all_refused(&attempts);
}

/// A new user namespace would give the job a full set of capabilities in
/// it; both the syscall and the `unshare` tool are refused.
#[test]
fn create_a_user_namespace_to_regain_capabilities() {
    if !common::privileged("create_a_user_namespace_to_regain_capabilities") {
        return;
    }
    let test = common::runner();
    let mut attacks = vec![Attack::UserNamespace];
    if std::path::Path::new("/usr/bin/unshare").exists() {
        attacks.push(Attack::Exec(vec![
            "/usr/bin/unshare".into(),
            "--user".into(),
            "--map-root-user".into(),
            "/bin/true".into(),
        ]));
    }
    let attempts = attempt(&test, attacks, StartOptions::new());
    assert_all_refused(&attempts);
    assert!(attempts[0].detail.contains("EPERM"), "{:?}", attempts[0]);
}

#[test]
fn mount_or_unmount() {
    if !common::privileged("mount_or_unmount") {
        return;
    }
    let test = common::runner();
    let attempts = attempt(
        &test,
        vec![
            Attack::Mount,
            Attack::Unmount("/work".into()),
            Attack::Unmount("/proc".into()),
            Attack::Unmount("/usr".into()),
        ],
        StartOptions::new(),
    );
    assert_all_refused(&attempts);
}
