//! Reaching the host's services through unix sockets, whatever the network
//! mode: a path-named socket is reachable wherever the sandbox shows its
//! directory (read-only does not matter: connect() writes nothing), so the
//! default root must not show where the host keeps them.

mod common;

use common::looks::{Look, look};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use workernator::{
    StartOptions,
    sandbox::{BindMount, JobUser, NetworkMode},
};

workernator::init_before_main!();

/// Where hosts keep daemons' sockets and other runtime state.
const STATE_PLACES: [&str; 13] = [
    "/run",
    "/var/run",
    "/var/lib",
    "/var/tmp",
    "/var/log",
    "/var/cache",
    "/var/spool",
    "/home",
    "/root",
    "/srv",
    "/mnt",
    "/media",
    "/boot",
];

/// A listening socket that anyone may connect to, in a directory of its
/// own that anyone may enter, both removed when dropped.
struct PlantedSocket {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
    _listener: UnixListener,
}

impl PlantedSocket {
    /// In a fresh directory under `place`.
    fn in_new_dir_under(place: &str) -> PlantedSocket {
        let dir = tempfile::Builder::new()
            .prefix("workernator-test-sock-")
            .tempdir_in(place)
            .unwrap_or_else(|error| panic!("a directory under {place}: {error}"));
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().join("daemon.sock");
        let mut planted = PlantedSocket::at(path);
        planted.dir = Some(dir);
        planted
    }

    /// At `path` itself.
    fn at(path: PathBuf) -> PlantedSocket {
        let listener = UnixListener::bind(&path).expect("bind the socket");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
        PlantedSocket {
            dir: None,
            path,
            _listener: listener,
        }
    }

    fn connect(&self) -> Look {
        Look::ConnectUnix(self.path.display().to_string())
    }
}

impl Drop for PlantedSocket {
    fn drop(&mut self) {
        if self.dir.is_none() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A socket in each place the host has and where root may write (a
/// read-only /boot is left out), and one right in /run.
fn plant_everywhere() -> Vec<PlantedSocket> {
    let writable = |place: &&&str| {
        Path::new(place).is_dir()
            && nix::unistd::access(**place, nix::unistd::AccessFlags::W_OK).is_ok()
    };
    let mut planted: Vec<PlantedSocket> = STATE_PLACES
        .iter()
        .filter(writable)
        .map(|place| PlantedSocket::in_new_dir_under(place))
        .collect();
    planted.push(PlantedSocket::at(PathBuf::from(format!(
        "/run/workernator-test-{}.sock",
        std::process::id()
    ))));
    planted
}

/// The host's own check: each planted socket answers there.
fn assert_listening(planted: &[PlantedSocket]) {
    for socket in planted {
        std::os::unix::net::UnixStream::connect(&socket.path)
            .unwrap_or_else(|error| panic!("{}: {error}", socket.path.display()));
    }
}

/// A socket in each place where hosts keep their daemons' sockets: no job
/// reaches any of them, as `nobody` or as uid 0 (who may enter /root), on
/// the default network or the host's. Each is simply not there (ENOENT).
#[test]
fn connect_to_a_socket_wherever_the_host_keeps_them() {
    if !common::privileged("connect_to_a_socket_wherever_the_host_keeps_them") {
        return;
    }
    let planted = plant_everywhere();
    assert!(planted.len() >= 5, "the host has few of these places");
    assert_listening(&planted);
    let looks: Vec<Look> = planted.iter().map(PlantedSocket::connect).collect();
    let test = common::runner();
    for options in [
        StartOptions::new(),
        StartOptions::new().user(JobUser::new(0, 0)),
        StartOptions::new().network(NetworkMode::Host),
    ] {
        let seen = look(&test.runner, looks.clone(), options.clone());
        for seen in &seen {
            eprintln!("{:?}: {}", seen.look, seen.detail);
            seen.assert_failed_with(libc::ENOENT);
        }
    }
}

/// The sockets a job is given on purpose: an explicit bind of a socket's
/// directory, or of the socket itself, reaches it.
#[test]
fn a_socket_bound_on_purpose_answers() {
    if !common::privileged("a_socket_bound_on_purpose_answers") {
        return;
    }
    let in_run = PlantedSocket::in_new_dir_under("/run");
    let in_var_lib = PlantedSocket::in_new_dir_under("/var/lib");
    let dir = in_run.path.parent().unwrap();
    let test = common::runner();
    let seen = look(
        &test.runner,
        vec![
            Look::ConnectUnix("/sockets/daemon.sock".into()),
            Look::ConnectUnix("/run/daemon.sock".into()),
            // The host path of the bound directory is not there.
            in_run.connect(),
        ],
        StartOptions::new()
            .bind(BindMount::read_only(dir, "/sockets"))
            .bind(BindMount::read_only(&in_var_lib.path, "/run/daemon.sock")),
    );
    assert!(seen[0].ok, "{:?}", seen[0]);
    assert!(seen[1].ok, "{:?}", seen[1]);
    seen[2].assert_failed_with(libc::ENOENT);
}

/// A neighbour: abstract unix sockets have no path, but their namespace
/// belongs to the network namespace, so a job on its own network cannot
/// reach the host's; on the host's network it can, on purpose.
#[test]
fn connect_to_a_host_abstract_socket() {
    if !common::privileged("connect_to_a_host_abstract_socket") {
        return;
    }
    use std::os::linux::net::SocketAddrExt;
    let name = format!("workernator-test-{}-abstract", std::process::id());
    let address = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let _listener = UnixListener::bind_addr(&address).expect("an abstract socket");
    std::os::unix::net::UnixStream::connect_addr(&address).expect("the host reaches it");
    let test = common::runner();
    let own_network = look(
        &test.runner,
        vec![Look::ConnectAbstract(name.clone())],
        StartOptions::new(),
    );
    own_network[0].assert_failed_with(libc::ECONNREFUSED);
    let host_network = look(
        &test.runner,
        vec![Look::ConnectAbstract(name)],
        StartOptions::new().network(NetworkMode::Host),
    );
    assert!(host_network[0].ok, "{:?}", host_network[0]);
}

/// Rootless, the user's own sockets are what is at stake: its session bus,
/// its container engine's socket, under its home, /run/user/<uid> or
/// /var/tmp. The job, uid 0 of its user namespace and the same user on the
/// host, reaches none of them.
#[test]
fn connect_to_the_users_own_sockets_rootless() {
    if !common::rootless("connect_to_the_users_own_sockets_rootless") {
        return;
    }
    let home = std::env::var("HOME").expect("HOME");
    let runtime_dir = format!("/run/user/{}", nix::unistd::geteuid());
    let planted: Vec<PlantedSocket> = [home.as_str(), runtime_dir.as_str(), "/var/tmp"]
        .into_iter()
        .filter(|place| nix::unistd::access(*place, nix::unistd::AccessFlags::W_OK).is_ok())
        .map(PlantedSocket::in_new_dir_under)
        .collect();
    assert!(
        planted.len() >= 2,
        "the user may write in its home and /var/tmp"
    );
    assert_listening(&planted);
    let test = common::runner_with(|config| {
        config.rootless_limits(workernator::sandbox::RootlessLimits::BestEffort)
    });
    let seen = look(
        &test.runner,
        planted.iter().map(PlantedSocket::connect).collect(),
        StartOptions::new(),
    );
    for seen in &seen {
        seen.assert_failed_with(libc::ENOENT);
    }
}
