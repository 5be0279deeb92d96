use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn inode(path: &Path) -> u64 {
    fs::metadata(path).unwrap().ino()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_first_write_creates_and_later_ones_keep_the_inode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.json");
    write_in_place(&path, &vec!["a".repeat(100)]).unwrap();
    let first = inode(&path);
    write_in_place(&path, &vec!["b".repeat(300)]).unwrap();
    assert_eq!(inode(&path), first, "grown in place");
    write_in_place(&path, &vec!["c"]).unwrap();
    assert_eq!(inode(&path), first, "shrunk in place");
    let back: Vec<String> = read_locked(&path).unwrap();
    assert_eq!(back, vec!["c"]);
    assert_eq!(names(dir.path()), vec!["status.json"], "no temporary left");
}

#[test]
fn a_shorter_text_is_padded_with_spaces_never_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.json");
    write_in_place(&path, &vec![1, 2, 3, 4, 5]).unwrap();
    let long = fs::metadata(&path).unwrap().len();
    write_in_place(&path, &vec![7]).unwrap();
    let bytes = fs::read(&path).unwrap();
    assert_eq!(bytes.len() as u64, long, "same length");
    assert!(bytes.starts_with(b"[7]"));
    assert!(bytes[3..].iter().all(|&byte| byte == b' '), "{bytes:?}");
    assert_eq!(read_locked::<Vec<i32>>(&path).unwrap(), vec![7]);
}

#[test]
fn beyond_a_page_the_file_is_replaced_and_stays_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.json");
    write_in_place(&path, &"x".repeat(100)).unwrap();
    let small = inode(&path);
    let big = "y".repeat(IN_PLACE_MAX as usize);
    write_in_place(&path, &big).unwrap();
    let replaced = inode(&path);
    assert_ne!(replaced, small, "a text longer than a page is replaced");
    assert_eq!(read_locked::<String>(&path).unwrap(), big);
    // The old text is still longer than a page: replaced again, never cut.
    write_in_place(&path, &"z").unwrap();
    assert_ne!(inode(&path), replaced);
    assert_eq!(read_locked::<String>(&path).unwrap(), "z");
    assert_eq!(names(dir.path()), vec!["status.json"]);
}

#[test]
fn a_missing_file_reads_as_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let error = read_locked::<Vec<i32>>(&dir.path().join("status.json")).unwrap_err();
    assert!(
        matches!(&error, StateError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
        "{error}"
    );
}

/// A writer alternating long and short texts (in place, and across the
/// one-page limit, so replaced) while a reader parses them: the reader
/// never sees a torn or mixed file.
#[test]
fn a_concurrent_reader_never_sees_a_torn_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("status.json"));
    let texts: Vec<Vec<String>> = vec![
        vec!["a".repeat(3000)],
        vec!["b".into()],
        vec!["c".repeat(1500), "d".repeat(1500)],
        vec!["e".repeat(5000)],
        vec!["f".repeat(10)],
    ];
    write_in_place(&path, &texts[0]).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (path, done, texts) = (Arc::clone(&path), Arc::clone(&done), texts.clone());
        std::thread::spawn(move || {
            let mut round = 0usize;
            while !done.load(Ordering::Relaxed) {
                write_in_place(&path, &texts[round % texts.len()]).unwrap();
                round += 1;
            }
            round
        })
    };
    let mut seen = std::collections::HashSet::new();
    for _ in 0..5000 {
        let back: Vec<String> = read_locked(&path).unwrap();
        assert!(texts.contains(&back), "a text never written: {back:?}");
        seen.insert(back);
    }
    done.store(true, Ordering::Relaxed);
    let rounds = writer.join().unwrap();
    assert!(rounds > 0);
    assert!(
        seen.len() > 1,
        "the reader saw the writes ({rounds} rounds)"
    );
}

/// Two writers, one of them forcing replacements (texts beyond a page):
/// whichever lock a writer waited on, it ends up writing the file at the
/// path, and the last write wins whole.
#[test]
fn writers_racing_the_replacement_fallback_follow_the_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("status.json"));
    write_in_place(&path, &"start").unwrap();
    let writers: Vec<_> = [IN_PLACE_MAX as usize + 10, 20]
        .into_iter()
        .enumerate()
        .map(|(which, len)| {
            let path = Arc::clone(&path);
            std::thread::spawn(move || {
                for round in 0..500 {
                    let text = format!("{which}:{round}:{}", "x".repeat(len));
                    write_in_place(&path, &text).unwrap();
                    let back: String = read_locked(&path).unwrap();
                    assert!(back.contains(':'), "{back}");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let last: String = read_locked(&path).unwrap();
    assert!(last.contains(":499:"), "{last}");
    assert_eq!(names(dir.path()), vec!["status.json"], "no temporary left");
}
