//! Checks of the model: what parses but cannot be a job type.

use crate::ast::{Input, Kind, Place};
use crate::errors::Errors;
use std::fmt;
use syn::Error;

/// The longest job name, in characters.
const MAX_NAME_LEN: usize = 64;

/// The rule for job names, as error messages state it.
const NAME_RULE: &str = "a job name is 1 to 64 characters from `A-Z a-z 0-9 _ . -`";

impl Input<'_> {
    /// Reports every problem of the model to `errors`.
    pub(crate) fn validate(&self, errors: &mut Errors) {
        if !self.generics.params.is_empty() {
            errors.push(Error::new_spanned(
                self.generics,
                "a job type must be concrete: #[derive(Job)] does not support generic \
                 parameters or lifetimes, because the sandbox finds the type by its name alone",
            ));
        }

        if let Kind::Union(union_token) = self.kind {
            errors.push(Error::new_spanned(
                union_token,
                "#[derive(Job)] does not support unions; use a struct or an enum",
            ));
        }

        let name = self.name();
        if let Err(reason) = check_name(&name.value) {
            let message = if name.explicit {
                format!("invalid job name {:?}: {reason}; {NAME_RULE}", name.value)
            } else {
                format!(
                    "the job name defaults to the type's name, {:?}, which is invalid: \
                     {reason}; {NAME_RULE}; set one with #[job(name = \"...\")]",
                    name.value
                )
            };
            errors.push(Error::new(name.span, message));
        }

        for misplaced in &self.misplaced {
            let on = match misplaced.on {
                Place::Field => "a field",
                Place::Variant => "a variant",
            };
            errors.push(Error::new_spanned(
                misplaced.attr,
                format!("#[job(...)] belongs on the type, not on {on}"),
            ));
        }
    }
}

/// Why a job name breaks the rule.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NameError {
    /// The name is `""`.
    Empty,
    /// The name has more than [`MAX_NAME_LEN`] characters.
    TooLong {
        /// How many it has.
        len: usize,
    },
    /// The name holds a character outside `[A-Za-z0-9_.-]`; the first one.
    Char(char),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("it is empty"),
            NameError::TooLong { len } => write!(f, "it has {len} characters"),
            NameError::Char(c) => write!(f, "it contains {c:?}"),
        }
    }
}

/// Checks a job name: 1 to 64 characters from `[A-Za-z0-9_.-]`.
pub(crate) fn check_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(NameError::Char(c));
    }
    // Only ASCII is left, so bytes and characters agree.
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong { len: name.len() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "Fib",
            "fibonacci",
            "a",
            "image.resize-v2",
            "_",
            "0",
            "A_b.c-D9",
        ] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn the_empty_name_fails() {
        assert_eq!(check_name(""), Err(NameError::Empty));
    }

    #[test]
    fn sixty_four_characters_pass_and_sixty_five_fail() {
        assert_eq!(check_name(&"x".repeat(64)), Ok(()));
        assert_eq!(
            check_name(&"x".repeat(65)),
            Err(NameError::TooLong { len: 65 })
        );
    }

    #[test]
    fn the_first_character_outside_the_set_is_named() {
        assert_eq!(check_name("fib onacci"), Err(NameError::Char(' ')));
        assert_eq!(check_name("a/b"), Err(NameError::Char('/')));
        assert_eq!(check_name("a::b"), Err(NameError::Char(':')));
        assert_eq!(check_name("größe"), Err(NameError::Char('ö')));
        assert_eq!(check_name("tab\there"), Err(NameError::Char('\t')));
    }

    #[test]
    fn a_bad_character_is_reported_before_the_length() {
        let name = format!("{} ", "x".repeat(70));
        assert_eq!(check_name(&name), Err(NameError::Char(' ')));
    }

    #[test]
    fn reasons_read_as_a_clause() {
        assert_eq!(NameError::Empty.to_string(), "it is empty");
        assert_eq!(
            NameError::TooLong { len: 70 }.to_string(),
            "it has 70 characters"
        );
        assert_eq!(NameError::Char('/').to_string(), "it contains '/'");
    }
}
