//! `wcmigrate diff` and `merge --emit-xdt` as round trips: the transform exported from BASE→OLD,
//! applied to BASE by `xdt apply` with `--strict` (so with no warning), gives a file with OLD's meaning
//! in the crate's own identity view (a second diff finds no customization); the transform of a merge,
//! applied to NEW, gives the merged file's meaning. Generated trees (proptest), the shipped corpus's
//! 3-way cases, and small cases for each locator and verb the exporter chooses.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use proptest::prelude::*;
use wcmigrate::xdt::export::{diff, migration, CustomKind, Customizations, DiffOptions};
use wcmigrate::xdt::{apply, XdtOptions};
use wcmigrate::{migrate3, Input, Options, Rules};

fn opts() -> DiffOptions {
    let r = Rules::builtin();
    DiffOptions {
        identity: r.identity,
        secrets: r.secrets,
        show_secrets: false,
    }
}

fn input(name: &str, text: &str) -> Input {
    Input::from_bytes(name, text.as_bytes().to_vec())
}

fn customizations(base: &str, old: &str) -> Customizations {
    diff(
        &input("base.config", base),
        &input("old.config", old),
        &opts(),
    )
    .unwrap_or_else(|f| panic!("diff failed: {:?}", f.diagnostics))
}

/// Applies `transform` to `source` strictly (a warning fails); the result's text.
fn apply_strict(source: &str, transform: &str) -> String {
    let o = XdtOptions {
        strict: true,
        ..Default::default()
    };
    match apply(&input("source", source), &input("t.xdt", transform), &o) {
        Ok(a) => a.migration.merged_text,
        Err(f) => panic!(
            "apply failed: {:#?}\n--- transform:\n{transform}",
            f.diagnostics
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
        ),
    }
}

/// The round trip: apply(BASE, diff(BASE, OLD)) means OLD. Returns the transform.
fn round_trip(base: &str, old: &str) -> String {
    let d = customizations(base, old);
    let out = apply_strict(base, &d.transform);
    let left = customizations(old, &out);
    let left: Vec<String> = left
        .items
        .iter()
        .map(wcmigrate::xdt::export::render::message)
        .collect();
    assert!(
        left.is_empty(),
        "after the transform, still differs from OLD: {left:#?}\n--- transform:\n{}\n--- result:\n{out}",
        d.transform
    );
    d.transform
}

#[test]
fn attributes_set_added_removed_by_match() {
    let base = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n    <add key=\"B\" value=\"2\" extra=\"x\" />\n  </appSettings>\n  <system.web>\n    <compilation debug=\"true\" />\n  </system.web>\n</configuration>\n";
    let old = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"9\" />\n    <add key=\"B\" value=\"2\" />\n  </appSettings>\n  <system.web>\n    <compilation debug=\"false\" targetFramework=\"4.8\" />\n  </system.web>\n</configuration>\n";
    let d = customizations(base, old);
    let kinds: Vec<CustomKind> = d.items.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            CustomKind::AttributeSet,
            CustomKind::AttributeRemoved,
            CustomKind::AttributeSet,
            CustomKind::AttributeAdded
        ]
    );
    let t = round_trip(base, old);
    assert!(t.contains(r#"<add xdt:Locator="Match(key)" xdt:Transform="SetAttributes(value)" key="A" value="9" />"#), "{t}");
    assert!(
        t.contains(r#"xdt:Transform="RemoveAttributes(extra)" key="B""#),
        "{t}"
    );
    assert!(t.contains(r#"SetAttributes(debug,targetFramework)"#), "{t}");
    // The exported transform is byte-equal where the layout allows: the result is OLD itself.
    assert_eq!(apply_strict(base, &t), old);
}

#[test]
fn an_apostrophe_or_a_shared_key_gives_a_condition() {
    let base = "<configuration><appSettings><add key=\"it's\" value=\"1\" /><add key=\"D\" value=\"a\" /><add key=\"D\" value=\"b\" /></appSettings></configuration>";
    let old = "<configuration><appSettings><add key=\"it's\" value=\"2\" /><add key=\"D\" value=\"a\" /><add key=\"D\" value=\"c\" /></appSettings></configuration>";
    let t = round_trip(base, old);
    assert!(t.contains("Condition(@key=&quot;it's&quot;)"), "{t}");
    assert!(t.contains("Condition(@key='D'][2)"), "{t}");
}

#[test]
fn elements_added_in_place_removed_and_texts_replaced() {
    let base = "<configuration>\n  <system.webServer>\n    <staticContent>\n      <mimeMap fileExtension=\".a\" mimeType=\"x/a\" />\n      <mimeMap fileExtension=\".c\" mimeType=\"x/c\" />\n    </staticContent>\n    <modules><add name=\"M1\" /><add name=\"M2\" /></modules>\n  </system.webServer>\n  <applicationSettings><s><setting name=\"U\" serializeAs=\"String\"><value>http://a</value></setting></s></applicationSettings>\n</configuration>\n";
    let old = "<configuration>\n  <system.webServer>\n    <staticContent>\n      <clear />\n      <mimeMap fileExtension=\".a\" mimeType=\"x/a\" />\n      <mimeMap fileExtension=\".b\" mimeType=\"x/b\" />\n      <mimeMap fileExtension=\".c\" mimeType=\"x/c\" />\n    </staticContent>\n    <modules><add name=\"M2\" /></modules>\n  </system.webServer>\n  <applicationSettings><s><setting name=\"U\" serializeAs=\"String\"><value>https://b</value></setting></s></applicationSettings>\n</configuration>\n";
    let t = round_trip(base, old);
    assert!(t.contains("InsertBefore((/configuration/system.webServer/staticContent/mimeMap[@fileExtension='.a'] | /configuration/system.webServer/staticContent/*[1])[last()])"), "{t}");
    assert!(t.contains("InsertAfter((/configuration/system.webServer/staticContent/mimeMap[@fileExtension='.a'] | /configuration/system.webServer/staticContent/*[last()])[1])"), "{t}");
    assert!(
        t.contains(r#"<add xdt:Locator="Match(name)" xdt:Transform="Remove" name="M1" />"#),
        "{t}"
    );
    assert!(
        t.contains(r#"<value xdt:Transform="Replace">https://b</value>"#),
        "{t}"
    );
    // The order of elements is OLD's.
    let out = apply_strict(base, &t);
    let at = |s: &str| out.find(s).unwrap();
    assert!(
        at("<clear") < at("\".a\"") && at("\".a\"") < at("\".b\"") && at("\".b\"") < at("\".c\"")
    );
}

#[test]
fn unkeyed_twins_are_told_apart_by_attributes_then_position() {
    let base = "<configuration><x><item a=\"1\" /><item a=\"1\" /><item a=\"2\" /><clear /><clear /></x></configuration>";
    let old = "<configuration><x><item a=\"1\" /><item a=\"1\" b=\"n\" /><item a=\"2\" c=\"m\" /><clear /></x></configuration>";
    let t = round_trip(base, old);
    assert!(t.contains("Condition(@a='1'][2)"), "{t}");
    assert!(
        t.contains(r#"xdt:Locator="Match(a)" xdt:Transform="SetAttributes(c)" a="2""#),
        "{t}"
    );
}

#[test]
fn namespaces_are_declared_and_matched_by_uri() {
    let base = "<configuration xmlns=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\">\n  <runtime>\n    <assemblyBinding xmlns=\"urn:schemas-microsoft-com:asm.v1\">\n      <dependentAssembly>\n        <assemblyIdentity name=\"N\" publicKeyToken=\"1\" />\n        <bindingRedirect oldVersion=\"0.0.0.0-1.0.0.0\" newVersion=\"1.0.0.0\" />\n      </dependentAssembly>\n    </assemblyBinding>\n  </runtime>\n</configuration>\n";
    let old = "<configuration xmlns=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\">\n  <runtime>\n    <assemblyBinding xmlns=\"urn:schemas-microsoft-com:asm.v1\">\n      <dependentAssembly>\n        <assemblyIdentity name=\"N\" publicKeyToken=\"1\" />\n        <bindingRedirect oldVersion=\"0.0.0.0-2.0.0.0\" newVersion=\"2.0.0.0\" />\n      </dependentAssembly>\n      <dependentAssembly>\n        <assemblyIdentity name=\"P\" publicKeyToken=\"2\" />\n      </dependentAssembly>\n    </assemblyBinding>\n  </runtime>\n</configuration>\n";
    let t = round_trip(base, old);
    // Two namespaces: prefixes, as XDT reads a whole path with the innermost element's table.
    assert!(t.contains("xmlns:n1=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\" xmlns:n2=\"urn:schemas-microsoft-com:asm.v1\""), "{t}");
    assert!(t.contains("<n2:assemblyBinding>"), "{t}");
    // One namespace: declared as the default on the element that has it.
    let strip = |s: &str| {
        s.replace(
            " xmlns=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\"",
            "",
        )
    };
    let t1 = round_trip(&strip(base), &strip(old));
    assert!(
        t1.contains("<assemblyBinding xmlns=\"urn:schemas-microsoft-com:asm.v1\">"),
        "{t1}"
    );
    assert!(
        t.contains("Condition(*[local-name()='assemblyIdentity']/@name='N')"),
        "{t}"
    );
}

#[test]
fn a_transform_of_one_release_applies_to_the_next() {
    let base = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n  </appSettings>\n  <system.web>\n    <customErrors mode=\"RemoteOnly\" />\n  </system.web>\n</configuration>\n";
    let old = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n    <add key=\"Mine\" value=\"m\" />\n  </appSettings>\n  <system.web>\n    <customErrors mode=\"Off\" />\n  </system.web>\n</configuration>\n";
    let next = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"2\" />\n    <add key=\"New\" value=\"n\" />\n  </appSettings>\n  <system.web>\n    <customErrors mode=\"RemoteOnly\" />\n    <httpRuntime />\n  </system.web>\n</configuration>\n";
    let t = customizations(base, old).transform;
    let out = apply_strict(next, &t);
    assert!(
        out.contains("<add key=\"A\" value=\"2\" />\n    <add key=\"Mine\" value=\"m\" />"),
        "{out}"
    );
    assert!(out.contains("<customErrors mode=\"Off\" />"), "{out}");
}

#[test]
fn different_roots_are_refused() {
    let e = diff(
        &input("b", "<configuration/>"),
        &input("o", "<html/>"),
        &opts(),
    )
    .unwrap_err();
    assert_eq!(e.diagnostics[0].code.to_string(), "E037");
}

/// Each shipped 3-way case: BASE→OLD round trip, and the merge's own transform applied to NEW.
#[test]
fn corpus_3way_cases_round_trip() {
    let mut seen = 0;
    for entry in fs::read_dir("corpus").unwrap() {
        let dir = entry.unwrap().path();
        if !dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("3way-")
        {
            continue;
        }
        seen += 1;
        let read = |f: &str| fs::read_to_string(dir.join(f)).unwrap();
        let (base, old, new) = (read("base.config"), read("old.config"), read("new.config"));
        round_trip(&base, &old);
        let m = migrate3(
            &input("base.config", &base),
            &input("old.config", &old),
            &input("new.config", &new),
            &Rules::builtin(),
            &Options::default(),
        )
        .unwrap_or_else(|f| panic!("{}: {:?}", dir.display(), f.diagnostics));
        let t = migration(&input("new.config", &new), &m, &opts()).unwrap();
        let out = apply_strict(&new, &t.transform);
        let left = customizations(&m.merged_text, &out);
        assert!(
            left.items.is_empty(),
            "{}: applying --emit-xdt to NEW does not give the merged file: {:?}\n{}",
            dir.display(),
            left.items,
            t.transform
        );
    }
    assert!(seen >= 7, "the corpus's 3-way cases are there");
}

// --- Generated trees --------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Elem {
    name: String,
    attrs: Vec<(String, String)>,
    text: Option<String>,
    children: Vec<Elem>,
}

fn leaf(name: &str, attrs: Vec<(String, String)>) -> Elem {
    Elem {
        name: name.into(),
        attrs,
        text: None,
        children: vec![],
    }
}

/// A configuration with singleton elements, a keyed collection (keys may repeat), unkeyed twins and a
/// text setting; values include apostrophes, quotes, commas and ampersands.
fn tree() -> impl Strategy<Value = Elem> {
    let value = prop_oneof![
        "[a-z0-9]{1,3}",
        Just("it's".to_string()),
        Just("a,b".to_string()),
        Just("\"q\" & 'a'".to_string())
    ];
    let keys = prop::collection::vec(("[A-D]", value.clone()), 0..5);
    let twins = prop::collection::vec(prop_oneof![Just("1"), Just("2")], 0..4);
    let singles = prop::collection::vec(
        (prop_oneof![Just("mode"), Just("timeout")], value.clone()),
        0..3,
    );
    (keys, twins, singles, value).prop_map(|(keys, twins, singles, text)| {
        let mut attrs: Vec<(String, String)> = Vec::new();
        for (k, v) in singles {
            if !attrs.iter().any(|(n, _)| n == k) {
                attrs.push((k.to_string(), v));
            }
        }
        let app = Elem {
            name: "appSettings".into(),
            attrs: vec![],
            text: None,
            children: keys
                .into_iter()
                .map(|(k, v)| leaf("add", vec![("key".into(), k), ("value".into(), v)]))
                .collect(),
        };
        let mut web = Elem {
            name: "system.web".into(),
            attrs: vec![],
            text: None,
            children: vec![leaf("customErrors", attrs)],
        };
        web.children.extend(
            twins
                .into_iter()
                .map(|v| leaf("item", vec![("a".into(), v.into())])),
        );
        let mut setting = leaf("setting", vec![("name".into(), "U".into())]);
        setting.children.push(Elem {
            name: "value".into(),
            attrs: vec![],
            text: Some(text),
            children: vec![],
        });
        let settings = Elem {
            name: "applicationSettings".into(),
            attrs: vec![],
            text: None,
            children: vec![setting],
        };
        Elem {
            name: "configuration".into(),
            attrs: vec![],
            text: None,
            children: vec![app, web, settings],
        }
    })
}

type Edit = (usize, u8, String);

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        (
            0usize..32,
            0u8..6,
            prop_oneof![
                "[a-z]{1,3}",
                Just("x'y".to_string()),
                Just("c,d".to_string())
            ],
        ),
        0..6,
    )
}

fn count(e: &Elem) -> usize {
    1 + e.children.iter().map(count).sum::<usize>()
}

fn nth_mut(e: &mut Elem, n: usize) -> Result<&mut Elem, usize> {
    if n == 0 {
        return Ok(e);
    }
    let mut n = n - 1;
    for c in &mut e.children {
        match nth_mut(c, n) {
            Ok(f) => return Ok(f),
            Err(rest) => n = rest,
        }
    }
    Err(n)
}

fn edit(base: &Elem, edits: &[Edit]) -> Elem {
    let mut t = base.clone();
    for (i, (at, kind, v)) in edits.iter().enumerate() {
        let n = at % count(&t);
        let Ok(node) = nth_mut(&mut t, n) else {
            unreachable!()
        };
        let top = node.name == "configuration";
        match kind {
            0 => {
                if let Some(a) = node
                    .attrs
                    .iter_mut()
                    .find(|(n, _)| n != "key" && n != "name")
                {
                    a.1 = v.clone();
                }
            }
            1 if !node.attrs.iter().any(|(n, _)| n == "extra") && !top => {
                node.attrs.push(("extra".into(), v.clone()))
            }
            2 => {
                if let Some(p) = node
                    .attrs
                    .iter()
                    .position(|(n, _)| n != "key" && n != "name")
                {
                    node.attrs.remove(p);
                }
            }
            3 if !top && node.text.is_none() => {
                let at = v.len() % (node.children.len() + 1);
                node.children.insert(
                    at,
                    leaf(
                        "add",
                        vec![
                            ("key".into(), format!("N{i}{v}")),
                            ("value".into(), v.clone()),
                        ],
                    ),
                );
            }
            4 if !node.children.is_empty() && !top => {
                let k = v.len() % node.children.len();
                node.children.remove(k);
            }
            5 if node.text.is_some() => node.text = Some(v.clone()),
            _ => {}
        }
    }
    t
}

fn esc(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

fn render(e: &Elem, depth: usize, out: &mut String) {
    out.push_str(&"  ".repeat(depth));
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push_str(&format!(" {k}=\"{}\"", esc(v)));
    }
    if let Some(t) = &e.text {
        out.push_str(&format!(">{}</{}>\n", esc(t), e.name));
    } else if e.children.is_empty() {
        out.push_str(" />\n");
    } else {
        out.push_str(">\n");
        for c in &e.children {
            render(c, depth + 1, out);
        }
        out.push_str(&format!("{}</{}>\n", "  ".repeat(depth), e.name));
    }
}

fn text(e: &Elem) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    render(e, 0, &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_exported_transform_applied_to_base_means_old(base in tree(), e in edits()) {
        let old = edit(&base, &e);
        round_trip(&text(&base), &text(&old));
    }

    #[test]
    fn the_emitted_transform_applied_to_new_means_the_merge(base in tree(), eo in edits(), en in edits()) {
        let (b, o, n) = (text(&base), text(&edit(&base, &eo)), text(&edit(&base, &en)));
        let m = migrate3(&input("base", &b), &input("old", &o), &input("new", &n), &Rules::builtin(), &Options::default()).unwrap();
        let t = migration(&input("new", &n), &m, &opts()).unwrap();
        let out = apply_strict(&n, &t.transform);
        let left = customizations(&m.merged_text, &out);
        prop_assert!(left.items.is_empty(), "{:?}\n{}", left.items, t.transform);
    }
}

// --- The command line ---------------------------------------------------------------------------

fn files(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let b = dir.join("base.config");
    let o = dir.join("old.config");
    fs::write(&b, "<configuration>\n  <appSettings>\n    <add key=\"DbPassword\" value=\"\" />\n    <add key=\"Mode\" value=\"a\" />\n  </appSettings>\n</configuration>\n").unwrap();
    fs::write(&o, "<configuration>\n  <appSettings>\n    <add key=\"DbPassword\" value=\"hunter2\" />\n    <add key=\"Mode\" value=\"b\" />\n  </appSettings>\n</configuration>\n").unwrap();
    (b, o)
}

#[test]
fn cli_diff_masks_secrets_in_human_and_json_but_the_transform_holds_them() {
    let dir = tempfile::tempdir().unwrap();
    let (b, o) = files(dir.path());
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("wcmigrate")
            .unwrap()
            .arg("diff")
            .args([&b, &o])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let human = run(&["--color", "never"]);
    assert!(
        human.contains("N332") && human.contains("BASE \"a\" → OLD \"b\""),
        "{human}"
    );
    assert!(!human.contains("hunter2"), "{human}");
    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    let c = &json["customizations"];
    assert_eq!(c.as_array().unwrap().len(), 2);
    assert_eq!(c[0]["kind"], "attribute-set");
    assert_eq!(c[0]["old"], "***");
    assert_eq!(c[1]["base_span"]["line"], 4);
    assert!(run(&["--format", "json", "--show-secrets"]).contains("hunter2"));
    let out = dir.path().join("custom.xdt");
    run(&["--format", "xdt", "-o", out.to_str().unwrap()]);
    let t = fs::read_to_string(&out).unwrap();
    assert!(t.contains("value=\"hunter2\""), "{t}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        fs::set_permissions(&o, fs::Permissions::from_mode(0o600)).unwrap();
        run(&["--format", "xdt", "-o", out.to_str().unwrap()]);
        assert_eq!(
            mode(&out),
            0o600,
            "the transform is no more readable than OLD"
        );
    }
    // -o over an input is refused.
    Command::cargo_bin("wcmigrate")
        .unwrap()
        .arg("diff")
        .args([&b, &o])
        .args(["--format", "xdt", "-o"])
        .arg(&o)
        .assert()
        .code(2);
}

#[test]
fn cli_merge_emit_xdt_writes_the_migration_as_a_transform() {
    let dir = tempfile::tempdir().unwrap();
    let (b, o) = files(dir.path());
    let n = dir.path().join("new.config");
    fs::write(&n, "<configuration>\n  <appSettings>\n    <add key=\"DbPassword\" value=\"\" />\n    <add key=\"Mode\" value=\"a\" />\n    <add key=\"Fresh\" value=\"1\" />\n  </appSettings>\n</configuration>\n").unwrap();
    let t = dir.path().join("migration.xdt");
    let merged = dir.path().join("merged.config");
    Command::cargo_bin("wcmigrate")
        .unwrap()
        .args([
            "merge".as_ref(),
            o.as_os_str(),
            n.as_os_str(),
            "--base".as_ref(),
            b.as_os_str(),
        ])
        .args([
            "-o".as_ref(),
            merged.as_os_str(),
            "--emit-xdt".as_ref(),
            t.as_os_str(),
        ])
        .assert()
        .success();
    let applied = dir.path().join("applied.config");
    Command::cargo_bin("wcmigrate")
        .unwrap()
        .args([
            "xdt".as_ref(),
            "apply".as_ref(),
            n.as_os_str(),
            t.as_os_str(),
            "--strict".as_ref(),
            "-o".as_ref(),
            applied.as_os_str(),
        ])
        .assert()
        .success();
    assert_eq!(fs::read(&applied).unwrap(), fs::read(&merged).unwrap());
}

#[test]
fn emit_xdt_never_writes_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let old = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n  </appSettings>\n</configuration>\n";
    let new = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"\" />\n  </appSettings>\n</configuration>\n";
    std::fs::write(dir.path().join("old.config"), old).unwrap();
    std::fs::write(dir.path().join("new.config"), new).unwrap();
    for target in ["old.config", "new.config"] {
        let o = assert_cmd::Command::cargo_bin("wcmigrate")
            .unwrap()
            .current_dir(dir.path())
            .args(["merge", "old.config", "new.config", "--emit-xdt", target])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{target}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("E015"));
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("old.config")).unwrap(),
        old
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("new.config")).unwrap(),
        new
    );
}

/// Real case (BlogEngine, Glimpse): the next release dropped a section the admin had added to. The
/// transform creates the section (InsertIfMissing) instead of failing on the missing parent, and
/// does nothing extra where the section exists.
#[test]
fn an_insert_into_a_section_the_next_release_dropped_creates_the_section() {
    let base = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n  </appSettings>\n  <glimpse>\n  </glimpse>\n</configuration>\n";
    let old = base.replace("  <glimpse>\n", "  <glimpse>\n    <tabs />\n");
    let t = customizations(base, &old).transform;
    assert!(
        t.contains("<glimpse xdt:Transform=\"InsertIfMissing\" />"),
        "{t}"
    );
    assert_eq!(apply_strict(base, &t), old, "on BASE: OLD, and no warning");
    let next = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"2\" />\n  </appSettings>\n</configuration>\n";
    let o = XdtOptions::default();
    let out = apply(&input("next", next), &input("t.xdt", &t), &o).unwrap_or_else(|f| {
        panic!(
            "{:?}",
            f.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
        )
    });
    let doc = roxmltree::Document::parse(&out.migration.merged_text).unwrap();
    assert!(
        doc.descendants().any(|n| n.has_tag_name("tabs")),
        "{}",
        out.migration.merged_text
    );
}
