//! The system calls worker-core needs that std and nix do not wrap safely,
//! and the process basics every layer uses. All of this crate's `unsafe` is
//! in this folder.

pub(crate) mod crash;
mod errors;
mod fds;
mod fork;
mod pidfd;
mod random;
mod spawn;

pub(crate) use errors::error_chain;
pub(crate) use fds::{arrange_fds, flock, inherited_fd, readable_async_fd};
pub(crate) use fork::{
    Forked, can_make_user_namespace, clone_into_cgroup_single_threaded, clone_single_threaded,
    fork_single_threaded,
};
pub(crate) use pidfd::{pidfd_exited, pidfd_open, pidfd_send_signal, try_reap};
pub(crate) use random::random_bytes;
pub(crate) use spawn::{SpawnFds, spawn};
