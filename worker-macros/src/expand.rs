//! The code `#[derive(Job)]` writes for a valid input.

use crate::ast::Input;
use crate::errors::Errors;
use crate::fallback;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{DeriveInput, LitStr};

/// Expands the derive: the impl and registry entry, or, if the input is wrong, its
/// errors beside a stand-in impl (see [`fallback`]).
pub(crate) fn derive(node: &DeriveInput) -> TokenStream {
    match try_expand(node) {
        Ok(expanded) => expanded,
        Err(error) => fallback::expand(node, error),
    }
}

/// Parses, validates and expands, failing with every error found.
fn try_expand(node: &DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let input = Input::from_syn(node, &mut errors);
    input.validate(&mut errors);
    errors.finish()?;
    Ok(impl_job(&input))
}

/// `impl Job` and the entry in the job registry, in an anonymous const so that no
/// name leaks into the user's module.
fn impl_job(input: &Input<'_>) -> TokenStream {
    let ty = input.ident;
    let name = input.name();
    let name = LitStr::new(&name.value, name.span);
    let description = LitStr::new(&input.attrs.description, Span::call_site());
    let type_name = LitStr::new(&ty.to_string(), ty.span());
    let settings = settings(input);

    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::workernator::Job for #ty {
                const NAME: &'static str = #name;
                const DESCRIPTION: &'static str = #description;
                #settings
            }

            #[::workernator::__private::linkme::distributed_slice(::workernator::__private::JOBS)]
            #[linkme(crate = ::workernator::__private::linkme)]
            static __WORKERNATOR_JOB_ENTRY: ::workernator::__private::JobEntry =
                ::workernator::__private::JobEntry {
                    name: <#ty as ::workernator::Job>::NAME,
                    description: <#ty as ::workernator::Job>::DESCRIPTION,
                    type_path: ::core::concat!(::core::module_path!(), "::", #type_name),
                    run: ::workernator::__private::run_erased::<#ty>,
                };
        };
    }
}

/// `const SETTINGS` when any setting key was given; the trait's default otherwise.
fn settings(input: &Input<'_>) -> TokenStream {
    let attrs = &input.attrs;
    let mut retry = quote! { ::workernator::__private::RetryPolicy::DEFAULT };
    let mut retry_given = false;
    if let Some(attempts) = attrs.max_attempts {
        retry = quote! { #retry.max_attempts(#attempts) };
        retry_given = true;
    }
    if let Some(ms) = attrs.backoff_ms {
        retry = quote! { #retry.initial_backoff(::core::time::Duration::from_millis(#ms)) };
        retry_given = true;
    }
    if let Some(ms) = attrs.max_backoff_ms {
        retry = quote! { #retry.max_backoff(::core::time::Duration::from_millis(#ms)) };
        retry_given = true;
    }
    let mut settings = quote! { ::workernator::__private::JobSettings::DEFAULT };
    let mut given = retry_given;
    if retry_given {
        settings = quote! { #settings.retry(#retry) };
    }
    if let Some(host) = attrs.host_network {
        settings = quote! { #settings.host_network(#host) };
        given = true;
    }
    if let Some(ms) = attrs.timeout_ms {
        settings = quote! { #settings.timeout(::core::time::Duration::from_millis(#ms)) };
        given = true;
    }
    if given {
        quote! { const SETTINGS: ::workernator::__private::JobSettings = #settings; }
    } else {
        TokenStream::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn expand(node: DeriveInput) -> String {
        derive(&node).to_string()
    }

    #[test]
    fn a_valid_type_gets_an_impl_and_an_entry() {
        let out = expand(parse_quote! {
            /// Compute the n-th Fibonacci number.
            #[job(name = "fibonacci")]
            struct Fib { n: u32 }
        });
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("impl :: workernator :: Job for Fib"), "{out}");
        assert!(
            out.contains(r#"const NAME : & 'static str = "fibonacci""#),
            "{out}"
        );
        assert!(
            out.contains(
                r#"const DESCRIPTION : & 'static str = "Compute the n-th Fibonacci number.""#
            ),
            "{out}"
        );
        assert!(out.contains("distributed_slice"), "{out}");
        assert!(out.contains("run_erased :: < Fib >"), "{out}");
    }

    #[test]
    fn settings_become_a_const_only_when_given() {
        let plain = expand(parse_quote! { struct Plain; });
        assert!(!plain.contains("SETTINGS"), "{plain}");
        let out = expand(parse_quote! {
            #[job(network = "host", max_attempts = 4, timeout = "2s")]
            struct Caller;
        });
        assert!(out.contains("const SETTINGS"), "{out}");
        assert!(out.contains("host_network (true)"), "{out}");
        assert!(out.contains("max_attempts (4u32)"), "{out}");
        assert!(out.contains("from_millis (2000u64)"), "{out}");
    }

    #[test]
    fn the_default_name_is_the_type_name_without_r_hash() {
        let out = expand(parse_quote! { enum r#Job { A } });
        assert!(
            out.contains(r#"const NAME : & 'static str = "Job""#),
            "{out}"
        );
    }

    #[test]
    fn errors_of_every_phase_come_together() {
        let out = expand(parse_quote! {
            #[job(name = "no spaces", name = "x")]
            struct Wrapper<T> { #[job] inner: T }
        });
        for message in [
            "a job type must be concrete",
            "invalid job name",
            "duplicate key `name`",
            "belongs on the type, not on a field",
        ] {
            assert!(out.contains(message), "{message} missing from {out}");
        }
        assert_eq!(out.matches("compile_error").count(), 4, "{out}");
        assert!(!out.contains("distributed_slice"), "{out}");
    }
}
