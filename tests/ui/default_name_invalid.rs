use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

#[derive(Job, Serialize, Deserialize)]
struct Größe {
    metres: u32,
}

impl Run for Größe {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        Ok(())
    }
}

fn main() {
    let _ = <Größe as Job>::NAME;
}
