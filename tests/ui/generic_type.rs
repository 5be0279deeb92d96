use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

#[derive(Job, Serialize, Deserialize)]
struct Wrapper<T> {
    inner: T,
}

impl<T> Run for Wrapper<T> {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        Ok(())
    }
}

fn main() {
    let _ = <Wrapper<u32> as Job>::NAME;
}
