use super::*;
use serde::Deserialize;
use std::os::fd::AsFd;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Test {
    Small(u32),
    Text(String),
}

impl Message for Test {
    const CHANNEL: &'static str = "the test channel";
    const MAX_BODY: usize = 64;

    fn to_body(&self) -> Vec<u8> {
        json_body(self)
    }

    fn from_body(body: &[u8]) -> Option<Self> {
        from_json(body)
    }
}

#[test]
fn frames_survive_any_split_of_a_stream() {
    let mut wire = frame(&Test::Small(7)).unwrap();
    wire.extend(frame(&Test::Text("héllo".into())).unwrap());
    for split in 0..=wire.len() {
        let mut reader = FrameReader::<Test>::default();
        let mut got = Vec::new();
        for chunk in [&wire[..split], &wire[split..]] {
            reader.push(chunk);
            while let Some(message) = reader.next_message().unwrap() {
                got.push(message);
            }
        }
        assert_eq!(got, [Test::Small(7), Test::Text("héllo".into())], "{split}");
    }
}

#[test]
fn a_frame_longer_than_the_channel_allows_or_garbage_is_an_error_not_a_wait() {
    let mut reader = FrameReader::<Test>::default();
    reader.push(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    let error = reader.next_message().unwrap_err();
    assert_eq!(error.channel, "the test channel");
    let mut reader = FrameReader::<Test>::default();
    reader.push(&[3, 0, 0, 0, b'{', b'x', b'}']);
    assert!(reader.next_message().is_err());
    assert!(only_body::<Test>(&[2, 0, 0, 0, b'{']).is_err(), "cut short");
}

#[test]
fn a_packet_carries_its_message_and_descriptors() {
    let (a, b) = socket_pair().unwrap();
    let (read, write) = nix::unistd::pipe().unwrap();
    send(a.as_fd(), &Test::Small(1), &[write.as_fd()]).unwrap();
    drop(write);
    let (message, fds) = receive::<Test>(b.as_fd()).unwrap().unwrap();
    assert_eq!(message, Test::Small(1));
    assert_eq!(fds.len(), 1);
    nix::unistd::write(&fds[0], b"x").unwrap();
    let mut got = [0u8; 1];
    nix::unistd::read(read.as_fd(), &mut got).unwrap();
    assert_eq!(&got, b"x");

    // Not a frame of this channel: an error that says so, its descriptors closed.
    let (spare_read, spare_write) = nix::unistd::pipe().unwrap();
    let garbage = [9u8, 0, 0, 0, b'n', b'o'];
    rustix::net::sendmsg(
        a.as_fd(),
        &[IoSlice::new(&garbage)],
        &mut SendAncillaryBuffer::default(),
        SendFlags::NOSIGNAL,
    )
    .unwrap();
    let error = receive::<Test>(b.as_fd()).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    assert!(error.get_ref().is_some_and(|inner| inner.is::<Malformed>()));
    drop((spare_read, spare_write));

    drop(a);
    assert!(receive::<Test>(b.as_fd()).unwrap().is_none(), "end of file");
}
