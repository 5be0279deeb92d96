//! v1 and v2 on plain directory trees in a tempdir: what gets written where,
//! and how files are read back. No root needed; no process is ever
//! signalled here (the pids in these files are made up).

use std::fs;
use std::path::{Path, PathBuf};

use super::v1::{V1Controller, V1Job, V1Mount};
use super::v2::{self, V2Job};
use super::{
    CgroupError, CgroupLimits, CgroupOp, CgroupRoot, CgroupVersion, IoDeviceLimit, JobCgroup,
};

const MIB: u64 = 1024 * 1024;

fn read(path: impl AsRef<Path>) -> String {
    fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("read {}: {e}", path.as_ref().display()))
}

fn write(path: impl AsRef<Path>, contents: &str) {
    fs::write(path.as_ref(), contents)
        .unwrap_or_else(|e| panic!("write {}: {e}", path.as_ref().display()));
}

fn all_limits() -> CgroupLimits {
    CgroupLimits {
        memory_max_bytes: Some(64 * MIB),
        pids_max: Some(10),
        cpu_max_cores: Some(0.5),
        cpu_weight: Some(200),
        io_devices: Vec::new(),
        io_weight: None,
    }
}

fn io_limits() -> CgroupLimits {
    CgroupLimits {
        io_devices: vec![
            IoDeviceLimit {
                major: 254,
                minor: 0,
                read_bps: Some(2 * MIB),
                write_bps: Some(MIB),
                ..IoDeviceLimit::default()
            },
            IoDeviceLimit {
                major: 8,
                minor: 16,
                read_iops: Some(100),
                write_iops: Some(50),
                ..IoDeviceLimit::default()
            },
        ],
        io_weight: Some(200),
        ..CgroupLimits::default()
    }
}

// ---------- v2 ----------

/// A v2 root offering the usual controllers, none enabled, and an existing
/// parent `workernator` (the kernel would fill its `cgroup.controllers`).
fn v2_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path().join("cgroup.controllers"),
        "cpuset cpu io memory pids\n",
    );
    write(dir.path().join("cgroup.subtree_control"), "");
    let parent = dir.path().join("workernator");
    fs::create_dir(&parent).expect("mkdir parent");
    write(
        parent.join("cgroup.controllers"),
        "cpuset cpu io memory pids\n",
    );
    write(parent.join("cgroup.subtree_control"), "");
    dir
}

#[test]
fn v2_create_enables_controllers_and_writes_limits() {
    let tree = v2_tree();
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V2).expect("root");
    assert_eq!(root.version(), CgroupVersion::V2);
    let limits = CgroupLimits {
        cpu_max_cores: None, // cgroups-rs reads cpu.max first; see the next test
        ..all_limits()
    };
    let job = root.create("workernator", "job", &limits).expect("create");
    let dir = tree.path().join("workernator/job");
    assert_eq!(
        read(tree.path().join("cgroup.subtree_control")),
        "+memory +pids +cpu +io"
    );
    assert_eq!(
        read(tree.path().join("workernator/cgroup.subtree_control")),
        "+memory +pids +cpu +io"
    );
    assert_eq!(read(dir.join("memory.max")), "67108864");
    assert_eq!(read(dir.join("pids.max")), "10");
    assert_eq!(read(dir.join("cpu.weight")), "200");
    // No swap accounting in this tree: nothing created for it.
    assert!(!dir.join("memory.swap.max").exists());
    assert!(job.path_description().contains("workernator/job"));
}

#[test]
fn v2_apply_limits_cpu_max_and_no_swap() {
    let tree = v2_tree();
    let dir = tree.path().join("workernator/job");
    fs::create_dir(&dir).expect("mkdir");
    write(dir.join("cpu.max"), "max 100000\n");
    write(dir.join("memory.swap.max"), "max\n");
    let job = V2Job::new(tree.path(), Path::new("workernator/job"));
    job.apply_limits(&all_limits()).expect("apply");
    assert_eq!(read(dir.join("cpu.max")), "50000 100000");
    assert_eq!(read(dir.join("memory.swap.max")), "0");
    assert_eq!(read(dir.join("memory.max")), "67108864");
}

#[test]
fn v2_io_max_and_weight() {
    let tree = v2_tree();
    let dir = tree.path().join("workernator/job");
    fs::create_dir(&dir).expect("mkdir");
    write(dir.join("io.max"), "");
    write(dir.join("io.weight"), "default 100\n");
    let job = V2Job::new(tree.path(), Path::new("workernator/job"));
    job.apply_limits(&io_limits()).expect("apply");
    // The kernel merges one key per write into a line per device; a plain
    // file keeps the last write, so check that the last key went to io.max.
    assert_eq!(read(dir.join("io.max")), "8:16 wiops=50");
    assert_eq!(read(dir.join("io.weight")), "default 200");

    // Without iocost, BFQ's file, clamped to its range.
    fs::remove_file(dir.join("io.weight")).expect("rm");
    write(dir.join("io.bfq.weight"), "default 100\n");
    let limits = CgroupLimits {
        io_weight: Some(5000),
        ..CgroupLimits::default()
    };
    job.apply_limits(&limits).expect("apply");
    assert_eq!(read(dir.join("io.bfq.weight")), "default 1000");

    // Neither: a weight cannot be enforced, and says so.
    fs::remove_file(dir.join("io.bfq.weight")).expect("rm");
    assert!(matches!(
        job.apply_limits(&limits),
        Err(CgroupError::ControllerUnavailable { .. })
    ));
}

#[test]
fn v2_io_limits_need_the_io_controller() {
    let tree = v2_tree();
    write(tree.path().join("cgroup.controllers"), "cpu memory pids\n");
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V2).expect("root");
    let err = root
        .create("workernator", "job", &io_limits())
        .expect_err("no io controller");
    assert!(matches!(
        err,
        CgroupError::ControllerUnavailable {
            controller: "io",
            ..
        }
    ));
}

#[test]
fn v2_usage_reads_io_stat() {
    let tree = v2_tree();
    let dir = tree.path().join("workernator/job");
    fs::create_dir(&dir).expect("mkdir");
    let job = V2Job::new(tree.path(), Path::new("workernator/job"));
    write(
        dir.join("cpu.stat"),
        "usage_usec 30\nuser_usec 20\nsystem_usec 10\n",
    );
    // No io controller enabled: no io.stat, zero io.
    let usage = job.usage().expect("usage");
    assert_eq!((usage.io_read_bytes, usage.io_write_bytes), (0, 0));
    write(
        dir.join("io.stat"),
        "254:0 rbytes=4096 wbytes=1048576 rios=1 wios=256 dbytes=0 dios=0\n\
         8:0 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n",
    );
    let usage = job.usage().expect("usage");
    assert_eq!(usage.io_read_bytes, 4608);
    assert_eq!(usage.io_write_bytes, MIB);
    write(dir.join("io.stat"), "254:0 rbytes=lots\n");
    assert!(matches!(job.usage(), Err(CgroupError::Parse { .. })));
}

#[test]
fn v2_enable_skips_enabled_and_unoffered() {
    let tree = tempfile::tempdir().expect("tempdir");
    write(
        tree.path().join("cgroup.controllers"),
        "hugetlb memory pids\n",
    );
    write(tree.path().join("cgroup.subtree_control"), "memory\n");
    v2::enable_controllers(tree.path()).expect("enable");
    // memory already on, cpu and io not offered, hugetlb not wanted: only
    // pids is written.
    assert_eq!(read(tree.path().join("cgroup.subtree_control")), "+pids");

    write(tree.path().join("cgroup.subtree_control"), "memory pids\n");
    v2::enable_controllers(tree.path()).expect("nothing to do");
    assert_eq!(
        read(tree.path().join("cgroup.subtree_control")),
        "memory pids\n"
    );
}

#[test]
fn v2_missing_controller_for_a_limit_is_refused_before_creating() {
    let tree = v2_tree();
    write(tree.path().join("cgroup.controllers"), "cpu pids\n");
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V2).expect("root");
    let err = root
        .create("workernator", "job", &all_limits())
        .expect_err("no memory controller");
    assert!(matches!(
        err,
        CgroupError::ControllerUnavailable {
            controller: "memory",
            ..
        }
    ));
    assert!(!tree.path().join("workernator/job").exists());
    // Without limits that need it, the same root is fine.
    root.create("workernator", "job", &CgroupLimits::default())
        .expect("no limits");
}

#[test]
fn v2_existing_job_dir_is_an_error_and_left_alone() {
    let tree = v2_tree();
    let dir = tree.path().join("workernator/job");
    fs::create_dir(&dir).expect("mkdir");
    write(dir.join("marker"), "x");
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V2).expect("root");
    let err = root
        .create("workernator", "job", &CgroupLimits::default())
        .expect_err("exists");
    assert!(matches!(
        &err,
        CgroupError::Io {
            op: CgroupOp::CreateDir,
            ..
        }
    ));
    assert_eq!(
        err.io_error().map(std::io::Error::kind),
        Some(std::io::ErrorKind::AlreadyExists)
    );
    assert!(dir.join("marker").exists());
}

#[test]
fn v2_processes_add_and_usage() {
    let tree = v2_tree();
    let dir = tree.path().join("workernator/job");
    fs::create_dir(&dir).expect("mkdir");
    let job = V2Job::new(tree.path(), Path::new("workernator/job"));

    write(dir.join("cgroup.procs"), "12\n34\n");
    assert_eq!(job.processes().expect("procs"), vec![12, 34]);
    write(dir.join("cgroup.procs"), "12\nnope\n");
    assert!(matches!(
        job.processes(),
        Err(CgroupError::Parse { line: Some(2), .. })
    ));

    job.add_process(4242).expect("add");
    assert_eq!(read(dir.join("cgroup.procs")), "4242");
    assert!(matches!(
        job.add_process(0),
        Err(CgroupError::InvalidPid { pid: 0 })
    ));
    assert!(matches!(
        job.add_process(-7),
        Err(CgroupError::InvalidPid { pid: -7 })
    ));

    // cpu.stat is core and must be there.
    assert!(matches!(
        job.usage(),
        Err(CgroupError::Io {
            op: CgroupOp::ReadUsage,
            ..
        })
    ));
    write(
        dir.join("cpu.stat"),
        "usage_usec 30\nuser_usec 20\nsystem_usec 10\n",
    );
    let usage = job.usage().expect("usage without memory controller");
    assert_eq!((usage.cpu_user_ns, usage.cpu_system_ns), (20_000, 10_000));
    assert_eq!(usage.memory_peak_bytes, None);
    assert_eq!(usage.oom_kills, 0);

    write(dir.join("memory.peak"), "33554432\n");
    write(
        dir.join("memory.events"),
        "low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\noom_group_kill 0\n",
    );
    let usage = job.usage().expect("usage");
    assert_eq!(usage.memory_peak_bytes, Some(32 * MIB));
    assert_eq!(usage.oom_kills, 1);
}

#[test]
fn v2_open() {
    let tree = v2_tree();
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V2).expect("root");
    assert!(root.open("workernator", "job").expect("open").is_none());
    fs::create_dir(tree.path().join("workernator/job")).expect("mkdir");
    let job = root
        .open("workernator", "job")
        .expect("open")
        .expect("exists");
    assert!(job.path_description().starts_with("cgroup v2 "));
    assert!(matches!(
        root.open("../etc", "job"),
        Err(CgroupError::InvalidName { .. })
    ));
}

#[test]
fn invalid_limits_touch_nothing() {
    let tree = v2_tree();
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V2).expect("root");
    let limits = CgroupLimits {
        pids_max: Some(0),
        ..CgroupLimits::default()
    };
    assert!(matches!(
        root.create("workernator", "job", &limits),
        Err(CgroupError::InvalidLimit { .. })
    ));
    assert_eq!(read(tree.path().join("cgroup.subtree_control")), "");
    assert!(!tree.path().join("workernator/job").exists());
}

// ---------- v1 ----------

fn v1_tree(controllers: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for c in controllers {
        fs::create_dir(dir.path().join(c)).expect("mkdir controller");
    }
    dir
}

fn job_dirs(tree: &Path, controllers: &[&str]) -> Vec<PathBuf> {
    controllers
        .iter()
        .map(|c| tree.join(c).join("workernator/job"))
        .collect()
}

const V1_ALL: [&str; 6] = ["memory", "pids", "cpu", "cpuacct", "freezer", "blkio"];

#[test]
fn v1_create_writes_limits_in_each_controller() {
    let tree = v1_tree(&V1_ALL);
    // A controller we never use must be ignored.
    fs::create_dir(tree.path().join("cpuset")).expect("mkdir");
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    let job = root
        .create("workernator", "job", &all_limits())
        .expect("create");
    let base = tree.path();
    for dir in job_dirs(base, &V1_ALL) {
        assert!(dir.is_dir(), "{}", dir.display());
    }
    assert!(!base.join("cpuset/workernator").exists());
    assert_eq!(
        read(base.join("memory/workernator/job/memory.limit_in_bytes")),
        "67108864"
    );
    // No swap accounting in this tree: memsw not created.
    assert!(
        !base
            .join("memory/workernator/job/memory.memsw.limit_in_bytes")
            .exists()
    );
    assert_eq!(read(base.join("pids/workernator/job/pids.max")), "10");
    assert_eq!(read(base.join("cpu/workernator/job/cpu.shares")), "2048");
    assert_eq!(
        read(base.join("cpu/workernator/job/cpu.cfs_period_us")),
        "100000"
    );
    assert_eq!(
        read(base.join("cpu/workernator/job/cpu.cfs_quota_us")),
        "50000"
    );
    assert!(
        job.path_description()
            .starts_with("cgroup v1 workernator/job")
    );
}

#[test]
fn v1_io_throttles_and_bfq_weight() {
    let tree = v1_tree(&V1_ALL);
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    // The kernel makes these files; in a plain tree the job directory must
    // exist first, so apply the io limits through a second create.
    let dir = tree.path().join("blkio/workernator/job");
    fs::create_dir_all(&dir).expect("mkdir");
    write(dir.join("blkio.bfq.weight"), "100\n");
    let mount = V1Mount {
        dir: tree.path().join("blkio"),
        controllers: vec![V1Controller::Blkio],
    };
    let job = V1Job::new(&[mount], Path::new("workernator/job"));
    job.apply_limits(&io_limits()).expect("apply");
    assert_eq!(
        read(dir.join("blkio.throttle.read_bps_device")),
        "254:0 2097152"
    );
    assert_eq!(
        read(dir.join("blkio.throttle.write_bps_device")),
        "254:0 1048576"
    );
    assert_eq!(
        read(dir.join("blkio.throttle.read_iops_device")),
        "8:16 100"
    );
    assert_eq!(
        read(dir.join("blkio.throttle.write_iops_device")),
        "8:16 50"
    );
    assert_eq!(read(dir.join("blkio.bfq.weight")), "200");

    // CFQ's file on old kernels, on its own scale.
    fs::remove_file(dir.join("blkio.bfq.weight")).expect("rm");
    write(dir.join("blkio.weight"), "500\n");
    let weight_only = CgroupLimits {
        io_weight: Some(100),
        ..CgroupLimits::default()
    };
    job.apply_limits(&weight_only).expect("apply");
    assert_eq!(read(dir.join("blkio.weight")), "500");
    fs::remove_file(dir.join("blkio.weight")).expect("rm");
    assert!(matches!(
        job.apply_limits(&weight_only),
        Err(CgroupError::ControllerUnavailable { .. })
    ));
    drop(root);
}

#[test]
fn v1_io_limits_need_blkio() {
    let tree = v1_tree(&["memory", "pids"]);
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    let err = root
        .create("workernator", "job", &io_limits())
        .expect_err("no blkio");
    assert!(matches!(
        err,
        CgroupError::ControllerUnavailable {
            controller: "blkio",
            ..
        }
    ));
}

#[test]
fn v1_usage_reads_blkio_service_bytes() {
    let tree = v1_tree(&["blkio"]);
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    let job = root
        .create("workernator", "job", &CgroupLimits::default())
        .expect("create");
    let dir = tree.path().join("blkio/workernator/job");
    let usage = job.usage().expect("no file yet: zero");
    assert_eq!((usage.io_read_bytes, usage.io_write_bytes), (0, 0));
    write(
        dir.join("blkio.throttle.io_service_bytes"),
        "254:0 Read 8192\n254:0 Write 4194304\n254:0 Sync 4194304\n\
         254:0 Async 8192\n254:0 Discard 0\n254:0 Total 4202496\nTotal 4202496\n",
    );
    let usage = job.usage().expect("usage");
    assert_eq!(usage.io_read_bytes, 8192);
    assert_eq!(usage.io_write_bytes, 4 * MIB);
}

#[test]
fn v1_memsw_is_set_when_present() {
    let tree = v1_tree(&["memory"]);
    let mount = V1Mount {
        dir: tree.path().join("memory"),
        controllers: vec![V1Controller::Memory],
    };
    let dir = tree.path().join("memory/p/job");
    fs::create_dir_all(&dir).expect("mkdir");
    write(
        dir.join("memory.memsw.limit_in_bytes"),
        "9223372036854771712\n",
    );
    let job = V1Job::new(&[mount], Path::new("p/job"));
    job.apply_limits(&CgroupLimits {
        memory_max_bytes: Some(32 * MIB),
        ..CgroupLimits::default()
    })
    .expect("apply");
    assert_eq!(read(dir.join("memory.limit_in_bytes")), "33554432");
    assert_eq!(read(dir.join("memory.memsw.limit_in_bytes")), "33554432");
}

#[test]
fn v1_comounted_cpu_cpuacct_is_one_directory() {
    let tree = v1_tree(&["memory", "cpu,cpuacct"]);
    std::os::unix::fs::symlink("cpu,cpuacct", tree.path().join("cpu")).expect("symlink");
    std::os::unix::fs::symlink("cpu,cpuacct", tree.path().join("cpuacct")).expect("symlink");
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    let limits = CgroupLimits {
        pids_max: None,
        ..all_limits()
    };
    let job = root
        .create("workernator", "job", &limits)
        .expect("create once per hierarchy");
    let cpu_dir = tree.path().join("cpu,cpuacct/workernator/job");
    assert_eq!(read(cpu_dir.join("cpu.shares")), "2048");

    // Accounting comes from the same directory.
    write(cpu_dir.join("cpuacct.usage_user"), "7000\n");
    write(cpu_dir.join("cpuacct.usage_sys"), "3000\n");
    let mem_dir = tree.path().join("memory/workernator/job");
    write(mem_dir.join("memory.max_usage_in_bytes"), "1048576\n");
    write(
        mem_dir.join("memory.oom_control"),
        "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
    );
    let usage = job.usage().expect("usage");
    assert_eq!((usage.cpu_user_ns, usage.cpu_system_ns), (7000, 3000));
    assert_eq!(usage.memory_peak_bytes, Some(MIB));
    assert_eq!(usage.oom_kills, 2);
}

#[test]
fn v1_usage_falls_back_to_cpuacct_stat_ticks() {
    let tree = v1_tree(&["cpuacct"]);
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    let job = root
        .create("workernator", "job", &CgroupLimits::default())
        .expect("create");
    let dir = tree.path().join("cpuacct/workernator/job");
    write(dir.join("cpuacct.stat"), "user 150\nsystem 50\n");
    let usage = job.usage().expect("usage");
    let tick_ns = 1_000_000_000 / clk_tck();
    assert_eq!(usage.cpu_user_ns, 150 * tick_ns);
    assert_eq!(usage.cpu_system_ns, 50 * tick_ns);
    // No memory controller: no peak, no OOM count.
    assert_eq!(usage.memory_peak_bytes, None);
    assert_eq!(usage.oom_kills, 0);
}

fn clk_tck() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|t| u64::try_from(t).ok())
        .unwrap_or(100)
}

#[test]
fn v1_processes_are_the_union_and_add_goes_everywhere() {
    let tree = v1_tree(&V1_ALL);
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    let job = root
        .create("workernator", "job", &CgroupLimits::default())
        .expect("create");
    let dirs = job_dirs(tree.path(), &V1_ALL);
    for dir in &dirs {
        write(dir.join("cgroup.procs"), "3\n");
    }
    write(dirs[0].join("cgroup.procs"), "5\n3\n");
    write(dirs[1].join("cgroup.procs"), "7\n");
    assert_eq!(job.processes().expect("procs"), vec![3, 5, 7]);

    job.add_process(4242).expect("add");
    for dir in &dirs {
        assert_eq!(read(dir.join("cgroup.procs")), "4242", "{}", dir.display());
    }
}

#[test]
fn v1_missing_controller_for_a_limit() {
    let tree = v1_tree(&["memory", "freezer"]);
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    let err = root
        .create(
            "workernator",
            "job",
            &CgroupLimits {
                pids_max: Some(5),
                ..CgroupLimits::default()
            },
        )
        .expect_err("no pids");
    assert!(matches!(
        err,
        CgroupError::ControllerUnavailable {
            controller: "pids",
            ..
        }
    ));
    assert!(!tree.path().join("memory/workernator").exists());
}

#[test]
fn v1_failed_create_removes_what_it_made() {
    let tree = v1_tree(&["memory", "pids"]);
    // `pids/workernator` is a file: creating the job there fails after the
    // memory directory was made.
    write(tree.path().join("pids/workernator"), "in the way");
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    let err = root
        .create("workernator", "job", &CgroupLimits::default())
        .expect_err("pids dir cannot be made");
    assert!(matches!(
        err,
        CgroupError::Io {
            op: CgroupOp::CreateDir,
            ..
        }
    ));
    assert!(!tree.path().join("memory/workernator/job").exists());
    // The shared parent stays.
    assert!(tree.path().join("memory/workernator").is_dir());
}

#[test]
fn v1_open_covers_only_existing_dirs() {
    let tree = v1_tree(&V1_ALL);
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    assert!(root.open("workernator", "job").expect("open").is_none());
    fs::create_dir_all(tree.path().join("memory/workernator/job")).expect("mkdir");
    let job = root
        .open("workernator", "job")
        .expect("open")
        .expect("exists");
    let description = job.path_description();
    assert!(description.contains("memory"), "{description}");
    assert!(!description.contains("pids"), "{description}");
    write(tree.path().join("memory/workernator/job/cgroup.procs"), "");
    assert!(job.processes().expect("procs").is_empty());
}

#[test]
fn v1_root_without_controllers() {
    let tree = v1_tree(&["cpuset", "devices"]);
    assert!(matches!(
        CgroupRoot::assume(tree.path(), CgroupVersion::V1),
        Err(CgroupError::NoHierarchy { .. })
    ));
}

#[test]
fn signal_numbers_are_checked_before_reading() {
    let tree = v2_tree();
    let job = V2Job::new(tree.path(), Path::new("workernator/missing"));
    // Invalid signal: refused without looking at the (missing) directory.
    assert!(matches!(
        job.signal_all(12345),
        Err(CgroupError::InvalidSignal { signal: 12345 })
    ));
    // Valid signal, missing cgroup: an Io error naming cgroup.procs.
    match job.signal_all(15) {
        Err(CgroupError::Io { op, path, .. }) => {
            assert_eq!(op, CgroupOp::ListProcesses);
            assert!(path.ends_with("workernator/missing/cgroup.procs"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn check_can_create_touches_nothing() {
    let tree = v2_tree();
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V2).expect("root");
    root.check_can_create("workernator/deeper", &all_limits())
        .expect("every controller offered");
    assert!(!tree.path().join("workernator/deeper").exists());
    assert_eq!(read(tree.path().join("cgroup.subtree_control")), "");
    write(tree.path().join("cgroup.controllers"), "cpu pids\n");
    assert!(matches!(
        root.check_can_create("workernator", &all_limits()),
        Err(CgroupError::ControllerUnavailable {
            controller: "memory",
            ..
        })
    ));
    assert!(matches!(
        root.check_can_create("../x", &CgroupLimits::default()),
        Err(CgroupError::InvalidName { .. })
    ));

    let tree = v1_tree(&["memory", "pids", "cpu"]);
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    root.check_can_create("workernator", &all_limits())
        .expect("v1 controllers there");
    assert!(matches!(
        root.check_can_create("workernator", &io_limits()),
        Err(CgroupError::ControllerUnavailable {
            controller: "blkio",
            ..
        })
    ));
}

#[test]
fn controllers_are_listed_with_their_directories() {
    let tree = v2_tree();
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V2).expect("root");
    let names: Vec<String> = root
        .controllers()
        .expect("controllers")
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["cpuset", "cpu", "io", "memory", "pids"]);

    let tree = v1_tree(&["memory", "blkio", "devices"]);
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    let controllers = root.controllers().expect("controllers");
    assert_eq!(controllers.len(), 2);
    assert!(
        controllers
            .iter()
            .any(|(name, dir)| name == "blkio" && dir.ends_with("blkio"))
    );
}

#[test]
fn a_v1_layout_handed_over_is_taken_as_it_was_found() {
    let tree = v1_tree(&V1_ALL);
    let detected = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    let controllers = detected.controllers().expect("controllers");
    let known = CgroupRoot::from_layout(tree.path(), CgroupVersion::V1, &controllers)
        .expect("known layout");
    assert_eq!(known.version(), CgroupVersion::V1);
    assert_eq!(known.controllers().expect("controllers"), controllers);
}

#[test]
fn a_layout_that_no_longer_holds_is_detected_afresh() {
    // A plain directory is no cgroup2 mount: a v2 layout does not hold, and
    // detecting afresh finds no hierarchy there.
    let tree = v2_tree();
    assert!(matches!(
        CgroupRoot::from_layout(tree.path(), CgroupVersion::V2, &[]),
        Err(CgroupError::NoHierarchy { .. })
    ));
    // Nor does a v1 layout naming a controller this layer does not know.
    let unknown = [("cpuset".to_owned(), tree.path().join("cpuset"))];
    assert!(matches!(
        CgroupRoot::from_layout(tree.path(), CgroupVersion::V1, &unknown),
        Err(CgroupError::NoHierarchy { .. })
    ));
}

#[test]
fn v1_emptiness_is_read_from_the_first_hierarchy() {
    let tree = v1_tree(&V1_ALL);
    let root = CgroupRoot::assume(tree.path(), CgroupVersion::V1).expect("root");
    for controller in V1_ALL {
        let dir = tree.path().join(controller).join("workernator/job");
        fs::create_dir_all(&dir).expect("mkdir");
        write(dir.join("cgroup.procs"), "");
    }
    let job = root
        .open("workernator", "job")
        .expect("open")
        .expect("exists");
    assert!(job.holds_no_process().expect("read"));
    write(
        tree.path().join("memory/workernator/job/cgroup.procs"),
        "42\n",
    );
    assert!(!job.holds_no_process().expect("read"));
}
