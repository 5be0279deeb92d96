//! `#[derive(Job)]` as users meet it: each misuse in `tests/ui/*.rs` fails with
//! the one error in its `.stderr`, and each case in `tests/ui/pass/` compiles and
//! runs.
//!
//! After changing the derive's messages, regenerate the expected output with
//! `TRYBUILD=overwrite cargo test --test derive_ui` and read every changed
//! `.stderr`: each must hold the intended error and nothing else.

#[test]
fn derive_ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
