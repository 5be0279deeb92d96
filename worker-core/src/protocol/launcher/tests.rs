use super::*;
use std::os::fd::AsRawFd;

#[test]
fn a_start_request_round_trips_with_its_descriptors() {
    let (a, b) = frame::socket_pair().unwrap();
    let lock = std::fs::File::open("/dev/null").unwrap();
    let done = std::fs::File::open("/dev/null").unwrap();
    let app = std::fs::File::open("/dev/null").unwrap();
    let dir = Path::new("/var/tmp/state/jobs/some-id");
    request_start(
        a.as_fd(),
        dir,
        lock.as_fd(),
        done.as_fd(),
        Some(app.as_fd()),
    )
    .unwrap();
    let request = receive_request(b.as_fd()).unwrap().unwrap();
    assert_eq!(request.job_dir, dir);
    assert!(request.application.is_some());
    assert_ne!(request.lock.as_raw_fd(), lock.as_raw_fd());
    assert_ne!(request.done.as_raw_fd(), done.as_raw_fd());

    request_start(a.as_fd(), dir, lock.as_fd(), done.as_fd(), None).unwrap();
    let request = receive_request(b.as_fd()).unwrap().unwrap();
    assert!(request.application.is_none());

    // Without the done pipe, or tied without the application's pidfd.
    let start = |tied| LauncherMessage::Start {
        job_dir: dir.to_owned(),
        tied,
    };
    frame::send(a.as_fd(), &start(false), &[lock.as_fd()]).unwrap();
    assert!(is_malformed(&receive_request(b.as_fd()).err().unwrap()));
    frame::send(a.as_fd(), &start(true), &[lock.as_fd(), done.as_fd()]).unwrap();
    assert!(is_malformed(&receive_request(b.as_fd()).err().unwrap()));
    frame::send(a.as_fd(), &start(false), &[]).unwrap();
    assert!(is_malformed(&receive_request(b.as_fd()).err().unwrap()));
    frame::send(a.as_fd(), &LauncherMessage::Ready, &[]).unwrap();
    assert!(is_malformed(&receive_request(b.as_fd()).err().unwrap()));
}

#[test]
fn replies_carry_a_pidfd_or_an_errno() {
    let (a, b) = frame::socket_pair().unwrap();
    let error = io::Error::from_raw_os_error(libc::EAGAIN);
    reply_failed(a.as_fd(), &error).unwrap();
    let reply = receive_reply(b.as_fd()).unwrap().unwrap();
    assert_eq!(reply.unwrap_err().raw_os_error(), Some(libc::EAGAIN));

    let file: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
    reply_started(a.as_fd(), &file).unwrap();
    assert!(receive_reply(b.as_fd()).unwrap().unwrap().is_ok());

    // A started reply without its pidfd is not one.
    frame::send(a.as_fd(), &LauncherMessage::Started, &[]).unwrap();
    assert!(is_malformed(&receive_reply(b.as_fd()).unwrap_err()));

    send_ready(a.as_fd()).unwrap();
    assert!(wait_ready(b.as_fd()).unwrap());

    drop(a);
    assert!(receive_reply(b.as_fd()).unwrap().is_none(), "end of file");
    assert!(!wait_ready(b.as_fd()).unwrap(), "end of file is not ready");
}
