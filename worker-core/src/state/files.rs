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
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.json");
        write_json_atomic(&path, &vec![1, 2, 3]).unwrap();
        write_json_atomic(&path, &vec![4]).unwrap();
        let back: Vec<i32> = read_json(&path).unwrap();
        assert_eq!(back, vec![4]);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("status.json")],
            "no temporary left"
        );
    }

    #[test]
    fn a_new_file_is_written_in_place_and_a_leftover_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.json");
        write_new(&path, b"12").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"12");
        // A leftover of a crash (cut short) is replaced whole.
        fs::write(&path, b"{\"cut").unwrap();
        write_new(&path, b"[1,2]").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"[1,2]");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("result.json")]);
    }

    #[test]
    fn corrupt_file_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spec.json");
        fs::write(&path, b"{not json").unwrap();
        let error = read_json::<Vec<i32>>(&path).unwrap_err();
        assert!(
            error.to_string().contains("spec.json is corrupt"),
            "{error}"
        );
    }
}
