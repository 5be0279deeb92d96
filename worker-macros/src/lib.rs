//! `#[derive(Job)]` for workernator.
//!
//! Users reach this derive through the `workernator` facade, which re-exports it
//! beside the `Job` trait. The code it generates names items by absolute paths
//! under `::workernator`, except the stand-in impl written for a wrong input, which
//! also names `::serde` (see `fallback.rs`).
#![warn(missing_docs, unreachable_pub)]

// The expansion runs in phases, one module each: `ast` parses the input into a
// model (with `attr` for the attributes), `valid` checks the model, `expand` writes
// the impl and the registry entry, and `fallback` writes a stand-in impl beside the
// errors when any phase fails, so that the user sees the real error and not its
// consequences. `errors` collects the errors of all phases.
mod ast;
mod attr;
mod errors;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `workernator::Job` for a struct or an enum, and registers the type so
/// that the sandbox can find its code by name.
///
/// The type also needs `Serialize` and `Deserialize` (from serde) and a hand-written
/// `workernator::Run` implementation: the derive supplies the job's identity, `Run`
/// its work.
///
/// ```ignore
/// use serde::{Deserialize, Serialize};
/// use workernator::{Job, JobContext, JobError, Run};
///
/// /// Compute the n-th Fibonacci number.
/// #[derive(Job, Serialize, Deserialize)]
/// #[job(name = "fibonacci")]
/// struct Fib {
///     n: u32,
/// }
///
/// impl Run for Fib {
///     type Output = u64;
///     fn run(self, _ctx: &JobContext) -> Result<u64, JobError> {
///         let (mut a, mut b) = (0u64, 1u64);
///         for _ in 0..self.n {
///             (a, b) = (b, a + b);
///         }
///         Ok(a)
///     }
/// }
///
/// assert_eq!(<Fib as Job>::NAME, "fibonacci");
/// assert_eq!(<Fib as Job>::DESCRIPTION, "Compute the n-th Fibonacci number.");
/// ```
///
/// (The example is compiled and run by the facade's `tests/ui/pass` cases; a
/// proc-macro crate cannot depend on the facade that re-exports it.)
///
/// # What it generates
///
/// - `Job::NAME`: the `name` given in `#[job(...)]`, or else the type's name.
/// - `Job::DESCRIPTION`: the type's doc comment, one line per `///` line with the
///   single space after `///` removed, trimmed as a whole; empty without one. A
///   `#[doc = ...]` whose value is not a literal (`include_str!`) is left out.
/// - An entry in the program's job registry, collected at link time.
///
/// # Attributes
///
/// `#[job(...)]` goes on the type, never on a field or a variant, and takes:
///
/// - `name = "..."`: the stable name of the job type, stored with each job. 1 to 64
///   characters from `A-Z a-z 0-9 _ . -`. Defaults to the type's name, which must
///   then follow the same rule.
///
/// # Errors
///
/// The derive rejects, each with an error at the span at fault: generic parameters
/// or lifetimes (a registered job type must be concrete), unions, unknown or repeated
/// keys in `#[job(...)]`, a `name` that is not a string literal or breaks the rule
/// above, and `#[job]` on a field or a variant.
#[proc_macro_derive(Job, attributes(job))]
pub fn derive_job(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
