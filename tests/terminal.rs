//! What reaches a terminal or a diff header from input files and names is shown, not obeyed:
//! control characters and bidi overrides are escaped in human output, and odd file names are quoted
//! in diff headers as git does, so `patch -p1` and `git apply` take them and a name cannot forge a
//! header line.

use std::fs;

use assert_cmd::Command;

const NEW: &str = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"\" />\n  </appSettings>\n</configuration>\n";

fn run(dir: &std::path::Path, args: &[&str]) -> (String, String, Option<i32>) {
    let o = Command::cargo_bin("wcmigrate")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.code(),
    )
}

#[test]
fn a_bidi_override_in_a_key_name_is_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let old = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n    <add key=\"evil\u{202E}gpj.exe\" value=\"x\" />\n  </appSettings>\n</configuration>\n";
    fs::write(dir.path().join("old.config"), old).unwrap();
    fs::write(dir.path().join("new.config"), NEW).unwrap();
    let (_, err, code) = run(dir.path(), &["merge", "old.config", "new.config"]);
    assert_eq!(code, Some(0));
    assert!(
        !err.contains('\u{202E}'),
        "raw U+202E reached the terminal:\n{err}"
    );
    assert!(err.contains("evil\\u{202E}gpj.exe"), "{err}");
}

#[test]
fn a_file_name_with_a_newline_cannot_forge_a_diff_header() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("site\n+++ b");
    fs::create_dir(&sub).unwrap();
    let old = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n  </appSettings>\n</configuration>\n";
    fs::write(sub.join("old.config"), old).unwrap();
    fs::write(sub.join("new.config"), NEW).unwrap();
    let (out, err, code) = run(
        dir.path(),
        &["merge", "site\n+++ b/old.config", "site\n+++ b/new.config"],
    );
    assert_eq!(code, Some(0), "{err}");
    let headers: Vec<&str> = out.lines().take(3).collect();
    assert_eq!(
        headers,
        [
            "diff --git \"a/site\\n+++ b/new.config\" \"b/site\\n+++ b/new.config\"",
            "--- \"a/site\\n+++ b/new.config\"",
            "+++ \"b/site\\n+++ b/new.config\""
        ]
    );
    assert!(
        !err.contains("site\n"),
        "a raw newline of the name reached stderr:\n{err}"
    );
    // git apply reads the quoted name back and applies the diff.
    fs::write(dir.path().join("d.diff"), &out).unwrap();
    let ok = std::process::Command::new("git")
        .current_dir(dir.path())
        .args(["apply", "d.diff"])
        .status()
        .expect("git is installed");
    assert!(ok.success());
    assert!(fs::read_to_string(sub.join("new.config"))
        .unwrap()
        .contains("value=\"1\""));
}

#[test]
fn a_name_with_a_space_applies_with_patch() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("my site");
    fs::create_dir(&sub).unwrap();
    let old = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n  </appSettings>\n</configuration>\n";
    fs::write(sub.join("old.config"), old).unwrap();
    fs::write(sub.join("new.config"), NEW).unwrap();
    let (out, _, _) = run(
        dir.path(),
        &["merge", "my site/old.config", "my site/new.config"],
    );
    assert!(out.contains("--- a/my site/new.config\t\n"), "{out}");
    fs::write(dir.path().join("d.diff"), &out).unwrap();
    let ok = std::process::Command::new("patch")
        .current_dir(dir.path())
        .args(["-p1", "-i", "d.diff"])
        .status()
        .expect("GNU patch is installed");
    assert!(ok.success());
    assert!(fs::read_to_string(sub.join("new.config"))
        .unwrap()
        .contains("value=\"1\""));
}

#[test]
fn batch_case_names_and_rules_files_reach_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("cases/site\u{1b}[2J\nfake");
    fs::create_dir_all(&case).unwrap();
    // A near-miss key name: a warning, so the summary lists the case.
    let old = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n    <add key=\"WEB_SERVICES_SDK_AUTHENTICATION_USERNAME\" value=\"x\" />\n  </appSettings>\n</configuration>\n";
    fs::write(case.join("old.config"), old).unwrap();
    fs::write(case.join("new.config"), NEW).unwrap();
    let (_, err, code) = run(dir.path(), &["batch", "cases", "--out", "out"]);
    assert!(err.contains("site\\u{001B}[2J\\nfake"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "an ESC reached the terminal:\n{err}"
    );
    // No Windows folder can hold an ESC or a newline, so the case fails (E019) and no diff is written
    // under a name that would re-target its header (headers quote odd names: src/diff.rs tests).
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("E019"), "{err}");
    assert!(!dir.path().join("out/site\u{1b}[2J\nfake").exists());

    let rules = wcmigrate::rules::DEFAULT_RULES.replacen(
        "summary = \"Copy every appSettings value",
        // TOML's own escapes: the parsed summary holds a real ESC and BEL.
        "summary = \"\\u001B]0;owned\\u0007Copy every appSettings value",
        1,
    );
    fs::write(dir.path().join("rules.toml"), rules).unwrap();
    let (out, err, code) = run(dir.path(), &["rules", "--rules", "rules.toml"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out}");
    assert!(out.contains("\\u{001B}]0;owned\\u{0007}Copy"), "{out}");
}
