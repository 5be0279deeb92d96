//! Where library features that are not merged yet plug into the CLI. Each
//! adapter does what the current library allows, and says plainly what it
//! cannot; replace its body when the feature lands, and the commands need not
//! change.
//!
//! - [`start`]: start options (per-start limits, network, timeout; owners).
//! - [`output`]: the output stream `tail` reads (a live logs stream).
//! - [`status`]: status fields the library does not record yet (owner).
//! - [`probe`]: what the host supports (`workernator::probe()`).

pub(crate) mod output;
pub(crate) mod probe;
pub(crate) mod start;
pub(crate) mod status;
