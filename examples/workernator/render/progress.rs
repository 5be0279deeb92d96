//! A job's progress as text: a summary for the status block, and the bar
//! `jobs wait` draws on a terminal.

use super::state::State;
use workernator::status::Progress;

/// Width of the bar between its brackets.
const BAR: usize = 24;
/// Longest message shown after the bar.
const MESSAGE: usize = 40;

/// `45/90 (50%): computed position 45`, or `45 done: ...` without a total.
pub(crate) fn summary(progress: &Progress) -> String {
    let amount = match progress.total {
        Some(total) => format!(
            "{}/{total} ({}%)",
            progress.done,
            percent(progress.done, total)
        ),
        None => format!("{} done", progress.done),
    };
    if progress.message.is_empty() {
        amount
    } else {
        format!("{amount}: {}", progress.message)
    }
}

/// One line for a terminal: `[##########..............]  45/90  50%  message`.
pub(crate) fn bar(progress: Option<&Progress>, state: State) -> String {
    let Some(progress) = progress else {
        return format!("{}…", state.title());
    };
    let message: String = progress.message.chars().take(MESSAGE).collect();
    match progress.total {
        Some(total) => {
            let filled = if total == 0 {
                BAR
            } else {
                (progress.done.min(total) as u128 * BAR as u128 / total as u128) as usize
            };
            format!(
                "[{}{}] {}/{total} {:>3}%  {message}",
                "#".repeat(filled),
                ".".repeat(BAR - filled),
                progress.done,
                percent(progress.done, total),
            )
        }
        None => format!("{} done  {message}", progress.done),
    }
}

fn percent(done: u64, total: u64) -> u64 {
    if total == 0 {
        return 100;
    }
    (u128::from(done.min(total)) * 100 / u128::from(total)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(done: u64, total: Option<u64>, message: &str) -> Progress {
        Progress {
            done,
            total,
            message: message.into(),
        }
    }

    #[test]
    fn summaries() {
        assert_eq!(
            summary(&progress(45, Some(90), "computed position 45")),
            "45/90 (50%): computed position 45"
        );
        assert_eq!(summary(&progress(3, None, "")), "3 done");
    }

    #[test]
    fn bars_fill_in_proportion() {
        assert_eq!(
            bar(Some(&progress(45, Some(90), "half")), State::Running),
            "[############............] 45/90  50%  half"
        );
        assert_eq!(
            bar(Some(&progress(0, Some(0), "")), State::Running),
            "[########################] 0/0 100%  "
        );
        assert_eq!(
            bar(
                Some(&progress(u64::MAX, Some(u64::MAX), "")),
                State::Running
            ),
            format!("[{}] {}/{} 100%  ", "#".repeat(24), u64::MAX, u64::MAX)
        );
        assert_eq!(bar(None, State::Queued), "Queued…");
    }
}
