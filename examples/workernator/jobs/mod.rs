//! The RFD's job types, declared with `#[derive(Job)]` like any user's, and
//! `exec` for sandboxing existing programs. Each file holds one job type and
//! how the CLI reads its arguments.

mod bignum;
mod eval;
mod exec;
mod fib;
mod http;
mod noop;
mod wait;

pub(crate) use eval::Evaluate;
pub(crate) use exec::Exec;
pub(crate) use fib::Fibonacci;
pub(crate) use noop::Noop;
pub(crate) use wait::WaitThenSend;
