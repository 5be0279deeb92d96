use super::*;
use std::os::fd::AsRawFd;

#[test]
fn a_start_request_round_trips_with_its_descriptors() {
    let (a, b) = pair();
    let lock = std::fs::File::open("/dev/null").unwrap();
    let done = std::fs::File::open("/dev/null").unwrap();
    let app = std::fs::File::open("/dev/null").unwrap();
    let dir = std::path::Path::new("/var/tmp/state/jobs/some-id");
    send(
        a.as_fd(),
        &start(dir, true),
        &[lock.as_raw_fd(), done.as_raw_fd(), app.as_raw_fd()],
    )
    .unwrap();
    let request = parse_start(receive(b.as_fd()).unwrap().unwrap()).unwrap();
    assert_eq!(request.job_dir, dir);
    assert!(request.application.is_some());
    assert_ne!(request.lock.as_raw_fd(), lock.as_raw_fd());
    assert_ne!(request.done.as_raw_fd(), done.as_raw_fd());

    let untied = [lock.as_raw_fd(), done.as_raw_fd()];
    send(a.as_fd(), &start(dir, false), &untied).unwrap();
    let request = parse_start(receive(b.as_fd()).unwrap().unwrap()).unwrap();
    assert!(request.application.is_none());

    // Without the done pipe, or tied without the application's pidfd.
    send(a.as_fd(), &start(dir, false), &[lock.as_raw_fd()]).unwrap();
    assert!(parse_start(receive(b.as_fd()).unwrap().unwrap()).is_err());
    send(a.as_fd(), &start(dir, true), &untied).unwrap();
    assert!(parse_start(receive(b.as_fd()).unwrap().unwrap()).is_err());
    send(a.as_fd(), &start(dir, false), &[]).unwrap();
    assert!(parse_start(receive(b.as_fd()).unwrap().unwrap()).is_err());
}

#[test]
fn replies_carry_a_pidfd_or_an_errno() {
    let (a, b) = pair();
    let error = std::io::Error::from_raw_os_error(libc::EAGAIN);
    send(a.as_fd(), &failed(&error), &[]).unwrap();
    let reply = parse_reply(receive(b.as_fd()).unwrap().unwrap()).unwrap();
    assert_eq!(reply.unwrap_err().raw_os_error(), Some(libc::EAGAIN));

    let file = std::fs::File::open("/dev/null").unwrap();
    send(a.as_fd(), &started(), &[file.as_raw_fd()]).unwrap();
    assert!(
        parse_reply(receive(b.as_fd()).unwrap().unwrap())
            .unwrap()
            .is_ok()
    );
    assert!(is_ready(&ready()));

    drop(a);
    assert!(receive(b.as_fd()).unwrap().is_none(), "end of file");
}

use std::os::fd::AsFd;

fn pair() -> (OwnedFd, OwnedFd) {
    nix::sys::socket::socketpair(
        nix::sys::socket::AddressFamily::Unix,
        nix::sys::socket::SockType::SeqPacket,
        None,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
    )
    .unwrap()
}
