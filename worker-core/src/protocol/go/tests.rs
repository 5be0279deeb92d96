use super::*;
use std::os::fd::AsFd;

#[test]
fn a_go_ahead_carries_its_descriptors() {
    let (supervisor, init) = pair().unwrap();
    let (read, write) = nix::unistd::pipe().unwrap();
    send(supervisor.as_fd(), &[write]).unwrap();
    let fds = receive(init.as_fd()).expect("a go-ahead");
    assert_eq!(fds.len(), 1);
    nix::unistd::write(&fds[0], b"x").unwrap();
    let mut got = [0u8; 1];
    nix::unistd::read(read.as_fd(), &mut got).unwrap();
    assert_eq!(&got, b"x");
}

#[test]
fn a_go_ahead_without_descriptors_and_end_of_file() {
    let (supervisor, init) = pair().unwrap();
    send(supervisor.as_fd(), &[]).unwrap();
    assert_eq!(receive(init.as_fd()).map(|fds| fds.len()), Some(0));
    drop(supervisor);
    assert!(receive(init.as_fd()).is_none());
}

#[test]
fn anything_else_is_no_go_ahead() {
    let (supervisor, init) = pair().unwrap();
    // The go-ahead of old, one bare byte: not a frame.
    nix::sys::socket::send(
        std::os::fd::AsRawFd::as_raw_fd(&supervisor),
        b"g",
        nix::sys::socket::MsgFlags::empty(),
    )
    .unwrap();
    assert!(receive(init.as_fd()).is_none());
}
