use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

#[derive(Job, Serialize, Deserialize)]
#[job(name = "fib onacci", colour = "red")]
struct Fib<T> {
    #[job]
    n: T,
}

impl Run for Fib<u32> {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        Ok(())
    }
}

fn main() {
    let _ = <Fib<u32> as Job>::NAME;
}
