use super::super::capacity::Resource;
use super::*;

#[test]
fn reasons_read_as_sentences() {
    let shortage = Shortage {
        resource: Resource::Memory,
        needed: 2 << 30,
        free: 1 << 30,
    };
    assert_eq!(
        WaitReason::Capacity(shortage).to_string(),
        "waits for capacity: needs 2 GiB of memory, 1 GiB of memory free"
    );
    assert_eq!(
        WaitReason::BehindOthers { ahead_in_owner: 3 }.to_string(),
        "waits its turn: 3 of its owner's jobs go first"
    );
    assert_eq!(
        WaitReason::NotBefore(Millis(5)).to_string(),
        "asked not to start before 5 ms after the epoch"
    );
}
