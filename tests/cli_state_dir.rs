//! The state directory: `--state-dir`, else `$WORKERNATOR_STATE_DIR`.

mod common;

use common::cli::cli;

#[test]
fn the_environment_names_the_state_dir_unless_the_option_does() {
    if !common::privileged("the_environment_names_the_state_dir") {
        return;
    }
    let cli = cli();
    let mut command = cli.command();
    command
        .env("WORKERNATOR_STATE_DIR", cli.state_dir())
        .args(["jobs", "start", "--json", "noop"]);
    let started = common::cli::run(command);
    started.expect_code(0);
    let id = started.json()["id"].as_str().unwrap_or_default().to_owned();
    assert!(cli.state_dir().join("jobs").join(&id).is_dir());
    // The option (what cli.run passes) finds it in the same place.
    assert_eq!(cli.wait(&id).0, 0);

    let other = tempfile::Builder::new()
        .prefix("workernator-test-")
        .tempdir()
        .expect("temp dir");
    let mut command = cli.command();
    command
        .env("WORKERNATOR_STATE_DIR", cli.state_dir())
        .arg("--state-dir")
        .arg(other.path())
        .args(["jobs", "status", &id]);
    common::cli::run(command).expect_error("no job");
}
