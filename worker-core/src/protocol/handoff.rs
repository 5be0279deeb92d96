//! What a process hands the next one down the chain as it starts it: the
//! environment variables that tell a re-executed copy of the program its role,
//! the descriptor numbers it finds open, and the signals it is born with
//! blocked. The starter (the application, or the launcher) and the started
//! (the launcher, or a supervisor) both read them here.

/// Names the role of a re-executed copy of the program.
pub(crate) const ROLE_ENV: &str = "WORKERNATOR_ROLE";
/// The job's directory, in a supervisor's environment.
pub(crate) const JOB_DIR_ENV: &str = "WORKERNATOR_JOB_DIR";
/// The role of a job's supervisor.
pub(crate) const SUPERVISOR_ROLE: &str = "supervisor";
/// The role of a runner's launcher, which forks supervisors.
pub(crate) const LAUNCHER_ROLE: &str = "launcher";

/// Descriptor number of the launcher's socket, as it is started.
pub(crate) const SOCKET_FD: i32 = 3;

/// Descriptor number of the job lock in a supervisor.
pub(crate) const LOCK_FD: i32 = 3;
/// Descriptor number of the application's pidfd in a supervisor whose job is
/// tied to the application.
pub(crate) const APPLICATION_FD: i32 = 4;
/// Descriptor number of a network namespace made ahead of time, in a
/// supervisor forked by the launcher with one.
pub(crate) const NETWORK_NAMESPACE_FD: i32 = 5;
/// Descriptor number of the mount namespace of a root template
/// (worker_isolate::mounts::RootTemplate), in a supervisor forked by the
/// launcher with one.
pub(crate) const ROOT_TEMPLATE_FD: i32 = 6;
/// Descriptor number of the write end of the starter's done pipe, in a
/// supervisor forked by the launcher: closed once the job's end is recorded.
pub(crate) const DONE_FD: i32 = 7;

/// Signals a supervisor handles through its signalfd; blocked from its start.
pub(crate) const SUPERVISOR_SIGNALS: [libc::c_int; 4] =
    [libc::SIGCHLD, libc::SIGTERM, libc::SIGINT, libc::SIGHUP];
