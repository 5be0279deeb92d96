//! `probe` reports what the host supports, for people and as JSON.

mod common;

use common::cli::cli;

#[test]
fn probe_reports_the_host() {
    let cli = cli();
    let json = cli.run(&["probe", "--json"]);
    json.expect_code(0);
    let report = json.json();
    assert_eq!(report["root"], nix::unistd::geteuid().is_root());
    assert!(report["cgroup"]["controllers"].is_array(), "{report}");
    assert_eq!(report["pidfd"], true, "{report}");
    let root = nix::unistd::geteuid().is_root();
    // Without root, jobs run rootless where this user can make a user namespace.
    let runs_jobs = root || report["user_namespace_works"] == true;
    for feature in [
        "jobs",
        "network_override",
        "timeout_override",
        "owners",
        "live_tail",
    ] {
        assert_eq!(
            report["supports"][feature], runs_jobs,
            "{feature}: {report}"
        );
    }
    let human = cli.run(&["probe"]);
    human.expect_code(0);
    let text = human.stdout_text();
    assert!(text.starts_with("Kernel:"), "{text}");
    assert!(text.contains("Supported here:"), "{text}");
    assert!(text.contains("Not supported here:"), "{text}");
    assert!(text.contains("Rootless:"), "{text}");
}
