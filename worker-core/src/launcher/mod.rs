//! The launcher: one fork server per runner, so that starting a job costs a
//! fork of a small process instead of an exec of the whole program.
//!
//! The runner starts it lazily, on its first start: a re-execution of this
//! program (`posix_spawn`, like a supervisor) with the launcher role, which
//! `init()` diverts to [`serve`]. The two talk over a `SOCK_SEQPACKET` socket
//! pair, one message per request and per reply ([`crate::protocol::launcher`]). For each start the
//! launcher forks a child that becomes the job's supervisor (no exec), and
//! replies with a pidfd of it.
//!
//! Supervisors forked this way are not the application's children: the
//! application learns of their end through the pidfd, which becomes readable
//! when a process exits whoever its parent is; the launcher reaps them.
//!
//! The launcher takes its environment, resource limits and cgroup from the
//! application when it starts: supervisors it forks have those, not later ones.
//!
//! If the launcher has died since the last start, the client starts it once
//! more; if it cannot be started, the caller starts the supervisor directly
//! (`spawn`), and after three failures in a row the launcher is no
//! longer used.

mod client;
mod server;
mod spawn;
mod start;
mod template;

pub(crate) use client::LauncherClient;
pub(crate) use server::serve;
pub(crate) use start::{Started, SupervisorProcess, start_supervisor};
