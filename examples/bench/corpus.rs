//! The state directory for the open/list figures: 10,000 finished jobs and 100
//! running ones, and the listing itself.
//!
//! The finished jobs are real ones run by the benchmark, multiplied: each extra
//! job directory is a copy of a real finished one (the same files, byte for byte)
//! under a fresh id, with the id inside `spec.json` and `status.json` rewritten.
//! Running 10,000 jobs just to have them on disk would take a minute and measure
//! nothing more.

use serde_json::Value;
use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use workernator::{JobId, status::JobState};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// A fresh random job id.
fn random_id() -> Result<JobId> {
    let mut bytes = [0u8; 16];
    fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    let text: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(text.parse()?)
}

/// A finished job's directory, read once, to be written again under other ids.
struct Template {
    files: Vec<(String, Vec<u8>)>,
    /// Its subdirectories (the emptied work directory), made again empty.
    dirs: Vec<String>,
}

impl Template {
    fn read(dir: &Path) -> Result<Template> {
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type()?.is_file() {
                files.push((name, fs::read(entry.path())?));
            } else if entry.file_type()?.is_dir() {
                dirs.push(name);
            }
        }
        Ok(Template { files, dirs })
    }

    fn write(&self, jobs: &Path, id: &JobId) -> Result<()> {
        let dir = jobs.join(id.as_str());
        fs::create_dir(&dir)?;
        for name in &self.dirs {
            fs::create_dir(dir.join(name))?;
        }
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            if name == "spec.json" || name == "status.json" {
                let mut value: Value = serde_json::from_slice(bytes)?;
                value["id"] = Value::String(id.as_str().to_owned());
                fs::write(path, serde_json::to_vec(&value)?)?;
            } else {
                fs::write(path, bytes)?;
            }
        }
        Ok(())
    }
}

/// Adds copies of the finished jobs `templates` (job directories) under `jobs`
/// until it holds `finished` finished jobs in all (the templates included).
pub fn fill(jobs: &Path, templates: &[PathBuf], finished: usize) -> Result<usize> {
    let templates = templates
        .iter()
        .map(|dir| Template::read(dir))
        .collect::<Result<Vec<_>>>()?;
    if templates.is_empty() {
        return Err("no finished job to copy".into());
    }
    let mut added = 0;
    for index in templates.len()..finished {
        templates[index % templates.len()].write(jobs, &random_id()?)?;
        added += 1;
    }
    Ok(added)
}

/// Counts the jobs under `<state>/jobs` by state, from their `status.json`
/// files, without opening a runner (which would reconcile them).
pub fn list_scan(state_dir: &Path) -> Result<BTreeMap<String, usize>> {
    let mut counts = BTreeMap::new();
    for entry in fs::read_dir(state_dir.join("jobs"))? {
        let entry = entry?;
        let path = entry.path().join("status.json");
        let status = super::cleanup::read_status(&path)
            .ok_or_else(|| format!("cannot read {}", path.display()))?;
        let key = if status.state.is_finished() {
            "finished".to_owned()
        } else if status.state == JobState::Running {
            "running".to_owned()
        } else {
            format!("{:?}", status.state).to_lowercase()
        };
        *counts.entry(key).or_default() += 1;
    }
    Ok(counts)
}
