//! The job's code runs as an unprivileged user with no capability in any set,
//! no_new_privs and a seccomp filter; the user is configurable.

mod common;

use common::jobs::WhoAmI;
use workernator::{StartOptions, sandbox::JobUser};

workernator::init_before_main!();

fn field<'a>(lines: &'a [String], key: &str) -> &'a str {
    lines
        .iter()
        .find_map(|line| line.strip_prefix(key))
        .map(str::trim)
        .unwrap_or_else(|| panic!("{key} missing from {lines:?}"))
}

#[test]
fn the_job_runs_as_nobody_without_capabilities() {
    if !common::privileged("the_job_runs_as_nobody_without_capabilities") {
        return;
    }
    let test = common::runner();
    let job = test.runner.start(WhoAmI).unwrap();
    let lines = common::rt().block_on(job.wait()).unwrap();
    assert_eq!(field(&lines, "Uid:"), "65534\t65534\t65534\t65534");
    assert_eq!(field(&lines, "Gid:"), "65534\t65534\t65534\t65534");
    assert_eq!(field(&lines, "Groups:"), "");
    for set in ["CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"] {
        assert_eq!(field(&lines, set), "0000000000000000", "{set}");
    }
    assert_eq!(field(&lines, "NoNewPrivs:"), "1");
    assert_eq!(field(&lines, "Seccomp:"), "2", "filter mode");
}

#[test]
fn the_job_user_is_configurable() {
    if !common::privileged("the_job_user_is_configurable") {
        return;
    }
    let test = common::runner();
    let job = test
        .runner
        .start_with(WhoAmI, StartOptions::new().user(JobUser::new(4321, 4322)))
        .unwrap();
    let lines = common::rt().block_on(job.wait()).unwrap();
    assert_eq!(field(&lines, "Uid:"), "4321\t4321\t4321\t4321");
    assert_eq!(field(&lines, "Gid:"), "4322\t4322\t4322\t4322");
    assert_eq!(field(&lines, "CapEff:"), "0000000000000000");
}
