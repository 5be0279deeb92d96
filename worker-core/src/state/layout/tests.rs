use super::*;

#[test]
fn emptying_the_work_dir_keeps_it_and_follows_no_link() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("keep"), b"x").unwrap();
    let paths = JobPaths::at(dir.path().join("jobs").join("x"));
    fs::create_dir_all(paths.dir()).unwrap();
    paths.create_work().unwrap();
    let work = paths.work();
    fs::create_dir_all(work.join("a/b")).unwrap();
    fs::write(work.join("a/b/file"), b"x").unwrap();
    fs::write(work.join("top"), b"x").unwrap();
    std::os::unix::fs::symlink(&outside, work.join("link")).unwrap();
    paths.empty_work().unwrap();
    assert!(work.is_dir(), "the directory stays");
    assert_eq!(fs::read_dir(&work).unwrap().count(), 0, "empty");
    assert!(outside.join("keep").exists(), "a link is not followed");
    fs::remove_dir(&work).unwrap();
    paths.empty_work().unwrap();
}
