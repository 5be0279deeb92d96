//! ADAPTER (replace with `workernator::probe()` when it lands): what this host
//! supports, as far as the CLI can tell by reading `/proc` and `/sys`, and what
//! this version of the library can apply.
//!
//! Nothing here decides how jobs run; it only reports. The library's own probe
//! will know more (and know it for sure): swap the body of [`probe`] for it
//! and map its report into [`HostReport`].

use serde::Serialize;

/// What the host offers and the library can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct HostReport {
    /// `uname -r`.
    pub(crate) kernel: Option<String>,
    /// Whether this process runs as root (namespaces and cgroups need it for now).
    pub(crate) root: bool,
    /// Whether unprivileged user namespaces may be created.
    pub(crate) user_namespaces: bool,
    pub(crate) cgroup: CgroupReport,
    /// What `jobs start` can apply with this version of the library.
    pub(crate) supports: Supports,
}

/// The cgroup hierarchies mounted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct CgroupReport {
    /// Controllers with a cgroup v1 hierarchy.
    pub(crate) v1_controllers: Vec<String>,
    /// Where cgroup2 is mounted, if it is.
    pub(crate) v2_mount: Option<String>,
    /// Controllers enabled in the cgroup2 hierarchy.
    pub(crate) v2_controllers: Vec<String>,
}

impl CgroupReport {
    fn has(&self, controller: &str) -> bool {
        self.v1_controllers.iter().any(|c| c == controller)
            || self.v2_controllers.iter().any(|c| c == controller)
    }
}

/// Start options and features, and whether they work here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Supports {
    /// `--cpu`.
    pub(crate) cpu_limit: bool,
    /// `--memory`.
    pub(crate) memory_limit: bool,
    /// `--pids`.
    pub(crate) pids_limit: bool,
    /// `--io-read-bps`, `--io-write-bps`: not in this version of the library.
    pub(crate) io_limits: bool,
    /// `--net` other than the type's own: not in this version of the library.
    pub(crate) network_override: bool,
    /// `--timeout`: not in this version of the library.
    pub(crate) timeout_override: bool,
    /// `--owner`: not in this version of the library.
    pub(crate) owners: bool,
    /// `tail` showing output as it is written: not yet (it shows it at the end).
    pub(crate) live_tail: bool,
}

/// Looks at this host.
pub(crate) fn probe() -> HostReport {
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|text| text.trim().to_owned());
    let user_namespaces = std::fs::read_to_string("/proc/sys/user/max_user_namespaces")
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .is_some_and(|max| max > 0);
    let mut cgroup = std::fs::read_to_string("/proc/self/mounts")
        .map(|mounts| parse_mounts(&mounts))
        .unwrap_or_default();
    if let Some(mount) = &cgroup.v2_mount {
        cgroup.v2_controllers =
            std::fs::read_to_string(std::path::Path::new(mount).join("cgroup.controllers"))
                .map(|text| text.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default();
    }
    let root = nix::unistd::geteuid().is_root();
    let supports = Supports {
        cpu_limit: root && cgroup.has("cpu"),
        memory_limit: root && cgroup.has("memory"),
        pids_limit: root && cgroup.has("pids"),
        io_limits: false,
        network_override: false,
        timeout_override: false,
        owners: false,
        live_tail: false,
    };
    HostReport {
        kernel,
        root,
        user_namespaces,
        cgroup,
        supports,
    }
}

/// The cgroup hierarchies in `/proc/self/mounts`.
fn parse_mounts(mounts: &str) -> CgroupReport {
    let mut report = CgroupReport::default();
    for line in mounts.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, mount, kind, options, ..] = fields.as_slice() else {
            continue;
        };
        match *kind {
            "cgroup" => {
                for option in options.split(',') {
                    if CONTROLLERS.contains(&option)
                        && !report.v1_controllers.iter().any(|c| c == option)
                    {
                        report.v1_controllers.push(option.to_owned());
                    }
                }
            }
            "cgroup2" => report.v2_mount = Some((*mount).to_owned()),
            _ => {}
        }
    }
    report
}

/// The v1 controllers worth naming (mount options also hold flags).
const CONTROLLERS: [&str; 12] = [
    "cpu",
    "cpuacct",
    "cpuset",
    "memory",
    "pids",
    "blkio",
    "io",
    "devices",
    "freezer",
    "hugetlb",
    "net_cls",
    "perf_event",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_controllers_and_the_v2_mount_are_found() {
        let mounts = "\
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,relatime,cpu,cpuacct 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,memory 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
proc /proc proc rw 0 0
";
        let report = parse_mounts(mounts);
        assert_eq!(report.v1_controllers, ["cpu", "cpuacct", "memory"]);
        assert_eq!(report.v2_mount.as_deref(), Some("/sys/fs/cgroup/unified"));
        assert!(report.has("memory"));
        assert!(!report.has("pids"));
    }

    #[test]
    fn a_pure_v2_host_has_no_v1_controllers() {
        let report = parse_mounts("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n");
        assert!(report.v1_controllers.is_empty());
        assert_eq!(report.v2_mount.as_deref(), Some("/sys/fs/cgroup"));
    }
}
