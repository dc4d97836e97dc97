//! docs/diff.md shows the rule table exactly as the code defines it.

use matrix_codegen::diff::Rule;

#[test]
fn the_documented_rule_table_is_the_code_s() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/diff.md");
    let docs = std::fs::read_to_string(path).expect("docs/diff.md readable");
    let table = Rule::markdown_table();
    assert!(
        docs.contains(&table),
        "docs/diff.md does not contain the current rule table; replace it with:\n{table}"
    );
}
