//! A job's progress as text: a summary for the status block, and the bar
//! `jobs wait` draws on a terminal (with indicatif).

use super::escape;
use super::state::State;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use workernator::status::Progress;

/// Longest message shown after the bar.
const MESSAGE: usize = 40;

/// `[##########..............] 45/90  50%  message`: with a total.
const WITH_TOTAL: &str = "[{bar:24}] {pos}/{len} {percent:>3}%  {msg}";
/// `45 done  message`: without one.
const WITHOUT_TOTAL: &str = "{pos} done  {msg}";
/// `Queued…`: no progress reported yet.
const NONE_YET: &str = "{msg}";

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

/// The progress bar of a job on stderr, a terminal.
pub(crate) struct Bar {
    bar: ProgressBar,
    /// The template in use.
    template: &'static str,
    /// What is shown: the progress and state last given.
    shown: Option<(Option<Progress>, State)>,
}

impl Bar {
    /// A bar on stderr, drawn only if it is a terminal.
    pub(crate) fn on_stderr() -> Bar {
        Bar {
            bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            template: "",
            shown: None,
        }
    }

    /// Shows `progress` (or, with none reported yet, the job's `state`),
    /// redrawing only what changed, at once and whole.
    pub(crate) fn show(&mut self, progress: Option<&Progress>, state: State) {
        let now = (progress.cloned(), state);
        if self.shown.as_ref() != Some(&now) {
            self.set(progress, state);
            self.bar.force_draw();
            self.shown = Some(now);
        }
    }

    fn set(&mut self, progress: Option<&Progress>, state: State) {
        let Some(progress) = progress else {
            self.use_template(NONE_YET);
            self.bar.set_message(format!("{}…", state.title()));
            return;
        };
        match progress.total {
            Some(total) => {
                self.use_template(WITH_TOTAL);
                self.bar.set_length(total);
            }
            None => {
                self.use_template(WITHOUT_TOTAL);
                self.bar.unset_length();
            }
        }
        self.bar.set_position(progress.done);
        self.bar.set_message(message(&progress.message));
    }

    /// Clears the bar's line for what comes next.
    pub(crate) fn clear(self) {
        self.bar.finish_and_clear();
    }

    fn use_template(&mut self, template: &'static str) {
        if self.template != template {
            // The templates are constants, checked by a test.
            let style = ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("#.");
            self.bar.set_style(style);
            self.template = template;
        }
    }
}

/// The job's message for the bar's one line: cut short, and with what a
/// terminal would act on escaped (the job chose it).
fn message(text: &str) -> String {
    let short: String = text.chars().take(MESSAGE).collect();
    escape::one_line(&short)
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
    fn the_templates_are_valid() {
        for template in [WITH_TOTAL, WITHOUT_TOTAL, NONE_YET] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
    }

    #[test]
    fn a_bar_follows_the_progress() {
        let mut bar = Bar {
            bar: ProgressBar::hidden(),
            template: "",
            shown: None,
        };
        bar.show(None, State::Queued);
        assert_eq!(
            (bar.template, bar.bar.message()),
            (NONE_YET, "Queued…".to_owned())
        );
        bar.show(Some(&progress(45, Some(90), "half")), State::Running);
        assert_eq!(bar.template, WITH_TOTAL);
        assert_eq!((bar.bar.position(), bar.bar.length()), (45, Some(90)));
        bar.show(Some(&progress(3, None, "")), State::Running);
        assert_eq!((bar.template, bar.bar.length()), (WITHOUT_TOTAL, None));
    }

    #[test]
    fn the_jobs_message_is_cut_short_and_escaped() {
        assert_eq!(message(&"x".repeat(100)), "x".repeat(MESSAGE));
        assert_eq!(
            message("\x1b]0;title\x07\nnext\rline"),
            r"\x1b]0;title\x07\x0anext\x0dline"
        );
    }
}
