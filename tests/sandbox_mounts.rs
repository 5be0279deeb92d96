//! Extra bind mounts (read-only and writable) and a custom root directory.

mod common;

use common::attacks::attempt;
use common::jobs::Attack;
use std::os::unix::fs::PermissionsExt;
use workernator::{StartOptions, sandbox::BindMount};

workernator::init_before_main!();

fn open_dir(prefix: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    dir
}

#[test]
fn binds_are_read_only_or_writable_as_asked() {
    if !common::privileged("binds_are_read_only_or_writable_as_asked") {
        return;
    }
    let data = open_dir("workernator-test-data-");
    std::fs::write(data.path().join("input"), "some input").unwrap();
    let scratch = open_dir("workernator-test-scratch-");
    let test = common::runner();
    let attempts = attempt(
        &test,
        vec![
            Attack::ReadFile("/data/input".into()),
            Attack::WriteFile("/data/output".into()),
            Attack::WriteFile("/scratch/output".into()),
            // A mount point made on the sandbox's root before it turns
            // read-only (under a new top-level directory), and one in /tmp,
            // mounted after.
            Attack::ReadFile("/nested/deeper/data/input".into()),
            Attack::ReadFile("/tmp/data/input".into()),
        ],
        StartOptions::new()
            .bind(BindMount::read_only(data.path(), "/data"))
            .bind(BindMount::writable(scratch.path(), "/scratch"))
            .bind(BindMount::read_only(data.path(), "/nested/deeper/data"))
            .bind(BindMount::read_only(data.path(), "/tmp/data")),
    );
    for nested in &attempts[3..] {
        assert!(nested.allowed, "{nested:?}");
    }
    assert!(attempts[0].allowed, "{:?}", attempts[0]);
    assert!(!attempts[1].allowed, "{:?}", attempts[1]);
    assert!(
        attempts[1].detail.contains("ReadOnlyFilesystem"),
        "{:?}",
        attempts[1]
    );
    assert!(attempts[2].allowed, "{:?}", attempts[2]);
    assert_eq!(
        std::fs::read_to_string(scratch.path().join("output")).unwrap(),
        "pwned",
        "the writable bind writes through to the host"
    );
    assert!(!data.path().join("output").exists());
}

#[test]
fn a_custom_root_replaces_the_hosts() {
    if !common::privileged("a_custom_root_replaces_the_hosts") {
        return;
    }
    let root = open_dir("workernator-test-root-");
    std::fs::create_dir(root.path().join("etc")).unwrap();
    std::fs::write(root.path().join("etc/marker"), "custom root").unwrap();
    std::fs::create_dir(root.path().join("opt")).unwrap();
    let test = common::runner();
    let attempts = attempt(
        &test,
        vec![
            Attack::ListDir("/".into()),
            Attack::ReadFile("/etc/marker".into()),
            Attack::ReadFile("/etc/passwd".into()),
            Attack::WriteFile("/etc/new".into()),
        ],
        StartOptions::new().root_dir(root.path()),
    );
    let listing = &attempts[0].detail;
    assert!(attempts[0].allowed, "{listing}");
    for entry in ["etc", "opt", "proc", "dev", "tmp", "work"] {
        assert!(
            listing.contains(&format!("\"{entry}\"")),
            "{entry} in {listing}"
        );
    }
    assert!(
        !listing.contains("\"usr\""),
        "the host's /usr is not there: {listing}"
    );
    assert!(attempts[1].allowed, "{:?}", attempts[1]);
    assert!(
        !attempts[2].allowed,
        "the host's /etc is not there: {:?}",
        attempts[2]
    );
    assert!(
        !attempts[3].allowed,
        "the custom root is read-only: {:?}",
        attempts[3]
    );
}

/// Unmounts what a test mounted, even when it fails.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        nix::mount::umount2(&self.0, nix::mount::MntFlags::MNT_DETACH).unwrap();
    }
}

/// A runner's launcher builds a root template after its first start, a
/// snapshot of the host's mounts: a mount made on the host afterwards must
/// still show in later sandboxes (the launcher builds a new template).
#[test]
fn a_host_mount_made_after_the_template_shows_in_later_sandboxes() {
    if !common::privileged("a_host_mount_made_after_the_template_shows_in_later_sandboxes") {
        return;
    }
    let test = common::runner();
    let first = attempt(
        &test,
        vec![Attack::ReadFile("/etc/hostname".into())],
        StartOptions::new(),
    );
    assert!(first[0].allowed, "{first:?}");
    // Idle time for the launcher to build its template.
    std::thread::sleep(std::time::Duration::from_millis(100));
    // Under a directory sandboxes show (/etc, always there), not one they
    // replace (/tmp) or leave out (/var).
    let dir = tempfile::Builder::new()
        .prefix("workernator-test-mount-")
        .tempdir_in("/etc")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    nix::mount::mount(
        Some("tmpfs"),
        dir.path(),
        Some("tmpfs"),
        nix::mount::MsFlags::empty(),
        Some("size=64k,mode=0755"),
    )
    .unwrap();
    let mounted = Mounted(dir.path().to_owned());
    std::fs::write(dir.path().join("marker"), "mounted after").unwrap();
    let marker = dir.path().join("marker").display().to_string();
    let later = attempt(&test, vec![Attack::ReadFile(marker)], StartOptions::new());
    drop(mounted);
    assert!(later[0].allowed, "{later:?}");
}
