//! ADAPTER (replace when per-start options and owners land): how `jobs start`
//! options reach the library.
//!
//! Today the library takes limits and the work-dir policy per [`Config`], and
//! the network and timeout per job type. The CLI opens a runner per
//! invocation, so `Config` settings do apply to the one job it starts:
//! `--cpu`, `--memory`, `--pids` and `--keep-workdir` work. The rest has no
//! place in the library yet and is refused by [`check_supported`], unless it
//! asks for what the job type declares anyway (`--net host` for `wait`).
//!
//! To wire `Runner::start_with(job, StartOptions)`: build the library's
//! options from [`StartOptions`] in [`start`], leave `config` alone, and drop
//! the refusals that became possible.

use crate::args::StartOptions;
use crate::kinds::KindInfo;
use crate::values::Network;
use workernator::{Config, Job, JobHandle, Limits, Runner, StartError};

/// An option this version of the library cannot apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{option} is not supported yet: {reason}")]
pub(crate) struct Unsupported {
    pub(crate) option: String,
    pub(crate) reason: &'static str,
}

/// Refuses what cannot be applied, before anything is started.
pub(crate) fn check_supported(options: &StartOptions, kind: &KindInfo) -> Result<(), Unsupported> {
    let refuse = |option: &str, reason| {
        Err(Unsupported {
            option: option.to_owned(),
            reason,
        })
    };
    if !options.io_read.is_empty() || !options.io_write.is_empty() {
        let option = if options.io_read.is_empty() {
            "--io-write-bps"
        } else {
            "--io-read-bps"
        };
        return refuse(option, "this version of workernator has no io limits");
    }
    if options.timeout.is_some() {
        return refuse(
            "--timeout",
            "this version of workernator takes timeouts only from the job type (#[job(timeout = \"...\")])",
        );
    }
    if let Some(network) = options.network {
        let declared = if kind.host_network {
            Network::Host
        } else {
            Network::None
        };
        if network != declared {
            return refuse(
                &format!("--net {}", network.as_str()),
                "this version of workernator takes the network only from the job type (#[job(network = \"host\")])",
            );
        }
    }
    if options.owner.is_some() {
        return refuse("--owner", "this version of workernator has no job owners");
    }
    Ok(())
}

/// The runner's configuration for a start with `options`.
pub(crate) fn configure(config: Config, options: &StartOptions) -> Config {
    let mut limits = Limits::default();
    if let Some(bytes) = options.memory_bytes {
        limits = limits.memory_max_bytes(bytes);
    }
    if let Some(pids) = options.pids {
        limits = limits.pids_max(pids);
    }
    if let Some(cores) = options.cpu_cores {
        limits = limits.cpu_max_cores(cores);
    }
    config.limits(limits).keep_work_dirs(options.keep_workdir)
}

/// Starts `job` (its options were applied through [`configure`]).
pub(crate) fn start<J: Job>(
    runner: &Runner,
    job: J,
    _options: &StartOptions,
) -> Result<JobHandle<J>, StartError> {
    runner.start(job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::by_name;
    use crate::values::{Device, IoRate};

    fn kind(name: &str) -> KindInfo {
        by_name(name).unwrap()
    }

    #[test]
    fn limits_and_keep_workdir_go_through_the_config() {
        let options = StartOptions {
            memory_bytes: Some(64 << 20),
            pids: Some(16),
            cpu_cores: Some(0.5),
            keep_workdir: true,
            ..StartOptions::default()
        };
        assert_eq!(check_supported(&options, &kind("fib")), Ok(()));
        let config = configure(Config::default(), &options);
        let limits = config.default_limits();
        assert_eq!(limits.memory_max_bytes, Some(64 << 20));
        assert_eq!(limits.pids_max, Some(16));
        assert_eq!(limits.cpu_max_cores, Some(0.5));
    }

    #[test]
    fn unset_limits_keep_the_library_defaults() {
        let config = configure(Config::default(), &StartOptions::default());
        assert_eq!(config.default_limits(), &Limits::default());
    }

    #[test]
    fn what_the_library_lacks_is_refused_by_name() {
        let io = IoRate {
            device: Device { major: 8, minor: 0 },
            bytes_per_second: 1 << 20,
        };
        let refused = |options: StartOptions, name: &str| {
            check_supported(&options, &kind(name)).unwrap_err().option
        };
        let with = |edit: fn(&mut StartOptions)| {
            let mut options = StartOptions::default();
            edit(&mut options);
            options
        };
        let mut options = StartOptions::default();
        options.io_write.push(io);
        assert_eq!(refused(options, "fib"), "--io-write-bps");
        assert_eq!(
            refused(
                with(|o| o.timeout = Some(std::time::Duration::from_secs(1))),
                "fib"
            ),
            "--timeout"
        );
        assert_eq!(
            refused(with(|o| o.owner = Some("a".into())), "fib"),
            "--owner"
        );
        assert_eq!(
            refused(with(|o| o.network = Some(Network::Host)), "fib"),
            "--net host"
        );
        assert_eq!(
            refused(with(|o| o.network = Some(Network::None)), "wait"),
            "--net none"
        );
    }

    #[test]
    fn asking_for_the_declared_network_is_fine() {
        let host = StartOptions {
            network: Some(Network::Host),
            ..StartOptions::default()
        };
        assert_eq!(check_supported(&host, &kind("wait")), Ok(()));
        let none = StartOptions {
            network: Some(Network::None),
            ..StartOptions::default()
        };
        assert_eq!(check_supported(&none, &kind("eval")), Ok(()));
    }
}
