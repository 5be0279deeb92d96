//! The supervisor's part of an attempt's cgroup: made before the fork where
//! the init can be born inside it (v2), else made and the init moved into it
//! (or handed what it needs to move itself, v1) while the init sets up.

use super::Supervisor;
use super::verdict::Observed;
use crate::logs::record::OutputStream;
use crate::model::outcome::SetupFailure;
use crate::state::JobSpec;
use crate::sys::error_chain;
use std::os::fd::OwnedFd;
use worker_isolate::cgroup::JobCgroup;

impl Supervisor {
    /// The supervisor's part of an attempt's setup, done while the sandbox init
    /// (`sandbox_pid`, waiting for its go-ahead) does its own: the cgroup with
    /// the job's limits and the init in it, the work directory handed to the
    /// job's user, the log, and a last look for a stop request of a job not yet
    /// announced. Returns the descriptors with which the init moves itself into
    /// the cgroup (v1), empty when it was moved here (v2, delegated, untracked).
    /// On failure, what to report (the caller ends the init).
    pub(super) fn set_up_outside(
        &mut self,
        spec: &JobSpec,
        sandbox_pid: i32,
        born_in_cgroup: bool,
    ) -> Result<Vec<OwnedFd>, Box<Observed>> {
        let cgroup = match self.cgroup.take() {
            // Made before the fork (v2): the init was born inside, or, where
            // the kernel could not do that, is moved below.
            Some(cgroup) => cgroup,
            None => create_job_cgroup(spec)?,
        };
        let cgroup = self.cgroup.insert(cgroup);
        let self_move = match born_in_cgroup {
            true => Vec::new(),
            false => move_into(cgroup.as_ref(), sandbox_pid)?,
        };
        // The job's code runs as this user, and owns its work directory
        // (rootless: the starting user, whose the directory already is).
        let user = spec.sandbox.user;
        let chowned = match spec.sandbox.rootless {
            Some(_) => Ok(()),
            None => nix::unistd::chown(
                &self.paths.work(),
                Some(nix::unistd::Uid::from_raw(user.uid)),
                Some(nix::unistd::Gid::from_raw(user.gid)),
            ),
        };
        chowned.map_err(|errno| {
            setup_failure(
                "chown the work directory to the job's user",
                self.paths.work().display().to_string(),
                Some(errno as i32),
                errno.desc().into(),
            )
        })?;
        self.open_log(spec).map_err(|message| {
            Box::new(Observed {
                supervisor_error: Some(message),
                ..Observed::default()
            })
        })?;
        if !self.announced && self.stop_requested_on_disk() {
            // Stopped before it ran: the job is never let go.
            self.append_output(OutputStream::System, b"stop requested");
            return Err(Box::new(Observed {
                stop_requested: true,
                ..Observed::default()
            }));
        }
        Ok(self_move)
    }

    /// On cgroup v2, makes the attempt's cgroup before the sandbox is forked
    /// and returns its directory, for the init to be born inside; elsewhere
    /// `None` (the cgroup is made while the init sets up).
    pub(super) fn cgroup_before_fork(
        &mut self,
        spec: &JobSpec,
    ) -> Result<Option<OwnedFd>, Box<Observed>> {
        let Some(root) = crate::host::cgroup::v2_cgroup_root(spec) else {
            return Ok(None);
        };
        let created = crate::host::cgroup::create_cgroup_in(&root, spec);
        let cgroup = self
            .cgroup
            .insert(created.map_err(|error| create_failure(spec, &error))?);
        cgroup.open_for_clone().map_err(|error| {
            setup_failure(
                "open the cgroup's directory",
                cgroup.path_description(),
                error.io_error().and_then(std::io::Error::raw_os_error),
                error_chain(&error),
            )
        })
    }
}

/// A failed setup step of the supervisor's, as the attempt's outcome.
fn setup_failure(step: &str, path: String, errno: Option<i32>, message: String) -> Box<Observed> {
    Box::new(Observed {
        setup_failure: Some(SetupFailure {
            step: step.into(),
            path,
            errno,
            message,
        }),
        ..Observed::default()
    })
}

/// Moves the sandbox init `pid` into `cgroup`. On v1 it moves itself (see
/// worker_isolate::cgroup::SelfMove: milliseconds less on an idle machine):
/// returns the descriptors it needs for that. Elsewhere it is moved from here,
/// and nothing is returned.
fn move_into(cgroup: &dyn JobCgroup, pid: i32) -> Result<Vec<OwnedFd>, Box<Observed>> {
    match cgroup.open_self_move() {
        Ok(Some(self_move)) => Ok(self_move.into_fds()),
        Ok(None) => cgroup
            .add_process(pid)
            .map(|()| Vec::new())
            .map_err(|error| {
                setup_failure(
                    "add the sandbox to its cgroup",
                    cgroup.path_description(),
                    None,
                    error_chain(&error),
                )
            }),
        Err(error) => Err(setup_failure(
            "open the cgroup's tasks files",
            cgroup.path_description(),
            error.io_error().and_then(std::io::Error::raw_os_error),
            error_chain(&error),
        )),
    }
}

/// Makes the cgroup of one attempt of the job of `spec`, with its limits.
fn create_job_cgroup(spec: &JobSpec) -> Result<Box<dyn JobCgroup>, Box<Observed>> {
    crate::host::cgroup::create_cgroup(spec).map_err(|error| create_failure(spec, &error))
}

/// The job cgroup of `spec` could not be created.
fn create_failure(spec: &JobSpec, error: &worker_isolate::cgroup::CgroupError) -> Box<Observed> {
    setup_failure(
        "create cgroup",
        format!("{}/{}", spec.cgroup_parent, spec.id),
        None,
        error_chain(error),
    )
}
