//! Drives the demo CLI (`examples/workernator`) as a user would: each command
//! a separate process, on a temporary state directory, with its own cgroup
//! parent (removed afterwards, so no test leaves a cgroup behind).
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The longest any one CLI command may take before the test fails.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Env var naming a prebuilt CLI binary to test instead of building one.
pub const CLI_ENV: &str = "WORKERNATOR_TEST_CLI";

/// The CLI binary, built once per test binary.
///
/// `cargo test` builds examples with test = true only in test mode, so the
/// binary itself is built here with `cargo build --example workernator` (a
/// no-op when it is fresh; Cargo releases its build lock while tests run),
/// in the profile the tests were built with; or the CLI named by
/// [`CLI_ENV`], as is.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // Prebuilt, e.g. by .ci/run for the run as an ordinary user, who cannot run cargo.
        if let Some(prebuilt) = std::env::var_os(CLI_ENV).filter(|path| !path.is_empty()) {
            return PathBuf::from(prebuilt);
        }
        let test_exe = std::env::current_exe().expect("the test binary's path");
        // target/<profile>/deps/<test> -> target/<profile>
        let profile_dir = test_exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary lives in target/<profile>/deps");
        let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
            Some("debug") => "dev".to_owned(),
            Some(other) => other.to_owned(),
            None => "dev".to_owned(),
        };
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
        let status = Command::new(&cargo)
            .args(["build", "--quiet", "--example", "workernator", "--profile"])
            .arg(&profile)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap_or_else(|error| panic!("cannot run {cargo} to build the CLI: {error}"));
        assert!(
            status.success(),
            "cannot build the CLI: `cargo build --example workernator --profile {profile}` failed ({status})"
        );
        let binary = profile_dir.join("examples").join("workernator");
        assert!(
            binary.is_file(),
            "the CLI was built but is not at {}",
            binary.display()
        );
        binary
    })
}

/// What a command did.
#[derive(Debug)]
pub struct Output {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    /// Stderr as text (lossy), for messages.
    pub stderr: String,
    /// Stderr exactly.
    pub stderr_bytes: Vec<u8>,
}

impl Output {
    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    /// Stdout as one JSON value.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "stdout is not one JSON value ({error}): {:?}",
                self.stdout_text()
            )
        })
    }

    /// Asserts the exit code, showing everything if it differs.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit: {self:#?}");
        self
    }

    /// Asserts a clean failure: exit 1 and one line on stderr, no panic.
    pub fn expect_error(&self, contains: &str) -> &Self {
        self.expect_code(1);
        assert!(self.stdout.is_empty(), "stdout on error: {self:#?}");
        assert_eq!(self.stderr.lines().count(), 1, "not one line: {self:#?}");
        assert!(
            self.stderr.starts_with("workernator: error: ") && self.stderr.contains(contains),
            "expected an error containing {contains:?}: {self:#?}"
        );
        no_panic(&self.stderr);
        self
    }

    /// Asserts a usage error: exit 2, the message, then the usage text.
    pub fn expect_usage(&self, contains: &str) -> &Self {
        self.expect_code(2);
        assert!(
            self.stderr.starts_with("workernator: error: ") && self.stderr.contains(contains),
            "expected a usage error containing {contains:?}: {self:#?}"
        );
        assert!(self.stderr.contains("Usage:"), "no usage: {self:#?}");
        no_panic(&self.stderr);
        self
    }
}

fn no_panic(stderr: &str) {
    for sign in [
        "panicked",
        "RUST_BACKTRACE",
        "stack backtrace",
        "internal error",
    ] {
        assert!(!stderr.contains(sign), "{sign} in stderr: {stderr}");
    }
}

/// A state directory and cgroup parent of the test's own, and the CLI on them.
pub struct Cli {
    pub dir: tempfile::TempDir,
    pub cgroup_parent: String,
}

pub fn cli() -> Cli {
    let (dir, cgroup_parent) = super::own_state_and_cgroup_parent("cli-");
    Cli { dir, cgroup_parent }
}

impl Cli {
    pub fn state_dir(&self) -> &Path {
        self.dir.path()
    }

    /// `workernator --state-dir <dir> <args...>`.
    pub fn run(&self, args: &[&str]) -> Output {
        run(self.with_args(args))
    }

    /// [`Cli::run`], with stdout and stderr on terminals ([`run_on_terminals`]).
    pub fn run_on_terminals(&self, args: &[&str]) -> Output {
        run_on_terminals(self.with_args(args))
    }

    /// The command `workernator --state-dir <dir> <args...>`.
    pub fn with_args(&self, args: &[&str]) -> Command {
        let mut command = self.command();
        command.arg("--state-dir").arg(self.dir.path()).args(args);
        command
    }

    /// The CLI with the test's cgroup parent and a clean environment, no arguments yet.
    pub fn command(&self) -> Command {
        let mut command = Command::new(binary());
        command
            .env("WORKERNATOR_CGROUP_PARENT", &self.cgroup_parent)
            .env_remove("WORKERNATOR_STATE_DIR")
            .env_remove("WORKERNATOR_ROOTLESS_LIMITS")
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null());
        command
    }

    /// `jobs start --json <args...>`: the job's id.
    pub fn start(&self, args: &[&str]) -> String {
        let mut full = vec!["jobs", "start", "--json"];
        full.extend_from_slice(args);
        let output = self.run(&full);
        output.expect_code(0);
        output.json()["id"]
            .as_str()
            .expect("the status object has an id")
            .to_owned()
    }

    /// `jobs status <id> --json`.
    pub fn status(&self, id: &str) -> serde_json::Value {
        let output = self.run(&["jobs", "status", id, "--json"]);
        output.expect_code(0);
        output.json()
    }

    /// Waits until the job's code runs (`started_at` is set): a stop while
    /// its sandbox is still being set up waits out the whole grace period.
    pub fn until_started(&self, id: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while self.status(id)["started_at"].is_null() {
            assert!(
                std::time::Instant::now() < deadline,
                "job {id} did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `jobs wait <id> --json`: the exit code and the final status.
    pub fn wait(&self, id: &str) -> (i32, serde_json::Value) {
        let output = self.run(&["jobs", "wait", id, "--json"]);
        let code = output.code.expect("wait exits");
        assert!(code == 0 || code == 3, "wait failed: {output:#?}");
        (code, output.json())
    }

    /// Every cgroup directory of the parent, in any hierarchy.
    fn cgroup_parents(&self) -> Vec<PathBuf> {
        let root = Path::new("/sys/fs/cgroup");
        let mut dirs = vec![root.join(&self.cgroup_parent)];
        if let Ok(entries) = std::fs::read_dir(root) {
            for entry in entries.flatten() {
                dirs.push(entry.path().join(&self.cgroup_parent));
            }
        }
        dirs
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        // Stop whatever a failed test left running, then remove the (by then
        // empty) cgroup parent: each job removed its own cgroup as it ended.
        let listed = self.run(&["jobs", "list", "--json"]);
        if let Ok(serde_json::Value::Array(jobs)) =
            serde_json::from_slice::<serde_json::Value>(&listed.stdout)
        {
            for job in jobs {
                let running = matches!(job["state"].as_str(), Some("queued" | "running"));
                if let (true, Some(id)) = (running, job["id"].as_str()) {
                    let _ = self.run(&["jobs", "stop", id]);
                }
            }
        }
        for dir in self.cgroup_parents() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Runs `command` to its end (killing it past [`COMMAND_TIMEOUT`]).
pub fn run(mut command: Command) -> Output {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn the CLI");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    collect(child, stdout, stderr, &format!("{command:?}"))
}

/// Runs `command` to its end with its stdout and its stderr each on a
/// terminal of its own, as when a person runs it: pseudo-terminals in raw
/// mode, so that what the CLI writes arrives unchanged (no `\n` to `\r\n`).
pub fn run_on_terminals(mut command: Command) -> Output {
    use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
    let size = nix::pty::Winsize {
        ws_row: 24,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let [out, err] = [(); 2].map(|()| {
        let pty = nix::pty::openpty(&size, None).expect("openpty");
        let mut mode = tcgetattr(&pty.slave).expect("tcgetattr");
        cfmakeraw(&mut mode);
        tcsetattr(&pty.slave, SetArg::TCSANOW, &mode).expect("tcsetattr");
        pty
    });
    command
        .stdout(Stdio::from(out.slave))
        .stderr(Stdio::from(err.slave));
    let child = command.spawn().expect("spawn the CLI");
    let name = format!("{command:?}");
    // Only the CLI may hold the terminals' other ends now: the masters
    // read end-of-file (EIO) once it has exited.
    drop(command);
    collect(
        child,
        std::fs::File::from(out.master),
        std::fs::File::from(err.master),
        &name,
    )
}

/// Reads `stdout` and `stderr` of `child` to their ends, and waits for it
/// (killing it past [`COMMAND_TIMEOUT`]).
fn collect(
    mut child: std::process::Child,
    mut stdout: impl Read + Send + 'static,
    mut stderr: impl Read + Send + 'static,
    name: &str,
) -> Output {
    let pid = child.id();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut err = Vec::new();
        let err_thread = std::thread::spawn(move || {
            // A terminal ends in EIO rather than end-of-file: what was read stays.
            let _ = stderr.read_to_end(&mut err);
            err
        });
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        let err = err_thread.join().unwrap_or_default();
        let status = child.wait();
        let _ = done_tx.send(());
        (out, err, status)
    });
    if done_rx.recv_timeout(COMMAND_TIMEOUT).is_err() {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
        panic!("the CLI took longer than {COMMAND_TIMEOUT:?}: {name}");
    }
    let (stdout, stderr, status) = reader.join().expect("the reader thread");
    let status = status.expect("wait for the CLI");
    Output {
        code: status.code(),
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        stderr_bytes: stderr,
    }
}
