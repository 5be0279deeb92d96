use super::*;

#[test]
fn never_fits_says_which_resource_and_by_how_much() {
    let error = RefusedError::NeverFits {
        id: 7,
        resource: Resource::Memory,
        needed: 40 << 30,
        capacity: 16 << 30,
    };
    assert_eq!(
        error.to_string(),
        "job 7 can never start: it needs 40 GiB of memory, capacity is 16 GiB of memory \
         (24 GiB of memory short)"
    );
}

#[test]
fn duplicate_names_the_existing_job_and_the_key() {
    let error = RefusedError::Duplicate {
        id: 2,
        key: "report".to_owned(),
        existing: 1,
    };
    assert_eq!(
        error.to_string(),
        "job 2 duplicates job 1, which has key 'report' and is queued or running"
    );
}
