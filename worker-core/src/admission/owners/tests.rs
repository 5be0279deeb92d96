use super::*;

fn job(id: u32) -> Queued<u32> {
    Queued {
        id,
        demand: Demand::default(),
    }
}

fn heads(owners: &Owners<u32>) -> Vec<u32> {
    owners.fair_order().map(|job| job.id).collect()
}

#[test]
fn the_owner_with_the_smallest_share_comes_first_then_the_oldest_head() {
    let mut owners = Owners::new();
    let (a, b): (Arc<str>, Arc<str>) = ("a".into(), "b".into());
    owners.push_ready(&a, (Reverse(0), 1), job(1));
    owners.push_ready(&a, (Reverse(0), 2), job(2));
    owners.push_ready(&b, (Reverse(0), 3), job(3));
    assert_eq!(heads(&owners), [1, 3], "equal shares: oldest head first");
    owners.start(&a, (Reverse(0), 1), 4);
    assert_eq!(heads(&owners), [3, 2], "a has one running, b none");
    owners.stop(&a);
    assert_eq!(heads(&owners), [3, 2], "equal shares: a just had a turn");
    owners.push_ready(&b, (Reverse(0), 5), job(5));
    owners.start(&b, (Reverse(0), 3), 6);
    owners.stop(&b);
    assert_eq!(heads(&owners), [2, 5], "now b just had a turn");
}

#[test]
fn weight_divides_the_share() {
    let mut owners = Owners::new();
    owners.set_weight("heavy", NonZeroU32::MIN.saturating_add(1));
    let (heavy, light): (Arc<str>, Arc<str>) = ("heavy".into(), "light".into());
    owners.add_running(&heavy);
    owners.add_running(&light);
    owners.push_ready(&light, (Reverse(0), 1), job(1));
    owners.push_ready(&heavy, (Reverse(0), 2), job(2));
    assert_eq!(heads(&owners), [2, 1], "heavy's share is 1/2, light's 1");
}

#[test]
fn higher_priority_heads_its_owner_queue() {
    let mut owners = Owners::new();
    let a: Arc<str> = "a".into();
    owners.push_ready(&a, (Reverse(0), 1), job(1));
    owners.push_ready(&a, (Reverse(5), 2), job(2));
    assert_eq!(heads(&owners), [2]);
    assert_eq!(owners.ahead_of("a", (Reverse(0), 1)), 1);
    assert_eq!(owners.ready_len("a"), 2);
}

#[test]
fn an_owner_with_nothing_left_is_forgotten() {
    let mut owners = Owners::new();
    let a: Arc<str> = "a".into();
    owners.push_ready(&a, (Reverse(0), 1), job(1));
    owners.start(&a, (Reverse(0), 1), 2);
    assert!(!owners.is_empty());
    assert_eq!(owners.running("a"), 1);
    owners.stop(&a);
    assert!(owners.is_empty());
    owners.push_ready(&a, (Reverse(0), 2), job(2));
    assert!(owners.remove_ready(&a, (Reverse(0), 2)).is_some());
    assert!(owners.is_empty());
}
