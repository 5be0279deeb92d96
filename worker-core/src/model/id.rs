//! Job ids: unguessable, and checked before they become part of a path.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The id of a job: 32 lowercase hex digits (128 random bits).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JobId(String);

/// A string that is not a job id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{given}' is not a job id: expected 32 lowercase hex digits")]
pub struct InvalidJobId {
    given: String,
}

impl JobId {
    const LEN: usize = 32;

    /// A new random id from the kernel's random source.
    pub(crate) fn generate() -> std::io::Result<JobId> {
        let mut bytes = [0u8; Self::LEN / 2];
        crate::sys::random_bytes(&mut bytes)?;
        let mut text = String::with_capacity(Self::LEN);
        for byte in bytes {
            text.push_str(&format!("{byte:02x}"));
        }
        Ok(JobId(text))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for JobId {
    type Err = InvalidJobId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let valid = text.len() == Self::LEN
            && text
                .bytes()
                .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'));
        if valid {
            Ok(JobId(text.to_owned()))
        } else {
            Err(InvalidJobId {
                given: text.chars().take(80).collect(),
            })
        }
    }
}

impl TryFrom<String> for JobId {
    type Error = InvalidJobId;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<JobId> for String {
    fn from(id: JobId) -> String {
        id.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JobId({})", self.0)
    }
}

#[cfg(test)]
mod tests;
