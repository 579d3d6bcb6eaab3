//! Every case under `corpus/` is migrated by the real binary and compared byte for byte with its
//! `expected.config`. `WCMIGRATE_BLESS=1 cargo test --test corpus` rewrites the expectations after review.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut out: Vec<PathBuf> = fs::read_dir(&root)
        .expect("corpus/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("old.config").is_file() && p.join("new.config").is_file())
        .collect();
    out.sort();
    assert!(out.len() >= 15, "the corpus lost cases: {out:?}");
    out
}

/// The case's extra arguments: its `args` file, plus `--base` for a 3-way case.
fn args(case: &Path) -> Vec<String> {
    let mut a: Vec<String> = fs::read_to_string(case.join("args"))
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    if case.join("base.config").is_file() {
        a.push("--base".into());
        a.push(case.join("base.config").display().to_string());
    }
    a
}

fn run_merge(old: &Path, new: &Path, extra: &[String], out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .arg("merge")
        .arg(old)
        .arg(new)
        .args(extra)
        .arg("-o")
        .arg(out)
        .args(["--show-secrets", "--color", "never"])
        .output()
        .expect("wcmigrate runs")
}

#[test]
fn every_case_matches_its_expected_output_byte_for_byte() {
    let bless = std::env::var_os("WCMIGRATE_BLESS").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            case.join("about.md").is_file(),
            "{name}: every case explains itself in about.md"
        );
        let out = tmp.path().join(format!("{name}.config"));
        let o = run_merge(
            &case.join("old.config"),
            &case.join("new.config"),
            &args(&case),
            &out,
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let got = fs::read(&out).unwrap();
        let expected_path = case.join("expected.config");
        if bless {
            fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = fs::read(&expected_path).unwrap_or_default();
        if got != expected {
            let (g, e) = (
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected),
            );
            let diff = similar::TextDiff::from_lines(e.as_ref(), g.as_ref())
                .unified_diff()
                .header("expected", "got")
                .to_string();
            failures.push(format!(
                "{name}: output differs from expected.config\n{diff}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rerunning_on_the_output_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let out = tmp.path().join(format!("{name}.again"));
        let o = run_merge(
            &case.join("old.config"),
            &case.join("expected.config"),
            &args(&case),
            &out,
        );
        assert_eq!(o.status.code(), Some(0), "{name}");
        assert_eq!(
            fs::read(&out).unwrap(),
            fs::read(case.join("expected.config")).unwrap(),
            "{name}: not idempotent"
        );
        assert!(
            o.stdout.is_empty(),
            "{name}: a second run still prints a diff:\n{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
}

#[test]
fn gnu_patch_applies_every_diff_to_give_the_expected_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let new_bytes = fs::read(case.join("new.config")).unwrap();
        if new_bytes.starts_with(&[0xFF, 0xFE]) || new_bytes.starts_with(&[0xFE, 0xFF]) {
            continue; // UTF-16: the diff is shown decoded (N308); covered by a CLI test.
        }
        let work = tmp.path().join(&name);
        fs::create_dir_all(&work).unwrap();
        for f in fs::read_dir(&case).unwrap() {
            let f = f.unwrap().path();
            fs::copy(&f, work.join(f.file_name().unwrap())).unwrap();
        }
        let o = Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
            .current_dir(&work)
            .args([
                "merge",
                "old.config",
                "new.config",
                "--show-secrets",
                "--color",
                "never",
            ])
            .args(args(&case))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{name}");
        fs::write(work.join("d.diff"), &o.stdout).unwrap();
        let p = Command::new("patch")
            .current_dir(&work)
            .args(["-p1", "--quiet", "--no-backup-if-mismatch", "-i", "d.diff"])
            .output()
            .expect("GNU patch is installed");
        assert!(
            p.status.success(),
            "{name}: patch failed: {}",
            String::from_utf8_lossy(&p.stdout)
        );
        assert_eq!(
            fs::read(work.join("new.config")).unwrap(),
            fs::read(case.join("expected.config")).unwrap(),
            "{name}"
        );
        checked += 1;
    }
    assert!(checked >= 10);
}
