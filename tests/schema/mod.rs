//! The JSON contract: every object a test reads from wcmigrate goes through here and is checked
//! against docs/wcmigrate.schema.json (draft 2020-12, with the `jsonschema` crate), so the schema and
//! the output cannot drift apart without a test failing.

#![allow(dead_code)]

use std::sync::OnceLock;

use serde_json::Value;

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/wcmigrate.schema.json");
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
            .expect("the schema is JSON");
        assert!(
            jsonschema::meta::is_valid(&schema),
            "the schema is a valid JSON Schema"
        );
        jsonschema::validator_for(&schema).expect("the schema compiles")
    })
}

/// Panics, naming each violation, unless `v` is valid against the schema.
pub fn validate(v: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(v)
        .map(|e| format!("  at {}: {e}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "JSON not valid against docs/wcmigrate.schema.json:\n{}\nin:\n{v:#}",
        errors.join("\n")
    );
}

/// The one object of `merge --format json`: exactly one JSON value on stdout, validated.
pub fn merge_report(stdout: &[u8]) -> Value {
    let v: Value = serde_json::from_slice(stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}):\n{}",
            String::from_utf8_lossy(stdout)
        )
    });
    validate(&v);
    assert_eq!(v["type"], "merge");
    v
}

/// A batch report (NDJSON): each line one object, validated; the case records, then the summary,
/// which must be the last line.
pub fn batch_report(text: &[u8]) -> (Vec<Value>, Value) {
    let text = String::from_utf8_lossy(text);
    let mut cases = Vec::new();
    let mut summary = None;
    for line in text.lines() {
        assert!(summary.is_none(), "a line after the summary: {line}");
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
        validate(&v);
        match v["type"].as_str() {
            Some("case") => cases.push(v),
            Some("summary") => summary = Some(v),
            other => panic!("unknown record type {other:?}: {line}"),
        }
    }
    (cases, summary.expect("a summary line at the end"))
}
