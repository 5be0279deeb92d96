//! ADAPTER (replace when owners land): status fields the library does not
//! record yet, so that the CLI's JSON already has them.

use workernator::JobStatus;

/// The job's owner. The library has no owners yet: always `None`; read it from
/// the status once it records one.
pub(crate) fn owner(_status: &JobStatus) -> Option<String> {
    None
}
