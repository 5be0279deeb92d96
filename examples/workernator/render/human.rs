//! Output for people, shaped like the RFD's examples.

use super::{Ending, JobView, escape, progress, state::State, time};
use crate::kinds::KindInfo;
use std::fmt::Write;
use workernator::{JobId, Limits};

/// Width of the label column (`Status:     Succeeded`).
const LABEL: usize = 12;
/// Longest result shown in full in a status block.
const MAX_RESULT: usize = 200;

/// What `jobs start` prints.
pub(crate) fn started(kind: &KindInfo, id: &JobId) -> String {
    format!(
        "Started '{title}' job, ID: {id}\n\
         Use 'workernator jobs tail {id}' to see the output of this job,\n\
         'workernator jobs stop {id}' to stop the job.\n",
        title = kind.title
    )
}

/// A value of the status block, which may come from the job (its error,
/// result, progress message): on a terminal (`terminal`), with control
/// characters escaped; its lines after the first indented by `indent`, so
/// that none reads as a field of its own.
fn value(text: &str, indent: usize, terminal: bool) -> String {
    let text = text.trim_end_matches('\n');
    let text = if terminal {
        escape::text(text)
    } else {
        text.to_owned()
    };
    text.replace('\n', &format!("\n{:indent$}", ""))
}

/// The status block of `jobs status` and `jobs wait`; `terminal`: for one.
pub(crate) fn status_block(view: &JobView, terminal: bool) -> String {
    let status = &view.status;
    let mut text = String::new();
    let title = view
        .kind
        .map_or(status.job_type.as_str(), |kind| kind.title);
    let title = value(title, LABEL, terminal);
    let _ = writeln!(text, "Job {}: {title}", status.id);
    if let Some(arguments) = view.arguments.as_ref().filter(|a| !a.labelled.is_empty()) {
        let _ = writeln!(text, "Arguments:");
        for (label, argument) in &arguments.labelled {
            let _ = writeln!(
                text,
                "  {:<width$}{}",
                format!("{label}:"),
                value(argument, LABEL + 2, terminal),
                width = LABEL
            );
        }
    }
    let mut line = |label: &str, text_value: &str| {
        let shown = value(text_value, LABEL, terminal);
        let _ = writeln!(text, "{:<LABEL$}{shown}", format!("{label}:"));
    };
    let state = view.state();
    line("Status", state.title());
    if let Some(owner) = &view.owner {
        line("Owner", owner);
    }
    // Why it waits: for a queued job only (a stale reason means nothing).
    if let Some(waiting) = status.waiting.as_ref().filter(|_| state == State::Queued) {
        line("Waiting", waiting);
    }
    let ending = Ending::of(status.exit.as_ref());
    if let Some(error) = &ending.error {
        line("Error", error);
    }
    if let Some(output) = view.output.as_ref().filter(|_| state == State::Succeeded) {
        line("Result", &result_text(output));
    }
    if let Some(progress) = &status.progress {
        line("Progress", &progress::summary(progress));
    }
    if status.attempt > 1 {
        line("Attempt", &status.attempt.to_string());
    }
    line("Created", &time::human(status.created_at));
    if let Some(started) = status.started_at {
        line("Started", &time::human(started));
    }
    if let Some(finished) = status.finished_at {
        line("Finished", &time::human(finished));
    }
    if let Some(wall) = view.wall_ms() {
        let so_far = if state.is_finished() { "" } else { " so far" };
        line("Duration", &format!("{}{so_far}", time::duration(wall)));
    }
    if let Some(limits) = &view.limits {
        line("Limits", &limits_text(limits));
    }
    if !status.limits_enforced {
        let why = status.limits_note.as_deref().unwrap_or("no cgroup");
        line("Enforced", &format!("NO, limits not enforced: {why}"));
    }
    if let Some(runs_as) = status.runs_as {
        let mut who = format!("uid {} gid {}", runs_as.uid, runs_as.gid);
        if status.rootless {
            who.push_str(&format!(
                " in its user namespace (rootless): host uid {} gid {}",
                runs_as.host_uid, runs_as.host_gid
            ));
        }
        line("Runs as", &who);
    }
    if let Some(usage) = &status.usage {
        let peak = usage.peak_memory_bytes.map_or(String::new(), |peak| {
            format!(", peak memory {}", bytes(peak))
        });
        line(
            "Usage",
            &format!(
                "cpu {} ms user, {} ms system{peak}, io {} read, {} written{}",
                usage.cpu_user_ms,
                usage.cpu_system_ms,
                bytes(usage.io_read_bytes),
                bytes(usage.io_write_bytes),
                if usage.oom_killed { ", OOM-killed" } else { "" },
            ),
        );
    }
    text
}

/// The rows of `jobs list`; `terminal`: for one.
pub(crate) fn list(views: &[JobView], terminal: bool) -> String {
    if views.is_empty() {
        return "No jobs.\n".to_owned();
    }
    let rows: Vec<[String; 5]> = views
        .iter()
        .map(|view| {
            let duration = view.wall_ms().map_or(String::from("-"), time::duration);
            // The kind is what the status file says (another program's
            // type name, for a kind this CLI does not know).
            let kind = match terminal {
                true => escape::one_line(&view.status.job_type),
                false => view.status.job_type.clone(),
            };
            [
                view.status.id.to_string(),
                kind,
                view.state().as_str().to_owned(),
                time::human(view.status.created_at),
                duration,
            ]
        })
        .collect();
    let header = ["ID", "KIND", "STATE", "CREATED", "DURATION"].map(str::to_owned);
    let mut widths = header.clone().map(|cell| cell.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(text, "{}", cells.join("  ").trim_end());
    }
    text
}

/// A result for the status block: strings as they are, the rest as JSON,
/// cut short past [`MAX_RESULT`] characters.
fn result_text(output: &serde_json::Value) -> String {
    let text = match output {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let length = text.chars().count();
    if length <= MAX_RESULT {
        return text;
    }
    let head: String = text.chars().take(MAX_RESULT).collect();
    format!("{head}… ({length} characters; --json shows all)")
}

fn limits_text(limits: &Limits) -> String {
    let mut parts = Vec::new();
    if let Some(cores) = limits.cpu_max_cores {
        parts.push(format!("cpu {cores} cores"));
    }
    if let Some(memory) = limits.memory_max_bytes {
        parts.push(format!("memory {}", bytes(memory)));
    }
    if let Some(pids) = limits.pids_max {
        parts.push(format!("{pids} processes"));
    }
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// `64 MiB`, `1.5 GiB`, `512 bytes`.
pub(crate) fn bytes(count: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if count < 1024 {
        return format!("{count} bytes");
    }
    let mut value = count as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::{Arguments, by_name};
    use workernator::status::{JobStatus, Timestamp};

    fn view(extra: serde_json::Value) -> JobView {
        let mut status = serde_json::json!({
            "id": "0123456789abcdef0123456789abcdef",
            "job_type": "fib",
            "state": "succeeded",
            "attempt": 1,
            "created_at": 1_657_211_642_500u64,
            "started_at": 1_657_211_643_000u64,
            "finished_at": 1_657_211_644_000u64,
            "supervisor_pid": null,
            "supervisor_start_ticks": null,
            "sandbox_pid": null,
            "exit": { "kind": "succeeded" },
        });
        if let (Some(status), Some(extra)) = (status.as_object_mut(), extra.as_object()) {
            for (key, value) in extra {
                status.insert(key.clone(), value.clone());
            }
        }
        let status: JobStatus = serde_json::from_value(status).unwrap();
        JobView {
            status,
            kind: by_name("fib"),
            arguments: Some(Arguments {
                labelled: vec![("Position", "3".into())],
                json: serde_json::json!({ "position": 3 }),
            }),
            limits: Some(Limits::default()),
            output: Some(serde_json::json!("2")),
            owner: None,
            now: Timestamp::from_millis(1_657_211_650_000),
        }
    }

    #[test]
    fn a_status_block_reads_like_the_rfd() {
        assert_eq!(
            status_block(&view(serde_json::json!({})), false),
            "\
Job 0123456789abcdef0123456789abcdef: Fibonacci
Arguments:
  Position:   3
Status:     Succeeded
Result:     2
Created:    2022-07-07 16:34:02 UTC
Started:    2022-07-07 16:34:03 UTC
Finished:   2022-07-07 16:34:04 UTC
Duration:   1 second
Limits:     memory 1 GiB, 1024 processes
"
        );
    }

    #[test]
    fn a_failed_job_shows_its_error_and_a_running_one_its_time_so_far() {
        let failed = status_block(
            &view(serde_json::json!({
                "state": "failed",
                "exit": { "kind": "job_error", "failure": {
                    "message": "unexpected ')' at column 7", "causes": [], "retryable": false } },
            })),
            false,
        );
        assert!(failed.contains("Status:     Failed\n"), "{failed}");
        assert!(
            failed.contains("Error:      unexpected ')' at column 7\n"),
            "{failed}"
        );
        assert!(!failed.contains("Result:"), "{failed}");
        let running = status_block(
            &view(serde_json::json!({
                "state": "running", "finished_at": null, "exit": null,
            })),
            false,
        );
        assert!(
            running.contains("Duration:   7 seconds so far\n"),
            "{running}"
        );
    }

    #[test]
    fn what_the_job_wrote_cannot_act_on_a_terminal_or_forge_a_field() {
        let failed = view(serde_json::json!({
            "state": "failed",
            "exit": { "kind": "job_error", "failure": {
                "message": "\u{1b}]52;c;SGk=\u{7}oops\nStatus:     Succeeded\r\u{9b}2J",
                "causes": [], "retryable": false } },
        }));
        let shown = status_block(&failed, true);
        assert!(
            shown.contains(
                "Error:      \\x1b]52;c;SGk=\\x07oops\n            \
                 Status:     Succeeded\\x0d\\xc2\\x9b2J\n"
            ),
            "{shown}"
        );
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown:?}"
        );
        // Piped, the bytes stay, but the second line is still under the first.
        let piped = status_block(&failed, false);
        assert!(
            piped.contains("oops\n            Status:     Succeeded\r\u{9b}2J\n"),
            "{piped:?}"
        );
        assert!(piped.contains("\nStatus:     Failed\n"), "{piped}");
    }

    #[test]
    fn a_queued_job_says_why_it_waits_and_whose_it_is() {
        let mut queued = view(serde_json::json!({
            "state": "queued", "started_at": null, "finished_at": null, "exit": null,
            "waiting": "owner alice is at its share (2 of 2 jobs)",
        }));
        queued.owner = Some("alice".into());
        let text = status_block(&queued, false);
        assert!(
            text.contains("Status:     Queued\nOwner:      alice\n"),
            "{text}"
        );
        assert!(
            text.contains("Waiting:    owner alice is at its share (2 of 2 jobs)\n"),
            "{text}"
        );
        let ran = status_block(&view(serde_json::json!({ "waiting": "stale" })), false);
        assert!(!ran.contains("Waiting:"), "{ran}");
    }

    #[test]
    fn long_results_are_cut_short() {
        let long = serde_json::Value::String("9".repeat(500));
        let text = result_text(&long);
        assert!(
            text.ends_with("… (500 characters; --json shows all)"),
            "{text}"
        );
        assert_eq!(
            result_text(&serde_json::json!({"status": 204})),
            r#"{"status":204}"#
        );
    }

    #[test]
    fn lists_align_their_columns() {
        let text = list(&[view(serde_json::json!({}))], false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].starts_with("ID                                KIND  STATE"),
            "{text}"
        );
        assert!(
            lines[1].contains("  fib   succeeded  2022-07-07 16:34:02 UTC  1 second"),
            "{text}"
        );
        assert_eq!(list(&[], false), "No jobs.\n");
    }

    #[test]
    fn byte_counts_read_naturally() {
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(64 << 20), "64 MiB");
        assert_eq!(bytes(3 << 29), "1.5 GiB");
    }
}
