//! cgroup v2: one unified directory `<root>/<parent>/<name>`.
//!
//! Controllers must be enabled top-down through each ancestor's
//! `cgroup.subtree_control`, and a cgroup with controllers enabled for its
//! children may hold no processes itself ("no internal processes"), so job
//! processes only ever go into the leaf `<name>`, never into `<parent>`.
//!
//! Limits, attaching and freezing go through cgroups-rs controllers built on
//! our paths (its `Cgroup::create` reads the fixed `/sys/fs/cgroup` and ignores
//! errors enabling controllers, so directories and `subtree_control` are done
//! here); `cgroup.kill`, `cgroup.events`, `memory.peak` and `memory.events`,
//! which cgroups-rs does not read or write, are handled directly.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use cgroups_rs::CgroupPid;
use cgroups_rs::fs::blkio::BlkIoController;
use cgroups_rs::fs::cpu::CpuController;
use cgroups_rs::fs::freezer::FreezerController;
use cgroups_rs::fs::memory::MemController;
use cgroups_rs::fs::pid::PidController;
use cgroups_rs::fs::{Controller, MaxValue};

use super::error::and_cleanup;
use super::kill::{self, Freezer};
use super::limits::{self, CPU_PERIOD_US};
use super::parse;
use super::{CgroupError, CgroupLimits, CgroupOp, CgroupUsage, JobCgroup, fsutil};

/// Controllers enabled for job cgroups, where the kernel offers them.
pub(super) const WANTED_CONTROLLERS: [&str; 4] = ["memory", "pids", "cpu", "io"];

/// A job cgroup on v2.
#[derive(Debug)]
pub(super) struct V2Job {
    root: PathBuf,
    dir: PathBuf,
}

impl V2Job {
    pub(super) fn new(root: &Path, relative: &Path) -> V2Job {
        V2Job {
            root: root.to_path_buf(),
            dir: root.join(relative),
        }
    }

    pub(super) fn open(root: &Path, relative: &Path) -> Result<Option<V2Job>, CgroupError> {
        let job = V2Job::new(root, relative);
        match fs::metadata(&job.dir) {
            Ok(meta) if meta.is_dir() => Ok(Some(job)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CgroupError::io(CgroupOp::Open, &job.dir, e)),
        }
    }

    /// Creates `<root>/<parent>/<name>`, enabling controllers on the way
    /// down, then applies the limits; on failure removes the job directory
    /// (never the shared parent).
    pub(super) fn create(
        root: &Path,
        parent: &Path,
        name: &str,
        limits: &CgroupLimits,
    ) -> Result<V2Job, CgroupError> {
        let offered_path = root.join("cgroup.controllers");
        let offered = read_controllers(&offered_path)?;
        for needed in limits.needed_controllers() {
            if !offered.iter().any(|c| c == needed) {
                return Err(CgroupError::ControllerUnavailable {
                    controller: needed,
                    path: offered_path,
                });
            }
        }
        let mut level = root.to_path_buf();
        enable_controllers(&level)?;
        for component in parent.components() {
            level.push(component);
            match fs::create_dir(&level) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(CgroupError::io(CgroupOp::CreateDir, &level, e)),
            }
            enable_controllers(&level)?;
        }
        let job = V2Job::new(root, &parent.join(name));
        fs::create_dir(&job.dir).map_err(|e| CgroupError::io(CgroupOp::CreateDir, &job.dir, e))?;
        match job.apply_limits(limits) {
            Ok(()) => Ok(job),
            Err(error) => Err(and_cleanup(error, job.remove())),
        }
    }

    pub(super) fn apply_limits(&self, limits: &CgroupLimits) -> Result<(), CgroupError> {
        let lib = |file: &str| {
            let path = self.dir.join(file);
            move |e| CgroupError::library(CgroupOp::SetLimit, &path, e)
        };
        if let Some(bytes) = limits.memory_max_bytes {
            let memory = MemController::new(self.dir.clone(), self.root.clone(), true);
            memory
                .set_limit(limits::to_i64(bytes))
                .map_err(lib("memory.max"))?;
            // Present when swap is accounted; then no swap at all for the job.
            if self.dir.join("memory.swap.max").exists() {
                memory
                    .set_memswap_limit(0)
                    .map_err(lib("memory.swap.max"))?;
            }
        }
        if let Some(pids) = limits.pids_max {
            PidController::new(self.dir.clone(), self.root.clone(), true)
                .set_pid_max(MaxValue::Value(limits::to_i64(pids)))
                .map_err(lib("pids.max"))?;
        }
        if limits.cpu_weight.is_some() || limits.cpu_max_cores.is_some() {
            let cpu = CpuController::new(self.dir.clone(), self.root.clone(), true);
            if let Some(weight) = limits.cpu_weight {
                // On v2 cgroups-rs writes `cpu.weight` as is.
                cpu.set_shares(u64::from(weight))
                    .map_err(lib("cpu.weight"))?;
            }
            if let Some(cores) = limits.cpu_max_cores {
                // Writes `cpu.max` as "$QUOTA $PERIOD".
                cpu.set_cfs_quota_and_period(
                    Some(limits::cpu_quota_us(cores)),
                    Some(CPU_PERIOD_US),
                )
                .map_err(lib("cpu.max"))?;
            }
        }
        self.apply_io_limits(limits)
    }

    /// `io.max` through cgroups-rs (one key per write, which the kernel
    /// merges), and the weight: `io.weight` (iocost) or `io.bfq.weight`.
    fn apply_io_limits(&self, limits: &CgroupLimits) -> Result<(), CgroupError> {
        let io = BlkIoController::new(self.dir.clone(), self.root.clone(), true);
        let io_max = self.dir.join("io.max");
        for device in &limits.io_devices {
            let (major, minor) = (u64::from(device.major), u64::from(device.minor));
            for (_, key, value) in device.entries() {
                let result = match key {
                    "rbps" => io.throttle_read_bps_for_device(major, minor, value),
                    "wbps" => io.throttle_write_bps_for_device(major, minor, value),
                    "riops" => io.throttle_read_iops_for_device(major, minor, value),
                    _ => io.throttle_write_iops_for_device(major, minor, value),
                };
                result.map_err(|e| CgroupError::library(CgroupOp::SetLimit, &io_max, e))?;
            }
        }
        if let Some(weight) = limits.io_weight {
            let iocost = self.dir.join("io.weight");
            let bfq = self.dir.join("io.bfq.weight");
            if iocost.exists() {
                fsutil::write(&iocost, &format!("default {weight}"), CgroupOp::SetLimit)?;
            } else if bfq.exists() {
                let value = limits::io_weight_to_bfq(weight);
                fsutil::write(&bfq, &format!("default {value}"), CgroupOp::SetLimit)?;
            } else {
                return Err(CgroupError::ControllerUnavailable {
                    controller: "io weight (io.weight or io.bfq.weight)",
                    path: self.dir.clone(),
                });
            }
        }
        Ok(())
    }

    fn freezer(&self) -> V2Freezer<'_> {
        V2Freezer { job: self }
    }

    /// Kills through freeze/kill/thaw, the path for kernels before 5.14 that
    /// have `cgroup.freeze` (5.2) but no `cgroup.kill`.
    pub(super) fn kill_by_freezing(&self) -> Result<(), CgroupError> {
        let freezer = self.freezer();
        kill::kill_by_freezing(&self.dir, Some(&freezer), &|| self.processes())
    }
}

fn read_controllers(path: &Path) -> Result<Vec<String>, CgroupError> {
    let contents = fsutil::read(path, CgroupOp::ReadControllers)?;
    Ok(parse::parse_controllers(&contents)
        .into_iter()
        .map(str::to_owned)
        .collect())
}

/// Enables for the children of `level` each wanted controller that it
/// offers and has not enabled yet, in one write ("+memory +pids +cpu").
/// Fails with `EBUSY` if `level` (other than the root) holds processes.
pub(super) fn enable_controllers(level: &Path) -> Result<(), CgroupError> {
    let offered = read_controllers(&level.join("cgroup.controllers"))?;
    let control = level.join("cgroup.subtree_control");
    let enabled = read_controllers(&control)?;
    let missing: Vec<String> = WANTED_CONTROLLERS
        .iter()
        .filter(|c| offered.iter().any(|o| o == *c) && !enabled.iter().any(|e| e == *c))
        .map(|c| format!("+{c}"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    fsutil::write(&control, &missing.join(" "), CgroupOp::EnableControllers)
}

/// The v2 freezer: cgroups-rs writes `cgroup.freeze`; whether the freeze has
/// completed is `frozen` in `cgroup.events` (cgroups-rs only reads back the
/// requested state).
struct V2Freezer<'a> {
    job: &'a V2Job,
}

impl V2Freezer<'_> {
    fn controller(&self) -> FreezerController {
        FreezerController::new(self.job.dir.clone(), self.job.root.clone(), true)
    }
}

impl Freezer for V2Freezer<'_> {
    fn request_freeze(&self) -> Result<(), CgroupError> {
        self.controller().freeze().map_err(|e| {
            CgroupError::library(CgroupOp::Freeze, &self.job.dir.join("cgroup.freeze"), e)
        })
    }

    fn is_frozen(&self) -> Result<bool, CgroupError> {
        fsutil::read_parsed(
            &self.job.dir.join("cgroup.events"),
            CgroupOp::Freeze,
            parse::parse_events_frozen,
        )
    }

    fn thaw(&self) -> Result<(), CgroupError> {
        self.controller().thaw().map_err(|e| {
            CgroupError::library(CgroupOp::Thaw, &self.job.dir.join("cgroup.freeze"), e)
        })
    }
}

impl JobCgroup for V2Job {
    fn path_description(&self) -> String {
        format!("cgroup v2 {}", self.dir.display())
    }

    fn open_for_clone(&self) -> Result<Option<std::os::fd::OwnedFd>, CgroupError> {
        use std::os::unix::fs::OpenOptionsExt;
        fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY)
            .open(&self.dir)
            .map(|dir| Some(dir.into()))
            .map_err(|source| CgroupError::io(CgroupOp::OpenDirectory, &self.dir, source))
    }

    fn add_process(&self, pid: i32) -> Result<(), CgroupError> {
        let tgid = u64::try_from(pid)
            .ok()
            .filter(|&p| p > 0)
            .ok_or(CgroupError::InvalidPid { pid })?;
        // On v2 every controller handle writes the one `cgroup.procs`.
        self.freezer()
            .controller()
            .add_task_by_tgid(&CgroupPid::from(tgid))
            .map_err(|e| {
                CgroupError::library(
                    CgroupOp::AddProcess { pid },
                    &self.dir.join("cgroup.procs"),
                    e,
                )
            })
    }

    fn processes(&self) -> Result<Vec<i32>, CgroupError> {
        fsutil::procs(&self.dir)
    }

    fn signal_all(&self, signal: i32) -> Result<(), CgroupError> {
        let signal = kill::to_signal(signal)?;
        kill::signal_each(&self.dir, &self.processes()?, signal)
    }

    fn kill_all(&self) -> Result<(), CgroupError> {
        let kill_file = self.dir.join("cgroup.kill");
        if kill_file.exists() {
            kill::kill_with_kill_file(&self.dir, &kill_file, &|| self.processes())
        } else if self.dir.join("cgroup.freeze").exists() {
            self.kill_by_freezing()
        } else {
            kill::kill_by_freezing(&self.dir, None, &|| self.processes())
        }
    }

    fn usage(&self) -> Result<CgroupUsage, CgroupError> {
        let times = fsutil::read_parsed(
            &self.dir.join("cpu.stat"),
            CgroupOp::ReadUsage,
            parse::parse_cpu_stat,
        )?;
        // Both need the memory controller; memory.peak also Linux 5.19.
        let memory_peak_bytes = fsutil::read_parsed_optional(
            &self.dir.join("memory.peak"),
            CgroupOp::ReadUsage,
            parse::parse_single_u64,
        )?;
        let oom_kills = fsutil::read_parsed_optional(
            &self.dir.join("memory.events"),
            CgroupOp::ReadUsage,
            parse::parse_oom_kill,
        )?
        .unwrap_or(0);
        // Present when the io controller is enabled for the job.
        let io = fsutil::read_parsed_optional(
            &self.dir.join("io.stat"),
            CgroupOp::ReadUsage,
            parse::parse_io_stat,
        )?
        .unwrap_or_default();
        Ok(CgroupUsage {
            cpu_user_ns: times.user_ns,
            cpu_system_ns: times.system_ns,
            memory_peak_bytes,
            oom_kills,
            io_read_bytes: io.read,
            io_write_bytes: io.write,
        })
    }

    fn remove(&self) -> Result<(), CgroupError> {
        fsutil::remove_tree(&self.dir)
    }
}
