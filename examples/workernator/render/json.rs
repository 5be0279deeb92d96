//! The JSON status object: one line per job, the same fields whatever the
//! job's state (null where a value does not apply yet).

use super::{Ending, JobView, state::State, time};
use serde::Serialize;
use std::fmt::Write;
use workernator::{
    Limits,
    status::{Progress, RunsAs},
};

/// A job's status as `--json` prints it.
#[derive(Debug, Serialize)]
pub(crate) struct StatusObject<'a> {
    pub(crate) id: &'a str,
    /// The job type's name, which is also the `jobs start` kind.
    pub(crate) kind: &'a str,
    /// Its title, for people; null for a kind this CLI does not know.
    pub(crate) title: Option<&'static str>,
    pub(crate) owner: Option<&'a str>,
    /// `queued`, `running`, `succeeded`, `failed`, `stopped` or `lost`.
    pub(crate) state: &'static str,
    pub(crate) attempt: u32,
    pub(crate) exit_code: Option<i32>,
    pub(crate) signal: Option<i32>,
    pub(crate) oom_killed: bool,
    pub(crate) error: Option<String>,
    pub(crate) created_at: String,
    pub(crate) started_at: Option<String>,
    pub(crate) finished_at: Option<String>,
    /// Why a queued job waits.
    pub(crate) waiting: Option<&'a str>,
    pub(crate) progress: Option<&'a Progress>,
    /// The job's arguments as it was started with them.
    pub(crate) args: Option<&'a serde_json::Value>,
    /// The typed output, once the job succeeded.
    pub(crate) output: Option<&'a serde_json::Value>,
    pub(crate) limits: Option<&'a Limits>,
    /// Whether the job runs rootless (in a user namespace of an ordinary user).
    pub(crate) rootless: bool,
    /// Whether its limits are enforced; false only for rootless best effort.
    pub(crate) limits_enforced: bool,
    /// Why they are not, if they are not.
    pub(crate) limits_note: Option<&'a str>,
    /// Who its code runs as, inside and on the host.
    pub(crate) runs_as: Option<RunsAs>,
    pub(crate) usage: UsageObject,
}

/// What the job used; null where the library has not measured it.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct UsageObject {
    pub(crate) cpu_user_ms: Option<u64>,
    pub(crate) cpu_system_ms: Option<u64>,
    pub(crate) peak_memory_bytes: Option<u64>,
    pub(crate) io_read_bytes: Option<u64>,
    pub(crate) io_write_bytes: Option<u64>,
    /// From the start of the job's code to its end (or to now).
    pub(crate) wall_ms: Option<u64>,
}

impl<'a> StatusObject<'a> {
    pub(crate) fn of(view: &'a JobView) -> StatusObject<'a> {
        let status = &view.status;
        let ending = Ending::of(status.exit.as_ref());
        let usage = status.usage.as_ref();
        let state = view.state();
        StatusObject {
            id: status.id.as_str(),
            kind: &status.job_type,
            title: view.kind.map(|kind| kind.title),
            owner: view.owner.as_deref(),
            state: state.as_str(),
            attempt: status.attempt,
            exit_code: ending.exit_code,
            signal: ending.signal,
            oom_killed: usage.is_some_and(|usage| usage.oom_killed),
            error: ending.error,
            created_at: time::rfc3339(status.created_at),
            started_at: status.started_at.map(time::rfc3339),
            finished_at: status.finished_at.map(time::rfc3339),
            waiting: status.waiting.as_deref(),
            progress: status.progress.as_ref(),
            args: view.arguments.as_ref().map(|arguments| &arguments.json),
            output: view.output.as_ref().filter(|_| state == State::Succeeded),
            limits: view.limits.as_ref(),
            rootless: status.rootless,
            limits_enforced: status.limits_enforced,
            limits_note: status.limits_note.as_deref(),
            runs_as: status.runs_as,
            usage: UsageObject {
                cpu_user_ms: usage.map(|usage| usage.cpu_user_ms),
                cpu_system_ms: usage.map(|usage| usage.cpu_system_ms),
                peak_memory_bytes: usage.and_then(|usage| usage.peak_memory_bytes),
                io_read_bytes: usage.map(|usage| usage.io_read_bytes),
                io_write_bytes: usage.map(|usage| usage.io_write_bytes),
                wall_ms: usage.map(|usage| usage.wall_ms).or_else(|| view.wall_ms()),
            },
        }
    }
}

/// One job, as one line of JSON.
pub(crate) fn status_line(view: &JobView) -> String {
    to_line(&StatusObject::of(view))
}

/// Many jobs, as one JSON array on one line.
pub(crate) fn status_array(views: &[JobView]) -> String {
    let objects: Vec<_> = views.iter().map(StatusObject::of).collect();
    to_line(&objects)
}

/// Anything serializable, on one line. Serializing these plain structures
/// cannot fail (string keys, no maps with other keys); should it, the error
/// becomes a JSON string rather than a panic.
///
/// serde_json escapes the C0 controls; DEL and the C1 controls (U+0080 to
/// U+009F, which some terminals act on) are escaped here too, as `\u009b`:
/// the same JSON value, and nothing a job wrote can act on a terminal.
pub(crate) fn to_line(value: &impl Serialize) -> String {
    let line = serde_json::to_string(value).unwrap_or_else(|error| {
        serde_json::Value::String(format!("cannot encode as JSON: {error}")).to_string()
    });
    if !line.contains(is_c1_or_del) {
        return line;
    }
    let mut escaped = String::with_capacity(line.len() + 16);
    for c in line.chars() {
        if is_c1_or_del(c) {
            // Only inside strings: serde_json writes such characters nowhere else.
            let _ = write!(escaped, "\\u{:04x}", u32::from(c));
        } else {
            escaped.push(c);
        }
    }
    escaped
}

fn is_c1_or_del(c: char) -> bool {
    ('\u{7f}'..='\u{9f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::JobView;
    use workernator::status::{ExitReason, JobStatus, Timestamp};

    /// A status as the library writes it (its constructor is the library's own).
    fn status(json: serde_json::Value) -> JobStatus {
        let mut base = serde_json::json!({
            "id": "0123456789abcdef0123456789abcdef",
            "job_type": "fib",
            "state": "starting",
            "attempt": 1,
            "created_at": 1_700_000_000_000u64,
            "started_at": null,
            "finished_at": null,
            "supervisor_pid": null,
            "supervisor_start_ticks": null,
            "sandbox_pid": null,
            "exit": null,
        });
        if let (Some(base), Some(extra)) = (base.as_object_mut(), json.as_object()) {
            for (key, value) in extra {
                base.insert(key.clone(), value.clone());
            }
        }
        serde_json::from_value(base).unwrap()
    }

    fn object(view: &JobView) -> serde_json::Value {
        serde_json::from_str(&status_line(view)).unwrap()
    }

    #[test]
    fn a_starting_job_shows_as_running_with_nulls() {
        let view = JobView::of_status(status(serde_json::json!({})));
        let json = object(&view);
        assert_eq!(json["state"], "running");
        assert_eq!(json["kind"], "fib");
        assert_eq!(json["created_at"], "2023-11-14T22:13:20.000Z");
        for field in [
            "owner",
            "exit_code",
            "signal",
            "error",
            "started_at",
            "finished_at",
            "progress",
            "output",
            "limits",
        ] {
            assert!(json[field].is_null(), "{field}: {}", json[field]);
        }
        assert_eq!(json["oom_killed"], false);
        assert_eq!(
            json["usage"],
            serde_json::json!({
                "cpu_user_ms": null, "cpu_system_ms": null, "peak_memory_bytes": null,
                "io_read_bytes": null, "io_write_bytes": null, "wall_ms": null
            })
        );
        assert!(!status_line(&view).contains('\n'));
    }

    #[test]
    fn a_succeeded_job_has_its_output_times_and_wall_time() {
        let mut view = JobView::of_status(status(serde_json::json!({
            "state": "succeeded",
            "started_at": 1_700_000_000_100u64,
            "finished_at": 1_700_000_001_350u64,
            "exit": { "kind": "succeeded" },
            "progress": { "done": 90, "total": 90, "message": "computed position 90" },
        })));
        view.output = Some(serde_json::json!("2880067194370816120"));
        view.now = Timestamp::from_millis(1_800_000_000_000);
        let json = object(&view);
        assert_eq!(json["state"], "succeeded");
        assert_eq!(json["exit_code"], 0);
        assert_eq!(json["output"], "2880067194370816120");
        assert_eq!(json["finished_at"], "2023-11-14T22:13:21.350Z");
        assert_eq!(json["usage"]["wall_ms"], 1250);
        assert_eq!(json["progress"]["done"], 90);
    }

    #[test]
    fn output_is_shown_only_for_a_success() {
        let mut view = JobView::of_status(status(serde_json::json!({
            "state": "failed",
            "exit": { "kind": "signaled", "signal": 9 },
        })));
        view.output = Some(serde_json::json!(1));
        let json = object(&view);
        assert!(json["output"].is_null());
        assert_eq!(json["signal"], 9);
        assert_eq!(json["error"], "killed by signal 9 (SIGKILL)");
        assert!(matches!(
            view.status.exit,
            Some(ExitReason::Signaled { signal: 9 })
        ));
    }

    #[test]
    fn json_escapes_every_control_and_keeps_the_value() {
        let text = "a\u{1b}[2J\u{7}\r\u{7f}\u{80}\u{9b}\u{9f}\u{a0}é\n";
        let line = to_line(&serde_json::json!({ "error": text }));
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(line.contains(r"\u007f\u0080\u009b\u009f"), "{line}");
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["error"], text);
    }

    #[test]
    fn lists_are_one_array_on_one_line() {
        let views = vec![
            JobView::of_status(status(serde_json::json!({}))),
            JobView::of_status(status(serde_json::json!({ "state": "lost" }))),
        ];
        let line = status_array(&views);
        assert!(!line.contains('\n'));
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed.as_array().map(Vec::len), Some(2));
        assert_eq!(parsed[1]["state"], "lost");
    }
}
