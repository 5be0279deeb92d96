//! What the sandbox's root shows: what programs need of the host's, the
//! application's own executable at its path, nothing of the host's runtime
//! state; the same tree whether a sandbox built its root or copied the
//! launcher's template.

mod common;

use common::looks::{Look, Looks, Seen, look};
use std::io::BufRead;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use workernator::{Config, Runner, StartOptions, sandbox::BindMount};

workernator::init_before_main!();

/// The directories programs need, as a sandbox's root shows them.
const PROGRAM_ENTRIES: [&str; 9] = [
    "bin", "etc", "lib", "lib32", "lib64", "libx32", "opt", "sbin", "usr",
];

/// What the sandbox has of its own at the top level, whatever the host has.
const OWN_ENTRIES: [&str; 7] = ["dev", "proc", "run", "sys", "tmp", "var", "work"];

/// The top-level directory under which the sandbox shows this test's own
/// executable, if it is one the sandbox would not show otherwise.
fn executable_entry() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let first = exe.iter().nth(1)?.to_str()?.to_owned();
    let replaced = ["dev", "proc", "sys", "tmp", "work"];
    (!PROGRAM_ENTRIES.contains(&first.as_str()) && !replaced.contains(&first.as_str()))
        .then_some(first)
}

#[test]
fn the_root_shows_what_programs_need_and_no_host_state() {
    if !common::privileged("the_root_shows_what_programs_need_and_no_host_state") {
        return;
    }
    let test = common::runner();
    let seen = look(
        &test.runner,
        vec![
            Look::List("/".into()),
            Look::List("/run".into()),
            Look::List("/var".into()),
        ],
        StartOptions::new(),
    );
    let mut expected: Vec<String> = PROGRAM_ENTRIES
        .iter()
        .filter(|entry| Path::new("/").join(entry).symlink_metadata().is_ok())
        .chain(OWN_ENTRIES.iter())
        .map(|entry| (*entry).to_owned())
        .chain(executable_entry())
        .collect();
    expected.sort();
    expected.dedup();
    assert_eq!(seen[0].detail.lines().collect::<Vec<_>>(), expected);
    assert!(seen[1].ok && seen[1].detail.is_empty(), "{:?}", seen[1]);
    if executable_entry().as_deref() != Some("var") {
        assert!(seen[2].ok && seen[2].detail.is_empty(), "{:?}", seen[2]);
    }
}

/// The mount table as a comparable list: each mount's place, options, type
/// and root, with what differs from job to job (ids, devices, the work
/// directory's own path) left out.
fn mount_tree(mountinfo: &str) -> Vec<String> {
    let mut tree: Vec<String> = mountinfo
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let separator = fields.iter().position(|field| *field == "-").unwrap();
            let root = match fields[4] {
                "/work" => "<the work directory>",
                _ => fields[3],
            };
            format!(
                "{} {} {} {}",
                fields[4],
                fields[5],
                fields[separator + 1],
                root
            )
        })
        .collect();
    tree.sort();
    tree
}

/// Everything a sandbox can see of its root's shape.
fn shape() -> Vec<Look> {
    let mut looks = vec![Look::Read("/proc/self/mountinfo".into())];
    for dir in [
        "/",
        "/run",
        "/var",
        "/dev",
        "/proc/sys",
        "/proc/acpi",
        "/sys",
    ] {
        looks.push(Look::List(dir.into()));
    }
    looks
}

/// The launcher builds its template after the first start; later sandboxes
/// copy it. Both ways give the same tree: the same mounts with the same
/// options, the same directories, the same /proc masks.
#[test]
fn a_copied_root_is_the_same_as_a_built_one() {
    if !common::privileged("a_copied_root_is_the_same_as_a_built_one") {
        return;
    }
    let test = common::runner();
    let built = look(&test.runner, shape(), StartOptions::new());
    std::thread::sleep(Duration::from_millis(100));
    // Two at once, each alive while the other looks: sharing the root's
    // device shows they are copies of the template.
    let mut copied_looks = shape();
    copied_looks.extend([Look::RootDevice, Look::Linger(300)]);
    let jobs: Vec<_> = (0..2)
        .map(|_| {
            test.runner
                .start(Looks(copied_looks.clone()))
                .expect("start")
        })
        .collect();
    let copies: Vec<Vec<Seen>> = jobs
        .iter()
        .map(|job| common::rt().block_on(job.wait()).expect("wait"))
        .collect();
    let device = |seen: &[Seen]| seen[shape().len()].detail.clone();
    assert_eq!(
        device(&copies[0]),
        device(&copies[1]),
        "copies of the template"
    );
    for copy in &copies {
        assert_eq!(mount_tree(&copy[0].detail), mount_tree(&built[0].detail));
        for (copied, own) in copy[1..].iter().zip(&built[1..]) {
            assert_eq!(
                (copied.ok, &copied.detail),
                (own.ok, &own.detail),
                "{:?}",
                own.look
            );
        }
    }
}

const APP_STATE_ENV: &str = "WORKERNATOR_TEST_EXE_APP_STATE";
const APP_CGROUP_ENV: &str = "WORKERNATOR_TEST_EXE_APP_CGROUP";
const APP_BEST_EFFORT_ENV: &str = "WORKERNATOR_TEST_EXE_APP_BEST_EFFORT";

/// The application side of the tests below, run from a copy of this test
/// binary placed elsewhere; does nothing unless started by them. Prints
/// what each of its jobs saw: one that built its root (a bind never fits
/// the template), then two at once copied from the launcher's template.
#[test]
fn executable_app() {
    let (Ok(state), Ok(cgroup)) = (std::env::var(APP_STATE_ENV), std::env::var(APP_CGROUP_ENV))
    else {
        return;
    };
    let mut config = Config::default().state_dir(state).cgroup_parent(cgroup);
    if std::env::var_os(APP_BEST_EFFORT_ENV).is_some() {
        config = config.rootless_limits(workernator::sandbox::RootlessLimits::BestEffort);
    }
    let runner = Runner::open(config).expect("open runner");
    let looks = vec![Look::CurrentExe, Look::Backtrace];
    let rt = common::rt();
    let built = runner
        .start_with(
            Looks(looks.clone()),
            StartOptions::new().bind(BindMount::read_only("/etc", "/host-etc")),
        )
        .expect("start");
    let mut seen = vec![rt.block_on(built.wait()).expect("wait")];
    std::thread::sleep(Duration::from_millis(100));
    let mut copied_looks = looks;
    copied_looks.extend([Look::RootDevice, Look::Linger(300)]);
    let copies: Vec<_> = (0..2)
        .map(|_| runner.start(Looks(copied_looks.clone())).expect("start"))
        .collect();
    for copy in copies {
        seen.push(rt.block_on(copy.wait()).expect("wait"));
    }
    for seen in seen {
        println!("seen {}", serde_json::to_string(&seen).expect("json"));
    }
}

/// Runs `executable_app` from a link to (or copy of) this test binary in a
/// fresh directory under `place`, and returns the path it ran from and what
/// its jobs saw.
fn run_the_app_from(place: &str) -> (PathBuf, Vec<Vec<Seen>>) {
    let dir = tempfile::Builder::new()
        .prefix("workernator-test-app-")
        .tempdir_in(place)
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let app = dir.path().join("app");
    // A link where it can be made; else a copy of the running file (an
    // ordinary user may not link, or even read by its path, a binary root
    // built).
    if std::fs::hard_link(std::env::current_exe().unwrap(), &app).is_err() {
        std::fs::copy("/proc/self/exe", &app).unwrap();
    }
    let test = common::runner();
    let mut command = std::process::Command::new(&app);
    if !nix::unistd::geteuid().is_root() {
        command.env(APP_BEST_EFFORT_ENV, "1");
    }
    let mut child = command
        .args([
            "executable_app",
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(APP_STATE_ENV, test.dir.path())
        .env(APP_CGROUP_ENV, &test.cgroup_parent)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let seen: Vec<Vec<Seen>> = stdout
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| Some(serde_json::from_str(line.strip_prefix("seen ")?).unwrap()))
        .collect();
    assert!(child.wait().unwrap().success(), "the app failed");
    (app, seen)
}

/// An application built under `place` runs jobs that find their own
/// executable: `current_exe()` names the application's path, which exists,
/// and backtraces resolve its symbols, in a sandbox that built its root and
/// in copies of the template (rootless: always a root of its own).
fn assert_the_job_finds_itself(place: &str) {
    let (app, seen) = run_the_app_from(place);
    assert_eq!(seen.len(), 3, "{seen:?}");
    if nix::unistd::geteuid().is_root() {
        assert_eq!(
            seen[1][2].detail, seen[2][2].detail,
            "copies of the template"
        );
    }
    for job in &seen {
        assert!(job[0].ok, "current_exe() exists: {:?}", job[0]);
        assert_eq!(Path::new(&job[0].detail), app);
        assert!(job[1].ok, "a backtrace with symbols: {}", job[1].detail);
    }
}

/// /tmp is each sandbox's own tmpfs: the executable is bound into it.
#[test]
fn an_application_under_tmp_finds_itself() {
    if !common::privileged("an_application_under_tmp_finds_itself") {
        return;
    }
    assert_the_job_finds_itself("/tmp");
}

/// /var is an empty directory in the sandbox, /home is not there: the
/// executable is bound onto the shared part of the root.
#[test]
fn an_application_in_a_hidden_place_finds_itself() {
    if !common::privileged("an_application_in_a_hidden_place_finds_itself") {
        return;
    }
    assert_the_job_finds_itself("/var/tmp");
    if Path::new("/home").is_dir() {
        assert_the_job_finds_itself("/home");
    }
}

/// Rootless: an ordinary user's application under /tmp or in the user's
/// home (which the sandbox does not show).
#[test]
fn a_rootless_application_finds_itself() {
    if !common::rootless("a_rootless_application_finds_itself") {
        return;
    }
    assert_the_job_finds_itself("/tmp");
    let home = std::env::var("HOME").expect("HOME");
    assert_the_job_finds_itself(&home);
}
