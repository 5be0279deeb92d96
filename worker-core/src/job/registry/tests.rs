use super::*;

fn never(_: &[u8], _: &JobContext) -> Result<Vec<u8>, JobFailure> {
    Ok(Vec::new())
}

fn entry(name: &'static str, type_path: &'static str) -> JobEntry {
    JobEntry {
        name,
        description: "",
        type_path,
        run: never,
    }
}

#[test]
fn distinct_names_do_not_clash() {
    let entries = [entry("a", "x::A"), entry("b", "x::B")];
    assert_eq!(first_clash(&entries), None);
}

#[test]
fn a_clash_names_both_types() {
    let entries = [entry("a", "y::A"), entry("b", "x::B"), entry("a", "x::A")];
    assert_eq!(
        first_clash(&entries),
        Some(NameClash {
            name: "a",
            first: "x::A",
            second: "y::A"
        })
    );
}
