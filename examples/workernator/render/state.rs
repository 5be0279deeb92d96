//! The CLI's job states: the library's, as users of the RFD's CLI name them.

use workernator::status::JobState;

/// Where a job is, as the CLI (and its JSON) names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Queued,
    Running,
    Succeeded,
    Failed,
    Stopped,
    Lost,
}

impl State {
    /// Every state, in the order a job may pass through them.
    pub(crate) const ALL: [State; 6] = [
        State::Queued,
        State::Running,
        State::Succeeded,
        State::Failed,
        State::Stopped,
        State::Lost,
    ];

    /// The library's state, as the CLI shows it.
    ///
    /// `Starting` shows as `running`: the job was accepted and waits for
    /// nothing (no start time, backoff or capacity: that is what `queued`
    /// means); its supervisor is setting up the sandbox, which takes
    /// milliseconds. `started_at` stays null until the job's code runs.
    pub(crate) fn of(state: JobState) -> State {
        match state {
            JobState::Queued => State::Queued,
            JobState::Starting | JobState::Running => State::Running,
            JobState::Succeeded => State::Succeeded,
            JobState::Failed => State::Failed,
            JobState::Stopped => State::Stopped,
            JobState::Lost => State::Lost,
        }
    }

    /// The name in JSON and in `--state`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Running => "running",
            State::Succeeded => "succeeded",
            State::Failed => "failed",
            State::Stopped => "stopped",
            State::Lost => "lost",
        }
    }

    /// The name for people, capitalised.
    pub(crate) fn title(self) -> &'static str {
        match self {
            State::Queued => "Queued",
            State::Running => "Running",
            State::Succeeded => "Succeeded",
            State::Failed => "Failed",
            State::Stopped => "Stopped",
            State::Lost => "Lost",
        }
    }

    /// The state named `text`, if any.
    pub(crate) fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// Whether the job has ended.
    pub(crate) fn is_finished(self) -> bool {
        !matches!(self, State::Queued | State::Running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
        assert_eq!(State::parse("starting"), None);
    }

    #[test]
    fn starting_shows_as_running() {
        assert_eq!(State::of(JobState::Starting), State::Running);
        assert_eq!(State::of(JobState::Queued), State::Queued);
        assert!(!State::of(JobState::Starting).is_finished());
        assert!(State::of(JobState::Lost).is_finished());
    }
}
