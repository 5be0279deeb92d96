//! Text a job controls, made harmless for the operator's terminal, as
//! journalctl and `less` do: every control character a terminal acts on is
//! shown as `\xNN` instead of reaching it. That covers ESC (so no OSC 52
//! clipboard write, window title or CSI sequence), the other C0 controls but
//! newline and tab (carriage return, bell, backspace), DEL, and the C1
//! controls U+0080 to U+009F (which some terminals read as ESC sequences, such
//! as U+009B for CSI). Bytes that are not UTF-8 are shown as `\xNN` too. Only
//! for terminals: piped output stays byte-exact.

use std::fmt::Write;

/// Whether a terminal would act on `c` rather than show it.
fn is_control(c: char) -> bool {
    (c.is_ascii_control() && c != '\n' && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c)
}

/// `bytes` as `\xNN` each.
fn push_escaped_bytes(bytes: &[u8], out: &mut String) {
    for byte in bytes {
        let _ = write!(out, "\\x{byte:02x}");
    }
}

/// Appends `text` to `out` with its control characters escaped, and its
/// newlines and tabs too unless `keep_breaks`.
fn push_text(text: &str, keep_breaks: bool, out: &mut String) {
    for c in text.chars() {
        if is_control(c) || (!keep_breaks && (c == '\n' || c == '\t')) {
            let mut encoded = [0; 4];
            push_escaped_bytes(c.encode_utf8(&mut encoded).as_bytes(), out);
        } else {
            out.push(c);
        }
    }
}

/// Escapes a stream of bytes that comes in pieces (a job's output records):
/// a UTF-8 character cut between two pieces is held until the rest comes,
/// so that it shows whole rather than as two invalid bytes.
#[derive(Debug, Default)]
pub(crate) struct StreamEscaper {
    /// The start of a character the last piece ended in (at most 3 bytes).
    held: Vec<u8>,
}

impl StreamEscaper {
    /// `piece`, escaped (all of it but a character it ends inside of).
    pub(crate) fn escape(&mut self, piece: &[u8]) -> String {
        let mut out = String::with_capacity(piece.len());
        let joined;
        let mut rest = if self.held.is_empty() {
            piece
        } else {
            let mut bytes = std::mem::take(&mut self.held);
            bytes.extend_from_slice(piece);
            joined = bytes;
            &joined[..]
        };
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    push_text(text, true, &mut out);
                    return out;
                }
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    // Just checked: from_utf8 cannot fail on it.
                    push_text(
                        std::str::from_utf8(valid).unwrap_or_default(),
                        true,
                        &mut out,
                    );
                    match error.error_len() {
                        Some(invalid) => {
                            push_escaped_bytes(&after[..invalid], &mut out);
                            rest = &after[invalid..];
                        }
                        // The piece ends inside a character: wait for the rest.
                        None => {
                            self.held = after.to_vec();
                            return out;
                        }
                    }
                }
            }
        }
    }

    /// What is held, escaped: the stream ended inside a character.
    pub(crate) fn finish(&mut self) -> String {
        let mut out = String::new();
        push_escaped_bytes(&std::mem::take(&mut self.held), &mut out);
        out
    }
}

/// `text` for a terminal: control characters escaped, newlines and tabs kept.
pub(crate) fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_text(text, true, &mut out);
    out
}

/// `text` for one line of a terminal: as [`text`], and newlines and tabs
/// escaped too, so that it cannot start a line of its own.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_text(text, false, &mut out);
    out
}

#[cfg(test)]
#[path = "escape_tests.rs"]
mod tests;
