use super::*;

#[test]
fn reports_survive_arbitrary_splits() {
    let mut wire = Vec::new();
    {
        let mut sender = ReportSender::new(&mut wire);
        sender.job_started(2);
        sender.setup_failed(&worker_isolate::SetupError {
            step: "mount proc on",
            path: "/proc".into(),
            source: std::io::Error::from_raw_os_error(1),
        });
        sender.job_signaled(9);
        sender.progress(3, Some(10), &"é".repeat(5000));
    }
    for split in 0..wire.len() {
        let mut reader = ReportReader::default();
        let mut got = Vec::new();
        for chunk in [&wire[..split], &wire[split..]] {
            reader.push(chunk);
            while let Some(report) = reader.next_message().unwrap() {
                got.push(report);
            }
        }
        assert_eq!(got.len(), 4, "split at {split}");
        assert!(
            matches!(&got[3], SandboxReport::Progress { done: 3, total: Some(10), message } if message.len() <= MAX_REPORT / 2)
        );
        assert_eq!(got[0], SandboxReport::JobStarted { pid: 2 });
        assert_eq!(got[2], SandboxReport::JobSignaled { signal: 9 });
    }
}

#[test]
fn garbage_is_an_error_not_a_hang() {
    let mut reader = ReportReader::default();
    reader.push(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    assert!(reader.next_message().is_err());
    let mut reader = ReportReader::default();
    reader.push(&[3, 0, 0, 0, b'{', b'x', b'}']);
    assert!(reader.next_message().is_err());
}
