//! cgroup v1: one directory per controller hierarchy
//! (`<root>/<controller>/<parent>/<name>`).
//!
//! Limits, attaching and the freezer go through cgroups-rs controllers built
//! on our own paths (its `Cgroup`/`Hierarchy` types read `/proc/self/mountinfo`
//! and cannot take an injected root). Reads are done here, because
//! cgroups-rs's readers turn errors into zeros and empty lists.

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
use super::{CgroupError, CgroupLimits, CgroupOp, CgroupUsage, JobCgroup, SelfMove, fsutil};

/// The v1 controllers this layer uses (never cpuset, devices or systemd).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum V1Controller {
    Memory,
    Pids,
    Cpu,
    CpuAcct,
    Freezer,
    Blkio,
}

impl V1Controller {
    pub(super) const ALL: [V1Controller; 6] = [
        V1Controller::Memory,
        V1Controller::Pids,
        V1Controller::Cpu,
        V1Controller::CpuAcct,
        V1Controller::Freezer,
        V1Controller::Blkio,
    ];

    /// The directory name under the root, and the name in errors.
    pub(super) fn name(self) -> &'static str {
        match self {
            V1Controller::Memory => "memory",
            V1Controller::Pids => "pids",
            V1Controller::Cpu => "cpu",
            V1Controller::CpuAcct => "cpuacct",
            V1Controller::Freezer => "freezer",
            V1Controller::Blkio => "blkio",
        }
    }
}

/// One mounted v1 hierarchy: its directory (symlinks resolved, so co-mounted
/// `cpu,cpuacct` appears once) and the controllers of ours it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct V1Mount {
    pub(super) dir: PathBuf,
    pub(super) controllers: Vec<V1Controller>,
}

/// Groups the available controllers by the directory they resolve to.
pub(super) fn group_mounts(found: Vec<(V1Controller, PathBuf)>) -> Vec<V1Mount> {
    let mut mounts: Vec<V1Mount> = Vec::new();
    for (controller, dir) in found {
        match mounts.iter_mut().find(|m| m.dir == dir) {
            Some(mount) => mount.controllers.push(controller),
            None => mounts.push(V1Mount {
                dir,
                controllers: vec![controller],
            }),
        }
    }
    mounts
}

/// The job's directory in one hierarchy.
#[derive(Debug, Clone)]
struct JobDir {
    mount: PathBuf,
    dir: PathBuf,
    controllers: Vec<V1Controller>,
}

impl JobDir {
    fn has(&self, controller: V1Controller) -> bool {
        self.controllers.contains(&controller)
    }
}

/// A job cgroup on v1.
#[derive(Debug)]
pub(super) struct V1Job {
    /// `<parent>/<name>`, for descriptions.
    relative: PathBuf,
    dirs: Vec<JobDir>,
}

impl V1Job {
    /// The job in every given hierarchy (whether or not the directories exist).
    pub(super) fn new(mounts: &[V1Mount], relative: &Path) -> V1Job {
        V1Job {
            relative: relative.to_path_buf(),
            dirs: mounts
                .iter()
                .map(|m| JobDir {
                    mount: m.dir.clone(),
                    dir: m.dir.join(relative),
                    controllers: m.controllers.clone(),
                })
                .collect(),
        }
    }

    /// The job in the hierarchies where its directory exists; `None` if none.
    pub(super) fn open(mounts: &[V1Mount], relative: &Path) -> Result<Option<V1Job>, CgroupError> {
        let mut job = V1Job::new(mounts, relative);
        let mut existing = Vec::new();
        for dir in job.dirs.drain(..) {
            match fs::metadata(&dir.dir) {
                Ok(meta) if meta.is_dir() => existing.push(dir),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(CgroupError::io(CgroupOp::Open, &dir.dir, e)),
            }
        }
        if existing.is_empty() {
            return Ok(None);
        }
        job.dirs = existing;
        Ok(Some(job))
    }

    /// Creates `<mount>/<parent>/<name>` in every hierarchy and applies the
    /// limits; on failure removes what it created.
    pub(super) fn create(
        root: &Path,
        mounts: &[V1Mount],
        relative: &Path,
        limits: &CgroupLimits,
    ) -> Result<V1Job, CgroupError> {
        for needed in limits.needed_controllers() {
            // v2's io controller is v1's blkio.
            let needed = if needed == "io" { "blkio" } else { needed };
            let available = mounts
                .iter()
                .any(|m| m.controllers.iter().any(|c| c.name() == needed));
            if !available {
                return Err(CgroupError::ControllerUnavailable {
                    controller: needed,
                    path: root.join(needed),
                });
            }
        }
        let mut job = V1Job::new(mounts, relative);
        let all_dirs = std::mem::take(&mut job.dirs);
        for dir in all_dirs {
            match create_job_dir(&dir.dir) {
                Ok(()) => job.dirs.push(dir),
                // Remove only what this call created: an existing directory
                // (AlreadyExists) is someone else's.
                Err(error) => return Err(and_cleanup(error, job.remove())),
            }
        }
        match job.apply_limits(limits) {
            Ok(()) => Ok(job),
            Err(error) => Err(and_cleanup(error, job.remove())),
        }
    }

    fn dir_with(&self, controller: V1Controller) -> Option<&JobDir> {
        self.dirs.iter().find(|d| d.has(controller))
    }

    /// Writes the limits. Order matters for memory: `memsw` may not be set
    /// below `limit_in_bytes`, so the plain limit goes first.
    pub(super) fn apply_limits(&self, limits: &CgroupLimits) -> Result<(), CgroupError> {
        let lib = |file: &str, dir: &JobDir| {
            let path = dir.dir.join(file);
            move |e| CgroupError::library(CgroupOp::SetLimit, &path, e)
        };
        if let (Some(bytes), Some(dir)) =
            (limits.memory_max_bytes, self.dir_with(V1Controller::Memory))
        {
            let memory = MemController::new(dir.dir.clone(), dir.mount.clone(), false);
            let bytes = limits::to_i64(bytes);
            memory
                .set_limit(bytes)
                .map_err(lib("memory.limit_in_bytes", dir))?;
            // Only with swap accounting (CONFIG_MEMCG_SWAP) does the file exist.
            if dir.dir.join("memory.memsw.limit_in_bytes").exists() {
                memory
                    .set_memswap_limit(bytes)
                    .map_err(lib("memory.memsw.limit_in_bytes", dir))?;
            }
        }
        if let (Some(pids), Some(dir)) = (limits.pids_max, self.dir_with(V1Controller::Pids)) {
            PidController::new(dir.dir.clone(), dir.mount.clone(), false)
                .set_pid_max(MaxValue::Value(limits::to_i64(pids)))
                .map_err(lib("pids.max", dir))?;
        }
        if let Some(dir) = self.dir_with(V1Controller::Cpu) {
            let cpu = CpuController::new(dir.dir.clone(), dir.mount.clone(), false);
            if let Some(weight) = limits.cpu_weight {
                cpu.set_shares(limits::weight_to_shares(weight))
                    .map_err(lib("cpu.shares", dir))?;
            }
            if let Some(cores) = limits.cpu_max_cores {
                cpu.set_cfs_period(CPU_PERIOD_US)
                    .map_err(lib("cpu.cfs_period_us", dir))?;
                cpu.set_cfs_quota(limits::cpu_quota_us(cores))
                    .map_err(lib("cpu.cfs_quota_us", dir))?;
            }
        }
        if let Some(dir) = self.dir_with(V1Controller::Blkio) {
            apply_io_limits(dir, limits)?;
        }
        Ok(())
    }
}

/// Throttles (through cgroups-rs) and the io weight (written here: cgroups-rs
/// only knows CFQ's `blkio.weight`, gone since Linux 5.0).
fn apply_io_limits(dir: &JobDir, limits: &CgroupLimits) -> Result<(), CgroupError> {
    let blkio = BlkIoController::new(dir.dir.clone(), dir.mount.clone(), false);
    for device in &limits.io_devices {
        let (major, minor) = (u64::from(device.major), u64::from(device.minor));
        for (file, _, value) in device.entries() {
            let result = match file {
                "blkio.throttle.read_bps_device" => {
                    blkio.throttle_read_bps_for_device(major, minor, value)
                }
                "blkio.throttle.write_bps_device" => {
                    blkio.throttle_write_bps_for_device(major, minor, value)
                }
                "blkio.throttle.read_iops_device" => {
                    blkio.throttle_read_iops_for_device(major, minor, value)
                }
                _ => blkio.throttle_write_iops_for_device(major, minor, value),
            };
            result.map_err(|e| CgroupError::library(CgroupOp::SetLimit, &dir.dir.join(file), e))?;
        }
    }
    if let Some(weight) = limits.io_weight {
        let bfq = dir.dir.join("blkio.bfq.weight");
        let cfq = dir.dir.join("blkio.weight");
        if bfq.exists() {
            let value = limits::io_weight_to_bfq(weight).to_string();
            fsutil::write(&bfq, &value, CgroupOp::SetLimit)?;
        } else if cfq.exists() {
            let value = limits::io_weight_to_cfq(weight).to_string();
            fsutil::write(&cfq, &value, CgroupOp::SetLimit)?;
        } else {
            return Err(CgroupError::ControllerUnavailable {
                controller: "blkio weight (blkio.bfq.weight or blkio.weight)",
                path: dir.dir.clone(),
            });
        }
    }
    Ok(())
}

/// Creates the job directory (which must not exist) and, the first time, its
/// parent (shared, may exist). The job directory is tried first: the parent
/// is there for every job but a runner's first, and making sure of it costs
/// a mkdir and a stat in each hierarchy.
fn create_job_dir(dir: &Path) -> Result<(), CgroupError> {
    match fs::create_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent() {
                fs::create_dir_all(parent)
                    .map_err(|e| CgroupError::io(CgroupOp::CreateDir, parent, e))?;
            }
            fs::create_dir(dir).map_err(|e| CgroupError::io(CgroupOp::CreateDir, dir, e))
        }
        created => created.map_err(|e| CgroupError::io(CgroupOp::CreateDir, dir, e)),
    }
}

/// The v1 freezer through cgroups-rs; state read here (cgroups-rs's
/// `FreezerState` cannot be compared).
struct V1Freezer<'a> {
    dir: &'a JobDir,
}

impl V1Freezer<'_> {
    fn controller(&self) -> FreezerController {
        FreezerController::new(self.dir.dir.clone(), self.dir.mount.clone(), false)
    }

    fn state_path(&self) -> PathBuf {
        self.dir.dir.join("freezer.state")
    }
}

impl Freezer for V1Freezer<'_> {
    fn request_freeze(&self) -> Result<(), CgroupError> {
        self.controller()
            .freeze()
            .map_err(|e| CgroupError::library(CgroupOp::Freeze, &self.state_path(), e))
    }

    fn is_frozen(&self) -> Result<bool, CgroupError> {
        fsutil::read_parsed(
            &self.state_path(),
            CgroupOp::Freeze,
            parse::parse_freezer_state_frozen,
        )
    }

    fn thaw(&self) -> Result<(), CgroupError> {
        self.controller()
            .thaw()
            .map_err(|e| CgroupError::library(CgroupOp::Thaw, &self.state_path(), e))
    }
}

impl JobCgroup for V1Job {
    fn path_description(&self) -> String {
        let dirs: Vec<String> = self
            .dirs
            .iter()
            .map(|d| d.dir.display().to_string())
            .collect();
        format!(
            "cgroup v1 {} ({})",
            self.relative.display(),
            dirs.join(", ")
        )
    }

    fn add_process(&self, pid: i32) -> Result<(), CgroupError> {
        let tgid = u64::try_from(pid)
            .ok()
            .filter(|&p| p > 0)
            .ok_or(CgroupError::InvalidPid { pid })?;
        for dir in &self.dirs {
            // Any controller type writes `<dir>/cgroup.procs`; use the freezer's.
            FreezerController::new(dir.dir.clone(), dir.mount.clone(), false)
                .add_task_by_tgid(&CgroupPid::from(tgid))
                .map_err(|e| {
                    CgroupError::library(
                        CgroupOp::AddProcess { pid },
                        &dir.dir.join("cgroup.procs"),
                        e,
                    )
                })?;
        }
        Ok(())
    }

    fn open_self_move(&self) -> Result<Option<SelfMove>, CgroupError> {
        SelfMove::open(self.dirs.iter().map(|dir| dir.dir.clone())).map(Some)
    }

    fn processes(&self) -> Result<Vec<i32>, CgroupError> {
        let mut all = Vec::new();
        for dir in &self.dirs {
            all.extend(fsutil::procs(&dir.dir)?);
        }
        all.sort_unstable();
        all.dedup();
        Ok(all)
    }

    fn holds_no_process(&self) -> Result<bool, CgroupError> {
        match self.dirs.first() {
            Some(dir) => Ok(fsutil::procs(&dir.dir)?.is_empty()),
            None => Ok(true),
        }
    }

    fn signal_all(&self, signal: i32) -> Result<(), CgroupError> {
        let signal = kill::to_signal(signal)?;
        let pids = self.processes()?;
        let dir = self.dirs.first().map_or(Path::new(""), |d| d.dir.as_path());
        kill::signal_each(dir, &pids, signal)
    }

    fn kill_all(&self) -> Result<(), CgroupError> {
        let freezer_dir = self.dir_with(V1Controller::Freezer);
        let freezer = freezer_dir.map(|dir| V1Freezer { dir });
        let dir = freezer_dir
            .or(self.dirs.first())
            .map_or(Path::new(""), |d| d.dir.as_path());
        kill::kill_by_freezing(dir, freezer.as_ref().map(|f| f as &dyn Freezer), &|| {
            self.processes()
        })
    }

    fn usage(&self) -> Result<CgroupUsage, CgroupError> {
        let mut usage = CgroupUsage::default();
        if let Some(dir) = self.dir_with(V1Controller::CpuAcct) {
            let read_ns = |file: &str| {
                fsutil::read_parsed_optional(
                    &dir.dir.join(file),
                    CgroupOp::ReadUsage,
                    parse::parse_single_u64,
                )
            };
            // Linux 4.7+ has nanosecond files; older ones only USER_HZ ticks.
            let times = match (
                read_ns("cpuacct.usage_user")?,
                read_ns("cpuacct.usage_sys")?,
            ) {
                (Some(user_ns), Some(system_ns)) => parse::CpuTimes { user_ns, system_ns },
                _ => {
                    fsutil::read_parsed(&dir.dir.join("cpuacct.stat"), CgroupOp::ReadUsage, |s| {
                        parse::parse_cpuacct_stat(s, clock_ticks_per_second())
                    })?
                }
            };
            usage.cpu_user_ns = times.user_ns;
            usage.cpu_system_ns = times.system_ns;
        }
        if let Some(dir) = self.dir_with(V1Controller::Memory) {
            usage.memory_peak_bytes = Some(fsutil::read_parsed(
                &dir.dir.join("memory.max_usage_in_bytes"),
                CgroupOp::ReadUsage,
                parse::parse_single_u64,
            )?);
            usage.oom_kills = fsutil::read_parsed(
                &dir.dir.join("memory.oom_control"),
                CgroupOp::ReadUsage,
                parse::parse_oom_kill,
            )?;
        }
        if let Some(dir) = self.dir_with(V1Controller::Blkio) {
            let io = fsutil::read_parsed_optional(
                &dir.dir.join("blkio.throttle.io_service_bytes"),
                CgroupOp::ReadUsage,
                parse::parse_blkio_service_bytes,
            )?
            .unwrap_or_default();
            usage.io_read_bytes = io.read;
            usage.io_write_bytes = io.write;
        }
        Ok(usage)
    }

    fn remove(&self) -> Result<(), CgroupError> {
        let mut first_error = None;
        for dir in &self.dirs {
            if let Err(e) = fsutil::remove_tree(&dir.dir) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// USER_HZ from `sysconf(_SC_CLK_TCK)`; 100, its value on every Linux
/// architecture, if sysconf cannot say.
fn clock_ticks_per_second() -> u64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK) {
        Ok(Some(ticks)) if ticks > 0 => u64::try_from(ticks).unwrap_or(100),
        _ => 100,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comounted_controllers_are_grouped() {
        let mounts = group_mounts(vec![
            (V1Controller::Memory, PathBuf::from("/r/memory")),
            (V1Controller::Cpu, PathBuf::from("/r/cpu,cpuacct")),
            (V1Controller::CpuAcct, PathBuf::from("/r/cpu,cpuacct")),
        ]);
        assert_eq!(mounts.len(), 2);
        assert_eq!(
            mounts[1].controllers,
            vec![V1Controller::Cpu, V1Controller::CpuAcct]
        );
    }

    #[test]
    fn clock_ticks_is_positive() {
        assert!(clock_ticks_per_second() > 0);
    }
}
