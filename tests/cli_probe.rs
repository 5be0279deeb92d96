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
    assert!(report["cgroup"]["v1_controllers"].is_array(), "{report}");
    assert_eq!(report["supports"]["io_limits"], false);
    let human = cli.run(&["probe"]);
    human.expect_code(0);
    let text = human.stdout_text();
    assert!(text.starts_with("Kernel:"), "{text}");
    assert!(text.contains("Not yet supported:"), "{text}");
}
