use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

#[derive(Job, Serialize, Deserialize)]
struct Greeting<'a> {
    name: &'a str,
}

impl Run for Greeting<'_> {
    type Output = String;
    fn run(self, _ctx: &JobContext) -> Result<String, JobError> {
        Ok(format!("hello, {}", self.name))
    }
}

fn main() {}
