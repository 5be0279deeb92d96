//! What comes back from the sandbox: a job's output or why it has none.

use serde::{Deserialize, Serialize};

/// A job's own failure, as returned by its `run`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    /// The top-level message.
    pub message: String,
    /// The chain of causes under it, outermost first.
    pub causes: Vec<String>,
    /// Whether the job said retrying may help.
    pub retryable: bool,
}

impl std::fmt::Display for JobFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        for cause in &self.causes {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}
