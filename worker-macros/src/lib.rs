//! `#[derive(Job)]` for workernator.
use proc_macro::TokenStream;

/// Derives `workernator::Job`.
#[proc_macro_derive(Job, attributes(job))]
pub fn derive_job(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
