use std::io;
use std::path::PathBuf;

/// Reading or writing the state directory failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A file operation failed.
    #[error("cannot {operation} {}", path.display())]
    Io {
        /// What was being done ("create", "read", "rename", ...).
        operation: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// A file holds something that is not what it should be.
    #[error("{} is corrupt", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why it does not decode.
        #[source]
        source: serde_json::Error,
    },
}

impl StateError {
    pub(crate) fn io(operation: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        StateError::Io {
            operation,
            path: path.into(),
            source,
        }
    }
}
