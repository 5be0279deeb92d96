//! Whole-file reads and atomic replacement.

use super::StateError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs;
use std::io::Write;
use std::path::Path;

/// Reads and decodes a JSON file.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, StateError> {
    let bytes = fs::read(path).map_err(|source| StateError::io("read", path, source))?;
    decode(path, &bytes)
}

/// Decodes the JSON text `bytes` of the file at `path`.
pub(super) fn decode<T: DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T, StateError> {
    serde_json::from_slice(bytes).map_err(|source| StateError::Corrupt {
        path: path.to_owned(),
        source,
    })
}

/// Encodes `value` as JSON text for the file at `path`.
pub(super) fn encode<T: Serialize>(path: &Path, value: &T) -> Result<Vec<u8>, StateError> {
    serde_json::to_vec(value).map_err(|source| StateError::Corrupt {
        path: path.to_owned(),
        source,
    })
}

/// Replaces `path` with `value`, atomically: a reader sees the old file or the new
/// one, never a mix. Written to a unique temporary name, then renamed over.
///
/// The data is not fsynced: a status lost to a power cut is repaired by
/// reconciliation, and an fsync would put milliseconds on every job's start.
pub(crate) fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), StateError> {
    write_atomic(path, &encode(path, value)?)
}

/// Replaces `path` with `bytes` atomically (see [`write_json_atomic`]).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temporary)
        .map_err(|source| StateError::io("create", &temporary, source))?;
    file.write_all(bytes)
        .map_err(|source| StateError::io("write", &temporary, source))?;
    drop(file);
    fs::rename(&temporary, path).map_err(|source| {
        let _ = fs::remove_file(&temporary);
        StateError::io("rename", path, source)
    })
}

/// Writes `bytes` to `path` as a new file: one file creation, with no temporary
/// name and no rename. Only for a file that something written after it commits
/// (result.json: the final status, written next, is what says it is there), so
/// that a file cut short by a crash is never read. A file already there (left
/// by a crash before the commit) is replaced atomically instead.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let mut file = match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return write_atomic(path, bytes);
        }
        Err(source) => return Err(StateError::io("create", path, source)),
    };
    file.write_all(bytes)
        .map_err(|source| StateError::io("write", path, source))
}

#[cfg(test)]
mod tests;
