use super::*;

fn record(stream: OutputStream, bytes: &[u8]) -> OutputRecord {
    OutputRecord {
        stream,
        timestamp_ns: 1,
        bytes: bytes.to_vec(),
    }
}

fn split(records: &[OutputRecord]) -> Vec<(OutputStream, String, Position)> {
    let mut splitter = LineSplitter::default();
    let mut lines = Vec::new();
    let mut emit = |at, line: OutputLine| lines.push((line.stream, line.line, at));
    for (index, record) in records.iter().enumerate() {
        splitter.push(index as u64 * 100, record, &mut emit);
    }
    splitter.flush(&mut emit);
    lines
}

fn texts(records: &[OutputRecord]) -> Vec<(OutputStream, String)> {
    split(records).into_iter().map(|(s, l, _)| (s, l)).collect()
}

#[test]
fn lines_are_split_per_stream_across_records() {
    use OutputStream::*;
    let lines = split(&[
        record(Stdout, b"hel"),
        record(Stderr, b"err one\nerr"),
        record(Stdout, b"lo\nworld\n"),
        record(System, b"job succeeded"),
        record(Stderr, b" two"),
    ]);
    let texts: Vec<_> = lines.iter().map(|(s, l, _)| (*s, l.as_str())).collect();
    assert_eq!(
        texts,
        [
            (Stderr, "err one"),
            (Stdout, "hello"),
            (Stdout, "world"),
            (System, "job succeeded"),
            (Stderr, "err two"),
        ]
    );
    // Each line knows where its first byte is.
    assert_eq!(lines[1].2, Position { record: 0, byte: 0 });
    assert_eq!(
        lines[2].2,
        Position {
            record: 200,
            byte: 3
        }
    );
    assert_eq!(
        lines[4].2,
        Position {
            record: 100,
            byte: 8
        }
    );
}

#[test]
fn invalid_utf8_is_replaced_and_nul_kept() {
    let lines = texts(&[record(OutputStream::Stdout, b"a\xffb\0c\n")]);
    assert_eq!(lines[0].1, "a\u{fffd}b\0c");
}

#[test]
fn long_lines_come_in_bounded_pieces_that_keep_characters_whole() {
    // 'é' is two bytes: an odd bound would split one.
    let mut text = vec![b'x'];
    text.extend("é".repeat(MAX_LINE_LEN).bytes());
    text.push(b'\n');
    let lines = texts(&[record(OutputStream::Stdout, &text)]);
    let joined: String = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(joined.as_bytes(), &text[..text.len() - 1]);
    assert!(lines.iter().all(|(_, l)| l.len() <= MAX_LINE_LEN));
    assert!(lines.iter().all(|(_, l)| !l.contains('\u{fffd}')));
    assert_eq!(lines.len(), 3);
}

#[test]
fn a_line_of_exactly_the_bound_is_one_line() {
    let mut text = vec![b'y'; MAX_LINE_LEN];
    text.push(b'\n');
    let (first, second) = text.split_at(MAX_LINE_LEN);
    let lines = texts(&[
        record(OutputStream::Stdout, first),
        record(OutputStream::Stdout, second),
    ]);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].1.len(), MAX_LINE_LEN);
}

#[test]
fn unfinished_lines_come_at_the_end() {
    let lines = texts(&[
        record(OutputStream::Stderr, b"no newline"),
        record(OutputStream::Stdout, b"neither"),
    ]);
    assert_eq!(
        lines,
        [
            (OutputStream::Stdout, "neither".to_owned()),
            (OutputStream::Stderr, "no newline".to_owned())
        ]
    );
}

#[test]
fn char_boundary_backs_off_an_incomplete_character_only() {
    assert_eq!(char_boundary(b"abc"), 3);
    assert_eq!(char_boundary("aé".as_bytes()), 3);
    assert_eq!(char_boundary(&"aé".as_bytes()[..2]), 1);
    assert_eq!(char_boundary(&"a€".as_bytes()[..3]), 1);
    assert_eq!(char_boundary(b"a\xff"), 2);
}
