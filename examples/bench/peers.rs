//! The tools a user would pick instead, run the way the issue states them.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A command run as a peer of one of our figures.
#[derive(Debug, Clone)]
pub struct Peer {
    pub name: &'static str,
    pub program: &'static str,
    pub args: Vec<String>,
    /// Why it is skipped, if it is.
    pub skipped: Option<String>,
}

impl Peer {
    fn new(name: &'static str, program: &'static str, args: &[&str]) -> Peer {
        let mut peer = Peer {
            name,
            program,
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            skipped: None,
        };
        // One trial run: a peer that cannot run here is skipped, visibly, not timed.
        if let Err(error) = peer.run_once() {
            peer.skipped = Some(error.to_string());
        }
        peer
    }

    pub fn available(&self) -> bool {
        self.skipped.is_none()
    }

    fn command(&self) -> Command {
        let mut command = Command::new(self.program);
        command
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// Spawns it and waits for it (std's spawn is posix_spawn, as for our supervisor).
    pub fn run_once(&self) -> std::io::Result<Duration> {
        let start = Instant::now();
        let status = self.command().status()?;
        let elapsed = start.elapsed();
        if !status.success() {
            return Err(std::io::Error::other(format!(
                "`{} {}` failed: {status}",
                self.program,
                self.args.join(" ")
            )));
        }
        Ok(elapsed)
    }

    /// The same as a tokio child, for the throughput figures.
    pub async fn run_async(&self) -> std::io::Result<()> {
        let status = tokio::process::Command::from(self.command())
            .status()
            .await?;
        if status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "{} failed: {status}",
                self.name
            )))
        }
    }

    /// "name: skipped (why)" for the log.
    pub fn describe(&self) -> String {
        match &self.skipped {
            None => format!("{}: `{} {}`", self.name, self.program, self.args.join(" ")),
            Some(why) => format!("{}: SKIPPED ({why})", self.name),
        }
    }
}

/// `bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev /bin/true`.
pub fn bwrap() -> Peer {
    let mut peer = Peer::new(
        "bwrap",
        "bwrap",
        &[
            "--unshare-all",
            "--ro-bind",
            "/",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "/bin/true",
        ],
    );
    if let Some(why) = &mut peer.skipped {
        if why.contains("No such file") || why.contains("not found") {
            *why = "bubblewrap is not installed: `apt-get install -y bubblewrap`".to_owned();
        }
    }
    peer
}

/// `unshare --pid --fork --mount-proc --net --uts --ipc /bin/true` (util-linux).
pub fn unshare() -> Peer {
    Peer::new(
        "unshare",
        "unshare",
        &[
            "--pid",
            "--fork",
            "--mount-proc",
            "--net",
            "--uts",
            "--ipc",
            "/bin/true",
        ],
    )
}

/// A plain spawn and wait of /bin/true: the floor.
pub fn spawn() -> Peer {
    Peer::new("spawn", "/bin/true", &[])
}

/// `head -c BYTES /dev/zero | cat > FILE`: the ceiling for output through a pipe
/// into a file. Returns the elapsed time; the file is removed afterwards.
pub fn pipe_to_file(bytes: u64, file: &Path) -> std::io::Result<Duration> {
    let start = Instant::now();
    let status = Command::new("sh")
        .arg("-c")
        .arg(r#"head -c "$0" /dev/zero | cat > "$1""#)
        .arg(bytes.to_string())
        .arg(file)
        .stdin(Stdio::null())
        .status()?;
    let elapsed = start.elapsed();
    let written = std::fs::metadata(file).map(|meta| meta.len());
    let _ = std::fs::remove_file(file);
    if !status.success() || written.as_ref().ok() != Some(&bytes) {
        return Err(std::io::Error::other(format!(
            "head | cat failed: {status}, wrote {written:?} of {bytes} bytes"
        )));
    }
    Ok(elapsed)
}
