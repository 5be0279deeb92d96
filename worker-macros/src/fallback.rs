//! What a wrong input expands to: its errors, and a stand-in `impl Job`.
//!
//! Without the stand-in, every use of the type as a job would add an error that
//! `Job` is not implemented, burying the one that matters. The stand-in is not
//! registered, so nothing can run it.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt as _;
use syn::{DeriveInput, LitStr, parse_quote};

/// The errors as `compile_error!`s, then an `impl Job` that compiles whatever the
/// input's mistakes.
///
/// The impl demands `Job`'s supertraits in its where clause instead of relying on
/// them: a generic type would not meet them for every parameter, and a union cannot
/// derive serde's traits. The higher-ranked `for<'__workernator_fallback>` keeps rustc from checking a
/// bound that names no parameter where the impl is written (trivial bounds are
/// unstable; thiserror's fallback does the same).
pub(crate) fn expand(node: &DeriveInput, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    let ty = &node.ident;
    let name = LitStr::new(&ty.unraw().to_string(), ty.span());

    let (_, ty_generics, _) = node.generics.split_for_impl();
    let mut generics = node.generics.clone();
    generics.make_where_clause().predicates.push(parse_quote! {
        for<'__workernator_fallback> #ty #ty_generics:
            ::workernator::Run
            + ::workernator::__private::serde::Serialize
            + ::workernator::__private::serde::de::DeserializeOwned
            + ::core::marker::Send
            + 'static
    });
    let (impl_generics, _, where_clause) = generics.split_for_impl();

    quote! {
        #error

        const _: () = {
            #[automatically_derived]
            impl #impl_generics ::workernator::Job for #ty #ty_generics #where_clause {
                const NAME: &'static str = #name;
                const DESCRIPTION: &'static str = "";
            }
        };
    }
}
