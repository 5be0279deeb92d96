//! The one framing of every message between workernator's processes: a
//! frame is the length of its body (`u32`, little-endian), then the body.
//!
//! - On a pipe, a byte stream, frames follow one another and are reassembled
//!   by a [`FrameReader`] (the sandbox's reports) or read to end of file (the
//!   job's result).
//! - On a `SOCK_SEQPACKET` socket each packet is one frame, which may carry
//!   descriptors (`SCM_RIGHTS`): [`send`] and [`receive`] (the launcher's
//!   requests and replies, the supervisor's go-ahead).
//!
//! Each channel has one message type ([`Message`]), whose body is its JSON,
//! except where the message says otherwise (the job's result carries the
//! job's output, already serialized, as it is).

use rustix::io::Errno;
use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, recvmsg, sendmsg,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::{self, IoSlice, IoSliceMut};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::os::fd::{BorrowedFd, OwnedFd};

/// Bytes of a frame before its body: the body's length.
pub(crate) const HEADER_LEN: usize = 4;

/// At most this many descriptors are taken from one packet.
const MAX_RECEIVED_FDS: usize = 16;

/// The message type of one channel: how it becomes a frame's body and back.
pub(crate) trait Message: Sized {
    /// The channel, as errors name it ("the sandbox's reports").
    const CHANNEL: &'static str;
    /// The longest body a receiver accepts.
    const MAX_BODY: usize;

    /// The body of this message's frame.
    fn to_body(&self) -> Vec<u8>;

    /// The message a body holds; `None` if it holds none.
    fn from_body(body: &[u8]) -> Option<Self>;
}

/// The body of a message that travels as its JSON.
pub(crate) fn json_body<M: Serialize>(message: &M) -> Vec<u8> {
    // Only maps with non-string keys fail to serialize; no message has one.
    serde_json::to_vec(message).unwrap_or_default()
}

/// A message that travels as its JSON, from its body.
pub(crate) fn from_json<M: DeserializeOwned>(body: &[u8]) -> Option<M> {
    serde_json::from_slice(body).ok()
}

/// A channel carried something that is not one of its messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{channel} carried something that is not a message ({what}); both ends are the same program, so this is a bug or tampering"
)]
pub(crate) struct Malformed {
    /// Which channel.
    pub(crate) channel: &'static str,
    /// What was wrong.
    pub(crate) what: &'static str,
}

impl Malformed {
    fn of<M: Message>(what: &'static str) -> Malformed {
        Malformed {
            channel: M::CHANNEL,
            what,
        }
    }

    /// As an I/O error, for callers that read a socket.
    pub(crate) fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }
}

/// `message` as a frame: its header, then its body.
///
/// # Errors
///
/// The body is longer than a frame can say (4 GiB).
pub(crate) fn frame<M: Message>(message: &M) -> Result<Vec<u8>, Malformed> {
    let body = message.to_body();
    let length = u32::try_from(body.len()).map_err(|_| Malformed::of::<M>("too long"))?;
    let mut frame = Vec::with_capacity(HEADER_LEN + body.len());
    frame.extend_from_slice(&length.to_le_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

/// A frame's body and the bytes after it.
type Split<'a> = (&'a [u8], &'a [u8]);

/// The body of the one frame at the start of `bytes`, if it is whole, and
/// the bytes after it; `Err` if its header says more than `max` bytes.
fn split(bytes: &[u8], max: usize) -> Result<Option<Split<'_>>, &'static str> {
    let Some(header) = bytes.get(..HEADER_LEN) else {
        return Ok(None);
    };
    let mut length = [0u8; HEADER_LEN];
    length.copy_from_slice(header);
    let length = u32::from_le_bytes(length) as usize;
    if length > max {
        return Err("longer than the channel allows");
    }
    Ok(bytes[HEADER_LEN..].split_at_checked(length))
}

/// The body of `bytes` when they are exactly one whole frame of `M`'s channel
/// (what a packet, or a pipe read to its end, holds).
pub(crate) fn only_body<M: Message>(bytes: &[u8]) -> Result<&[u8], Malformed> {
    match split(bytes, M::MAX_BODY) {
        Ok(Some((body, []))) => Ok(body),
        Ok(Some(_)) => Err(Malformed::of::<M>("bytes after the frame")),
        Ok(None) => Err(Malformed::of::<M>("a frame cut short")),
        Err(what) => Err(Malformed::of::<M>(what)),
    }
}

/// Reassembles the frames of one channel's messages from the bytes read off
/// a pipe.
#[derive(Debug)]
pub(crate) struct FrameReader<M> {
    buffer: Vec<u8>,
    message: PhantomData<fn() -> M>,
}

impl<M> Default for FrameReader<M> {
    fn default() -> Self {
        FrameReader {
            buffer: Vec::new(),
            message: PhantomData,
        }
    }
}

impl<M: Message> FrameReader<M> {
    /// More bytes, as read.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole message, if one has arrived.
    ///
    /// # Errors
    ///
    /// What arrived is not a message of the channel; the channel is of no
    /// more use.
    pub(crate) fn next_message(&mut self) -> Result<Option<M>, Malformed> {
        let (message, used) = match split(&self.buffer, M::MAX_BODY) {
            Ok(None) => return Ok(None),
            Ok(Some((body, _))) => (
                M::from_body(body).ok_or(Malformed::of::<M>("a body that does not decode"))?,
                HEADER_LEN + body.len(),
            ),
            Err(what) => return Err(Malformed::of::<M>(what)),
        };
        self.buffer.drain(..used);
        Ok(Some(message))
    }
}

/// Sends `message` as one packet on the `SOCK_SEQPACKET` socket `socket`,
/// with `fds` attached (`SCM_RIGHTS`). Retried on `EINTR`; never raises
/// SIGPIPE.
pub(crate) fn send<M: Message>(
    socket: BorrowedFd<'_>,
    message: &M,
    fds: &[BorrowedFd<'_>],
) -> io::Result<()> {
    let frame = frame(message).map_err(Malformed::into_io)?;
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_RECEIVED_FDS))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "too many descriptors for one message",
        ));
    }
    let iov = [IoSlice::new(&frame)];
    loop {
        match sendmsg(socket, &iov, &mut control, SendFlags::NOSIGNAL) {
            Err(Errno::INTR) => continue,
            other => return other.map(drop).map_err(io::Error::from),
        }
    }
}

/// Receives one packet from the `SOCK_SEQPACKET` socket `socket` (blocking,
/// retried on `EINTR`): its message and the descriptors that came with it,
/// close-on-exec and owned (so closed even when the caller rejects the
/// message). `Ok(None)` at end of file: the peer is gone.
///
/// # Errors
///
/// The socket failed, or the packet is not a whole message of `M`'s channel
/// (an error of kind `InvalidData` whose inner error is [`Malformed`]).
pub(crate) fn receive<M: Message>(socket: BorrowedFd<'_>) -> io::Result<Option<(M, Vec<OwnedFd>)>> {
    let mut bytes = vec![0u8; HEADER_LEN + M::MAX_BODY];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_RECEIVED_FDS))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let received = loop {
        let mut iov = [IoSliceMut::new(&mut bytes)];
        match recvmsg(socket, &mut iov, &mut control, RecvFlags::CMSG_CLOEXEC) {
            Err(Errno::INTR) => continue,
            other => break other?,
        }
    };
    let mut fds = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    if received.bytes == 0 && fds.is_empty() {
        return Ok(None);
    }
    if received
        .flags
        .intersects(ReturnFlags::TRUNC | ReturnFlags::CTRUNC)
    {
        return Err(Malformed::of::<M>("message or descriptors cut short").into_io());
    }
    let body = only_body::<M>(&bytes[..received.bytes]).map_err(Malformed::into_io)?;
    let message = M::from_body(body)
        .ok_or(Malformed::of::<M>("a body that does not decode"))
        .map_err(Malformed::into_io)?;
    Ok(Some((message, fds)))
}

/// A connected `SOCK_SEQPACKET` pair, both ends close-on-exec.
pub(crate) fn socket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType, socketpair};
    Ok(socketpair(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC,
        None,
    )?)
}

#[cfg(test)]
mod tests;
