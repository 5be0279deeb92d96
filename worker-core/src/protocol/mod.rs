//! What crosses a process boundary between the application, the launcher,
//! a supervisor, the sandbox init and the job: the descriptor numbers and
//! environment names two processes agree on, and the messages on each channel.
//! Both sides of a boundary import this, never each other.
//!
//! Every channel carries one message type in one framing (`frame`): the
//! sandbox's reports (`report`), the job's result (`result`), the
//! supervisor's go-ahead (`go`) and the launcher's requests and replies
//! (`launcher`).

mod frame;
pub(crate) mod go;
pub(crate) mod handoff;
pub(crate) mod launcher;
pub(crate) mod report;
pub(crate) mod result;
