//! `workernator`: the RFD's CLI, as the library's demo. No server: it opens the
//! state directory itself, starts jobs that run on under their own supervisors
//! after it exits, and inspects, tails, waits for and stops them later.
//!
//! ```text
//! cargo run --example workernator -- jobs start fib 90
//! cargo run --example workernator -- jobs status <ID>
//! ```
//!
//! Exit status: 0 done, 1 error (one line on stderr), 2 usage error (with the
//! usage), 3 `jobs wait` on a job that did not succeed. It never panics on
//! purpose; should it, the panic hook keeps it to one line.

mod adapters;
mod cli;
mod commands;
mod error;
mod jobs;
mod kinds;
mod render;

use error::{CliError, exit, one_line};

fn main() {
    // First: a re-executed copy of this program is a job's supervisor, and
    // turns off here into its own work.
    workernator::init();
    std::panic::set_hook(Box::new(|info| {
        commands::to_stderr(&format!("workernator: internal error: {info}\n"));
    }));
    let code = match arguments().and_then(|args| Ok(cli::parse(&args)?)) {
        Ok(cli::Parsed::Run(invocation)) => {
            commands::run(invocation).unwrap_or_else(|error| report(&error))
        }
        Ok(cli::Parsed::Help(text)) => match commands::print(&text) {
            Ok(()) => exit::OK,
            Err(error) => report(&error),
        },
        Err(error) => report(&error),
    };
    std::process::exit(code);
}

/// The arguments after the program's name, which must be UTF-8.
fn arguments() -> Result<Vec<String>, CliError> {
    std::env::args_os()
        .skip(1)
        .enumerate()
        .map(|(index, arg)| {
            arg.into_string().map_err(|arg| {
                CliError::Usage(cli::errors::UsageError::new(
                    &[],
                    format!("argument {} is not UTF-8: {arg:?}", index + 1),
                ))
            })
        })
        .collect()
}

/// Tells the user what went wrong; returns the exit code.
fn report(error: &CliError) -> i32 {
    match error {
        CliError::Usage(usage) => {
            commands::to_stderr(&format!(
                "workernator: error: {}\n\n{}",
                usage.message, usage.usage
            ));
        }
        _ if error.is_broken_pipe() => return exit::OK,
        _ => commands::to_stderr(&format!("workernator: error: {}\n", one_line(error))),
    }
    error.exit_code()
}
