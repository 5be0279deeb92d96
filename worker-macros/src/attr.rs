//! The attributes of the derived type: `#[job(...)]` and the doc comment.

use crate::errors::Errors;
use syn::punctuated::Punctuated;
use syn::{Attribute, Error, Expr, ExprLit, Lit, LitStr, Meta, Token};

/// The keys `#[job(...)]` accepts, in the order the error for an unknown key
/// lists them. A new key needs an entry here and an arm in [`parse_entry`].
const KEYS: &[&str] = &["name"];

/// What the attributes of the type say.
pub(crate) struct Attrs {
    /// `#[job(name = "...")]`, if given as a string literal. Its content is checked
    /// by [`crate::valid`], not here.
    pub(crate) name: Option<LitStr>,
    /// The doc comment, joined by [`description`].
    pub(crate) description: String,
}

/// Reads the attributes of the type. Errors in `#[job(...)]` go to `errors`, and
/// the keys that parsed are kept, so that every mistake is reported at once.
pub(crate) fn get(attrs: &[Attribute], errors: &mut Errors) -> Attrs {
    let mut parsed = Parsed::default();
    for attr in attrs.iter().filter(|attr| is_job(attr)) {
        let entries = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated);
        for entry in errors.take(entries).into_iter().flatten() {
            parse_entry(&entry, &mut parsed, errors);
        }
    }
    Attrs {
        name: parsed.name.value,
        description: description(doc_lines(attrs)),
    }
}

/// Whether `attr` is ours: `#[job]`, `#[job(...)]` or `#[job = ...]`.
pub(crate) fn is_job(attr: &Attribute) -> bool {
    attr.path().is_ident("job")
}

/// The keys of `#[job(...)]` read so far, over all the `#[job]` attributes.
#[derive(Default)]
struct Parsed {
    name: Once<LitStr>,
}

/// One `key = value` entry of `#[job(...)]`.
fn parse_entry(entry: &Meta, parsed: &mut Parsed, errors: &mut Errors) {
    let key = entry.path();
    if key.is_ident("name") {
        parsed
            .name
            .set(entry, "name", string_value(entry, "name"), errors);
    } else {
        let key = key
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect::<Vec<_>>()
            .join("::");
        let allowed = KEYS
            .iter()
            .map(|key| format!("`{key}`"))
            .collect::<Vec<_>>()
            .join(", ");
        errors.push(Error::new_spanned(
            entry.path(),
            format!("unknown key `{key}` in #[job(...)]; the allowed keys are: {allowed}"),
        ));
    }
}

/// A key that may be given at most once.
struct Once<T> {
    given: bool,
    value: Option<T>,
}

impl<T> Default for Once<T> {
    fn default() -> Self {
        Once {
            given: false,
            value: None,
        }
    }
}

impl<T> Once<T> {
    /// Records the value of `entry`, or why it is wrong: its value is invalid, or
    /// the key was given before (both, if both).
    fn set(&mut self, entry: &Meta, key: &str, value: syn::Result<T>, errors: &mut Errors) {
        let value = errors.take(value);
        if self.given {
            errors.push(Error::new_spanned(
                entry,
                format!("duplicate key `{key}` in #[job(...)]; give it once"),
            ));
        } else {
            self.given = true;
            self.value = value;
        }
    }
}

/// The string literal of `key = "..."`.
fn string_value(entry: &Meta, key: &str) -> syn::Result<LitStr> {
    let Meta::NameValue(entry) = entry else {
        return Err(Error::new_spanned(
            entry,
            format!("expected `{key} = \"...\"`"),
        ));
    };
    let mut value = &entry.value;
    // A value passed through a `macro_rules!` fragment arrives wrapped in a group.
    while let Expr::Group(group) = value {
        value = &group.expr;
    }
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit.clone()),
        _ => Err(Error::new_spanned(
            &entry.value,
            format!("`{key}` must be a string literal, as in #[job({key} = \"...\")]"),
        )),
    }
}

/// The lines of the doc comment: the `#[doc = "..."]` attributes that `///` and
/// `/** */` become. A doc attribute whose value is not a literal (such as
/// `#[doc = include_str!("...")]`) cannot be read by a macro and is left out.
fn doc_lines(attrs: &[Attribute]) -> impl Iterator<Item = String> + '_ {
    attrs.iter().filter_map(|attr| match &attr.meta {
        Meta::NameValue(doc) if doc.path.is_ident("doc") => match &doc.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(line),
                ..
            }) => Some(line.value()),
            _ => None,
        },
        _ => None,
    })
}

/// The description made of doc comment lines: each line loses the one space that
/// follows `///`, the lines are joined with `\n`, and the whole is trimmed. No
/// lines give an empty description.
pub(crate) fn description<I>(lines: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let lines: Vec<I::Item> = lines.into_iter().collect();
    let lines: Vec<&str> = lines
        .iter()
        .map(|line| {
            let line = line.as_ref();
            line.strip_prefix(' ').unwrap_or(line)
        })
        .collect();
    lines.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn no_lines_give_an_empty_description() {
        assert_eq!(description(Vec::<String>::new()), "");
    }

    #[test]
    fn one_line_loses_its_leading_space() {
        assert_eq!(
            description([" Compute the n-th Fibonacci number."]),
            "Compute the n-th Fibonacci number."
        );
    }

    #[test]
    fn lines_are_joined_with_newlines_and_keep_their_indentation() {
        assert_eq!(
            description([" First line.", "", " Example:", "     indented"]),
            "First line.\n\nExample:\n    indented"
        );
    }

    #[test]
    fn only_one_leading_space_is_removed_per_line() {
        assert_eq!(description([" a", "  b"]), "a\n b");
    }

    #[test]
    fn blank_lines_around_the_text_are_trimmed() {
        assert_eq!(description(["", " text ", " ", ""]), "text");
    }

    #[test]
    fn doc_attributes_become_the_description_and_others_are_ignored() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = " Line one."]),
            parse_quote!(#[doc(hidden)]),
            parse_quote!(#[doc = include_str!("x.md")]),
            parse_quote!(#[derive(Clone)]),
            parse_quote!(#[doc = " Line two."]),
        ];
        let mut errors = Errors::default();
        let parsed = get(&attrs, &mut errors);
        assert!(errors.finish().is_ok());
        assert_eq!(parsed.description, "Line one.\nLine two.");
        assert!(parsed.name.is_none());
    }

    #[test]
    fn name_is_read_from_the_job_attribute() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[job(name = "fibonacci")])];
        let mut errors = Errors::default();
        let parsed = get(&attrs, &mut errors);
        assert!(errors.finish().is_ok());
        assert_eq!(
            parsed.name.map(|name| name.value()).as_deref(),
            Some("fibonacci")
        );
    }

    fn messages(attrs: &[Attribute]) -> Vec<String> {
        let mut errors = Errors::default();
        get(attrs, &mut errors);
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|error| error.to_string()).collect(),
        }
    }

    #[test]
    fn every_mistake_is_reported() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[job(name = "a", colour = "red")]),
            parse_quote!(#[job(name = 7)]),
        ];
        assert_eq!(
            messages(&attrs),
            [
                "unknown key `colour` in #[job(...)]; the allowed keys are: `name`",
                "`name` must be a string literal, as in #[job(name = \"...\")]",
                "duplicate key `name` in #[job(...)]; give it once",
            ]
        );
    }

    #[test]
    fn a_bare_key_asks_for_a_value() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[job(name)])];
        assert_eq!(messages(&attrs), ["expected `name = \"...\"`"]);
    }
}
