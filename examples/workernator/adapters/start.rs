//! How `jobs start` options reach the library: [`options`] turns the parsed
//! command line into `workernator::StartOptions` for `Runner::start_with`.
//!
//! Every start option is per job: `--cpu`, `--memory`, `--pids`, the io
//! limits, `--net`, `--timeout` and `--owner` go in the start options; only
//! `--keep-workdir`, a policy of the runner, goes through its [`Config`] (the
//! CLI opens a runner per invocation, so it applies to the one job started).
//! What makes no sense (a device that is not a whole disk, say) is refused by
//! the library as `StartError::Limits` before anything is started.

use crate::cli::StartOptions;
use crate::cli::value_parsers::{IoRate, Network};
use workernator::{
    Config, Job, JobHandle, Limits, Runner, errors::StartError, limits::BlockDevice,
    sandbox::NetworkMode,
};

/// The runner's configuration for a start with `options`.
pub(crate) fn configure(config: Config, options: &StartOptions) -> Config {
    config.keep_work_dirs(options.keep_workdir)
}

/// The limits `options` ask for: the library's defaults, with each one given
/// replaced.
pub(crate) fn limits(options: &StartOptions) -> Limits {
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
    let device = |rate: &IoRate| BlockDevice::new(rate.device.major, rate.device.minor);
    for rate in &options.io_read {
        limits = limits.io_read_bps(device(rate), rate.bytes_per_second);
    }
    for rate in &options.io_write {
        limits = limits.io_write_bps(device(rate), rate.bytes_per_second);
    }
    limits
}

/// The library's start options for `options`. Without `--net` or
/// `--timeout`, the job type's own settings apply.
pub(crate) fn options(options: &StartOptions) -> workernator::StartOptions {
    let mut start = workernator::StartOptions::new().limits(limits(options));
    if let Some(network) = options.network {
        start = start.network(network_mode(network));
    }
    if let Some(timeout) = options.timeout {
        start = start.timeout(timeout);
    }
    if let Some(owner) = &options.owner {
        start = start.owner(owner.clone());
    }
    start
}

fn network_mode(network: Network) -> NetworkMode {
    match network {
        Network::None => NetworkMode::None,
        Network::Host => NetworkMode::Host,
    }
}

/// Starts `job` with `options` (the runner was opened with [`configure`]).
pub(crate) fn start<J: Job>(
    runner: &Runner,
    job: J,
    options: &StartOptions,
) -> Result<JobHandle<J>, StartError> {
    runner.start_with(job, self::options(options))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::value_parsers::Device;
    use std::time::Duration;
    use workernator::limits::IoLimit;

    #[test]
    fn limits_come_from_the_options() {
        let options = StartOptions {
            memory_bytes: Some(64 << 20),
            pids: Some(16),
            cpu_cores: Some(0.5),
            ..StartOptions::default()
        };
        let limits = limits(&options);
        assert_eq!(limits.memory_max_bytes, Some(64 << 20));
        assert_eq!(limits.pids_max, Some(16));
        assert_eq!(limits.cpu_max_cores, Some(0.5));
        assert!(limits.io.is_empty());
    }

    #[test]
    fn unset_limits_keep_the_library_defaults() {
        assert_eq!(limits(&StartOptions::default()), Limits::default());
    }

    #[test]
    fn io_rates_become_io_limits_per_device() {
        let rate = |major, minor, bytes_per_second| IoRate {
            device: Device { major, minor },
            bytes_per_second,
        };
        let options = StartOptions {
            io_read: vec![rate(8, 0, 1 << 20)],
            io_write: vec![rate(8, 0, 2 << 20), rate(259, 0, 3 << 20)],
            ..StartOptions::default()
        };
        let io: Vec<IoLimit> = limits(&options).io;
        assert_eq!(io.len(), 2, "{io:?}");
        let sda = io
            .iter()
            .find(|limit| limit.device == BlockDevice::new(8, 0))
            .unwrap();
        assert_eq!(sda.read_bps, Some(1 << 20));
        assert_eq!(sda.write_bps, Some(2 << 20));
        let nvme = io
            .iter()
            .find(|limit| limit.device == BlockDevice::new(259, 0))
            .unwrap();
        assert_eq!(nvme.read_bps, None);
        assert_eq!(nvme.write_bps, Some(3 << 20));
    }

    #[test]
    fn network_timeout_and_owner_are_passed_on() {
        let options = StartOptions {
            network: Some(Network::Host),
            timeout: Some(Duration::from_secs(30)),
            owner: Some("alice".into()),
            ..StartOptions::default()
        };
        assert_eq!(network_mode(Network::Host), NetworkMode::Host);
        assert_eq!(network_mode(Network::None), NetworkMode::None);
        // The library's options are opaque; their Debug shows what was set.
        let text = format!("{:?}", super::options(&options));
        assert!(text.contains("network: Some(Host)"), "{text}");
        assert!(text.contains("timeout: Some(30s)"), "{text}");
        assert!(text.contains("owner: Some(\"alice\")"), "{text}");
    }
}
