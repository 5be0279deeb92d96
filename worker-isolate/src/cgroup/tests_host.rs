//! Privileged tests on the real host's cgroups.
//!
//! They need root: without it they print "skipped: not root" and pass,
//! unless `WORKERNATOR_REQUIRE_PRIVILEGED=1`, which makes skipping fatal.
//! Every test works under its own parent `workernator-test-<pid>-<n>`, which
//! a guard kills, thaws and removes (children first) even when the test
//! fails; child processes are killed and reaped by their own guard. Nothing
//! outside those parents is touched.

use std::fs;
use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

use super::v2::V2Job;
use super::{CgroupLimits, CgroupRoot, CgroupVersion, JobCgroup};

const MIB: u64 = 1024 * 1024;

fn privileged(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    if std::env::var("WORKERNATOR_REQUIRE_PRIVILEGED").as_deref() == Ok("1") {
        panic!("{test}: WORKERNATOR_REQUIRE_PRIVILEGED=1 but not running as root");
    }
    eprintln!("{test}: skipped: not root");
    false
}

/// A unique parent for one test; dropping it removes everything under it.
struct TestParent {
    root: CgroupRoot,
    name: String,
}

impl TestParent {
    fn new(root: &CgroupRoot) -> TestParent {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "workernator-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        TestParent {
            root: root.clone(),
            name,
        }
    }
}

impl Drop for TestParent {
    fn drop(&mut self) {
        for dir in self.root.parent_dirs(&self.name) {
            force_remove(&dir);
        }
    }
}

/// Test cleanup, independent of the code under test: thaw, SIGKILL whatever
/// is listed, rmdir, children first. Only ever called on a test parent.
fn force_remove(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            force_remove(&entry.path());
        }
    }
    let _ = write_existing(&dir.join("freezer.state"), "THAWED");
    let _ = write_existing(&dir.join("cgroup.freeze"), "0");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let pids: Vec<i32> = fs::read_to_string(dir.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .filter(|&p| p > 0)
            .collect();
        if pids.is_empty() || Instant::now() > deadline {
            break;
        }
        for pid in pids {
            let _ = signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        thread::sleep(Duration::from_millis(10));
    }
    for _ in 0..300 {
        match fs::remove_dir(dir) {
            Ok(()) => return,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return,
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
    eprintln!("warning: could not remove test cgroup {}", dir.display());
}

fn write_existing(path: &Path, contents: &str) -> io::Result<()> {
    fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .write_all(contents.as_bytes())
}

/// A child process that is killed and reaped when dropped.
struct ChildGuard(Child);

impl ChildGuard {
    fn spawn(command: &mut Command) -> ChildGuard {
        ChildGuard(command.spawn().expect("spawn child"))
    }

    /// A `sh -c script` child that first waits for a line on stdin, so it can
    /// be moved into a cgroup before it does anything.
    fn spawn_gated(script: &str) -> ChildGuard {
        ChildGuard::spawn(
            Command::new("sh")
                .arg("-c")
                .arg(format!("read line; {script}"))
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.0.id()).expect("pid fits i32")
    }

    fn release(&mut self) {
        let stdin = self.0.stdin.as_mut().expect("piped stdin");
        stdin.write_all(b"go\n").expect("release child");
        stdin.flush().expect("flush");
    }

    fn wait_timeout(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.0.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "child {} still running after {timeout:?}",
                self.0.id()
            );
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn read_trimmed(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .trim()
        .to_owned()
}

fn v1_dir(root: &CgroupRoot, controller: &str, parent: &str, name: &str) -> PathBuf {
    root.path().join(controller).join(parent).join(name)
}

fn check_limit_files(root: &CgroupRoot, parent: &str, name: &str) {
    match root.version() {
        CgroupVersion::V1 => {
            let memory = v1_dir(root, "memory", parent, name);
            assert_eq!(
                read_trimmed(&memory.join("memory.limit_in_bytes")),
                "67108864"
            );
            let memsw = memory.join("memory.memsw.limit_in_bytes");
            if memsw.exists() {
                assert_eq!(read_trimmed(&memsw), "67108864");
            }
            let pids = v1_dir(root, "pids", parent, name);
            assert_eq!(read_trimmed(&pids.join("pids.max")), "32");
            let cpu = v1_dir(root, "cpu", parent, name);
            assert_eq!(read_trimmed(&cpu.join("cpu.shares")), "2048");
            assert_eq!(read_trimmed(&cpu.join("cpu.cfs_period_us")), "100000");
            assert_eq!(read_trimmed(&cpu.join("cpu.cfs_quota_us")), "50000");
        }
        CgroupVersion::V2 => {
            let dir = root.path().join(parent).join(name);
            assert_eq!(read_trimmed(&dir.join("memory.max")), "67108864");
            let swap = dir.join("memory.swap.max");
            if swap.exists() {
                assert_eq!(read_trimmed(&swap), "0");
            }
            assert_eq!(read_trimmed(&dir.join("pids.max")), "32");
            assert_eq!(read_trimmed(&dir.join("cpu.max")), "50000 100000");
            assert_eq!(read_trimmed(&dir.join("cpu.weight")), "200");
        }
    }
}

#[test]
fn host_lifecycle_limits_kill_usage_remove() {
    if !privileged("host_lifecycle_limits_kill_usage_remove") {
        return;
    }
    let root = CgroupRoot::detect().expect("detect");
    let parent = TestParent::new(&root);
    let limits = CgroupLimits {
        memory_max_bytes: Some(64 * MIB),
        pids_max: Some(32),
        cpu_max_cores: Some(0.5),
        cpu_weight: Some(200),
        ..CgroupLimits::default()
    };
    let job = root.create(&parent.name, "job", &limits).expect("create");
    check_limit_files(&root, &parent.name, "job");

    let mut child = ChildGuard::spawn(Command::new("sleep").arg("60"));
    let pid = child.pid();
    job.add_process(pid).expect("add_process");
    assert_eq!(job.processes().expect("processes"), vec![pid]);

    // A second handle finds the same cgroup; creating it again is refused
    // and leaves it alone.
    let reopened = root
        .open(&parent.name, "job")
        .expect("open")
        .expect("exists");
    assert_eq!(reopened.processes().expect("processes"), vec![pid]);
    assert!(root.create(&parent.name, "job", &limits).is_err());
    assert_eq!(job.processes().expect("processes"), vec![pid]);

    job.kill_all().expect("kill_all");
    let status = child.wait_timeout(Duration::from_secs(10));
    assert_eq!(status.signal(), Some(Signal::SIGKILL as i32), "{status:?}");
    assert!(job.processes().expect("processes").is_empty());

    let usage = job.usage().expect("usage");
    eprintln!("host_lifecycle_limits_kill_usage_remove: {usage:?}");
    assert_eq!(usage.oom_kills, 0);
    if root.version() == CgroupVersion::V1 {
        assert!(usage.memory_peak_bytes.is_some());
    }

    job.remove().expect("remove");
    job.remove().expect("remove is idempotent");
    assert!(root.open(&parent.name, "job").expect("open").is_none());
}

#[test]
fn host_signal_all_delivers() {
    if !privileged("host_signal_all_delivers") {
        return;
    }
    let root = CgroupRoot::detect().expect("detect");
    let parent = TestParent::new(&root);
    let job = root
        .create(&parent.name, "job", &CgroupLimits::default())
        .expect("create");
    let mut child = ChildGuard::spawn(Command::new("sleep").arg("60"));
    job.add_process(child.pid()).expect("add_process");
    job.signal_all(Signal::SIGTERM as i32).expect("signal_all");
    let status = child.wait_timeout(Duration::from_secs(10));
    assert_eq!(status.signal(), Some(Signal::SIGTERM as i32));
    job.remove().expect("remove");
}

#[test]
fn host_kill_all_beats_a_forking_job() {
    if !privileged("host_kill_all_beats_a_forking_job") {
        return;
    }
    let root = CgroupRoot::detect().expect("detect");
    let parent = TestParent::new(&root);
    // The pids limit bounds the forking even if something went wrong.
    let limits = CgroupLimits {
        pids_max: Some(1000),
        ..CgroupLimits::default()
    };
    let job = root.create(&parent.name, "job", &limits).expect("create");
    let mut child =
        ChildGuard::spawn_gated("i=0; while [ $i -lt 500 ]; do sleep 20 & i=$((i+1)); done; wait");
    job.add_process(child.pid()).expect("add_process");
    child.release();
    // Let it get going, then kill while it is still forking.
    let deadline = Instant::now() + Duration::from_secs(5);
    while job.processes().expect("processes").len() < 20 {
        assert!(Instant::now() < deadline, "the job never forked");
        thread::sleep(Duration::from_millis(2));
    }
    let before = job.processes().expect("processes").len();
    let started = Instant::now();
    job.kill_all().expect("kill_all");
    eprintln!(
        "host_kill_all_beats_a_forking_job: {before} processes, killed in {:?}",
        started.elapsed()
    );
    assert!(job.processes().expect("processes").is_empty());
    let status = child.wait_timeout(Duration::from_secs(10));
    assert_eq!(status.signal(), Some(Signal::SIGKILL as i32));
    job.remove().expect("remove");
}

#[test]
fn host_memory_hog_is_oom_killed_and_counted() {
    if !privileged("host_memory_hog_is_oom_killed_and_counted") {
        return;
    }
    let root = CgroupRoot::detect().expect("detect");
    let parent = TestParent::new(&root);
    let limit = 32 * MIB;
    let limits = CgroupLimits {
        memory_max_bytes: Some(limit),
        pids_max: Some(64),
        ..CgroupLimits::default()
    };
    let job = root.create(&parent.name, "hog", &limits).expect("create");
    // The shell keeps the whole 200 MB command substitution in memory.
    let mut child = ChildGuard::spawn_gated(
        r#"x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived ${#x}"#,
    );
    job.add_process(child.pid()).expect("add_process");
    child.release();
    let status = child.wait_timeout(Duration::from_secs(60));
    assert!(!status.success(), "the hog was not stopped: {status:?}");

    let usage = job.usage().expect("usage");
    eprintln!("host_memory_hog_is_oom_killed_and_counted: {status:?}, {usage:?}");
    assert!(usage.oom_kills >= 1, "{usage:?}");
    if let Some(peak) = usage.memory_peak_bytes {
        assert!(peak <= limit, "peak {peak} above the limit {limit}");
        assert!(peak > limit / 2, "peak {peak} suspiciously low");
    }
    job.kill_all().expect("kill_all");
    job.remove().expect("remove");
}

/// The v2 code on a real cgroup2 hierarchy: the root itself on a v2 host, or
/// the hybrid `/sys/fs/cgroup/unified` (no controllers there, but
/// `cgroup.procs`, `cgroup.kill`, `cgroup.freeze` and `cpu.stat` are core).
#[test]
fn host_v2_kill_file_and_freezer_paths() {
    if !privileged("host_v2_kill_file_and_freezer_paths") {
        return;
    }
    let Some(root) = CgroupRoot::unified() else {
        eprintln!("host_v2_kill_file_and_freezer_paths: skipped: no cgroup2 hierarchy");
        return;
    };
    let parent = TestParent::new(&root);
    let script = "for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; wait";

    // cgroup.kill, through the trait.
    let job = root
        .create(&parent.name, "by-kill-file", &CgroupLimits::default())
        .expect("create");
    let mut child = ChildGuard::spawn_gated(script);
    job.add_process(child.pid()).expect("add_process");
    child.release();
    wait_for_processes(job.as_ref(), 9);
    job.kill_all().expect("kill_all");
    assert!(job.processes().expect("processes").is_empty());
    assert_eq!(
        child.wait_timeout(Duration::from_secs(10)).signal(),
        Some(Signal::SIGKILL as i32)
    );
    job.usage().expect("usage: cpu.stat is core");
    job.remove().expect("remove");

    // Freeze / kill / thaw, as on kernels without cgroup.kill.
    root.create(&parent.name, "by-freezing", &CgroupLimits::default())
        .expect("create");
    let job = V2Job::open(root.path(), &Path::new(&parent.name).join("by-freezing"))
        .expect("open")
        .expect("exists");
    let mut child = ChildGuard::spawn_gated(script);
    job.add_process(child.pid()).expect("add_process");
    child.release();
    wait_for_processes(&job, 9);
    job.kill_by_freezing().expect("kill by freezing");
    assert!(job.processes().expect("processes").is_empty());
    assert_eq!(
        child.wait_timeout(Duration::from_secs(10)).signal(),
        Some(Signal::SIGKILL as i32)
    );
    assert_eq!(
        read_trimmed(
            &root
                .path()
                .join(&parent.name)
                .join("by-freezing/cgroup.freeze")
        ),
        "0",
        "left thawed"
    );
    job.remove().expect("remove");
}

fn wait_for_processes(job: &dyn JobCgroup, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while job.processes().expect("processes").len() < count {
        assert!(Instant::now() < deadline, "fewer than {count} processes");
        thread::sleep(Duration::from_millis(2));
    }
}

#[test]
#[allow(unsafe_code)]
fn host_a_process_moves_itself_into_every_v1_hierarchy() {
    if !privileged("host_a_process_moves_itself_into_every_v1_hierarchy") {
        return;
    }
    let root = CgroupRoot::detect().expect("detect");
    let parent = TestParent::new(&root);
    let job = root
        .create(&parent.name, "job", &CgroupLimits::default())
        .expect("create");
    let Some(self_move) = job.open_self_move().expect("open_self_move") else {
        assert_eq!(root.version(), CgroupVersion::V2, "v1 offers a self-move");
        return;
    };
    let tasks: Vec<PathBuf> = self_move.paths().map(Path::to_path_buf).collect();
    assert!(!tasks.is_empty());
    let fds = self_move.into_fds();
    let (moved_read, moved_write) = nix::unistd::pipe().expect("pipe");
    let (hold_read, hold_write) = nix::unistd::pipe().expect("pipe");
    // SAFETY: the child only calls write(2), read(2) and _exit(2) (through
    // move_calling_thread and nix wrappers): async-signal-safe, as needed after
    // fork in a multi-threaded test process.
    let child = match unsafe { nix::unistd::fork() }.expect("fork") {
        nix::unistd::ForkResult::Child => {
            // Only the parent's ends stay open there, so the read below ends
            // when the parent lets go.
            drop((hold_write, moved_read));
            let code = match super::move_calling_thread(&fds) {
                Ok(()) => 0u8,
                Err(_) => 1,
            };
            let _ = nix::unistd::write(&moved_write, &[code]);
            let mut byte = [0u8; 1];
            let _ = nix::unistd::read(&hold_read, &mut byte);
            // SAFETY: _exit is async-signal-safe and skips the test harness's atexit work.
            unsafe { libc::_exit(0) }
        }
        nix::unistd::ForkResult::Parent { child } => child,
    };
    drop((fds, moved_write, hold_read));
    let mut code = [9u8; 1];
    nix::unistd::read(&moved_read, &mut code).expect("read");
    for file in &tasks {
        let procs = fs::read_to_string(file.with_file_name("cgroup.procs")).expect("cgroup.procs");
        assert_eq!(procs.trim(), child.to_string(), "{}", file.display());
    }
    assert_eq!(code, [0], "move_calling_thread failed in the child");
    drop(hold_write);
    nix::sys::wait::waitpid(child, None).expect("waitpid");
    job.remove().expect("remove");
}
