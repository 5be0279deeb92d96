//! Attacks on the host's processes, network, hostname and cgroups: each must
//! fail inside the sandbox.

mod common;

use common::attacks::{assert_all_refused, attempt};
use common::jobs::Attack;
use std::process::{Child, Command};
use workernator::{StartOptions, sandbox::NetworkMode};

workernator::init_before_main!();

/// A host process, killed and reaped when the test ends.
struct HostProcess(Child);

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn see_or_signal_a_host_process() {
    if !common::privileged("see_or_signal_a_host_process") {
        return;
    }
    let host = HostProcess(Command::new("sleep").arg("600").spawn().unwrap());
    let pid = host.0.id() as i32;
    let test = common::runner();
    let attempts = attempt(
        &test,
        vec![
            Attack::SeeProcess(pid),
            Attack::Signal(pid),
            Attack::SeeProcess(std::process::id() as i32),
            Attack::Signal(std::process::id() as i32),
        ],
        StartOptions::new(),
    );
    assert_all_refused(&attempts);
    assert!(common::alive(pid), "the host process survived");
}

#[test]
fn open_a_socket_to_a_host_port() {
    if !common::privileged("open_a_socket_to_a_host_port") {
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let test = common::runner();
    let attempts = attempt(
        &test,
        vec![Attack::Connect(address.clone())],
        StartOptions::new(),
    );
    assert_all_refused(&attempts);

    // The control: with the host's network, the same connection works.
    let allowed = attempt(
        &test,
        vec![Attack::Connect(address)],
        StartOptions::new().network(NetworkMode::Host),
    );
    assert!(allowed[0].allowed, "{:?}", allowed[0]);
}

#[test]
fn change_the_hosts_hostname() {
    if !common::privileged("change_the_hosts_hostname") {
        return;
    }
    let before = nix::unistd::gethostname().unwrap();
    let test = common::runner();
    let attempts = attempt(
        &test,
        vec![Attack::SetHostname("pwned".into())],
        StartOptions::new().network(NetworkMode::Host),
    );
    assert_all_refused(&attempts);
    assert_eq!(nix::unistd::gethostname().unwrap(), before);
}

/// The job cannot leave its cgroup: cgroupfs is not mounted inside, cannot be
/// mounted, and the host's files are not reachable.
#[test]
fn move_itself_into_another_cgroup() {
    if !common::privileged("move_itself_into_another_cgroup") {
        return;
    }
    let test = common::runner();
    let attempts = attempt(
        &test,
        vec![
            Attack::JoinCgroup("/sys/fs/cgroup/cgroup.procs".into()),
            Attack::JoinCgroup("/sys/fs/cgroup/memory/cgroup.procs".into()),
            Attack::JoinCgroup("/sys/fs/cgroup/unified/cgroup.procs".into()),
            Attack::Mount,
        ],
        StartOptions::new(),
    );
    assert_all_refused(&attempts);
}
