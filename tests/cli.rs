//! The command line as an admin uses it: each behaviour, each error path, and what is (not) written.

use std::fs;
use std::path::{Path, PathBuf};

mod schema;

use assert_cmd::Command;
use predicates::prelude::*;

const OLD: &str = r#"<?xml version="1.0"?>
<configuration>
  <appSettings>
    <add key="USE_WEB_SERVICE_SDK" value="true" />
    <add key="WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD" value="Hunter2&amp;Co" />
    <add key="SSL_REQUIRED" value="false" />
  </appSettings>
  <system.web>
    <pages theme="Contoso" />
  </system.web>
  <applicationSettings>
    <pfup.Properties.Settings>
      <setting name="pfup_pfwssdk_PfWsSdk" serializeAs="String">
        <value>https://mfa.contoso.com/PhoneFactorWebServiceSdk/PfWsSdk.asmx</value>
      </setting>
    </pfup.Properties.Settings>
  </applicationSettings>
</configuration>
"#;

const NEW: &str = "<?xml version=\"1.0\"?>\r\n<configuration>\r\n  <configSections>\r\n    <sectionGroup name=\"applicationSettings\" type=\"System.Configuration.ApplicationSettingsGroup, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089\">\r\n      <section name=\"pfup.Properties.Settings\" type=\"System.Configuration.ClientSettingsSection, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089\" requirePermission=\"false\" />\r\n    </sectionGroup>\r\n  </configSections>\r\n  <appSettings>\r\n    <add key=\"USE_WEB_SERVICE_SDK\" value=\"false\" />\r\n    <add key=\"WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD\" value=\"\" />\r\n  </appSettings>\r\n  <system.web>\r\n    <pages theme=\"Default\" />\r\n  </system.web>\r\n  <applicationSettings>\r\n    <pfup.Properties.Settings>\r\n      <setting name=\"pfup_pfwssdk_PfWsSdk\" serializeAs=\"String\">\r\n        <value>http://localhost:4898/PfWsSdk.asmx</value>\r\n      </setting>\r\n    </pfup.Properties.Settings>\r\n  </applicationSettings>\r\n</configuration>\r\n";

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(old: &str, new: &str) -> Case {
        Case::bytes(old.as_bytes(), new.as_bytes())
    }
    fn bytes(old: &[u8], new: &[u8]) -> Case {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("old.config"), old).unwrap();
        fs::write(dir.path().join("new.config"), new).unwrap();
        Case { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("wcmigrate").unwrap();
        c.current_dir(self.dir.path()).env_remove("NO_COLOR").args([
            "merge",
            "old.config",
            "new.config",
        ]);
        c
    }
    fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

fn stderr_of(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn dry_run_prints_a_git_style_diff_and_writes_nothing() {
    let c = Case::new(OLD, NEW);
    let o = c.cmd().output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(
        out.starts_with(
            "diff --git a/new.config b/new.config\n--- a/new.config\n+++ b/new.config\n@@ "
        ),
        "{out}"
    );
    assert!(out.contains("+        <value>https://mfa.contoso.com/MultiFactorAuthWebServiceSdk/PfWsSdk.asmx</value>\r\n"));
    assert_eq!(c.files(), vec!["new.config", "old.config"]);
    assert_eq!(fs::read_to_string(c.path("new.config")).unwrap(), NEW);
    assert!(stderr_of(&o).contains("dry run"));
}

#[test]
fn output_is_written_whole_with_every_untouched_byte_of_new() {
    let c = Case::new(OLD, NEW);
    c.cmd().args(["-o", "merged.config"]).assert().code(0);
    let merged = fs::read_to_string(c.path("merged.config")).unwrap();
    assert!(merged.contains(
        "<add key=\"WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD\" value=\"Hunter2&amp;Co\" />\r\n"
    ));
    assert!(
        merged.contains("    <add key=\"SSL_REQUIRED\" value=\"false\" />\r\n  </appSettings>"),
        "inserted with NEW's indent and CRLF"
    );
    assert!(merged.contains("<pages theme=\"Contoso\" />"));
    assert!(
        !merged.replace("\r\n", "").contains('\n'),
        "no LF-only line was introduced"
    );
    assert!(merged.contains("Version=4.0.0.0") && !merged.contains("Version=2.0.0.0"));
    assert_eq!(
        c.files(),
        vec!["merged.config", "new.config", "old.config"],
        "no temp file left"
    );
}

#[test]
fn in_place_keeps_a_backup_and_refuses_to_overwrite_one() {
    let c = Case::new(OLD, NEW);
    c.cmd().arg("--in-place").assert().code(0);
    assert_eq!(fs::read_to_string(c.path("new.config.bak")).unwrap(), NEW);
    let migrated = fs::read_to_string(c.path("new.config")).unwrap();
    assert!(migrated.contains("Hunter2&amp;Co"));

    // A second admin edit of the original must not be lost: put back NEW and try again.
    fs::write(c.path("new.config"), NEW).unwrap();
    fs::write(c.path("new.config.bak"), "earlier backup").unwrap();
    let o = c.cmd().arg("--in-place").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_of(&o).contains("E008"), "{}", stderr_of(&o));
    assert_eq!(
        fs::read_to_string(c.path("new.config.bak")).unwrap(),
        "earlier backup"
    );
    assert_eq!(fs::read_to_string(c.path("new.config")).unwrap(), NEW);

    c.cmd().args(["--in-place", "--force"]).assert().code(0);
    assert_eq!(fs::read_to_string(c.path("new.config.bak")).unwrap(), NEW);
    assert_eq!(fs::read_to_string(c.path("new.config")).unwrap(), migrated);
}

#[test]
fn check_exits_1_when_pending_and_0_when_migrated() {
    let c = Case::new(OLD, NEW);
    c.cmd().arg("--check").assert().code(1);
    assert_eq!(c.files(), vec!["new.config", "old.config"]);
    c.cmd().args(["-o", "merged.config"]).assert().code(0);
    let mut again = Command::cargo_bin("wcmigrate").unwrap();
    again
        .current_dir(c.dir.path())
        .args(["merge", "old.config", "merged.config", "--check"])
        .assert()
        .code(0)
        .stdout("");
}

fn assert_fails(c: &Case, extra: &[&str], code: &str, needles: &[&str]) {
    let o = c
        .cmd()
        .args(extra)
        .args(["-o", "out.config", "--color", "never"])
        .output()
        .unwrap();
    let err = stderr_of(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(code), "expected {code} in:\n{err}");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in:\n{err}");
    }
    assert!(
        !c.path("out.config").exists(),
        "nothing may be written on exit 2"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn malformed_xml_names_file_line_and_column() {
    let c = Case::new(OLD, "<configuration>\n  <appSettings>\n    <add key=\"a\" value=\"1\">\n  </appSettings>\n</configuration>\n");
    assert_fails(&c, &[], "E003", &["new.config:4:5", "not well-formed"]);
}

#[test]
fn invalid_encoding_names_the_byte_offset() {
    let c = Case::bytes(OLD.as_bytes(), b"<configuration><appSettings><add key=\"a\" value=\"\xFF\"/></appSettings></configuration>");
    assert_fails(&c, &[], "E002", &["at byte 48", "new.config:1:49"]);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "<?xml version=\"1.0\" encoding=\"utf-8\"?><configuration/>".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let c = Case::bytes(OLD.as_bytes(), &utf16);
    assert_fails(&c, &[], "E002", &["encoding=\"utf-8\"", "UTF-16LE"]);
}

#[test]
fn a_file_that_is_not_a_config_is_refused() {
    let c = Case::new("<html><body/></html>", NEW);
    assert_fails(&c, &[], "E004", &["old.config:1:1", "<configuration>"]);
    let c = Case::new(OLD, "<configuration xmlns=\"urn:other\"/>");
    assert_fails(&c, &[], "E004", &["urn:other"]);
}

#[test]
fn an_encrypted_section_asks_to_decrypt_on_the_old_server() {
    let old = r#"<configuration><appSettings configProtectionProvider="RsaProtectedConfigurationProvider"><EncryptedData Type="http://www.w3.org/2001/04/xmlenc#Element"/></appSettings></configuration>"#;
    let c = Case::new(old, NEW);
    assert_fails(
        &c,
        &[],
        "E005",
        &["aspnet_regiis -pdf \"appSettings\"", "old.config:1:16"],
    );
}

#[test]
fn missing_or_folder_inputs_and_bad_arguments_exit_2() {
    let c = Case::new(OLD, NEW);
    let o = c.cmd().arg("--nonsense").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let mut m = Command::cargo_bin("wcmigrate").unwrap();
    let o = m
        .current_dir(c.dir.path())
        .args(["merge", "nope.config", "new.config"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_of(&o).contains("E001") && stderr_of(&o).contains("nope.config"));
    fs::create_dir(c.path("out.config")).unwrap();
    let o = c.cmd().args(["-o", "out.config"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_of(&o).contains("E007"), "{}", stderr_of(&o));
}

#[test]
fn a_broken_rules_file_is_an_error_with_line_and_column() {
    let c = Case::new(OLD, NEW);
    fs::write(c.path("rules.toml"), "name = \"mine\"\n[[rule]]\ncode = \"R101\"\nname = \"x\"\nsummary = \"s\"\naction = \"teleport\"\n").unwrap();
    assert_fails(
        &c,
        &["--rules", "rules.toml"],
        "E006",
        &["teleport", "rules.toml:2:1"],
    );
    fs::write(c.path("rules.toml"), "name = \n").unwrap();
    assert_fails(&c, &["--rules", "rules.toml"], "E006", &["rules.toml:1:"]);
}

#[test]
fn rules_from_a_file_replace_the_builtin_set() {
    let c = Case::new(OLD, NEW);
    fs::write(
        c.path("rules.toml"),
        "name = \"appsettings only\"\n[[rule]]\ncode = \"R101\"\nname = \"copy\"\nsummary = \"s\"\naction = \"copy-app-settings\"\n",
    )
    .unwrap();
    c.cmd()
        .args(["--rules", "rules.toml", "-o", "out.config"])
        .assert()
        .code(0);
    let out = fs::read_to_string(c.path("out.config")).unwrap();
    assert!(out.contains("value=\"true\""), "appSettings copied");
    assert!(
        out.contains("http://localhost:4898/PfWsSdk.asmx"),
        "applicationSettings left alone"
    );
    assert!(out.contains("theme=\"Default\""));
}

#[test]
fn secrets_never_leak_unless_asked() {
    let c = Case::new(OLD, NEW);
    for format in ["human", "json"] {
        let o = c.cmd().args(["--format", format]).output().unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr_of(&o));
        assert!(
            !all.contains("Hunter2"),
            "{format} leaked the password:\n{all}"
        );
        assert!(all.contains("***"));
        let o = c
            .cmd()
            .args(["--format", format, "--show-secrets"])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Hunter2"),
            "{format} --show-secrets"
        );
    }
    let o = c.cmd().output().unwrap();
    assert!(
        stderr_of(&o).contains("N307"),
        "the user is told the diff will not apply"
    );
}

#[test]
fn json_report_lists_changes_with_rule_codes_and_locations() {
    let c = Case::new(OLD, NEW);
    let o = c.cmd().args(["--format", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v = schema::merge_report(&o.stdout);
    assert_eq!(
        (&v["version"], &v["ok"], &v["exit_code"]),
        (&2.into(), &true.into(), &0.into())
    );
    assert_eq!(v["written"], serde_json::Value::Null);
    let changes = v["changes"].as_array().unwrap();
    let find = |rule: &str| {
        changes
            .iter()
            .find(|c| c["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {changes:?}"))
    };
    let sdk = find("R104");
    assert_eq!(
        sdk["path"],
        "applicationSettings/pfup.Properties.Settings/setting[@name='pfup_pfwssdk_PfWsSdk']/value"
    );
    assert_eq!(sdk["line"], 18);
    assert_eq!(
        sdk["after"],
        "https://mfa.contoso.com/MultiFactorAuthWebServiceSdk/PfWsSdk.asmx"
    );
    let pw = changes
        .iter()
        .find(|c| c["path"].as_str().unwrap().contains("PASSWORD"))
        .unwrap();
    assert_eq!(pw["after"], "***");
    assert_eq!(find("R103")["after"], "Contoso");
    let inserted = changes.iter().find(|c| c["kind"] == "inserted").unwrap();
    assert!(inserted["path"].as_str().unwrap().contains("SSL_REQUIRED"));
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"W205") && codes.contains(&"N301"),
        "{codes:?}"
    );
    assert!(v["diff"].as_str().unwrap().starts_with("diff --git"));
    assert_eq!(v["diff_applies"], false);
}

#[test]
fn diagnostics_show_code_span_and_help() {
    let c = Case::new(OLD, NEW);
    let o = c.cmd().args(["--color", "never"]).output().unwrap();
    let err = stderr_of(&o);
    assert!(err.contains("W205(theme-folder)"), "{err}");
    assert!(err.contains("old.config:9:19"), "{err}");
    assert!(err.contains("App_Themes\\Contoso"), "{err}");
    assert!(!err.contains('\u{1b}'), "no colour with --color never");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_an_explicit_flag_beats_no_color() {
    let c = Case::new(OLD, NEW);
    let o = c.cmd().output().unwrap();
    assert!(
        !stderr_of(&o).contains('\u{1b}'),
        "not a terminal: no colour"
    );
    let o = c.cmd().args(["--color", "always"]).output().unwrap();
    assert!(stderr_of(&o).contains('\u{1b}'));
    // no-color.org: NO_COLOR turns off colour by default; a flag the user gives wins over it.
    let o = c
        .cmd()
        .args(["--color", "always"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        stderr_of(&o).contains('\u{1b}'),
        "--color always beats NO_COLOR"
    );
    let o = c.cmd().args(["--color", "never"]).output().unwrap();
    assert!(!stderr_of(&o).contains('\u{1b}'));
}

#[test]
fn kept_vdir_names_are_not_remapped_and_other_names_are_used_as_given() {
    let c = Case::new(OLD, NEW);
    let o = c
        .cmd()
        .args([
            "--sdk-vdir",
            "PhoneFactorWebServiceSdk",
            "-o",
            "kept.config",
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    assert!(fs::read_to_string(c.path("kept.config"))
        .unwrap()
        .contains("https://mfa.contoso.com/PhoneFactorWebServiceSdk/PfWsSdk.asmx"));
    assert!(stderr_of(&o).contains("N309"));
    c.cmd()
        .args(["--sdk-vdir", "MfaSdk", "-o", "custom.config"])
        .assert()
        .code(0);
    assert!(fs::read_to_string(c.path("custom.config"))
        .unwrap()
        .contains("https://mfa.contoso.com/MfaSdk/PfWsSdk.asmx"));
}

#[test]
fn near_misses_are_pointed_out() {
    let old = OLD
        .replace("SSL_REQUIRED", "WEB_SERVICES_SDK_AUTHENTICATION_USERNAME")
        .replace("PhoneFactorWebServiceSdk", "MultiFactorAuthWebServicesSdk");
    let c = Case::new(&old, NEW);
    let o = c.cmd().args(["--color", "never"]).output().unwrap();
    let err = stderr_of(&o);
    assert!(
        err.contains("W203") && err.contains("`WEB_SERVICE_SDK_AUTHENTICATION_USERNAME`"),
        "{err}"
    );
    assert!(
        err.contains("W204") && err.contains("`MultiFactorAuthWebServiceSdk`"),
        "{err}"
    );
}

#[test]
fn an_external_file_that_is_missing_is_named() {
    let old = OLD.replace("<appSettings>", "<appSettings file=\"secrets.config\">");
    let c = Case::new(&old, NEW);
    let o = c.cmd().args(["--color", "never"]).output().unwrap();
    let err = stderr_of(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        err.contains("W202") && err.contains("secrets.config") && err.contains("NOT migrated"),
        "{err}"
    );
}

#[test]
fn utf16_new_is_written_back_as_utf16_and_its_diff_is_flagged() {
    let utf16 = |s: &str| {
        let mut b = vec![0xFF, 0xFE];
        for u in s
            .replace(
                "<?xml version=\"1.0\"?>",
                "<?xml version=\"1.0\" encoding=\"utf-16\"?>",
            )
            .encode_utf16()
        {
            b.extend(u.to_le_bytes());
        }
        b
    };
    let c = Case::bytes(&utf16(OLD), &utf16(NEW));
    let o = c
        .cmd()
        .args(["-o", "out.config", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    assert!(stderr_of(&o).contains("N308"));
    let out = fs::read(c.path("out.config")).unwrap();
    assert_eq!(&out[..2], &[0xFF, 0xFE]);
    let plain = Case::new(OLD, NEW);
    plain.cmd().args(["-o", "out.config"]).assert().code(0);
    assert_eq!(
        out,
        utf16(&fs::read_to_string(plain.path("out.config")).unwrap())
    );
}

#[test]
fn rules_lists_every_rule_and_diagnostic_code() {
    let mut c = Command::cargo_bin("wcmigrate").unwrap();
    c.arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("R101  copy-app-settings"))
        .stdout(predicate::str::contains("R104  remap-sdk-vdir"))
        .stdout(predicate::str::contains("E003  malformed-xml"))
        .stdout(predicate::str::contains("N309  vdir-kept"));
}

#[test]
fn output_keeps_the_permissions_of_the_file_it_replaces() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let c = Case::new(OLD, NEW);
        fs::set_permissions(c.path("new.config"), fs::Permissions::from_mode(0o640)).unwrap();
        c.cmd().arg("--in-place").assert().code(0);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&c.path("new.config")), 0o640);
        assert_eq!(mode(&c.path("new.config.bak")), 0o640);
    }
}

#[test]
fn every_code_is_explained_in_the_docs() {
    let docs =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/CODES.md")).unwrap();
    for c in wcmigrate::diag::CODES {
        assert!(
            docs.contains(&format!("### {} {}", c.code, c.name)),
            "docs/CODES.md lacks {} {}",
            c.code,
            c.name
        );
    }
    for r in wcmigrate::Rules::builtin().rules {
        assert!(
            docs.contains(&format!("### {} {}", r.code, r.name)),
            "docs/CODES.md lacks {} {}",
            r.code,
            r.name
        );
    }
}

#[test]
fn inputs_above_max_size_are_refused() {
    let c = Case::new(OLD, NEW);
    assert_fails(
        &c,
        &["--max-size", "100"],
        "E011",
        &["old.config", "--max-size 100"],
    );
}

#[test]
fn a_3way_merge_reports_each_decision_with_spans_in_all_three_files() {
    let base = "<configuration>\n  <system.web>\n    <httpRuntime executionTimeout=\"180\" maxRequestLength=\"4096\" />\n  </system.web>\n</configuration>\n";
    let old = base
        .replace("\"180\"", "\"300\"")
        .replace("\"4096\"", "\"16384\"");
    let new = base.replace("\"4096\"", "\"8192\"");
    let c = Case::new(&old, &new);
    fs::write(c.path("base.config"), base).unwrap();
    let o = c
        .cmd()
        .args([
            "--base",
            "base.config",
            "--format",
            "json",
            "-o",
            "out.config",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr_of(&o));
    let v = schema::merge_report(&o.stdout);
    assert_eq!(v["written"], "out.config");
    let decisions = v["decisions"].as_array().unwrap();
    let find = |kind: &str| {
        decisions
            .iter()
            .find(|d| d["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind}: {decisions:?}"))
    };
    let carried = find("carried");
    assert_eq!(carried["rule"], "R107");
    assert_eq!(carried["path"], "system.web/httpRuntime/@executionTimeout");
    let files: Vec<&str> = carried["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["base.config", "old.config", "new.config"]);
    let conflict = find("conflict");
    assert_eq!(conflict["chosen"], "new");
    assert_eq!(conflict["labels"][1]["line"], 3);
    let out = fs::read_to_string(c.path("out.config")).unwrap();
    assert!(
        out.contains("executionTimeout=\"300\" maxRequestLength=\"8192\""),
        "{out}"
    );
    let o = c
        .cmd()
        .args([
            "--base",
            "base.config",
            "--prefer",
            "old",
            "-o",
            "old-wins.config",
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    assert!(stderr_of(&o).contains("W209(conflict)"));
    assert!(fs::read_to_string(c.path("old-wins.config"))
        .unwrap()
        .contains("maxRequestLength=\"16384\""));
}

/// A `--*-vdir` value replaces one URL path segment byte for byte: `?`, `#`, `/`, `..` used to
/// rewrite the URL (`https://host/Mfa?x/PfWsSdk.asmx` calls another page).
#[test]
fn unusable_vdir_values_are_refused_before_anything_runs() {
    let c = Case::new(OLD, NEW);
    for (flag, value) in [
        ("--sdk-vdir", ""),
        ("--sdk-vdir", "/"),
        ("--sdk-vdir", "\\"),
        ("--portal-vdir", "Mfa?x=1"),
        ("--portal-vdir", "Mfa#top"),
        ("--mobile-vdir", ".."),
        ("--mobile-vdir", "a/../b"),
        ("--sdk-vdir", "Mfa Sdk"),
        ("--sdk-vdir", "Mfa%2F"),
        ("--sdk-vdir", "Mfa\u{1b}[2J"),
        ("--sdk-vdir", "Mfa\u{202e}kdS"),
    ] {
        let o = c
            .cmd()
            .args([flag, value, "-o", "out.config", "--color", "never"])
            .output()
            .unwrap();
        let err = stderr_of(&o);
        assert_eq!(o.status.code(), Some(2), "{flag} {value:?}: {err}");
        assert!(
            err.contains("E017") && err.contains(&format!("{flag} \"")),
            "{flag} {value:?}: {err}"
        );
        assert!(!err.contains('\u{1b}'), "the value is shown escaped");
        assert!(!c.path("out.config").exists());
    }
    // A name with slashes around it is still the name.
    c.cmd()
        .args(["--sdk-vdir", "/MfaSdk/", "-o", "out.config"])
        .assert()
        .code(0);
    assert!(fs::read_to_string(c.path("out.config"))
        .unwrap()
        .contains("https://mfa.contoso.com/MfaSdk/PfWsSdk.asmx"));
}
