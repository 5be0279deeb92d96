use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

#[derive(Job, Serialize, Deserialize)]
#[job(network = "wifi", max_attempts = 0, backoff = "soon", timeout = "0s")]
struct Caller;

impl Run for Caller {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        Ok(())
    }
}

fn main() {
    let _ = <Caller as Job>::NAME;
}
