//! A small application process for the durability tests: the test binary runs
//! itself again, filtered to its `app_process` test, which acts as the
//! application when `WORKERNATOR_TEST_APP` is set.
#![allow(dead_code)]

use super::jobs::{Square, Ticker};
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;
use workernator::{Config, Runner};

const APP_ENV: &str = "WORKERNATOR_TEST_APP";
const STATE_ENV: &str = "WORKERNATOR_TEST_APP_STATE";
const CGROUP_ENV: &str = "WORKERNATOR_TEST_APP_CGROUP";

/// What the application does.
pub enum AppMode {
    /// Starts N tickers, prints their ids and "ready", then sleeps until killed.
    Tickers(u32),
    /// Starts N squares, waits for all, prints "done", exits.
    Squares(u32),
    /// Starts one ticker due in N milliseconds, prints its id and "ready".
    Delayed(u32),
}

/// Body of each durability test file's `app_process` test: does nothing unless
/// this process was started by [`spawn_app`].
pub fn app_process() {
    let Ok(mode) = std::env::var(APP_ENV) else {
        return;
    };
    let state = std::env::var(STATE_ENV).expect("state dir");
    let cgroup = std::env::var(CGROUP_ENV).expect("cgroup parent");
    let config = Config::default()
        .state_dir(state)
        .cgroup_parent(cgroup)
        .stop_grace(Duration::from_millis(200))
        .tie_jobs_to_application(std::env::var_os("WORKERNATOR_TEST_APP_TIE").is_some());
    let config = match std::env::var("WORKERNATOR_TEST_APP_CAPACITY") {
        Ok(jobs) => config.capacity(workernator::config::Capacity::jobs(
            jobs.parse().expect("capacity"),
        )),
        Err(_) => config,
    };
    let runner = Runner::open(config).expect("open runner");
    let (kind, count) = mode.split_once(':').expect("mode");
    let count: u32 = count.parse().expect("count");
    match kind {
        "tickers" => {
            for _ in 0..count {
                let job = runner
                    .start(Ticker {
                        lines: 20,
                        interval_ms: 50,
                    })
                    .expect("start");
                println!("started {}", job.id());
            }
            println!("ready");
            loop {
                std::thread::sleep(Duration::from_secs(60));
            }
        }
        "delayed" => {
            // One job due in `count` milliseconds.
            let options =
                workernator::StartOptions::new().delay(Duration::from_millis(count.into()));
            let job = runner
                .start_with(
                    Ticker {
                        lines: 2,
                        interval_ms: 10,
                    },
                    options,
                )
                .expect("start");
            println!("started {}", job.id());
            println!("ready");
            loop {
                std::thread::sleep(Duration::from_secs(60));
            }
        }
        "squares" => {
            let rt = super::rt();
            let jobs: Vec<_> = (0..count as u64)
                .map(|n| (n, runner.start(Square { n }).expect("start")))
                .collect();
            for (n, job) in jobs {
                assert_eq!(rt.block_on(job.wait()).expect("wait"), n * n);
                println!("finished {}", job.id());
            }
            println!("done");
        }
        other => panic!("unknown app mode {other}"),
    }
}

/// A running application process.
pub struct App {
    pub child: Child,
    pub stdout: BufReader<ChildStdout>,
}

/// Starts this test binary as an application in `mode`, on the test's state dir.
pub fn spawn_app(test: &super::TestRunner, mode: AppMode, extra_env: &[(&str, &str)]) -> App {
    let mode = match mode {
        AppMode::Tickers(n) => format!("tickers:{n}"),
        AppMode::Squares(n) => format!("squares:{n}"),
        AppMode::Delayed(ms) => format!("delayed:{ms}"),
    };
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args([
            "app_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(APP_ENV, mode)
        .env(STATE_ENV, test.dir.path())
        .env(CGROUP_ENV, &test.cgroup_parent)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (name, value) in extra_env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("spawn app");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    App { child, stdout }
}

impl App {
    /// Reads lines until one equals `until` (or end of output); returns the ids
    /// of the "started <id>" and "finished <id>" lines seen.
    pub fn read_until(&mut self, until: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if self.stdout.read_line(&mut line).expect("read app output") == 0 {
                return ids;
            }
            let text = line.trim();
            if text == until {
                return ids;
            }
            if let Some(id) = text
                .strip_prefix("started ")
                .or_else(|| text.strip_prefix("finished "))
            {
                ids.push(id.to_owned());
            }
        }
    }

    /// SIGKILLs the application and reaps it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the application to exit on its own.
    pub fn wait(mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait app")
    }
}
