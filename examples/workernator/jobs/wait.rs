//! `wait <seconds> <url>`: waits, then sends an empty HTTP POST to the URL and
//! reports the response's status. Its type declares host networking: every
//! other demo job runs with loopback only.

use super::http::{self, HttpUrl};
use crate::kinds::{ArgsError, Kind};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use workernator::{Job, JobContext, JobError, Run};

/// The longest wait accepted: a day.
const MAX_SECONDS: u64 = 24 * 3600;

/// Wait for a set number of seconds before sending an empty HTTP POST request to a URL.
#[derive(Debug, Clone, PartialEq, Eq, Job, Serialize, Deserialize)]
#[job(name = "wait", network = "host")]
pub(crate) struct WaitThenSend {
    /// How long to wait first.
    pub(crate) seconds: u64,
    /// Where to send the request: an `http://` URL.
    pub(crate) url: String,
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Answer {
    /// The HTTP status code.
    pub(crate) status: u16,
    /// Its reason phrase.
    pub(crate) reason: String,
}

impl Run for WaitThenSend {
    type Output = Answer;

    fn run(self, ctx: &JobContext) -> Result<Answer, JobError> {
        let url = HttpUrl::parse(&self.url).map_err(|error| JobError::new(error.to_string()))?;
        println!(
            "Waiting {} seconds before sending a POST to {}",
            self.seconds, self.url
        );
        wait(self.seconds, ctx);
        let response = http::post_empty(&url)?;
        println!(
            "POST {} answered {} {}",
            self.url, response.status, response.reason
        );
        Ok(Answer {
            status: response.status,
            reason: response.reason,
        })
    }
}

/// Sleeps `seconds`, reporting each second as progress.
fn wait(seconds: u64, ctx: &JobContext) {
    let start = Instant::now();
    for elapsed in 0..seconds {
        ctx.progress(
            elapsed,
            Some(seconds),
            &format!("waited {elapsed} of {seconds} s"),
        );
        // Against the start, so the seconds do not drift.
        let next = Duration::from_secs(elapsed + 1);
        std::thread::sleep(next.saturating_sub(start.elapsed()));
    }
    ctx.progress(
        seconds,
        Some(seconds),
        &format!("waited {seconds} s, sending"),
    );
}

impl Kind for WaitThenSend {
    const TITLE: &'static str = "Wait Then Send";
    const ARGS: &'static str = "<seconds> <url>";

    fn from_args(args: &[String]) -> Result<Self, ArgsError> {
        let [seconds, url] = args else {
            return Err(ArgsError::Count {
                expected: 2,
                received: args.len(),
            });
        };
        let seconds = seconds
            .parse::<u64>()
            .ok()
            .filter(|s| *s <= MAX_SECONDS)
            .ok_or_else(|| ArgsError::Invalid {
                what: "seconds",
                value: seconds.clone(),
                reason: format!("expected a whole number from 0 to {MAX_SECONDS}"),
            })?;
        HttpUrl::parse(url).map_err(|error| ArgsError::Invalid {
            what: "url",
            value: url.clone(),
            reason: error.to_string(),
        })?;
        Ok(WaitThenSend {
            seconds,
            url: url.clone(),
        })
    }

    fn describe(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Seconds", self.seconds.to_string()),
            ("URL", self.url.clone()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn arguments_are_checked() {
        assert_eq!(
            WaitThenSend::from_args(&args(&["3", "http://127.0.0.1:8080/"])).unwrap(),
            WaitThenSend {
                seconds: 3,
                url: "http://127.0.0.1:8080/".into()
            }
        );
        let https = WaitThenSend::from_args(&args(&["1", "https://example.com"]));
        assert!(
            https
                .unwrap_err()
                .to_string()
                .contains("https is not supported")
        );
        assert!(WaitThenSend::from_args(&args(&["soon", "http://h/"])).is_err());
        assert!(WaitThenSend::from_args(&args(&["1"])).is_err());
    }

    #[test]
    fn the_type_declares_host_networking() {
        assert!(<WaitThenSend as Job>::SETTINGS.uses_host_network());
    }
}
