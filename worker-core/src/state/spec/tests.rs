use super::*;

#[test]
fn a_spec_without_a_cgroup_layout_still_reads() {
    let layout = CgroupLayout {
        version: 1,
        root: "/sys/fs/cgroup".into(),
        controllers: vec![("memory".into(), "/sys/fs/cgroup/memory".into())],
    };
    let mut value = serde_json::json!({
        "format": 1,
        "id": "0123456789abcdef0123456789abcdef",
        "job_type": "Noop",
        "args": null,
        "limits": crate::model::limits::Limits::default(),
        "stop_grace_ms": 100,
        "state_dir": "/var/lib/workernator",
        "keep_work_dir": false,
        "cgroup_parent": "workernator",
        "attempt": 1,
        "created_at": 0,
    });
    let old: JobSpec = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(old.cgroup_layout, None);
    value["cgroup_layout"] = serde_json::to_value(&layout).unwrap();
    let new: JobSpec = serde_json::from_value(value).unwrap();
    assert_eq!(new.cgroup_layout, Some(layout));
}
