//! `probe [--json]`: what this host supports.

use super::{Context, print, print_line};
use crate::adapters::probe::{self, HostReport};
use crate::cli::value_parsers::rootless_limits_name;
use crate::error::{CliError, exit};
use crate::render::json::to_line;
use serde::Serialize;
use std::fmt::Write;
use workernator::sandbox::RootlessLimits;

/// The host's report, and what this invocation would do without root.
#[derive(Serialize)]
struct ProbeObject<'a> {
    #[serde(flatten)]
    host: &'a HostReport,
    /// `--rootless-limits` (or its variable) in effect: `require` or `best-effort`.
    rootless_limits: &'static str,
}

pub(crate) fn run(context: &Context, as_json: bool) -> Result<i32, CliError> {
    let report = probe::probe();
    let policy = context.rootless_limits();
    if as_json {
        print_line(&to_line(&ProbeObject {
            host: &report,
            rootless_limits: rootless_limits_name(policy),
        }))?;
    } else {
        let mut text = human(&report);
        let _ = writeln!(text, "{}", rootless_limits_line(policy, report.root));
        print(&text)?;
    }
    Ok(exit::OK)
}

/// What a start does when no cgroup can enforce a job's limits.
fn rootless_limits_line(policy: RootlessLimits, root: bool) -> String {
    let meaning = match policy {
        RootlessLimits::BestEffort => {
            "without root, a job whose limits cannot be enforced runs without them"
        }
        _ => "without root, a job whose limits cannot be enforced is refused",
    };
    let as_root = if root {
        "; as root, limits are always enforced"
    } else {
        ""
    };
    format!(
        "Rootless limits:   {} ({meaning}{as_root})",
        rootless_limits_name(policy)
    )
}

fn human(report: &HostReport) -> String {
    let yes_no = |flag: bool| if flag { "yes" } else { "no" };
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let mut text = String::new();
    let _ = writeln!(text, "Kernel:            {}", report.kernel);
    let _ = writeln!(text, "Root:              {}", yes_no(report.root));
    let _ = writeln!(
        text,
        "User namespaces:   {} (unprivileged: {})",
        yes_no(report.user_namespaces),
        yes_no(report.unprivileged_user_namespaces)
    );
    let _ = writeln!(
        text,
        "Rootless:          user namespace now: {}; delegated cgroup: {}",
        yes_no(report.user_namespace_works),
        match (&report.delegated_cgroup, &report.delegation_missing) {
            (Some(dir), _) => format!("{dir} (usable: {})", list(&report.delegated_controllers)),
            (None, Some(why)) => format!("none ({why})"),
            (None, None) => "none".to_owned(),
        }
    );
    let _ = writeln!(text, "pidfd:             {}", yes_no(report.pidfd));
    let _ = writeln!(text, "seccomp:           {}", yes_no(report.seccomp));
    let cgroup = &report.cgroup;
    match (cgroup.version, &cgroup.root) {
        (Some(version), Some(root)) => {
            let _ = writeln!(
                text,
                "cgroup v{version}:         {root} (controllers: {}; writable: {})",
                list(&cgroup.controllers),
                list(&cgroup.writable_controllers)
            );
        }
        _ => {
            let _ = writeln!(text, "cgroup:            none found");
        }
    }
    if let Some(mount) = &cgroup.hybrid_v2_mount {
        let _ = writeln!(text, "cgroup v2 (hybrid): {mount}");
    }
    let supports = &report.supports;
    let options = [
        ("--cpu", supports.cpu_limit),
        ("--memory", supports.memory_limit),
        ("--pids", supports.pids_limit),
        ("--io-read-bps/--io-write-bps", supports.io_limits),
        ("--net", supports.network_override),
        ("--timeout", supports.timeout_override),
        ("--owner", supports.owners),
        ("live tail", supports.live_tail),
    ];
    let (yes, no): (Vec<_>, Vec<_>) = options.iter().partition(|(_, supported)| *supported);
    let names = |items: Vec<&(&str, bool)>| {
        let names: Vec<&str> = items.iter().map(|(name, _)| *name).collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    };
    let _ = writeln!(text, "Supported here:     {}", names(yes));
    let _ = writeln!(text, "Not supported here: {}", names(no));
    text
}
