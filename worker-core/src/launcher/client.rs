//! The application's side of its launcher: starts it on the first request,
//! sends it start requests and reads its replies, starts it again if it died,
//! and gives up on it after three failures in a row.

use crate::protocol::launcher as wire;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How long a reply may take before the launcher counts as hung.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// After this many failures in a row, the runner stops using a launcher.
const MAX_FAILURES: u32 = 3;

/// Why the launcher did not start a supervisor.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LaunchError {
    /// The launcher process could not be started (or did not say it was ready).
    #[error("cannot start the launcher")]
    Start(#[source] io::Error),
    /// The request did not reach the launcher: no supervisor was started.
    #[error("the launcher is gone; the request did not reach it")]
    Gone(#[source] io::Error),
    /// The request reached the launcher but no reply came back: a supervisor
    /// may or may not have been started. The job's lock tells which.
    #[error("the launcher's reply was lost; whether it started the supervisor is unknown")]
    ReplyLost(#[source] io::Error),
    /// The launcher is alive but could not start a supervisor (fork failed).
    #[error("the launcher could not start the supervisor")]
    Refused(#[source] io::Error),
    /// The launcher failed too often; this runner starts supervisors directly.
    #[error("the launcher failed {MAX_FAILURES} times in a row and is no longer used")]
    Disabled,
}

/// The application's side of a runner's launcher. Requests from several
/// threads are serialized: one request and its reply at a time.
#[derive(Debug, Default)]
pub(crate) struct LauncherClient {
    state: Mutex<ClientState>,
}

#[derive(Debug, Default)]
struct ClientState {
    connection: Option<Connection>,
    failures: u32,
}

impl ClientState {
    fn note_failure(&mut self) {
        self.failures += 1;
        if self.failures == MAX_FAILURES {
            tracing::warn!(
                failures = MAX_FAILURES,
                "the launcher keeps failing: starting supervisors directly from now on"
            );
        }
    }
}

impl LauncherClient {
    /// Asks the launcher (starting it if needed) to fork the supervisor of the
    /// job in `job_dir`, handing it `lock`, `done` (the write end of the
    /// starter's done pipe) and, for a tied job, `application`. Returns a
    /// pidfd of the supervisor.
    pub(crate) fn start(
        &self,
        job_dir: &Path,
        lock: BorrowedFd<'_>,
        application: Option<BorrowedFd<'_>>,
        done: BorrowedFd<'_>,
    ) -> Result<OwnedFd, LaunchError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.failures >= MAX_FAILURES {
            return Err(LaunchError::Disabled);
        }
        loop {
            let fresh = state.connection.is_none();
            if fresh {
                match Connection::open() {
                    Ok(connection) => state.connection = Some(connection),
                    Err(error) => {
                        state.note_failure();
                        return Err(LaunchError::Start(error));
                    }
                }
            }
            let Some(connection) = state.connection.as_ref() else {
                return Err(LaunchError::Start(io::Error::other(
                    "no launcher connection",
                )));
            };
            let error = match connection.request(job_dir, lock, application, done) {
                Ok(pidfd) => {
                    state.failures = 0;
                    return Ok(pidfd);
                }
                Err(error) => error,
            };
            if matches!(error, LaunchError::Refused(_)) {
                // Alive and well; the fork itself failed.
                return Err(error);
            }
            // Retired: dropping the connection ends and reaps the launcher.
            state.connection = None;
            // A launcher that died since the last start (killed, say) is started
            // once more; a fresh one that fails counts against it.
            if matches!(error, LaunchError::Gone(_)) && !fresh {
                tracing::info!(error = %crate::sys::error_chain(&error), "restarting the launcher");
                continue;
            }
            state.note_failure();
            return Err(error);
        }
    }
}

/// A running launcher: our end of its socket and a pidfd of it (our child).
#[derive(Debug)]
struct Connection {
    socket: Option<OwnedFd>,
    process: OwnedFd,
}

impl Connection {
    /// Starts a launcher and waits until it says it is ready.
    fn open() -> io::Result<Connection> {
        use nix::sys::socket::{setsockopt, sockopt};
        let (ours, theirs) = wire::pair()?;
        let timeout = nix::sys::time::TimeVal::new(REPLY_TIMEOUT.as_secs() as _, 0);
        setsockopt(&ours, sockopt::ReceiveTimeout, &timeout)?;
        let pid = super::spawn::spawn_launcher(theirs.as_fd())?;
        // Our child, not reaped yet: the pid is the launcher's.
        let process = crate::sys::pidfd_open(pid)?;
        drop(theirs);
        let connection = Connection {
            socket: Some(ours),
            process,
        };
        match wire::wait_ready(connection.socket()?) {
            Ok(true) => Ok(connection),
            Ok(false) => Err(io::Error::other(
                "the launcher ended or answered something else instead of saying it was ready \
                 (its error, if any, is on the application's stderr)",
            )),
            Err(error) => Err(error),
        }
    }

    fn socket(&self) -> io::Result<BorrowedFd<'_>> {
        self.socket
            .as_ref()
            .map(|socket| socket.as_fd())
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }

    fn request(
        &self,
        job_dir: &Path,
        lock: BorrowedFd<'_>,
        application: Option<BorrowedFd<'_>>,
        done: BorrowedFd<'_>,
    ) -> Result<OwnedFd, LaunchError> {
        let socket = self.socket().map_err(LaunchError::Gone)?;
        // SEQPACKET: the request arrives whole or not at all.
        wire::request_start(socket, job_dir, lock, done, application).map_err(LaunchError::Gone)?;
        match wire::receive_reply(socket) {
            Ok(Some(Ok(pidfd))) => Ok(pidfd),
            Ok(Some(Err(error))) => Err(LaunchError::Refused(error)),
            Ok(None) => Err(LaunchError::ReplyLost(io::ErrorKind::UnexpectedEof.into())),
            // A reply that is not one, or none: whether it started one is unknown.
            Err(error) => Err(LaunchError::ReplyLost(error)),
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // End of file on its socket ends the launcher; one that does not end
        // soon (hung) is killed. Either way it is reaped: it is our child.
        drop(self.socket.take());
        let process = self.process.as_fd();
        if !matches!(crate::sys::pidfd_exited(process, 100), Ok(true)) {
            let _ = crate::sys::pidfd_send_signal(process, libc::SIGKILL);
            let _ = crate::sys::pidfd_exited(process, 1000);
        }
        let _ = crate::sys::try_reap(process);
    }
}
