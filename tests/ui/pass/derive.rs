//! What a valid `#[derive(Job)]` gives: the constants, and a registry entry per
//! type, even for a type declared inside a function.
#![forbid(unsafe_code)]
#![deny(warnings)]

use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

/// Compute the n-th Fibonacci number.
#[derive(Job, Serialize, Deserialize)]
#[job(name = "fibonacci")]
struct Fib {
    n: u32,
}

impl Run for Fib {
    type Output = u64;
    fn run(self, _ctx: &JobContext) -> Result<u64, JobError> {
        let (mut a, mut b) = (0u64, 1u64);
        for _ in 0..self.n {
            (a, b) = (b, a + b);
        }
        Ok(a)
    }
}

///
/// Resize an image.
///
///     width and height in pixels
///
#[derive(Job, Serialize, Deserialize)]
enum Resize {
    Fit { width: u32, height: u32 },
    Scale(f32),
}

impl Run for Resize {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        let _ = self;
        Ok(())
    }
}

#[derive(Job, Serialize, Deserialize)]
struct r#Unit;

impl Run for r#Unit {
    type Output = ();
    fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        Ok(())
    }
}

fn name_of<J: Job>() -> &'static str {
    J::NAME
}

fn main() {
    assert_eq!(Fib::NAME, "fibonacci");
    assert_eq!(Fib::DESCRIPTION, "Compute the n-th Fibonacci number.");
    assert_eq!(Resize::NAME, "Resize");
    assert_eq!(
        Resize::DESCRIPTION,
        "Resize an image.\n\n    width and height in pixels"
    );
    assert_eq!(name_of::<r#Unit>(), "Unit");
    assert_eq!(<r#Unit as Job>::DESCRIPTION, "");

    /// Declared in a function.
    #[derive(Job, Serialize, Deserialize)]
    #[job(name = "local.job-v1")]
    struct Local {}

    impl Run for Local {
        type Output = ();
        fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
            Ok(())
        }
    }

    let mut entries: Vec<_> = workernator::__private::JOBS
        .iter()
        .map(|entry| {
            let type_path = entry.type_path.strip_prefix(module_path!());
            (entry.name, entry.description, type_path)
        })
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [
            (
                "Resize",
                "Resize an image.\n\n    width and height in pixels",
                Some("::Resize")
            ),
            ("Unit", "", Some("::r#Unit")),
            (
                "fibonacci",
                "Compute the n-th Fibonacci number.",
                Some("::Fib")
            ),
            ("local.job-v1", "Declared in a function.", Some("::Local")),
        ]
    );
    assert_eq!(Fib::NAME, name_of::<Fib>());
}
