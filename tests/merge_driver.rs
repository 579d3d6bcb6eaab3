//! `wcmigrate merge-driver` under a real `git merge`: two branches that changed different attributes
//! of one element, and two that reordered elements, conflict in git's own line merge and merge
//! cleanly through the driver; a real conflict leaves the file marked conflicted, with no markers in
//! the XML and theirs' side kept.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("git runs")
}

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A repository whose `main` holds BASE, with branch `theirs` changing it to THEIRS and `main` then
/// changing it to OURS; `.gitattributes` names the driver (not configured yet).
fn repo(base: &str, ours: &str, theirs: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    ok(git(p, &["init", "-q", "-b", "main"]));
    fs::write(p.join(".gitattributes"), "web.config merge=wcmigrate\n").unwrap();
    fs::write(p.join("web.config"), base).unwrap();
    ok(git(p, &["add", "."]));
    ok(git(p, &["commit", "-q", "-m", "base"]));
    ok(git(p, &["checkout", "-q", "-b", "theirs"]));
    fs::write(p.join("web.config"), theirs).unwrap();
    ok(git(p, &["commit", "-q", "-am", "theirs"]));
    ok(git(p, &["checkout", "-q", "main"]));
    fs::write(p.join("web.config"), ours).unwrap();
    ok(git(p, &["commit", "-q", "-am", "ours"]));
    d
}

/// `git merge theirs` without the driver (git's line merge), then with it; returns both outcomes.
fn merge_both_ways(d: &Path) -> (Output, String, Output, String) {
    let plain = git(d, &["merge", "-q", "--no-edit", "theirs"]);
    let plain_file = fs::read_to_string(d.join("web.config")).unwrap();
    ok(git(d, &["merge", "--abort"]));
    let driver = format!(
        "{} merge-driver --color never %O %A %B %P",
        env!("CARGO_BIN_EXE_wcmigrate")
    );
    ok(git(d, &["config", "merge.wcmigrate.driver", &driver]));
    let ours = git(d, &["merge", "--no-edit", "theirs"]);
    let ours_file = fs::read_to_string(d.join("web.config")).unwrap();
    (plain, plain_file, ours, ours_file)
}

const BASE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.web>
    <httpRuntime maxRequestLength="4096" executionTimeout="110" />
    <sessionState timeout="20" />
  </system.web>
  <system.webServer>
    <handlers>
      <add name="A" path="a.axd" verb="*" type="A" />
      <add name="B" path="b.axd" verb="*" type="B" />
      <add name="C" path="c.axd" verb="*" type="C" />
    </handlers>
  </system.webServer>
</configuration>
"#;

#[test]
fn different_attributes_of_one_element_merge_where_lines_conflict() {
    let ours = BASE.replace("maxRequestLength=\"4096\"", "maxRequestLength=\"16384\"");
    let theirs = BASE.replace("executionTimeout=\"110\"", "executionTimeout=\"300\"");
    let d = repo(BASE, &ours, &theirs);
    let (plain, plain_file, merged, file) = merge_both_ways(d.path());
    assert!(
        !plain.status.success(),
        "git's line merge conflicts:\n{}",
        text(&plain)
    );
    assert!(plain_file.contains("<<<<<<<"), "{plain_file}");
    assert!(merged.status.success(), "{}", text(&merged));
    assert_eq!(
        file,
        BASE.replace(
            "maxRequestLength=\"4096\" executionTimeout=\"110\"",
            "maxRequestLength=\"16384\" executionTimeout=\"300\""
        ),
        "both changes, every other byte as it was"
    );
    // A merge commit was made, with the merged file.
    let log = git(d.path(), &["log", "--oneline", "-1", "--format=%P"]);
    assert_eq!(
        String::from_utf8_lossy(&log.stdout)
            .split_whitespace()
            .count(),
        2
    );
}

#[test]
fn reordered_elements_merge_where_lines_conflict() {
    let (a, b, c) = (
        "      <add name=\"A\" path=\"a.axd\" verb=\"*\" type=\"A\" />\n",
        "      <add name=\"B\" path=\"b.axd\" verb=\"*\" type=\"B\" />\n",
        "      <add name=\"C\" path=\"c.axd\" verb=\"*\" type=\"C\" />\n",
    );
    let abc = format!("{a}{b}{c}");
    // Ours puts A last and changes its type; theirs puts C first.
    let ours = BASE.replace(
        &abc,
        &format!("{b}{c}{}", a.replace("type=\"A\"", "type=\"A2\"")),
    );
    let theirs = BASE.replace(&abc, &format!("{c}{a}{b}"));
    let d = repo(BASE, &ours, &theirs);
    let (plain, plain_file, merged, file) = merge_both_ways(d.path());
    assert!(
        !plain.status.success(),
        "git's line merge conflicts:\n{}",
        text(&plain)
    );
    assert!(plain_file.contains("<<<<<<<"), "{plain_file}");
    assert!(merged.status.success(), "{}", text(&merged));
    // Theirs' order (order is not a change to .NET's keyed collections), ours' new type.
    assert_eq!(
        file,
        BASE.replace(
            &abc,
            &format!("{c}{}{b}", a.replace("type=\"A\"", "type=\"A2\""))
        )
    );
}

#[test]
fn a_real_conflict_is_reported_and_the_file_has_no_markers() {
    let ours = BASE.replace("timeout=\"20\"", "timeout=\"60\"");
    let theirs = BASE.replace("timeout=\"20\"", "timeout=\"30\"");
    let d = repo(BASE, &ours, &theirs);
    let (plain, _, merged, file) = merge_both_ways(d.path());
    assert!(!plain.status.success());
    assert!(!merged.status.success(), "git marks the file conflicted");
    let out = text(&merged);
    assert!(out.contains("W209") && out.contains("CONFLICT"), "{out}");
    assert!(out.contains("BASE \"20\", OLD \"60\", NEW \"30\""), "{out}");
    assert!(
        !file.contains("<<<<<<<") && !file.contains(">>>>>>>"),
        "{file}"
    );
    assert_eq!(file, theirs, "theirs' side kept");
    roxmltree::Document::parse(&file).expect("well-formed XML");
    let status = git(d.path(), &["status", "--porcelain"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("UU web.config"));
}

#[test]
fn the_driver_speaks_git_s_protocol_directly() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let ours = BASE.replace("maxRequestLength=\"4096\"", "maxRequestLength=\"16384\"");
    let theirs = BASE.replace("executionTimeout=\"110\"", "executionTimeout=\"300\"");
    for (name, body) in [("O", BASE), ("A", &ours), ("B", &theirs)] {
        fs::write(p.join(name), body).unwrap();
    }
    let o = Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .current_dir(p)
        .args(["merge-driver", "O", "A", "B", "site/web.config"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(fs::read_to_string(p.join("A"))
        .unwrap()
        .contains("maxRequestLength=\"16384\" executionTimeout=\"300\""));
    // A broken input: exit 2, ours left as it was.
    fs::write(p.join("B"), "<configuration><system.web>").unwrap();
    fs::write(p.join("A"), &ours).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .current_dir(p)
        .args(["merge-driver", "O", "A", "B", "site/web.config"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("E003") && text(&o).contains("site/web.config (theirs)"),
        "{}",
        text(&o)
    );
    assert_eq!(fs::read_to_string(p.join("A")).unwrap(), ours);
}
