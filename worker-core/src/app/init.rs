//! `init()`: where a re-executed copy of the program learns it is a supervisor.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::protocol::handoff::{JOB_DIR_ENV, LAUNCHER_ROLE, ROLE_ENV, SUPERVISOR_ROLE};

static INIT_CALLED: AtomicBool = AtomicBool::new(false);

/// Diverts a re-executed copy of the program to its role; returns at once in the
/// application itself.
///
/// Call it first thing in `main`, before any thread starts: the job's supervisor is
/// this same program run again, and `init` is where it turns off into its own work
/// instead of running your `main`. Starting a job without having called `init`
/// is refused with [`StartError::InitNotCalled`](crate::errors::StartError::InitNotCalled).
///
/// ```no_run
/// fn main() {
///     workernator::init();
///     // ... the application ...
/// }
/// ```
///
/// Test binaries, whose `main` belongs to the test harness, use
/// [`init_before_main!`](crate::init_before_main) instead.
#[allow(clippy::needless_doctest_main)] // the point of the example is `main`
pub fn init() {
    INIT_CALLED.store(true, Ordering::SeqCst);
    let Some(role) = std::env::var_os(ROLE_ENV) else {
        return;
    };
    let job_dir = std::env::var_os(JOB_DIR_ENV);
    // The job's own code must not inherit the role, or a runner it opens would
    // take itself for a supervisor.
    remove_role_env();
    let code = match (role.to_str(), job_dir) {
        (Some(SUPERVISOR_ROLE), Some(job_dir)) => crate::supervisor::run(job_dir.into()),
        (Some(LAUNCHER_ROLE), None) => crate::launcher::serve(),
        _ => {
            eprintln!("workernator: unknown role {role:?} in {ROLE_ENV}; not starting");
            2
        }
    };
    std::process::exit(code);
}

#[allow(unsafe_code)]
fn remove_role_env() {
    // SAFETY: called only in a freshly executed supervisor or launcher before it
    // starts any thread (both check they are single-threaded), so no other
    // thread reads the environment concurrently.
    unsafe {
        std::env::remove_var(ROLE_ENV);
        std::env::remove_var(JOB_DIR_ENV);
    }
}

/// Whether `init()` has run in this process.
pub(crate) fn init_called() -> bool {
    INIT_CALLED.load(Ordering::SeqCst)
}

/// Whether this process is itself a job's supervisor or sandbox (its environment
/// still names a role): starting jobs from there would recurse.
pub(crate) fn inside_workernator() -> bool {
    std::env::var_os(ROLE_ENV).is_some()
}

/// Runs [`init`] before `main`, for programs whose `main` is not theirs to edit
/// (test binaries under `cargo test`).
///
/// Put it once at the top level of the test file:
///
/// ```
/// workernator::init_before_main!();
/// # fn main() {}
/// ```
///
/// It places `init` in the program's constructor list (`.init_array`), so a
/// re-executed copy turns into its role before the test harness starts any thread.
#[macro_export]
macro_rules! init_before_main {
    () => {
        const _: () = {
            #[used]
            #[unsafe(link_section = ".init_array")]
            static __WORKERNATOR_INIT_BEFORE_MAIN: extern "C" fn() = {
                extern "C" fn __workernator_init_before_main() {
                    $crate::init();
                }
                __workernator_init_before_main
            };
        };
    };
}
