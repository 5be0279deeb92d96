use super::*;

fn sent(result: &JobResult) -> Vec<u8> {
    let mut pipe = Vec::new();
    result.send(&mut pipe).unwrap();
    pipe
}

#[test]
fn each_result_comes_back_as_sent() {
    for result in [
        JobResult::Output(b"{\"n\":42}".to_vec()),
        JobResult::Output(Vec::new()),
        JobResult::Error(b"{\"message\":\"bad\"}".to_vec()),
        JobResult::Panicked("boom".into()),
        JobResult::Output(vec![b'7'; ONE_WRITE + 1]),
    ] {
        assert_eq!(JobResult::receive(&sent(&result)), Some(result));
    }
}

#[test]
fn a_result_cut_short_or_with_more_after_it_is_none() {
    let whole = sent(&JobResult::Output(b"[1,2,3]".to_vec()));
    for cut in 0..whole.len() {
        assert_eq!(JobResult::receive(&whole[..cut]), None, "cut at {cut}");
    }
    let mut more = whole.clone();
    more.push(b'x');
    assert_eq!(JobResult::receive(&more), None);
    let mut unknown = whole;
    unknown[frame::HEADER_LEN] = b'?';
    assert_eq!(JobResult::receive(&unknown), None, "an unknown tag");
}
