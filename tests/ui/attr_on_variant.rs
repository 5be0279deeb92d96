use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

#[derive(Job, Serialize, Deserialize)]
enum Shape {
    #[job]
    Circle {
        radius: f64,
    },
    Square(f64),
}

impl Run for Shape {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        Ok(())
    }
}

fn main() {
    let _ = <Shape as Job>::NAME;
}
