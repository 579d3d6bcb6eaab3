//! Machine output: one versioned schema (docs/JSON.md, docs/wcmigrate.schema.json) for merge's one
//! object, success and failure alike, and batch's NDJSON lines; one diagnostic shape everywhere. Every
//! object read here is validated against the schema (`tests/schema`), and the schema is shown to
//! reject what wcmigrate used to print, so the check is not vacuous.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

mod schema;

fn wcmigrate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_corpus_merge_report_is_valid_and_versioned() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut cases: Vec<_> = fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("new.config").is_file())
        .collect();
    cases.sort();
    for case in cases {
        let (old, new) = (case.join("old.config"), case.join("new.config"));
        let mut args = vec![
            "merge".to_string(),
            old.display().to_string(),
            new.display().to_string(),
            "--format".into(),
            "json".into(),
        ];
        if case.join("base.config").is_file() {
            args.extend([
                "--base".into(),
                case.join("base.config").display().to_string(),
            ]);
        }
        if let Ok(extra) = fs::read_to_string(case.join("args")) {
            args.extend(extra.split_whitespace().map(String::from));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = wcmigrate(&args);
        let v = schema::merge_report(&o.stdout);
        assert_eq!(v["version"], 2);
        assert_eq!(v["ok"], true, "{}", case.display());
        assert_eq!(
            Some(v["exit_code"].as_i64().unwrap() as i32),
            o.status.code()
        );
    }
}

#[test]
fn a_failed_merge_is_the_same_object_with_ok_false() {
    let bad = tempfile::tempdir().unwrap();
    fs::write(
        bad.path().join("broken.config"),
        "<configuration><appSettings>",
    )
    .unwrap();
    let broken = bad.path().join("broken.config").display().to_string();
    let new = "corpus/user-portal-basic/new.config";
    for (args, code) in [
        (vec!["merge", "no-such.config", new], "E001"),
        (vec!["merge", &broken, new], "E003"),
        (vec!["merge", new, new, "--prefer", "old"], "E040"),
        (vec!["merge", new, new, "--sdk-vdir", "a/b"], "E017"),
        (
            vec![
                "merge",
                "corpus/user-portal-basic/new.config",
                "corpus/user-portal-basic/old.config",
                "--check",
            ],
            "E041",
        ),
    ] {
        let o = wcmigrate(&[&args[..], &["--format", "json"]].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let v = schema::merge_report(&o.stdout);
        assert_eq!((&v["ok"], &v["exit_code"]), (&json!(false), &json!(2)));
        assert_eq!(v["diagnostics"][0]["code"], code, "{v:#}");
        assert!(v["totals"]["errors"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn batch_streams_ndjson_case_records_then_a_summary() {
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report.ndjson");
    let o = Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["batch", "corpus", "--format", "json", "--report"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let (cases, summary) = schema::batch_report(&o.stdout);
    assert!(cases.len() >= 20);
    assert_eq!(summary["totals"]["cases"], cases.len());
    assert_eq!(
        (&summary["ok"], &summary["exit_code"]),
        (&json!(true), &json!(0))
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().count(), cases.len() + 1, "one object per line");
    let (file_cases, _) = schema::batch_report(&fs::read(&report).unwrap());
    assert_eq!(file_cases, cases, "--report holds the same lines");
    // One diagnostic shape: a case's diagnostics are merge's, labels and all.
    let theme = cases
        .iter()
        .find(|c| c["case"] == "user-portal-theme")
        .unwrap();
    let merged = schema::merge_report(
        &wcmigrate(&[
            "merge",
            "corpus/user-portal-theme/old.config",
            "corpus/user-portal-theme/new.config",
            "--format",
            "json",
        ])
        .stdout,
    );
    let strip = |d: &Value| {
        let mut d = d.clone();
        for l in d["labels"].as_array_mut().unwrap() {
            l["file"] = json!("");
        }
        d
    };
    let case_diags: Vec<Value> = theme["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(strip)
        .collect();
    let merge_diags: Vec<Value> = merged["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(strip)
        .collect();
    assert_eq!(case_diags, merge_diags);
}

/// The schema is strict: what wcmigrate printed before version 2 does not pass.
#[test]
fn the_schema_rejects_the_old_shapes() {
    let rejects = |v: Value| {
        let r = std::panic::catch_unwind(|| schema::validate(&v));
        assert!(r.is_err(), "accepted: {v:#}");
    };
    // merge's error object had neither type nor version.
    rejects(json!({"ok": false, "diagnostics": []}));
    // batch's one document with a `cases` list.
    rejects(
        json!({"version": 1, "source": "corpus", "rules": "x", "cases": [], "totals": {}, "elapsed_ms": 1}),
    );
    // A case diagnostic with its place flattened.
    rejects(
        json!({"type": "case", "version": 2, "case": "a", "status": "failed", "changes": 0,
        "changes_by_rule": {}, "output": null, "diff": null,
        "diagnostics": [{"code": "E003", "name": "malformed-xml", "severity": "error", "message": "m",
            "file": "a", "line": 1, "column": 1}]}),
    );
    // A severity that does not match its code.
    rejects(
        json!({"type": "merge", "version": 2, "ok": false, "exit_code": 2,
        "totals": {"changes": 0, "errors": 1, "warnings": 0, "notes": 0},
        "diagnostics": [{"code": "E003", "name": "malformed-xml", "severity": "note", "message": "m", "labels": []}]}),
    );
}
