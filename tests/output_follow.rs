//! Following a live job: from the start, from the end, from the last lines; an
//! idle follower is not polled in a loop; dropping readers releases their
//! descriptors and watches.

mod common;
#[path = "common/output_jobs.rs"]
mod output_jobs;

use futures_core::Stream;
use output_jobs::{Talk, open_fds};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use workernator::logs::{LogOptions, Logs, OutputStream, Start};

workernator::init_before_main!();

/// Counts how often the stream inside is polled.
struct Counted {
    logs: Logs,
    polls: Arc<AtomicUsize>,
}

impl Stream for Counted {
    type Item = <Logs as Stream>::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        Pin::new(&mut self.logs).poll_next(cx)
    }
}

async fn next_stdout_text(logs: &mut Logs) -> Option<String> {
    while let Some(record) = logs.next().await {
        let record = record.unwrap();
        if record.stream == OutputStream::Stdout {
            return Some(String::from_utf8_lossy(&record.bytes).into_owned());
        }
    }
    None
}

#[test]
fn followers_track_a_live_job_idle_cheaply_and_release_everything() {
    if !common::privileged("followers_track_a_live_job") {
        return;
    }
    let test = common::runner();
    let rt = common::rt();
    let job = test
        .runner
        .start(Talk {
            count: 5,
            interval_ms: 20,
            wait_for_go: true,
        })
        .unwrap();
    // With the job's handle (its supervisor's pidfd) and the runtime open.
    let fds_before = open_fds();
    let mut from_start = job.logs();
    let mut texts = String::new();
    rt.block_on(async {
        while !texts.ends_with("waiting\n") {
            texts.push_str(&next_stdout_text(&mut from_start).await.unwrap());
        }
    });
    assert_eq!(texts, "line 0\nline 1\nline 2\nline 3\nline 4\nwaiting\n");

    // Joining now: from the end sees only what comes next; the last 2 lines.
    let mut from_end = job.logs_with(LogOptions::new().start(Start::End));
    let mut last_two = job.logs_with(LogOptions::new().last_lines(2)).lines();
    // Many idle followers: they share the watches of the job's directory and
    // lock file, made by the first follower before it read anything.
    let idle: Vec<Logs> = (0..10).map(|_| job.logs()).collect();
    let (_, watches) = open_fds();
    assert_eq!(watches, 2, "the job's directory and lock, watched once");

    // Idle: the job waits; the follower is parked, not polled in a loop.
    let polls = Arc::new(AtomicUsize::new(0));
    let mut counted = Counted {
        logs: from_start,
        polls: Arc::clone(&polls),
    };
    rt.block_on(async {
        let wait = std::future::poll_fn(|cx| Pin::new(&mut counted).poll_next(cx));
        assert!(
            tokio::time::timeout(Duration::from_millis(300), wait)
                .await
                .is_err(),
            "nothing was written"
        );
    });
    let idle_polls = polls.load(Ordering::SeqCst);
    assert!(
        idle_polls <= 2,
        "an idle follower was polled {idle_polls} times"
    );

    // Let the job finish.
    std::fs::write(
        test.dir
            .path()
            .join("jobs")
            .join(job.id().as_str())
            .join("work/go"),
        b"",
    )
    .unwrap();
    let mut from_start = counted.logs;
    rt.block_on(async {
        assert_eq!(next_stdout_text(&mut from_start).await.unwrap(), "done\n");
        assert_eq!(
            next_stdout_text(&mut from_start).await,
            None,
            "ends with the job"
        );
        assert_eq!(next_stdout_text(&mut from_end).await.unwrap(), "done\n");
        assert_eq!(next_stdout_text(&mut from_end).await, None);
        let mut lines = Vec::new();
        while let Some(line) = last_two.next().await {
            let line = line.unwrap();
            if line.stream == OutputStream::Stdout {
                lines.push(line.line);
            }
        }
        assert_eq!(lines, ["line 4", "waiting", "done"]);
    });
    rt.block_on(job.wait()).unwrap();

    // Dropping the readers releases every descriptor and watch.
    drop((from_start, from_end, last_two, idle));
    assert_eq!(open_fds(), fds_before);
}
