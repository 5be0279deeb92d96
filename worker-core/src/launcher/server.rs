//! The launcher process: a re-execution of the program, diverted by `init()`,
//! that forks one supervisor per start request and never execs.
//!
//! It is single threaded and small (it stops in `init()`, before the
//! application's `main`), so a fork costs little. It ends when the application
//! does: at end of file on its socket, or when the application's pidfd becomes
//! readable (a second line, for a socket copy that outlived the application).
//! It holds nothing a job needs: a request's lock and application pidfd are
//! closed in the launcher right after the fork, and a supervisor depends on
//! nothing about its parent.

use crate::protocol::handoff::{
    APPLICATION_FD, DONE_FD, LOCK_FD, NETWORK_NAMESPACE_FD, ROOT_TEMPLATE_FD, SOCKET_FD,
    SUPERVISOR_SIGNALS,
};
use crate::protocol::launcher::{self as wire, StartRequest};
use crate::sys::{Forked, fork_single_threaded};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use std::os::fd::{AsFd, BorrowedFd, IntoRawFd, OwnedFd};
use std::path::Path;

/// The signals a supervisor blocks that the launcher itself leaves to their
/// default action (SIGCHLD stays blocked: the launcher reads it from a signalfd).
fn termination_signals() -> SigSet {
    let mut set = SigSet::empty();
    for signal in SUPERVISOR_SIGNALS {
        if signal != libc::SIGCHLD {
            if let Ok(signal) = Signal::try_from(signal) {
                set.add(signal);
            }
        }
    }
    set
}

/// Runs the launcher; returns its exit code.
pub(crate) fn serve() -> i32 {
    let Some(socket) = crate::sys::inherited_fd(SOCKET_FD) else {
        eprintln!("workernator launcher: no socket on descriptor {SOCKET_FD}; not starting");
        return 2;
    };
    match serve_on(socket.as_fd()) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("workernator launcher: {error}");
            1
        }
    }
}

fn serve_on(socket: BorrowedFd<'_>) -> std::io::Result<()> {
    // Forking any code is only sound while this process has one thread.
    let threads = std::fs::read_dir("/proc/self/task")?.count();
    if threads != 1 {
        return Err(std::io::Error::other(format!(
            "{threads} threads at start (a constructor started threads?): cannot fork supervisors"
        )));
    }
    let mut sigchld = SigSet::empty();
    sigchld.add(Signal::SIGCHLD);
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&sigchld), None)?;
    let children = SignalFd::with_flags(&sigchld, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)?;
    sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&termination_signals()), None)?;
    let Some(application) = application_pidfd(socket)? else {
        return Ok(());
    };
    wire::send_ready(socket)?;
    let mut pool = NetworkNamespacePool::new();
    let mut template = super::template::TemplateSlot::new();
    loop {
        let mut fds = vec![
            PollFd::new(socket, PollFlags::POLLIN),
            PollFd::new(children.as_fd(), PollFlags::POLLIN),
            PollFd::new(application.as_fd(), PollFlags::POLLIN),
        ];
        // The host's mount table, while a template may be built from it.
        fds.extend(
            template
                .watch()
                .map(|mounts| PollFd::new(mounts, PollFlags::POLLPRI)),
        );
        // Idle with something to make: look, and make it if nothing is asked.
        let timeout = if pool.wants_more() || template.wants_build() {
            PollTimeout::ZERO
        } else {
            PollTimeout::NONE
        };
        match poll(&mut fds, timeout) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(errno) => return Err(errno.into()),
        }
        let happened: Vec<bool> = fds
            .iter()
            .map(|fd| fd.revents().is_some_and(|events| !events.is_empty()))
            .collect();
        drop(fds);
        let [request, child_ended, application_ended] = [happened[0], happened[1], happened[2]];
        if application_ended {
            return Ok(());
        }
        if happened.get(3) == Some(&true) {
            template.host_mounts_changed();
        }
        if child_ended {
            while let Ok(Some(_)) = children.read_signal() {}
        }
        if request {
            let reply = match wire::receive_request(socket) {
                Ok(Some(request)) => {
                    crate::sys::crash::point("launcher-received");
                    let root_template = template.for_job(&request.job_dir);
                    fork_supervisor(request, pool.take(), root_template)
                        .inspect(|_| crate::sys::crash::point("launcher-forked"))
                }
                // The application is gone.
                Ok(None) => return Ok(()),
                // Not a request: no supervisor, and the application hears why.
                Err(error) if wire::is_malformed(&error) => Err(error),
                Err(error) => return Err(error),
            };
            let sent = match reply {
                Ok(pidfd) => wire::reply_started(socket, &pidfd),
                Err(error) => wire::reply_failed(socket, &error),
            };
            match sent {
                Ok(()) => {}
                // The application is gone (its supervisor, if any, runs on): so are we.
                Err(error)
                    if matches!(error.raw_os_error(), Some(libc::EPIPE | libc::ECONNRESET)) =>
                {
                    return Ok(());
                }
                Err(error) => return Err(error),
            }
        }
        reap_children();
        if !request {
            // The template first: it saves more per start.
            if template.wants_build() {
                template.build();
            } else {
                pool.fill_one();
            }
        }
    }
}

/// Network namespaces made ahead of time, each with loopback up, handed to
/// exactly one supervisor (for its job's first attempt) and never reused.
/// Making one costs about half a millisecond, serialised in the kernel; made
/// while the launcher is idle, that is off the start path. Only root can make
/// them; anyone else's launcher keeps the pool empty and sandboxes unshare
/// their own.
struct NetworkNamespacePool {
    ready: Vec<OwnedFd>,
    enabled: bool,
}

impl NetworkNamespacePool {
    /// How many are kept ready: enough for a burst of starts.
    const SIZE: usize = 4;

    fn new() -> NetworkNamespacePool {
        NetworkNamespacePool {
            ready: Vec::new(),
            enabled: nix::unistd::geteuid().is_root(),
        }
    }

    fn wants_more(&self) -> bool {
        self.enabled && self.ready.len() < Self::SIZE
    }

    fn fill_one(&mut self) {
        if !self.wants_more() {
            return;
        }
        match worker_isolate::net::new_network_namespace() {
            Ok(namespace) => self.ready.push(namespace),
            // Not allowed here (a container without CAP_SYS_ADMIN, say): the
            // pool is only a head start, so sandboxes make their own as without
            // it, and a sandbox that cannot says so in its setup failure.
            Err(_) => self.enabled = false,
        }
    }

    fn take(&mut self) -> Option<OwnedFd> {
        self.ready.pop()
    }
}

/// A pidfd of the application (the socket's other end, which must be our
/// parent); `None` if it already died.
fn application_pidfd(socket: BorrowedFd<'_>) -> std::io::Result<Option<OwnedFd>> {
    let peer = getsockopt(&socket, PeerCredentials)?.pid();
    let pidfd = match crate::sys::pidfd_open(peer) {
        Ok(pidfd) => pidfd,
        Err(error) if error.raw_os_error() == Some(libc::ESRCH) => return Ok(None),
        Err(error) => return Err(error),
    };
    // Checked after opening: if the application is still our parent now, the
    // pidfd is its own (its pid was not reused, or we would have been reparented).
    Ok((nix::unistd::getppid().as_raw() == peer).then_some(pidfd))
}

/// Reaps every supervisor that has exited, so none lingers as a zombie.
fn reap_children() {
    while let Ok(status) = waitpid(None, Some(WaitPidFlag::WNOHANG)) {
        if status == WaitStatus::StillAlive {
            break;
        }
    }
}

/// Forks the supervisor of `request`; in the launcher, returns a pidfd of it.
fn fork_supervisor(
    request: StartRequest,
    network_namespace: Option<OwnedFd>,
    root_template: Option<OwnedFd>,
) -> std::io::Result<OwnedFd> {
    let termination = termination_signals();
    // Born with every supervisor signal blocked: a stop request that arrives
    // before it is ready waits for its loop.
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&termination), None)?;
    let pid = match fork_single_threaded() {
        // The child goes on with them blocked, until its supervisor reads them
        // from its signalfd.
        Ok(Forked::Child) => become_supervisor(request, network_namespace, root_template),
        Ok(Forked::Parent(pid)) => pid,
        Err(error) => {
            let _ = sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&termination), None);
            return Err(error);
        }
    };
    // Cannot fail with a valid set; the reply must not claim a failure once a
    // child exists anyway.
    let _ = sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&termination), None);
    // The launcher keeps nothing of the job: its copies of the lock, of the
    // application's pidfd and of the namespaces close here.
    drop((request, network_namespace, root_template));
    // Not reaped yet (only the loop reaps, after the reply), so the pid is the
    // child's and opening it is race-free.
    crate::sys::pidfd_open(pid).inspect_err(|_| {
        // A supervisor nobody can watch must not run: it has done nothing yet
        // but open its log.
        let child = nix::unistd::Pid::from_raw(pid);
        let _ = nix::sys::signal::kill(child, Signal::SIGKILL);
        let _ = waitpid(child, None);
    })
}

/// The child: becomes what a spawned supervisor is (own session, stderr to
/// the job's supervisor.log, lock on 3, application pidfd on 4), plus what
/// only the launcher hands over (see `protocol::handoff`), and no other
/// descriptor; then runs the supervisor and exits.
fn become_supervisor(
    request: StartRequest,
    network_namespace: Option<OwnedFd>,
    root_template: Option<OwnedFd>,
) -> ! {
    let StartRequest {
        job_dir,
        lock,
        done,
        application,
    } = request;
    let _ = nix::unistd::setsid();
    // Where each descriptor goes (see protocol::handoff); descriptors 0 and 1
    // stay as they are (the launcher's, /dev/null).
    let mut moves = vec![
        (lock.into_raw_fd(), LOCK_FD),
        (open_log(&job_dir).into_raw_fd(), libc::STDERR_FILENO),
        (done.into_raw_fd(), DONE_FD),
    ];
    for (fd, target) in [
        (application.map(IntoRawFd::into_raw_fd), APPLICATION_FD),
        (
            network_namespace.map(IntoRawFd::into_raw_fd),
            NETWORK_NAMESPACE_FD,
        ),
        (root_template.map(IntoRawFd::into_raw_fd), ROOT_TEMPLATE_FD),
    ] {
        moves.extend(fd.map(|fd| (fd, target)));
    }
    if let Err(error) = crate::sys::arrange_fds(&moves) {
        eprintln!("workernator launcher: cannot hand the supervisor its descriptors: {error}");
        std::process::exit(1);
    }
    // Every other descriptor is closed now: one of these numbers is open
    // exactly when it was handed over.
    let code = crate::supervisor::run_with(
        job_dir,
        crate::supervisor::Handed {
            network_namespace: crate::sys::inherited_fd(NETWORK_NAMESPACE_FD),
            root_template: crate::sys::inherited_fd(ROOT_TEMPLATE_FD),
            done: crate::sys::inherited_fd(DONE_FD),
        },
    );
    std::process::exit(code)
}

/// The supervisor's stderr: its log in the job directory, or /dev/null if that
/// cannot be created (the supervisor records its failures in the status too).
fn open_log(job_dir: &Path) -> OwnedFd {
    match std::fs::File::create(job_dir.join(crate::state::SUPERVISOR_LOG)) {
        Ok(file) => file.into(),
        Err(_) => match std::fs::File::options().write(true).open("/dev/null") {
            Ok(null) => null.into(),
            Err(_) => {
                // No descriptor at all: keep the launcher's stderr.
                match nix::unistd::dup(std::io::stderr().as_fd()) {
                    Ok(fd) => fd,
                    Err(_) => std::process::exit(1),
                }
            }
        },
    }
}
