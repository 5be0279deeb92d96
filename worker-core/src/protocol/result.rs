//! The job's result, from the job's process to its supervisor: one message on
//! a pipe of its own, then end of file.

/// Tags of the job's result message (first byte on the result pipe).
pub(crate) const RESULT_OK: u8 = b'O';
pub(crate) const RESULT_ERROR: u8 = b'E';
pub(crate) const RESULT_PANIC: u8 = b'P';
