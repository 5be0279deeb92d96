use super::*;

fn stream(pieces: &[&[u8]]) -> String {
    let mut escaper = StreamEscaper::default();
    let mut out: String = pieces.iter().map(|piece| escaper.escape(piece)).collect();
    out.push_str(&escaper.finish());
    out
}

#[test]
fn terminal_controls_are_shown_escaped() {
    let cases: [(&[u8], &str); 9] = [
        // OSC 52: write "Hello" to the clipboard.
        (b"\x1b]52;c;SGVsbG8=\x07", r"\x1b]52;c;SGVsbG8=\x07"),
        // A window title, ended by ST (ESC \).
        (b"\x1b]0;pwned\x1b\\", r"\x1b]0;pwned\x1b\"),
        // CSI: clear the screen, red.
        (b"\x1b[2J\x1b[31mred", r"\x1b[2J\x1b[31mred"),
        // A carriage return that would overwrite what came before.
        (b"safe\rEVIL", r"safe\x0dEVIL"),
        (
            b"bell\x07 backspace\x08 nul\x00 del\x7f",
            r"bell\x07 backspace\x08 nul\x00 del\x7f",
        ),
        // C1 controls as UTF-8 characters: CSI (U+009B), OSC (U+009D), U+0080.
        (
            b"\xc2\x9b31m \xc2\x9d0;t\xc2\x9c \xc2\x80",
            r"\xc2\x9b31m \xc2\x9d0;t\xc2\x9c \xc2\x80",
        ),
        // Bytes that are not UTF-8: a lone C1 byte, 0xff, a cut sequence.
        (b"\x9b31m \xff \xe2\x82x", r"\x9b31m \xff \xe2\x82x"),
        // Text stays as it is, with newlines and tabs.
        ("héllo\t✓ 日本\n".as_bytes(), "héllo\t✓ 日本\n"),
        // U+00A0 (just past C1) is text.
        ("a\u{a0}b".as_bytes(), "a\u{a0}b"),
    ];
    for (bytes, shown) in cases {
        assert_eq!(stream(&[bytes]), shown, "{bytes:?}");
    }
}

#[test]
fn a_character_cut_between_pieces_shows_whole() {
    let check = "✓".as_bytes();
    assert_eq!(
        stream(&[b"a", &check[..1], &check[1..2], &check[2..], b"b"]),
        "a✓b"
    );
    // U+009B cut in two is still a control.
    assert_eq!(stream(&[b"x\xc2", b"\x9b"]), r"x\xc2\x9b");
    // The stream ends inside a character: its bytes are shown.
    assert_eq!(stream(&[b"end\xe2\x9c"]), r"end\xe2\x9c");
    // A start byte followed by one that cannot continue it.
    assert_eq!(stream(&[b"\xe2", b"A"]), r"\xe2A");
}

#[test]
fn nothing_escaped_contains_a_control() {
    // Every byte value, alone and after every lead byte.
    let mut all: Vec<u8> = (0..=255).collect();
    for lead in [0xc2u8, 0xe2, 0xf0] {
        for byte in 0..=255u8 {
            all.extend_from_slice(&[lead, byte]);
        }
    }
    let shown = stream(&[&all]);
    assert!(
        shown
            .chars()
            .all(|c| c == '\n' || c == '\t' || !(c.is_control())),
        "{shown:?}"
    );
}

#[test]
fn text_keeps_line_breaks_and_one_line_does_not() {
    assert_eq!(text("a\x1b[2Jb\nc\td"), "a\\x1b[2Jb\nc\td");
    assert_eq!(
        one_line("oops\nStatus:     Succeeded\t\u{9b}"),
        r"oops\x0aStatus:     Succeeded\x09\xc2\x9b"
    );
}
