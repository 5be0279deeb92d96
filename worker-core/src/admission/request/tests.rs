use super::*;

#[test]
fn an_old_spec_without_admission_fields_reads_as_the_default_request() {
    let request: Request = serde_json::from_str("{}").expect("empty object");
    assert_eq!(request, Request::default());
    assert_eq!(request.owner, "");
    assert_eq!(request.priority, 0);
}

#[test]
fn requests_round_trip_through_json() {
    let request = Request::owner("alice")
        .priority(3)
        .not_before(Millis(1_700_000_000_000))
        .key("nightly-report")
        .demand(Demand {
            cpu_millicores: 1500,
            memory_bytes: 1 << 30,
        });
    let text = serde_json::to_string(&request).expect("serializes");
    assert!(text.contains("\"not_before\":1700000000000"), "{text}");
    let back: Request = serde_json::from_str(&text).expect("deserializes");
    assert_eq!(back, request);
}
