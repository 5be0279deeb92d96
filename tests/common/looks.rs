//! A job that looks around its sandbox's file system and reports what it
//! found: what it can reach of the host's unix sockets, what /proc gives,
//! where its own executable is.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use workernator::{Job, JobContext, JobError, Run, Runner, StartOptions};

/// One thing to try from inside the sandbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Look {
    /// connect() to a unix socket by its path.
    ConnectUnix(String),
    /// connect() to a unix socket of the abstract namespace, by its name.
    ConnectAbstract(String),
    /// Read a file whole.
    Read(String),
    /// Open a file for writing and write these bytes.
    Write(String, Vec<u8>),
    /// List a directory, sorted.
    List(String),
    /// `std::env::current_exe()`, and whether that path exists.
    CurrentExe,
    /// Capture a backtrace: whether it names the function that took it
    /// (its symbols resolve, read from the executable's file).
    Backtrace,
    /// The device of `/` (copies of one root template share it).
    RootDevice,
    /// Sleep this many milliseconds (to overlap with another job).
    Linger(u64),
}

/// What came of one look.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seen {
    pub look: Look,
    /// It worked.
    pub ok: bool,
    /// What it gave: the text read or listed, the path, the error.
    pub detail: String,
    /// The error number when it failed with one.
    pub errno: Option<i32>,
}

impl Seen {
    /// Panics unless it failed with `errno`.
    pub fn assert_failed_with(&self, errno: i32) {
        assert!(
            !self.ok && self.errno == Some(errno),
            "expected {}: {self:?}",
            std::io::Error::from_raw_os_error(errno)
        );
    }

    /// It gave nothing: an error, or nothing read or listed.
    pub fn gave_nothing(&self) -> bool {
        !self.ok || self.detail.is_empty()
    }
}

/// Looks at each of its list in turn and reports.
#[derive(Job, Serialize, Deserialize)]
pub struct Looks(pub Vec<Look>);

fn seen<T>(look: &Look, result: std::io::Result<T>, show: impl FnOnce(T) -> String) -> Seen {
    match result {
        Ok(value) => Seen {
            look: look.clone(),
            ok: true,
            detail: show(value),
            errno: None,
        },
        Err(error) => Seen {
            look: look.clone(),
            ok: false,
            detail: error.to_string(),
            errno: error.raw_os_error(),
        },
    }
}

#[inline(never)]
fn backtrace_names_its_taker() -> String {
    std::backtrace::Backtrace::force_capture().to_string()
}

impl Look {
    fn take(&self) -> Seen {
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::net::{SocketAddr, UnixStream};
        match self {
            Look::ConnectUnix(path) => seen(self, UnixStream::connect(path), |_| String::new()),
            Look::ConnectAbstract(name) => {
                let connected = SocketAddr::from_abstract_name(name.as_bytes())
                    .and_then(|address| UnixStream::connect_addr(&address));
                seen(self, connected, |_| String::new())
            }
            Look::Read(path) => {
                let mut bytes = Vec::new();
                let read = std::fs::File::open(path)
                    .and_then(|mut file| Read::take(&mut file, 1 << 16).read_to_end(&mut bytes));
                seen(self, read, |_| String::from_utf8_lossy(&bytes).into_owned())
            }
            Look::Write(path, bytes) => {
                let written = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .and_then(|mut file| file.write_all(bytes));
                seen(self, written, |()| String::new())
            }
            Look::List(path) => {
                let listed = std::fs::read_dir(path).and_then(|entries| {
                    let mut names = entries
                        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
                        .collect::<std::io::Result<Vec<_>>>()?;
                    names.sort();
                    Ok(names)
                });
                seen(self, listed, |names| names.join("\n"))
            }
            Look::CurrentExe => {
                let exe = std::env::current_exe();
                let exists = exe.as_ref().is_ok_and(|path| path.exists());
                let mut result = seen(self, exe, |path| path.display().to_string());
                result.ok &= exists;
                result
            }
            Look::Backtrace => {
                let trace = backtrace_names_its_taker();
                Seen {
                    look: self.clone(),
                    ok: trace.contains("backtrace_names_its_taker"),
                    detail: trace,
                    errno: None,
                }
            }
            Look::RootDevice => seen(self, std::fs::metadata("/"), |meta| {
                std::os::unix::fs::MetadataExt::dev(&meta).to_string()
            }),
            Look::Linger(millis) => {
                std::thread::sleep(std::time::Duration::from_millis(*millis));
                seen(self, Ok(()), |()| String::new())
            }
        }
    }
}

impl Run for Looks {
    type Output = Vec<Seen>;
    fn run(self, _ctx: &JobContext) -> Result<Vec<Seen>, JobError> {
        Ok(self.0.iter().map(Look::take).collect())
    }
}

/// Runs `looks` in one job started with `options` and returns what came of
/// each, and the job's id.
pub fn look_with_id(
    runner: &Runner,
    looks: Vec<Look>,
    options: StartOptions,
) -> (Vec<Seen>, String) {
    let job = runner
        .start_with(Looks(looks), options)
        .expect("start the looking job");
    let seen = crate::common::rt()
        .block_on(job.wait())
        .expect("the looking job returns its report");
    (seen, job.id().to_string())
}

/// Runs `looks` in one job started with `options` and returns what came of each.
pub fn look(runner: &Runner, looks: Vec<Look>, options: StartOptions) -> Vec<Seen> {
    look_with_id(runner, looks, options).0
}
