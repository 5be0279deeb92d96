use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

#[derive(Job, Serialize, Deserialize)]
#[job(name = "compute-the-n-th-fibonacci-number-with-a-name-far-longer-than-it-needs")]
struct Fib {
    n: u32,
}

impl Run for Fib {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        Ok(())
    }
}

fn main() {
    let _ = <Fib as Job>::NAME;
}
