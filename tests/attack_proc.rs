//! Reading what /proc tells of the host, and writing the kernel's settings
//! through it: what Docker's default masks or makes read-only must be so in
//! every sandbox, and no host path of the state directory may show in the
//! job's mount table.

mod common;

use common::looks::{Look, Seen, look, look_with_id};
use workernator::{StartOptions, sandbox::JobUser};

workernator::init_before_main!();

/// The files of /proc that Docker's default masks, and two more the job
/// has no business reading (the names of the kernel's symbols, every
/// device's interrupt counts).
const MASKED_FILES: [&str; 9] = [
    "kcore",
    "keys",
    "key-users",
    "timer_list",
    "timer_stats",
    "sched_debug",
    "latency_stats",
    "kallsyms",
    "interrupts",
];

/// The directories of /proc that Docker's default masks.
const MASKED_DIRS: [&str; 3] = ["acpi", "scsi", "asound"];

/// Reads of every masked file and listings of every masked directory.
fn read_the_masked() -> Vec<Look> {
    MASKED_FILES
        .iter()
        .map(|name| Look::Read(format!("/proc/{name}")))
        .chain(
            MASKED_DIRS
                .iter()
                .map(|name| Look::List(format!("/proc/{name}"))),
        )
        .collect()
}

fn assert_gave_nothing(seen: &[Seen]) {
    for seen in seen {
        assert!(
            seen.gave_nothing(),
            "{:?} gave {} bytes",
            seen.look,
            seen.detail.len()
        );
    }
}

/// What an unprivileged job could read of the host's kernel: the keys and
/// key quotas of every user, the kernel's symbols, the interrupt counts of
/// every device, the ACPI tables. It reads nothing (an empty file, an empty
/// directory), and what programs read of /proc still works.
#[test]
fn read_what_proc_tells_of_the_host() {
    if !common::privileged("read_what_proc_tells_of_the_host") {
        return;
    }
    let test = common::runner();
    let seen = look(&test.runner, read_the_masked(), StartOptions::new());
    assert_gave_nothing(&seen);
    let kept = look(
        &test.runner,
        vec![
            Look::Read("/proc/meminfo".into()),
            Look::Read("/proc/self/status".into()),
            Look::Read("/proc/sys/kernel/hostname".into()),
            Look::List("/proc/sys".into()),
            Look::Read("/proc/cpuinfo".into()),
        ],
        StartOptions::new(),
    );
    for seen in &kept {
        assert!(seen.ok && !seen.detail.is_empty(), "{seen:?}");
    }
}

/// A job that runs as uid 0 (still without capabilities) may read files
/// only root may read and write the kernel's settings that root owns: the
/// core pattern (a program the kernel runs as root on every crash), the
/// interrupts' cpu masks, the magic SysRq key. Each write fails, and the
/// masks hold for it too; the settings stay readable.
///
/// Each write puts back the value the host has (a no-op, should it get through).
#[test]
fn write_the_kernels_settings_as_uid_0() {
    if !common::privileged("write_the_kernels_settings_as_uid_0") {
        return;
    }
    let mut writes = Vec::new();
    for setting in [
        "/proc/sys/kernel/core_pattern",
        "/proc/sys/kernel/hostname",
        "/proc/irq/default_smp_affinity",
    ] {
        if let Ok(value) = std::fs::read(setting) {
            writes.push(Look::Write(setting.into(), value));
        }
    }
    assert!(!writes.is_empty(), "the host has none of these settings");
    if std::path::Path::new("/proc/sysrq-trigger").exists() {
        // 'h' prints the SysRq help to the kernel log, should it get through.
        writes.push(Look::Write("/proc/sysrq-trigger".into(), b"h".to_vec()));
    }
    let test = common::runner();
    let as_root = StartOptions::new().user(JobUser::new(0, 0));
    let seen = look(&test.runner, writes.clone(), as_root.clone());
    for seen in &seen {
        seen.assert_failed_with(libc::EROFS);
    }
    assert_gave_nothing(&look(&test.runner, read_the_masked(), as_root.clone()));
    let readable = look(
        &test.runner,
        vec![Look::Read("/proc/sys/kernel/core_pattern".into())],
        as_root,
    );
    assert!(readable[0].ok, "{:?}", readable[0]);
}

/// The job's mount table (/proc/self/mountinfo) names no host path of the
/// state directory (here under /var/tmp, which sandboxes do not show, so
/// nothing needs to cover it), nor the job's id, except in one known place:
/// the root of the /work mount is the work directory's path on its file
/// system, which only a file system of the work directory's own would hide
/// (see README, "What the job can see").
#[test]
fn find_host_paths_in_the_mount_table() {
    if !common::privileged("find_host_paths_in_the_mount_table") {
        return;
    }
    let state = tempfile::Builder::new()
        .prefix("workernator-test-state-")
        .tempdir_in("/var/tmp")
        .unwrap();
    let state_dir = state.path().display().to_string();
    let test = common::runner_with(|config| config.state_dir(state.path()));
    let (seen, id) = look_with_id(
        &test.runner,
        vec![Look::Read("/proc/self/mountinfo".into())],
        StartOptions::new(),
    );
    assert!(seen[0].ok, "{:?}", seen[0]);
    let mut work_roots = 0;
    for line in seen[0].detail.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let (root, mount_point) = (fields[3], fields[4]);
        if mount_point == "/work" && root.ends_with(&format!("/jobs/{id}/work")) {
            work_roots += 1;
            let rest = line.replacen(root, "", 1);
            assert!(!rest.contains(&state_dir) && !rest.contains(&id), "{line}");
            continue;
        }
        assert!(
            !line.contains(&state_dir) && !line.contains(&id) && !line.contains("workernator"),
            "a host path in the job's mount table: {line}"
        );
    }
    assert_eq!(work_roots, 1, "{}", seen[0].detail);
}

/// Rootless, the job is uid 0 of its own user namespace, which the host's
/// root-owned /proc files treat as any other user: the masks of what
/// anyone may read hold, and the kernel's settings refuse its writes by
/// their owner (EACCES, where a root runner's uid 0 job gets EROFS).
#[test]
fn read_and_write_proc_rootless() {
    if !common::rootless("read_and_write_proc_rootless") {
        return;
    }
    let test = common::runner_with(|config| {
        config.rootless_limits(workernator::sandbox::RootlessLimits::BestEffort)
    });
    assert_gave_nothing(&look(&test.runner, read_the_masked(), StartOptions::new()));
    let value = std::fs::read("/proc/sys/kernel/core_pattern").unwrap();
    let seen = look(
        &test.runner,
        vec![Look::Write("/proc/sys/kernel/core_pattern".into(), value)],
        StartOptions::new(),
    );
    seen[0].assert_failed_with(libc::EACCES);
}
