use super::*;

#[test]
fn generated_ids_parse_and_differ() {
    let a = JobId::generate().unwrap();
    let b = JobId::generate().unwrap();
    assert_ne!(a, b);
    assert_eq!(a.as_str().parse::<JobId>().unwrap(), a);
}

#[test]
fn path_tricks_are_rejected() {
    for bad in [
        "",
        "../../etc/passwd",
        "0123456789abcdef0123456789abcde/",
        "0123456789ABCDEF0123456789ABCDEF",
        "0123456789abcdef0123456789abcdef0",
    ] {
        assert!(bad.parse::<JobId>().is_err(), "{bad:?} accepted");
    }
}
