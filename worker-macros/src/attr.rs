//! The attributes of the derived type: `#[job(...)]` and the doc comment.

use crate::errors::Errors;
use syn::punctuated::Punctuated;
use syn::{Attribute, Error, Expr, ExprLit, Lit, LitStr, Meta, Token};

/// The keys `#[job(...)]` accepts, in the order the error for an unknown key
/// lists them. A new key needs an entry here and an arm in [`parse_entry`].
const KEYS: &[&str] = &[
    "name",
    "network",
    "max_attempts",
    "backoff",
    "max_backoff",
    "timeout",
];

/// What the attributes of the type say.
pub(crate) struct Attrs {
    /// `#[job(name = "...")]`, if given as a string literal. Its content is checked
    /// by [`crate::valid`], not here.
    pub(crate) name: Option<LitStr>,
    /// The doc comment, joined by [`description`].
    pub(crate) description: String,
    /// `network = "host"` (true) or `"none"` (false).
    pub(crate) host_network: Option<bool>,
    /// `max_attempts = N`.
    pub(crate) max_attempts: Option<u32>,
    /// `backoff = "500ms"`, in milliseconds.
    pub(crate) backoff_ms: Option<u64>,
    /// `max_backoff = "1m"`, in milliseconds.
    pub(crate) max_backoff_ms: Option<u64>,
    /// `timeout = "30s"`, in milliseconds.
    pub(crate) timeout_ms: Option<u64>,
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
        host_network: parsed.network.value,
        max_attempts: parsed.max_attempts.value,
        backoff_ms: parsed.backoff.value,
        max_backoff_ms: parsed.max_backoff.value,
        timeout_ms: parsed.timeout.value,
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
    network: Once<bool>,
    max_attempts: Once<u32>,
    backoff: Once<u64>,
    max_backoff: Once<u64>,
    timeout: Once<u64>,
}

/// One `key = value` entry of `#[job(...)]`.
fn parse_entry(entry: &Meta, parsed: &mut Parsed, errors: &mut Errors) {
    let key = entry.path();
    if key.is_ident("name") {
        parsed
            .name
            .set(entry, "name", string_value(entry, "name"), errors);
    } else if key.is_ident("network") {
        let value = string_value(entry, "network").and_then(|lit| match lit.value().as_str() {
            "host" => Ok(true),
            "none" => Ok(false),
            _ => Err(Error::new_spanned(
                &lit,
                "`network` is \"none\" (loopback only, the default) or \"host\"",
            )),
        });
        parsed.network.set(entry, "network", value, errors);
    } else if key.is_ident("max_attempts") {
        let value =
            int_value(entry, "max_attempts").and_then(|lit| match lit.base10_parse::<u32>() {
                Ok(attempts) if attempts >= 1 => Ok(attempts),
                _ => Err(Error::new_spanned(
                    &lit,
                    "`max_attempts` is a whole number from 1 (one attempt, no retry) up",
                )),
            });
        parsed
            .max_attempts
            .set(entry, "max_attempts", value, errors);
    } else if key.is_ident("backoff") {
        parsed
            .backoff
            .set(entry, "backoff", duration_value(entry, "backoff"), errors);
    } else if key.is_ident("max_backoff") {
        parsed.max_backoff.set(
            entry,
            "max_backoff",
            duration_value(entry, "max_backoff"),
            errors,
        );
    } else if key.is_ident("timeout") {
        parsed
            .timeout
            .set(entry, "timeout", duration_value(entry, "timeout"), errors);
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

/// The integer literal of `key = N`.
fn int_value(entry: &Meta, key: &str) -> syn::Result<syn::LitInt> {
    let Meta::NameValue(name_value) = entry else {
        return Err(Error::new_spanned(entry, format!("expected `{key} = N`")));
    };
    let mut value = &name_value.value;
    while let Expr::Group(group) = value {
        value = &group.expr;
    }
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => Ok(lit.clone()),
        _ => Err(Error::new_spanned(
            &name_value.value,
            format!("`{key}` must be a whole number, as in #[job({key} = 3)]"),
        )),
    }
}

/// The duration of `key = "500ms"`, in milliseconds.
fn duration_value(entry: &Meta, key: &str) -> syn::Result<u64> {
    let lit = string_value(entry, key)?;
    parse_duration_ms(&lit.value()).map_err(|why| {
        Error::new_spanned(
            &lit,
            format!(
                "`{key}`: {why}; write a whole number and a unit: ms, s, m or h, as in \"500ms\""
            ),
        )
    })
}

/// Parses "250ms", "2s", "5m", "1h" into milliseconds; zero is refused.
pub(crate) fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" does not start with a number"))?;
    let scale = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "" => return Err(format!("\"{text}\" has no unit")),
        other => return Err(format!("unknown unit \"{other}\"")),
    };
    match number.checked_mul(scale) {
        Some(0) => Err("a duration of zero is not allowed".to_owned()),
        Some(ms) => Ok(ms),
        None => Err(format!("\"{text}\" is too long")),
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
                "unknown key `colour` in #[job(...)]; the allowed keys are: `name`, `network`, `max_attempts`, `backoff`, `max_backoff`, `timeout`",
                "`name` must be a string literal, as in #[job(name = \"...\")]",
                "duplicate key `name` in #[job(...)]; give it once",
            ]
        );
    }

    #[test]
    fn durations_parse_with_units_and_reject_nonsense() {
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert_eq!(parse_duration_ms("2s"), Ok(2_000));
        assert_eq!(parse_duration_ms("5m"), Ok(300_000));
        assert_eq!(parse_duration_ms("1h"), Ok(3_600_000));
        assert!(parse_duration_ms("0s").is_err());
        assert!(parse_duration_ms("5").is_err());
        assert!(parse_duration_ms("s").is_err());
        assert!(parse_duration_ms("5 days").is_err());
        assert!(parse_duration_ms("99999999999999999999h").is_err());
    }

    #[test]
    fn settings_keys_are_read() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[job(network = "host", max_attempts = 5, backoff = "200ms", max_backoff = "10s", timeout = "1m")]),
        ];
        let mut errors = Errors::default();
        let parsed = get(&attrs, &mut errors);
        assert!(errors.finish().is_ok());
        assert_eq!(parsed.host_network, Some(true));
        assert_eq!(parsed.max_attempts, Some(5));
        assert_eq!(parsed.backoff_ms, Some(200));
        assert_eq!(parsed.max_backoff_ms, Some(10_000));
        assert_eq!(parsed.timeout_ms, Some(60_000));
    }

    #[test]
    fn bad_settings_values_say_what_is_allowed() {
        let attrs: Vec<Attribute> =
            vec![parse_quote!(#[job(network = "wifi", max_attempts = 0, timeout = "3 weeks")])];
        let messages = messages(&attrs);
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("\"none\""), "{messages:?}");
        assert!(messages[1].contains("from 1"), "{messages:?}");
        assert!(messages[2].contains("unit"), "{messages:?}");
    }

    #[test]
    fn a_bare_key_asks_for_a_value() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[job(name)])];
        assert_eq!(messages(&attrs), ["expected `name = \"...\"`"]);
    }
}
