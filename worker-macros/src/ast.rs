//! The derive input as a model: what the later phases need, parsed once.

use crate::attr::{self, Attrs};
use crate::errors::Errors;
use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::{Attribute, Data, DeriveInput, Fields, Generics, Ident, Token};

/// A type that `#[derive(Job)]` is applied to.
pub(crate) struct Input<'a> {
    /// The type's name.
    pub(crate) ident: &'a Ident,
    /// Its generic parameters, which a job type may not have.
    pub(crate) generics: &'a Generics,
    /// Struct, enum or union.
    pub(crate) kind: Kind<'a>,
    /// `#[job(...)]` and the doc comment of the type.
    pub(crate) attrs: Attrs,
    /// `#[job]` attributes on fields and variants, where they do not belong.
    pub(crate) misplaced: Vec<Misplaced<'a>>,
}

/// The shape of the type, as far as the derive cares.
pub(crate) enum Kind<'a> {
    /// A struct, of any field style.
    Struct,
    /// An enum, of any variants.
    Enum,
    /// A union, rejected; the keyword is kept for the error's span.
    Union(&'a Token![union]),
}

/// A `#[job]` attribute found below the type.
pub(crate) struct Misplaced<'a> {
    /// The attribute itself.
    pub(crate) attr: &'a Attribute,
    /// What it is on.
    pub(crate) on: Place,
}

/// Where below the type an attribute can sit.
#[derive(Clone, Copy)]
pub(crate) enum Place {
    /// A field of a struct, a union or a variant.
    Field,
    /// A variant of an enum.
    Variant,
}

/// The job name and where to point when it is wrong.
pub(crate) struct Name {
    /// The name.
    pub(crate) value: String,
    /// The `name = "..."` literal, or the type's name for the default.
    pub(crate) span: Span,
    /// Whether it comes from `#[job(name = "...")]`.
    pub(crate) explicit: bool,
}

impl<'a> Input<'a> {
    /// Builds the model. Errors in attributes go to `errors`; the rest of the model
    /// is still built, so that validation can report its own errors beside them.
    pub(crate) fn from_syn(node: &'a DeriveInput, errors: &mut Errors) -> Self {
        let mut misplaced = Vec::new();
        let kind = match &node.data {
            Data::Struct(data) => {
                find_misplaced(&data.fields, &mut misplaced);
                Kind::Struct
            }
            Data::Enum(data) => {
                for variant in &data.variants {
                    find_in(&variant.attrs, Place::Variant, &mut misplaced);
                    find_misplaced(&variant.fields, &mut misplaced);
                }
                Kind::Enum
            }
            Data::Union(data) => {
                for field in &data.fields.named {
                    find_in(&field.attrs, Place::Field, &mut misplaced);
                }
                Kind::Union(&data.union_token)
            }
        };
        Input {
            ident: &node.ident,
            generics: &node.generics,
            kind,
            attrs: attr::get(&node.attrs, errors),
            misplaced,
        }
    }

    /// The job name: `#[job(name = "...")]`, or else the type's name (without
    /// `r#`).
    pub(crate) fn name(&self) -> Name {
        match &self.attrs.name {
            Some(lit) => Name {
                value: lit.value(),
                span: lit.span(),
                explicit: true,
            },
            None => Name {
                value: self.ident.unraw().to_string(),
                span: self.ident.span(),
                explicit: false,
            },
        }
    }
}

fn find_misplaced<'a>(fields: &'a Fields, misplaced: &mut Vec<Misplaced<'a>>) {
    for field in fields {
        find_in(&field.attrs, Place::Field, misplaced);
    }
}

fn find_in<'a>(attrs: &'a [Attribute], on: Place, misplaced: &mut Vec<Misplaced<'a>>) {
    misplaced.extend(
        attrs
            .iter()
            .filter(|attr| attr::is_job(attr))
            .map(|attr| Misplaced { attr, on }),
    );
}
