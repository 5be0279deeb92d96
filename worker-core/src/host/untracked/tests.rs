use super::*;

#[test]
fn descendants_follow_parents_in_any_order() {
    let parents = [(10, 1), (12, 11), (11, 10), (13, 1), (14, 12)];
    assert_eq!(descendants(10, &parents), [10, 11, 12, 14]);
    assert_eq!(descendants(99, &parents), [99]);
}

#[test]
fn this_process_descends_from_its_parent() {
    let me = std::process::id() as i32;
    let parent = nix::unistd::getppid().as_raw();
    assert!(descendants(parent, &parents()).contains(&me));
}
