use super::*;

const GIB: u64 = 1 << 30;

#[test]
fn amounts_read_like_people_write_them() {
    assert_eq!(
        Resource::Memory.amount(40 * GIB).to_string(),
        "40 GiB of memory"
    );
    assert_eq!(
        Resource::Memory.amount(3 * GIB / 2).to_string(),
        "1.5 GiB of memory"
    );
    assert_eq!(
        Resource::Memory.amount(512 << 20).to_string(),
        "512 MiB of memory"
    );
    assert_eq!(
        Resource::Memory.amount(100).to_string(),
        "100 bytes of memory"
    );
    assert_eq!(Resource::Cpu.amount(4000).to_string(), "4 cpu cores");
    assert_eq!(Resource::Cpu.amount(2500).to_string(), "2.5 cpu cores");
    assert_eq!(Resource::Cpu.amount(250).to_string(), "0.25 cpu cores");
    assert_eq!(Resource::Slots.amount(1).to_string(), "1 running job");
    assert_eq!(Resource::Slots.amount(3).to_string(), "3 running jobs");
}

#[test]
fn exceeded_by_names_the_resource_and_both_amounts() {
    let capacity = Capacity::jobs(4)
        .cpu_millicores(8000)
        .memory_bytes(16 * GIB);
    let big = Demand {
        cpu_millicores: 1000,
        memory_bytes: 40 * GIB,
    };
    assert_eq!(
        capacity.exceeded_by(big),
        Some((Resource::Memory, 40 * GIB, 16 * GIB))
    );
    let greedy = Demand {
        cpu_millicores: 9000,
        memory_bytes: 0,
    };
    assert_eq!(
        capacity.exceeded_by(greedy),
        Some((Resource::Cpu, 9000, 8000))
    );
    assert_eq!(capacity.exceeded_by(Demand::default()), None);
    assert_eq!(
        Capacity::jobs(0).exceeded_by(Demand::default()),
        Some((Resource::Slots, 1, 0))
    );
}

#[test]
fn check_reports_the_first_short_resource_and_respects_held() {
    let capacity = Capacity::jobs(2).cpu_millicores(2000).memory_bytes(4 * GIB);
    let mut usage = Usage::default();
    let job = Demand {
        cpu_millicores: 1000,
        memory_bytes: 2 * GIB,
    };
    assert_eq!(usage.check(&capacity, job, Demand::default()), Ok(()));
    usage.add(job);
    assert_eq!(
        usage.check(&capacity, job, job),
        Err(Shortage {
            resource: Resource::Memory,
            needed: 2 * GIB,
            free: 0
        })
    );
    usage.add(job);
    assert_eq!(
        usage.check(&capacity, Demand::default(), Demand::default()),
        Err(Shortage {
            resource: Resource::Slots,
            needed: 1,
            free: 0
        })
    );
    usage.remove(job);
    usage.remove(job);
    assert_eq!(usage, Usage::default());
}

#[test]
fn jobs_without_limits_count_only_against_slots() {
    let capacity = Capacity::jobs(3).cpu_millicores(0).memory_bytes(0);
    let mut usage = Usage::default();
    for _ in 0..3 {
        assert_eq!(
            usage.check(&capacity, Demand::default(), Demand::default()),
            Ok(())
        );
        usage.add(Demand::default());
    }
    assert_eq!(
        usage
            .check(&capacity, Demand::default(), Demand::default())
            .map_err(|s| s.resource),
        Err(Resource::Slots)
    );
}
