//! Inputs at the edge of what .NET loads: what it refuses is refused here too (E020) instead of being
//! migrated into a file IIS answers with 500.19; what NEW's encoding cannot hold is refused where XML
//! has no character reference for it (E021); and an empty `<configuration/>` NEW still merges.

use std::fs;

use assert_cmd::Command;

const NEW: &str = "<?xml version=\"1.0\"?>\n<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"\" />\n  </appSettings>\n</configuration>\n";

fn merge(old: &[u8], new: &[u8], extra: &[&str]) -> (Option<i32>, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("old.config"), old).unwrap();
    fs::write(dir.path().join("new.config"), new).unwrap();
    let o = Command::cargo_bin("wcmigrate")
        .unwrap()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["merge", "old.config", "new.config", "-o", "out.config"])
        .args(extra)
        .output()
        .unwrap();
    let files = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        files,
    )
}

#[test]
fn what_dotnet_refuses_is_refused_and_nothing_is_written() {
    let cases: &[(&str, &[u8])] = &[
        ("surrogate reference", b"<configuration><appSettings><add key=\"A\" value=\"&#xD800;\"/></appSettings></configuration>"),
        ("reference past U+10FFFF", b"<configuration><appSettings><add key=\"A\" value=\"&#x110000;\"/></appSettings></configuration>"),
        ("XML 1.1", b"<?xml version=\"1.1\"?><configuration/>"),
        ("xmlns on appSettings", b"<configuration><appSettings xmlns=\"urn:x\"><add key=\"A\" value=\"1\"/></appSettings></configuration>"),
        ("two BOMs", b"\xef\xbb\xbf\xef\xbb\xbf<configuration/>"),
        ("prefixed root", b"<x:configuration xmlns:x=\"urn:x\"/>"),
    ];
    for (what, bytes) in cases {
        for (old, new) in [(*bytes, NEW.as_bytes()), (NEW.as_bytes(), *bytes)] {
            let (code, err, files) = merge(old, new, &[]);
            assert_eq!(code, Some(2), "{what}: {err}");
            assert!(
                err.contains("E020") || err.contains("E004"),
                "{what}: {err}"
            );
            assert!(
                !files.contains(&"out.config".to_string()),
                "{what}: written"
            );
        }
    }
}

#[test]
fn the_asp_net_2_namespace_on_the_root_is_still_accepted() {
    let old = b"<configuration xmlns=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\"><appSettings><add key=\"A\" value=\"1\"/></appSettings></configuration>";
    let (code, err, _) = merge(old, NEW.as_bytes(), &[]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_character_new_cannot_hold_is_refused_in_a_name_and_referenced_in_a_value() {
    let new_1252 = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<configuration>\n  <appSettings><add key=\"k\" value=\"\"/></appSettings>\n  <system.web>\n    <a v=\"1\" />\n  </system.web>\n</configuration>\n";
    // In a value: written as a character reference, which .NET reads back as the same character.
    let old = "<?xml version=\"1.0\"?>\n<configuration>\n  <appSettings><add key=\"k\" value=\"\u{7530}\"/></appSettings>\n</configuration>\n";
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("old.config"), old).unwrap();
    fs::write(dir.path().join("new.config"), new_1252).unwrap();
    let o = Command::cargo_bin("wcmigrate")
        .unwrap()
        .current_dir(dir.path())
        .args(["merge", "old.config", "new.config", "-o", "out.config"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = fs::read(dir.path().join("out.config")).unwrap();
    assert!(String::from_utf8_lossy(&out).contains("value=\"&#30000;\""));
    // In an element name (a 3-way carried element): no reference can write it, so it is refused.
    let base = String::from_utf8_lossy(new_1252).replace(" encoding=\"windows-1252\"", "");
    let old = base.replace(
        "    <a v=\"1\" />\n",
        "    <a v=\"1\" />\n    <\u{7530} x=\"1\" />\n",
    );
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("base.config"), &base).unwrap();
    fs::write(dir.path().join("old.config"), &old).unwrap();
    fs::write(dir.path().join("new.config"), new_1252).unwrap();
    let o = Command::cargo_bin("wcmigrate")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "merge",
            "old.config",
            "new.config",
            "--base",
            "base.config",
            "-o",
            "out.config",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("E021") && err.contains("UTF-8"), "{err}");
    assert!(!dir.path().join("out.config").exists());
}

#[test]
fn an_empty_configuration_element_in_new_takes_old_sections() {
    let old = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n  </appSettings>\n  <applicationSettings>\n    <p.Settings>\n      <setting name=\"S\" serializeAs=\"String\">\n        <value>v</value>\n      </setting>\n    </p.Settings>\n  </applicationSettings>\n</configuration>\n";
    for new in [
        "<configuration/>",
        "<configuration />\n",
        "<configuration></configuration>",
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("old.config"), old).unwrap();
        fs::write(dir.path().join("new.config"), new).unwrap();
        let run = |args: &[&str]| {
            Command::cargo_bin("wcmigrate")
                .unwrap()
                .current_dir(dir.path())
                .args(args)
                .output()
                .unwrap()
        };
        let o = run(&["merge", "old.config", "new.config", "-o", "out.config"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{new}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = fs::read_to_string(dir.path().join("out.config")).unwrap();
        let doc = roxmltree::Document::parse(&out).unwrap();
        let names: Vec<&str> = doc
            .root_element()
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(
            names,
            ["configSections", "appSettings", "applicationSettings"],
            "{out}"
        );
        // And again on the output: nothing left to change.
        let o = run(&["merge", "old.config", "out.config", "--check"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
