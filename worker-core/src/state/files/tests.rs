use super::*;

#[test]
fn atomic_write_replaces_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.json");
    write_json_atomic(&path, &vec![1, 2, 3]).unwrap();
    write_json_atomic(&path, &vec![4]).unwrap();
    let back: Vec<i32> = read_json(&path).unwrap();
    assert_eq!(back, vec![4]);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("status.json")],
        "no temporary left"
    );
}

#[test]
fn a_new_file_is_written_in_place_and_a_leftover_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("result.json");
    write_new(&path, b"12").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"12");
    // A leftover of a crash (cut short) is replaced whole.
    fs::write(&path, b"{\"cut").unwrap();
    write_new(&path, b"[1,2]").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"[1,2]");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("result.json")]);
}

#[test]
fn corrupt_file_names_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.json");
    fs::write(&path, b"{not json").unwrap();
    let error = read_json::<Vec<i32>>(&path).unwrap_err();
    assert!(
        error.to_string().contains("spec.json is corrupt"),
        "{error}"
    );
}
