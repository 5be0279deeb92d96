//! What this host supports: `workernator::host::probe()`, mapped into the report
//! `probe` shows, with what each `jobs start` option needs of the host.
//!
//! Nothing here decides how jobs run; it only reports.

use serde::Serialize;
use workernator::host::HostSupport;

/// What the host offers and the library can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct HostReport {
    /// `uname -r`.
    pub(crate) kernel: String,
    /// Whether this process runs as root; without root jobs run rootless.
    pub(crate) root: bool,
    /// Whether the kernel has user namespaces.
    pub(crate) user_namespaces: bool,
    /// Whether an ordinary user may create one (rootless mode needs it).
    pub(crate) unprivileged_user_namespaces: bool,
    /// Whether this process could make a user namespace just now.
    pub(crate) user_namespace_works: bool,
    /// The cgroup v2 subtree delegated to this user (rootless limits go there).
    pub(crate) delegated_cgroup: Option<String>,
    /// Its controllers usable for job cgroups.
    pub(crate) delegated_controllers: Vec<String>,
    /// Why no subtree is delegated, if none is.
    pub(crate) delegation_missing: Option<String>,
    /// Whether `pidfd_open` works (job handles rely on it).
    pub(crate) pidfd: bool,
    /// Whether seccomp filters can be installed.
    pub(crate) seccomp: bool,
    pub(crate) cgroup: CgroupReport,
    /// What `jobs start` can apply here.
    pub(crate) supports: Supports,
}

/// The cgroup hierarchy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct CgroupReport {
    /// 1 or 2; `None` without a cgroup hierarchy.
    pub(crate) version: Option<u8>,
    /// Where it is mounted.
    pub(crate) root: Option<String>,
    /// The controllers workernator uses that the host offers.
    pub(crate) controllers: Vec<String>,
    /// Those of them this process may create cgroups in.
    pub(crate) writable_controllers: Vec<String>,
    /// A cgroup2 mount beside a v1 hierarchy (hybrid hosts).
    pub(crate) hybrid_v2_mount: Option<String>,
}

/// Start options and features, and whether they work here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Supports {
    /// Running jobs at all: root, pidfd and a cgroup hierarchy.
    pub(crate) jobs: bool,
    /// `--cpu`.
    pub(crate) cpu_limit: bool,
    /// `--memory`.
    pub(crate) memory_limit: bool,
    /// `--pids`.
    pub(crate) pids_limit: bool,
    /// `--io-read-bps`, `--io-write-bps`: the `io` (v2) or `blkio` (v1) controller.
    pub(crate) io_limits: bool,
    /// `--net none|host`.
    pub(crate) network_override: bool,
    /// `--timeout`.
    pub(crate) timeout_override: bool,
    /// `--owner`.
    pub(crate) owners: bool,
    /// `tail` showing output as it is written.
    pub(crate) live_tail: bool,
}

/// Looks at this host.
pub(crate) fn probe() -> HostReport {
    report(&workernator::host::probe())
}

/// The report of what `host` offers.
fn report(host: &HostSupport) -> HostReport {
    let cgroup = host
        .cgroup
        .as_ref()
        .map(|cgroup| CgroupReport {
            version: Some(cgroup.version),
            root: Some(cgroup.root.display().to_string()),
            controllers: cgroup.controllers.iter().map(|c| c.name.clone()).collect(),
            writable_controllers: cgroup
                .controllers
                .iter()
                .filter(|c| c.writable)
                .map(|c| c.name.clone())
                .collect(),
            hybrid_v2_mount: None,
        })
        .unwrap_or_default();
    let cgroup = CgroupReport {
        hybrid_v2_mount: host
            .hybrid_cgroup2
            .as_ref()
            .map(|path| path.display().to_string()),
        ..cgroup
    };
    // As root: namespaces and a cgroup hierarchy; rootless: a user namespace,
    // and limits only where a delegated cgroup has the controller.
    let jobs = host.pidfd
        && match host.root {
            true => host.cgroup.is_some(),
            false => host.user_namespace_works,
        };
    let delegated_controllers: Vec<String> = host
        .delegated_cgroup
        .iter()
        .flat_map(|cgroup| cgroup.controllers.iter())
        .filter(|c| c.writable)
        .map(|c| c.name.clone())
        .collect();
    let controller = |name: &str| {
        jobs && match host.root {
            true => host.controller_writable(name),
            false => delegated_controllers.iter().any(|c| c == name),
        }
    };
    let supports = Supports {
        jobs,
        cpu_limit: controller("cpu"),
        memory_limit: controller("memory"),
        pids_limit: controller("pids"),
        io_limits: controller("io") || controller("blkio"),
        network_override: jobs,
        timeout_override: jobs,
        owners: jobs,
        live_tail: jobs,
    };
    HostReport {
        kernel: host.kernel_release.clone(),
        root: host.root,
        user_namespaces: host.user_namespaces,
        unprivileged_user_namespaces: host.unprivileged_user_namespaces,
        user_namespace_works: host.user_namespace_works,
        delegated_cgroup: host
            .delegated_cgroup
            .as_ref()
            .map(|cgroup| cgroup.root.display().to_string()),
        delegated_controllers,
        delegation_missing: host.delegation_missing.clone(),
        pidfd: host.pidfd,
        seccomp: host.seccomp,
        cgroup,
        supports,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `HostSupport` is non-exhaustive: made as the library would send it.
    fn host(value: serde_json::Value) -> HostSupport {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_rooted_v2_host_supports_what_its_controllers_allow() {
        let report = report(&host(serde_json::json!({
            "kernel_release": "6.8.0",
            "root": true,
            "cgroup": {
                "version": 2,
                "root": "/sys/fs/cgroup",
                "controllers": [
                    { "name": "cpu", "writable": true },
                    { "name": "memory", "writable": true },
                    { "name": "pids", "writable": false },
                ],
            },
            "hybrid_cgroup2": null,
            "user_namespaces": true,
            "unprivileged_user_namespaces": false,
            "pidfd": true,
            "seccomp": true,
        })));
        assert_eq!(report.kernel, "6.8.0");
        assert_eq!(report.cgroup.version, Some(2));
        assert_eq!(report.cgroup.controllers, ["cpu", "memory", "pids"]);
        assert_eq!(report.cgroup.writable_controllers, ["cpu", "memory"]);
        let supports = &report.supports;
        assert!(supports.jobs && supports.cpu_limit && supports.memory_limit);
        assert!(!supports.pids_limit && !supports.io_limits);
        assert!(supports.network_override && supports.live_tail);
    }

    #[test]
    fn rootless_jobs_run_with_limits_only_where_delegated() {
        let without_delegation = report(&host(serde_json::json!({
            "kernel_release": "6.8.0",
            "root": false,
            "cgroup": null,
            "hybrid_cgroup2": null,
            "user_namespaces": true,
            "unprivileged_user_namespaces": true,
            "user_namespace_works": true,
            "delegated_cgroup": null,
            "delegation_missing": "this process's cgroup / is not delegated to uid 1000",
            "pidfd": true,
            "seccomp": true,
        })));
        assert!(without_delegation.supports.jobs);
        assert!(!without_delegation.supports.memory_limit);
        assert!(
            without_delegation
                .delegation_missing
                .is_some_and(|why| why.contains("not delegated"))
        );
        let delegated = report(&host(serde_json::json!({
            "kernel_release": "6.8.0",
            "root": false,
            "cgroup": null,
            "hybrid_cgroup2": null,
            "user_namespaces": true,
            "unprivileged_user_namespaces": true,
            "user_namespace_works": true,
            "delegated_cgroup": {
                "version": 2,
                "root": "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service",
                "controllers": [
                    { "name": "memory", "writable": true },
                    { "name": "pids", "writable": true },
                ],
            },
            "delegation_missing": null,
            "pidfd": true,
            "seccomp": true,
        })));
        assert!(delegated.supports.memory_limit && delegated.supports.pids_limit);
        assert!(!delegated.supports.cpu_limit);
        assert_eq!(delegated.delegated_controllers, ["memory", "pids"]);
    }

    #[test]
    fn without_root_or_cgroups_nothing_runs() {
        let report = report(&host(serde_json::json!({
            "kernel_release": "5.15.0",
            "root": false,
            "cgroup": null,
            "hybrid_cgroup2": null,
            "user_namespaces": true,
            "unprivileged_user_namespaces": true,
            "pidfd": true,
            "seccomp": true,
        })));
        assert_eq!(report.cgroup, CgroupReport::default());
        assert!(!report.supports.jobs);
        assert!(!report.supports.memory_limit && !report.supports.owners);
    }
}
