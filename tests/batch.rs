//! `wcmigrate batch` as a team runs it over many cases: what each case's record says, exit codes, the
//! same report whatever the number of threads, what is (not) written and where, refused escapes,
//! secrets, --fail-fast, manifests, and the shipped corpus end to end. Every corpus here is built in a
//! temporary folder.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

mod schema;

use assert_cmd::Command;
use serde_json::Value;

/// An admin's backup: carries a password, an SDK URL to remap and a key NEW lacks; no warnings.
const OLD: &str = r#"<?xml version="1.0"?>
<configuration>
  <appSettings>
    <add key="USE_WEB_SERVICE_SDK" value="true" />
    <add key="WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD" value="Hunter2&amp;Co" />
    <add key="SSL_REQUIRED" value="false" />
  </appSettings>
  <applicationSettings>
    <pfup.Properties.Settings>
      <setting name="pfup_pfwssdk_PfWsSdk" serializeAs="String">
        <value>https://mfa.contoso.com/PhoneFactorWebServiceSdk/PfWsSdk.asmx</value>
      </setting>
    </pfup.Properties.Settings>
  </applicationSettings>
</configuration>
"#;

const NEW: &str = "<?xml version=\"1.0\"?>\r\n<configuration>\r\n  <configSections>\r\n    <sectionGroup name=\"applicationSettings\" type=\"System.Configuration.ApplicationSettingsGroup, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089\">\r\n      <section name=\"pfup.Properties.Settings\" type=\"System.Configuration.ClientSettingsSection, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089\" requirePermission=\"false\" />\r\n    </sectionGroup>\r\n  </configSections>\r\n  <appSettings>\r\n    <add key=\"USE_WEB_SERVICE_SDK\" value=\"false\" />\r\n    <add key=\"WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD\" value=\"\" />\r\n  </appSettings>\r\n  <applicationSettings>\r\n    <pfup.Properties.Settings>\r\n      <setting name=\"pfup_pfwssdk_PfWsSdk\" serializeAs=\"String\">\r\n        <value>http://localhost:4898/PfWsSdk.asmx</value>\r\n      </setting>\r\n    </pfup.Properties.Settings>\r\n  </applicationSettings>\r\n</configuration>\r\n";

/// OLD defining the password twice (W201), the second time with another secret.
fn warning_old() -> String {
    OLD.replace(
        "    <add key=\"SSL_REQUIRED\"",
        "    <add key=\"WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD\" value=\"Swordfish9\" />\n    <add key=\"SSL_REQUIRED\"",
    )
}

/// OLD with other values, so that generated cases differ.
fn varied_old(i: usize) -> String {
    OLD.replace("Hunter2", &format!("Hunter2x{i}"))
        .replace("mfa.contoso.com", &format!("mfa{i}.contoso.com"))
}

struct Corpus {
    tmp: tempfile::TempDir,
}

impl Corpus {
    fn new() -> Corpus {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("cases")).unwrap();
        Corpus { tmp }
    }

    /// The folder the corpus lives in; `cases/` is DIR.
    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    fn file(&self, rel: &str, bytes: impl AsRef<[u8]>) -> &Corpus {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
        self
    }

    /// A case folder `cases/<rel>` with old.config and new.config.
    fn case(&self, rel: &str, old: impl AsRef<[u8]>, new: impl AsRef<[u8]>) -> &Corpus {
        self.file(&format!("cases/{rel}/old.config"), old)
            .file(&format!("cases/{rel}/new.config"), new)
    }

    /// Good, unchanged, warned and three bad cases (malformed XML, invalid UTF-8, no new.config).
    fn mixed() -> Corpus {
        let c = Corpus::new();
        c.case("good/portal", OLD, NEW)
            .case("good/unchanged", NEW, NEW)
            .case("warn", warning_old(), NEW)
            .case("bad/malformed", OLD, "<configuration>\n  <appSettings>\n    <add key=\"a\" value=\"1\">\n  </appSettings>\n</configuration>\n")
            .case("bad/not-utf8", OLD, b"<configuration><appSettings><add key=\"a\" value=\"\xFF\"/></appSettings></configuration>")
            .file("cases/bad/missing-new/old.config", OLD);
        c
    }

    fn batch(&self, args: &[&str]) -> Output {
        Command::cargo_bin("wcmigrate")
            .unwrap()
            .current_dir(self.root())
            .env_remove("NO_COLOR")
            .args(["batch", "cases", "--color", "never"])
            .args(args)
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str]) -> (Value, Output) {
        let o = self.batch(&[&["--format", "json"], args].concat());
        (report(&o.stdout), o)
    }

    /// Every file under the corpus folder, with its bytes.
    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        snapshot(self.root())
    }
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let bytes = if e.path_is_symlink() {
                fs::read_link(e.path())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
                    .into_bytes()
            } else {
                fs::read(e.path()).unwrap()
            };
            (e.path().strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// (case, status) of every record, in report order.
fn statuses(v: &Value) -> Vec<(String, String)> {
    records(v)
        .iter()
        .map(|r| {
            (
                r["case"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn records(v: &Value) -> &Vec<Value> {
    v["cases"].as_array().expect("a cases list")
}

fn record<'a>(v: &'a Value, case: &str) -> &'a Value {
    records(v)
        .iter()
        .find(|r| r["case"] == case)
        .unwrap_or_else(|| panic!("no case {case} in {v:#}"))
}

fn first_code(r: &Value) -> &str {
    r["diagnostics"][0]["code"].as_str().unwrap_or("")
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A batch report (NDJSON, every line checked against the schema) as one value: the summary's
/// fields, and the case records under `cases`.
fn report(ndjson: &[u8]) -> Value {
    let (cases, mut summary) = schema::batch_report(ndjson);
    summary["cases"] = Value::Array(cases);
    summary
}

fn without_timing(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("elapsed_ms");
    v
}

/// What `wcmigrate merge --format json` reports for the same pair.
fn merge_report(old: &Path, new: &Path) -> Value {
    let o = Command::cargo_bin("wcmigrate")
        .unwrap()
        .arg("merge")
        .arg(old)
        .arg(new)
        .args(["--format", "json"])
        .output()
        .unwrap();
    schema::merge_report(&o.stdout)
}

#[test]
fn each_case_gets_a_record_in_path_order_and_a_failure_exits_2() {
    let c = Corpus::mixed();
    let (v, o) = c.json(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(v["version"], 2);
    assert_eq!(
        (&v["type"], &v["ok"], &v["exit_code"]),
        (&"summary".into(), &false.into(), &2.into())
    );
    assert_eq!(
        statuses(&v),
        pairs(&[
            ("bad/malformed", "failed"),
            ("bad/missing-new", "failed"),
            ("bad/not-utf8", "failed"),
            ("good/portal", "changed"),
            ("good/unchanged", "unchanged"),
            ("warn", "changed"),
        ])
    );
    let malformed = record(&v, "bad/malformed");
    assert_eq!(first_code(malformed), "E003");
    assert_eq!(
        malformed["diagnostics"][0]["labels"][0]["file"],
        "cases/bad/malformed/new.config"
    );
    assert_eq!(
        (
            &malformed["diagnostics"][0]["labels"][0]["line"],
            &malformed["diagnostics"][0]["labels"][0]["column"]
        ),
        (&Value::from(4), &Value::from(5))
    );
    assert_eq!(first_code(record(&v, "bad/not-utf8")), "E002");
    let missing = record(&v, "bad/missing-new");
    assert_eq!(first_code(missing), "E001");
    assert!(missing["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("cases/bad/missing-new/new.config"));

    // A good case's record says what `merge` says of the same pair.
    let good = record(&v, "good/portal");
    let merged = merge_report(
        &c.path("cases/good/portal/old.config"),
        &c.path("cases/good/portal/new.config"),
    );
    let mut by_rule = BTreeMap::new();
    for change in merged["changes"].as_array().unwrap() {
        *by_rule
            .entry(change["rule"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    assert_eq!(
        good["changes_by_rule"],
        serde_json::to_value(&by_rule).unwrap()
    );
    assert_eq!(
        good["changes_by_rule"],
        serde_json::json!({"R101": 3, "R102": 1, "R104": 1})
    );
    assert_eq!(good["changes"], 5);
    assert_eq!(good["output"], Value::Null, "a dry run writes nothing");
    let warn = record(&v, "warn");
    assert!(warn["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "W201" && d["severity"] == "warning"));
    assert_eq!(record(&v, "good/unchanged")["changes"], 0);

    let t = &v["totals"];
    assert_eq!(
        (&t["cases"], &t["changed"], &t["unchanged"], &t["failed"]),
        (
            &Value::from(6),
            &Value::from(2),
            &Value::from(1),
            &Value::from(3)
        )
    );
    assert_eq!(t["errors"], 3);
    assert!(t["warnings"].as_u64().unwrap() >= 1);
    assert_eq!(t["conflicts"], 0);
    assert!(v["elapsed_ms"].is_u64());
}

#[test]
fn exit_code_is_1_for_warnings_only_with_deny_warnings_and_2_for_any_failure() {
    let c = Corpus::new();
    c.case("a", OLD, NEW).case("b", warning_old(), NEW);
    assert_eq!(c.batch(&[]).status.code(), Some(0));
    let o = c.batch(&["--deny-warnings"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--deny-warnings"));

    let clean = Corpus::new();
    clean.case("a", OLD, NEW).case("b", NEW, NEW);
    assert_eq!(clean.batch(&["--deny-warnings"]).status.code(), Some(0));

    c.case("c", OLD, "<configuration>");
    assert_eq!(c.batch(&["--deny-warnings"]).status.code(), Some(2));
    assert_eq!(c.batch(&[]).status.code(), Some(2));
}

#[test]
fn one_thread_or_eight_give_the_same_report() {
    let c = Corpus::mixed();
    for i in 0..40 {
        c.case(&format!("gen/{i:02}"), varied_old(i), NEW);
    }
    c.case("gen/20-broken", OLD, "<configuration><appSettings>");
    let (one, o1) = c.json(&["--jobs", "1", "--report", "one.json"]);
    let (eight, o8) = c.json(&["--jobs", "8", "--report", "eight.json"]);
    assert_eq!(o1.status.code(), Some(2));
    assert_eq!(o8.status.code(), Some(2));
    assert_eq!(records(&one).len(), 47);
    assert_eq!(without_timing(one.clone()), without_timing(eight));
    let file = report(&fs::read(c.path("one.json")).unwrap());
    assert_eq!(
        without_timing(file),
        without_timing(one),
        "--report holds the same document as --format json"
    );
}

#[test]
fn out_mirrors_the_case_tree_and_writes_nowhere_else() {
    let c = Corpus::mixed();
    c.file("cases/good/portal/about.md", "notes");
    let before = snapshot(&c.path("cases"));
    let (v, o) = c.json(&["--out", "out"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(before, snapshot(&c.path("cases")), "DIR is never written");
    let top: Vec<String> = fs::read_dir(c.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        top.iter().filter(|n| *n != "cases").collect::<Vec<_>>(),
        vec!["out"]
    );
    let written: Vec<PathBuf> = snapshot(&c.path("out")).into_keys().collect();
    let expected: Vec<PathBuf> = ["good/portal", "good/unchanged", "warn"]
        .iter()
        .flat_map(|case| {
            [
                Path::new(case).join("merged.config"),
                Path::new(case).join("merged.diff"),
            ]
        })
        .collect();
    assert_eq!(written, expected, "failed cases get no output");

    // The merged file is what `merge -o` writes; the diff is NEW -> merged, secrets masked.
    let reference = c.path("reference.config");
    Command::cargo_bin("wcmigrate")
        .unwrap()
        .current_dir(c.root())
        .args([
            "merge",
            "cases/good/portal/old.config",
            "cases/good/portal/new.config",
            "-o",
        ])
        .arg(&reference)
        .assert()
        .code(0);
    assert_eq!(
        fs::read(c.path("out/good/portal/merged.config")).unwrap(),
        fs::read(&reference).unwrap()
    );
    let diff = fs::read_to_string(c.path("out/good/portal/merged.diff")).unwrap();
    assert!(diff
        .starts_with("diff --git a/cases/good/portal/new.config b/cases/good/portal/new.config\n"));
    assert!(diff.contains("+    <add key=\"USE_WEB_SERVICE_SDK\" value=\"true\" />"));
    assert_eq!(
        fs::read(c.path("out/good/unchanged/merged.config")).unwrap(),
        NEW.as_bytes()
    );
    assert!(fs::read(c.path("out/good/unchanged/merged.diff"))
        .unwrap()
        .is_empty());
    let good = record(&v, "good/portal");
    assert_eq!(good["output"], "out/good/portal/merged.config");
    assert_eq!(good["diff"], "out/good/portal/merged.diff");
    assert_eq!(record(&v, "bad/malformed")["output"], Value::Null);
}

#[test]
fn a_dry_run_writes_nothing_anywhere() {
    let c = Corpus::mixed();
    let before = c.snapshot();
    let (v, _) = c.json(&["--jobs", "2"]);
    let o = c.batch(&[]);
    assert_eq!(c.snapshot(), before);
    assert!(records(&v)
        .iter()
        .all(|r| r["output"].is_null() && r["diff"].is_null()));
    assert!(stderr(&o).contains("dry run: nothing written"));
}

#[cfg(unix)]
#[test]
fn links_out_of_dir_are_refused_and_links_inside_are_read() {
    use std::os::unix::fs::symlink;
    let c = Corpus::new();
    c.case("good", OLD, NEW)
        .file(
            "elsewhere/old.config",
            OLD.replace("Hunter2", "OutsideSecret"),
        )
        .file("elsewhere/new.config", NEW);
    // A case file linked out of DIR, a case folder linked out of DIR, a case file linked inside DIR.
    c.file("cases/linked-file/new.config", NEW);
    symlink(
        c.path("elsewhere/old.config"),
        c.path("cases/linked-file/old.config"),
    )
    .unwrap();
    symlink("../elsewhere", c.path("cases/linked-dir")).unwrap();
    c.file("cases/linked-inside/new.config", NEW);
    symlink(
        "../good/old.config",
        c.path("cases/linked-inside/old.config"),
    )
    .unwrap();

    let (v, o) = c.json(&["--out", "out", "--show-secrets"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        statuses(&v),
        pairs(&[
            ("good", "changed"),
            ("linked-dir", "failed"),
            ("linked-file", "failed"),
            ("linked-inside", "changed"),
        ])
    );
    for case in ["linked-dir", "linked-file"] {
        let r = record(&v, case);
        assert_eq!(first_code(r), "E012", "{r:#}");
        let message = r["diagnostics"][0]["message"].as_str().unwrap();
        assert!(message.contains("outside DIR"), "{message}");
        assert!(!c.path(&format!("out/{case}")).exists());
    }
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("OutsideSecret"),
        "a refused file is not read"
    );
    assert!(c.path("out/linked-inside/merged.config").is_file());
}

#[cfg(unix)]
#[test]
fn a_link_inside_outdir_is_not_written_through() {
    let c = Corpus::new();
    c.case("site/portal", OLD, NEW).case("other", OLD, NEW);
    fs::create_dir_all(c.path("out")).unwrap();
    fs::create_dir_all(c.path("victim")).unwrap();
    std::os::unix::fs::symlink(c.path("victim"), c.path("out/site")).unwrap();
    let (v, o) = c.json(&["--out", "out"]);
    assert_eq!(o.status.code(), Some(2));
    let r = record(&v, "site/portal");
    assert_eq!(
        (r["status"].as_str(), first_code(r)),
        (Some("failed"), "E012")
    );
    assert!(
        fs::read_dir(c.path("victim")).unwrap().next().is_none(),
        "nothing is created through the link"
    );
    assert_eq!(record(&v, "other")["status"], "changed");
}

#[test]
fn a_manifest_lists_cases_anywhere_and_refuses_names_that_leave_outdir() {
    let c = Corpus::new();
    c.case("one", OLD, NEW)
        .file("far/away/old.config", OLD)
        .file("far/away/new.config", NEW);
    let manifest = serde_json::json!([
        {"name": "site1/portal", "old": "../cases/one/old.config", "new": "../cases/one/new.config"},
        {"name": "site2/sdk", "old": "../far/away/old.config", "new": "../far/away/new.config",
         "args": ["--sdk-vdir", "MfaSdk"]},
        {"name": "../escape", "old": "../cases/one/old.config", "new": "../cases/one/new.config"},
        {"name": "/abs", "old": "../cases/one/old.config", "new": "../cases/one/new.config"},
        {"name": "site1/portal", "old": "../cases/one/old.config", "new": "../cases/one/new.config"},
        {"name": "missing", "old": "../cases/one/old.config", "new": "nope.config"}
    ]);
    c.file("lists/manifest.json", manifest.to_string());
    let o = Command::cargo_bin("wcmigrate")
        .unwrap()
        .current_dir(c.root())
        .args([
            "batch",
            "lists/manifest.json",
            "--format",
            "json",
            "--out",
            "out",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v = report(&o.stdout);
    assert_eq!(
        statuses(&v),
        pairs(&[
            ("site1/portal", "changed"),
            ("site2/sdk", "changed"),
            ("../escape", "failed"),
            ("/abs", "failed"),
            ("site1/portal", "failed"),
            ("missing", "failed"),
        ]),
        "manifest order is kept"
    );
    let codes: Vec<&str> = records(&v)[2..].iter().map(first_code).collect();
    assert_eq!(codes, ["E012", "E012", "E013", "E001"]);
    let sdk = fs::read_to_string(c.path("out/site2/sdk/merged.config")).unwrap();
    assert!(
        sdk.contains("https://mfa.contoso.com/MfaSdk/PfWsSdk.asmx"),
        "{sdk}"
    );
    assert!(c.path("out/site1/portal/merged.config").is_file());
    assert!(!c.path("escape").exists() && !Path::new("/abs").exists());
    let mut top: Vec<String> = fs::read_dir(c.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["cases", "far", "lists", "out"]);
}

#[test]
fn secrets_stay_masked_everywhere_but_the_merged_file_unless_asked() {
    let c = Corpus::mixed();
    let (v, o) = c.json(&["--out", "out", "--report", "report.json"]);
    let human = c.batch(&["--deny-warnings"]);
    let mut shown = String::from_utf8_lossy(&o.stdout).into_owned();
    shown += &stderr(&o);
    shown += &stderr(&human);
    shown += &fs::read_to_string(c.path("report.json")).unwrap();
    for case in ["good/portal", "warn"] {
        shown += &fs::read_to_string(c.path(&format!("out/{case}/merged.diff"))).unwrap();
    }
    for secret in ["Hunter2", "Swordfish9"] {
        assert!(!shown.contains(secret), "{secret} leaked:\n{shown}");
    }
    assert!(record(&v, "good/portal")["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "N307"));
    let merged = fs::read_to_string(c.path("out/good/portal/merged.config")).unwrap();
    assert!(
        merged.contains("Hunter2&amp;Co"),
        "the file always has the real value"
    );

    c.json(&["--out", "shown", "--show-secrets"]);
    let diff = fs::read_to_string(c.path("shown/good/portal/merged.diff")).unwrap();
    assert!(diff.contains("Hunter2&amp;Co"));
}

#[test]
fn fail_fast_starts_no_case_after_the_first_failure() {
    let c = Corpus::new();
    c.case("a", OLD, NEW)
        .case("b", OLD, "not xml")
        .case("c", OLD, NEW)
        .case("d", OLD, NEW);
    let (v, o) = c.json(&["--jobs", "1", "--fail-fast"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        statuses(&v),
        pairs(&[
            ("a", "changed"),
            ("b", "failed"),
            ("c", "skipped"),
            ("d", "skipped")
        ])
    );
    assert_eq!(v["totals"]["skipped"], 2);
    let human = c.batch(&["--jobs", "1", "--fail-fast"]);
    assert!(
        stderr(&human).contains("2 cases were not run"),
        "{}",
        stderr(&human)
    );
    let (all, _) = c.json(&["--jobs", "1"]);
    assert_eq!(
        statuses(&all)[2..],
        pairs(&[("c", "changed"), ("d", "changed")])[..]
    );
}

#[test]
fn an_args_file_sets_a_case_s_vdirs_and_an_unknown_flag_fails_that_case() {
    let c = Corpus::new();
    c.case("kept", OLD, NEW)
        .file("cases/kept/args", "--sdk-vdir PhoneFactorWebServiceSdk\n")
        .case("renamed", OLD, NEW)
        .file("cases/renamed/args", "--sdk-vdir=/MfaSdk/")
        .case("bogus", OLD, NEW)
        .file("cases/bogus/args", "--sdk-vdir MfaSdk --rules evil.toml\n");
    let (v, _) = c.json(&["--out", "out", "--sdk-vdir", "BatchWide"]);
    let read =
        |case: &str| fs::read_to_string(c.path(&format!("out/{case}/merged.config"))).unwrap();
    assert!(read("kept").contains("/PhoneFactorWebServiceSdk/PfWsSdk.asmx"));
    assert!(read("renamed").contains("/MfaSdk/PfWsSdk.asmx"));
    let bogus = record(&v, "bogus");
    assert_eq!(
        (bogus["status"].as_str(), first_code(bogus)),
        (Some("failed"), "E013")
    );
    assert!(bogus["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("--rules"));

    let batch_wide = Corpus::new();
    batch_wide.case("x", OLD, NEW);
    batch_wide.batch(&["--out", "out", "--sdk-vdir", "BatchWide"]);
    assert!(fs::read_to_string(batch_wide.path("out/x/merged.config"))
        .unwrap()
        .contains("/BatchWide/PfWsSdk.asmx"));
}

#[test]
fn the_human_summary_is_a_table_then_the_failing_cases_on_stderr_only() {
    let c = Corpus::mixed();
    let o = c.batch(&["--report", "r.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "human mode prints nothing on stdout");
    let err = stderr(&o);
    assert!(
        !err.contains('\x1b') && !err.contains('\r'),
        "no progress bar nor colour off a terminal:\n{err:?}"
    );
    let lines: Vec<&str> = err.lines().collect();
    let head = lines
        .iter()
        .position(|l| l.contains("cases  changed"))
        .unwrap();
    let heads: Vec<&str> = lines[head].split_whitespace().collect();
    assert_eq!(
        heads,
        [
            "cases",
            "changed",
            "unchanged",
            "failed",
            "skipped",
            "warnings",
            "conflicts",
            "errors",
            "time"
        ]
    );
    let values: Vec<&str> = lines[head + 1].split_whitespace().collect();
    assert_eq!(values[..5], ["6", "2", "1", "3", "0"]);
    assert!(err.contains("failed cases (3):"), "{err}");
    assert!(
        err.contains(
            "  bad/malformed\n      E003(malformed-xml) cases/bad/malformed/new.config:4:5:"
        ),
        "{err}"
    );
    assert!(err.contains("E001(unreadable-file)"));
    assert!(err.contains("warn\n      W201(duplicate-key)"), "{err}");
    assert!(c.path("r.json").is_file());
}

#[test]
fn bad_invocations_exit_2_and_say_why() {
    let c = Corpus::new();
    let run = |args: &[&str]| {
        Command::cargo_bin("wcmigrate")
            .unwrap()
            .current_dir(c.root())
            .args(["batch", "--color", "never"])
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["nowhere"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("E001") && stderr(&o).contains("nowhere"));
    let o = run(&["cases"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("E013") && stderr(&o).contains("no cases found"),
        "{}",
        stderr(&o)
    );
    c.file("bad.json", "[{\"name\": \"x\", \"old\": \"a\"}]");
    let o = run(&["bad.json", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = report(&o.stdout);
    assert_eq!((&v["ok"], &v["exit_code"]), (&false.into(), &2.into()));
    assert_eq!(v["cases"], serde_json::json!([]));
    let message = v["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("bad.json:1:") && message.contains("missing field `new`"),
        "{message}"
    );
    c.case("a", OLD, NEW);
    assert_eq!(run(&["cases", "--jobs", "0"]).status.code(), Some(2));
    let o = run(&["cases", "--report", "no/such/folder/r.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("E007"));
}

#[test]
fn the_shipped_corpus_migrates_every_case_to_its_expected_output() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let out = tempfile::tempdir().unwrap();
    let o = Command::cargo_bin("wcmigrate")
        .unwrap()
        .arg("batch")
        .arg(&corpus)
        .args(["--format", "json", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let v = report(&o.stdout);
    let folders = fs::read_dir(&corpus)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("old.config").is_file())
        .count();
    assert!(folders >= 15);
    assert_eq!(records(&v).len(), folders);
    for r in records(&v) {
        let case = r["case"].as_str().unwrap();
        assert!(
            r["status"] == "changed" || r["status"] == "unchanged",
            "{case}: {r:#}"
        );
        assert_eq!(
            fs::read(out.path().join(case).join("merged.config")).unwrap(),
            fs::read(corpus.join(case).join("expected.config")).unwrap(),
            "{case}"
        );
    }
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_case_with_base_config_runs_the_three_way_merge() {
    let c = Corpus::new();
    let base = OLD
        .replace("value=\"true\"", "value=\"false\"")
        .replace("Hunter2&amp;Co", "");
    c.case("three", OLD, NEW)
        .file("cases/three/base.config", base)
        .case("two", OLD, NEW);
    let (v, o) = c.json(&["--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    assert_eq!(
        statuses(&v),
        pairs(&[("three", "changed"), ("two", "changed")])
    );
    let merged = fs::read_to_string(c.path("out/three/merged.config")).unwrap();
    assert!(merged.contains("<add key=\"USE_WEB_SERVICE_SDK\" value=\"true\" />"));
}

#[test]
fn unusable_vdir_values_in_args_fail_that_case_and_on_the_command_line_stop_the_run() {
    let c = Corpus::new();
    c.case("good", OLD, NEW);
    for (case, args) in [
        ("query", "--sdk-vdir Mfa?x=1"),
        ("fragment", "--portal-vdir=Mfa#top"),
        ("dotdot", "--mobile-vdir .."),
        ("slash", "--sdk-vdir a/b"),
        ("empty", "--sdk-vdir=/"),
        ("control", "--sdk-vdir Mfa\u{1b}[2J"),
    ] {
        c.case(case, OLD, NEW)
            .file(&format!("cases/{case}/args"), args);
    }
    let (v, o) = c.json(&["--out", "out"]);
    assert_eq!(o.status.code(), Some(2));
    for r in records(&v) {
        let case = r["case"].as_str().unwrap();
        if case == "good" {
            assert_eq!(r["status"], "changed");
            continue;
        }
        assert_eq!(
            (r["status"].as_str(), first_code(r)),
            (Some("failed"), "E017"),
            "{case}: {r:#}"
        );
        assert!(!c.path(&format!("out/{case}")).exists(), "{case}");
    }
    let before = c.snapshot();
    let o = c.batch(&["--out", "out2", "--portal-vdir", "a b"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("E017"), "{}", stderr(&o));
    assert_eq!(c.snapshot(), before, "nothing written");
}

#[test]
fn case_timeout_takes_seconds_and_zero_turns_the_bound_off() {
    let c = Corpus::new();
    c.case("a", OLD, NEW);
    // No verdict here depends on time: the bound itself is tested with a case that never ends
    // (src/batch/run.rs, a_case_that_never_ends_fails_with_case_timeout_and_the_others_run).
    for secs in ["0", "3600"] {
        let (v, o) = c.json(&["--case-timeout", secs]);
        assert_eq!(o.status.code(), Some(0), "{secs}: {}", stderr(&o));
        assert_eq!(statuses(&v), pairs(&[("a", "changed")]));
    }
    let o = c.batch(&["--case-timeout", "soon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--case-timeout"), "{}", stderr(&o));
}

/// Batch used to check links only while walking DIR: a case folder replaced by a link afterwards was
/// followed when the case ran. The swap is made between finding the cases and running them, through
/// the library, so that it is deterministic.
#[cfg(unix)]
#[test]
fn a_case_folder_swapped_for_a_link_after_the_walk_is_not_followed() {
    use wcmigrate::batch::{find_cases, run, Settings};
    let c = Corpus::new();
    c.case("a", OLD, NEW)
        .case("b", OLD, NEW)
        .case("c", OLD, NEW)
        .file(
            "elsewhere/old.config",
            OLD.replace("Hunter2", "OutsideSecret"),
        )
        .file("elsewhere/new.config", NEW);
    let cases = find_cases(&c.path("cases")).unwrap();
    // b now leads out of DIR, c to another case inside DIR: neither is where the walk found it.
    fs::rename(c.path("cases/b"), c.path("b-moved")).unwrap();
    std::os::unix::fs::symlink("../elsewhere", c.path("cases/b")).unwrap();
    fs::rename(c.path("cases/c"), c.path("c-moved")).unwrap();
    std::os::unix::fs::symlink("a", c.path("cases/c")).unwrap();
    let settings = Settings {
        merge: wcmigrate::Options {
            show_secrets: true,
            ..Default::default()
        },
        out: Some(c.path("out")),
        ..Settings::default()
    };
    let mut records = Vec::new();
    let rules = wcmigrate::Rules::builtin();
    run(&cases, &rules, &settings, &|_| {}, &mut |r| {
        records.push(r.clone());
        Ok(())
    })
    .unwrap();
    let got: Vec<(String, String)> = records
        .iter()
        .map(|r| (r.case.clone(), format!("{:?}", r.status)))
        .collect();
    assert_eq!(
        got,
        pairs(&[("a", "Changed"), ("b", "Failed"), ("c", "Failed")])
    );
    for r in &records[1..] {
        let d = &r.diagnostics[0];
        assert_eq!(d.code, "E012", "{d:?}");
        assert!(d.message.contains("replaced by a link"), "{}", d.message);
        assert!(!c.path(&format!("out/{}", r.case)).exists());
    }
    let report = serde_json::to_string(&records).unwrap();
    assert!(!report.contains("OutsideSecret"), "nothing was read there");
}

/// A manifest used to be read whole with no type or size check: a FIFO hung the run, /dev/zero ate
/// memory. It is read like an input now.
#[cfg(unix)]
#[test]
fn a_manifest_is_read_like_an_input() {
    let c = Corpus::new();
    c.case("a", OLD, NEW);
    let manifest = r#"[{"name": "a", "old": "cases/a/old.config", "new": "cases/a/new.config"}]"#;
    c.file("big.json", format!("{manifest}{}", " ".repeat(200)));
    std::os::unix::fs::symlink("/dev/zero", c.path("zero.json")).unwrap();
    fs::create_dir(c.path("folder.json")).unwrap();
    let run = |args: &[&str]| {
        Command::cargo_bin("wcmigrate")
            .unwrap()
            .current_dir(c.root())
            .args(["batch", "--color", "never"])
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["big.json", "--max-size", "100"]);
    assert!(
        stderr(&o).contains("E011") && stderr(&o).contains("batch manifest: big.json is"),
        "{}",
        stderr(&o)
    );
    let o = run(&["zero.json"]);
    assert!(
        stderr(&o).contains("E001") && stderr(&o).contains("zero.json is not a regular file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(2));
    // A FIFO: whoever opens it for reading gets a valid manifest. wcmigrate must refuse it unopened.
    let fifo = c.path("fifo.json");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let writer = {
        let (fifo, manifest) = (fifo.clone(), manifest.to_string());
        std::thread::spawn(move || {
            if let Ok(mut f) = fs::OpenOptions::new().write(true).open(&fifo) {
                let _ = std::io::Write::write_all(&mut f, manifest.as_bytes());
            }
        })
    };
    let o = run(&["fifo.json", "--format", "json"]);
    // Release the writer if wcmigrate never opened the FIFO (it would be blocked in open).
    drop(
        fs::OpenOptions::new()
            .read(true)
            .custom_flags_nonblocking()
            .open(&fifo),
    );
    writer.join().unwrap();
    let err = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("E001") && err.contains("fifo.json is not a regular file"),
        "{err}"
    );
}

#[cfg(unix)]
trait NonBlocking {
    fn custom_flags_nonblocking(&mut self) -> &mut Self;
}

#[cfg(unix)]
impl NonBlocking for fs::OpenOptions {
    fn custom_flags_nonblocking(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
    }
}

#[test]
fn a_case_whose_base_is_its_new_fails_and_a_copy_of_new_gets_a_warning() {
    let c = Corpus::new();
    c.case("copy", OLD, NEW)
        .file("cases/copy/base.config", NEW)
        .case("same", OLD, NEW);
    fs::hard_link(
        c.path("cases/same/new.config"),
        c.path("cases/same/base.config"),
    )
    .unwrap();
    let (v, o) = c.json(&["--out", "out"]);
    assert_eq!(o.status.code(), Some(2));
    let same = record(&v, "same");
    assert_eq!(
        (same["status"].as_str(), first_code(same)),
        (Some("failed"), "E016")
    );
    assert!(!c.path("out/same").exists());
    let copy = record(&v, "copy");
    assert_eq!(
        (copy["status"].as_str(), first_code(copy)),
        (Some("changed"), "W211")
    );
}
