use super::*;

#[test]
fn a_torn_tail_is_left_for_later() {
    let mut wire = Vec::new();
    encode_header(&mut wire, OutputStream::Stdout, 7, 3);
    wire.extend_from_slice(b"abc");
    encode_header(&mut wire, OutputStream::Stdout, 8, 5);
    wire.extend_from_slice(b"de");
    for cut in 0..wire.len() {
        let (records, used) = decode_records(&wire[..cut], 0).unwrap();
        let whole = if cut >= HEADER_LEN + 3 { 1 } else { 0 };
        assert_eq!(records.len(), whole, "cut {cut}");
        assert_eq!(used, whole * (HEADER_LEN + 3));
    }
}

#[test]
fn garbage_is_reported_with_its_offset() {
    let mut wire = Vec::new();
    encode_header(&mut wire, OutputStream::Stdout, 7, 1);
    wire.push(b'x');
    wire.extend_from_slice(&[1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'y']);
    assert_eq!(
        decode_records(&wire, 100).unwrap_err(),
        CorruptLog { offset: 117 }
    );
}

#[test]
fn an_absurd_length_is_corrupt_not_a_wait() {
    let mut wire = Vec::new();
    encode_header(&mut wire, OutputStream::Stdout, 7, MAX_RECORD_LEN + 1);
    assert_eq!(
        decode_records(&wire, 0).unwrap_err(),
        CorruptLog { offset: 0 }
    );
}
