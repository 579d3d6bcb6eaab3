//! Properties of the 3-way merge on generated trees: BASE is a random configuration, OLD and NEW are
//! BASE with random edits (attributes changed, added, removed; elements added, removed), each rendered
//! with its own layout and element order.

use proptest::prelude::*;
use wcmigrate::{migrate3, Input, Migration, Options, Rules};

#[derive(Debug, Clone, PartialEq)]
struct Elem {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Elem>,
}

/// A configuration: a few singleton sections, each with singleton settings and a keyed collection.
fn base_tree() -> impl Strategy<Value = Elem> {
    let value = "[a-z0-9]{1,4}";
    let singleton = (
        prop_oneof![
            Just("httpRuntime"),
            Just("customErrors"),
            Just("sessionState"),
            Just("trace")
        ],
        prop::collection::vec(
            (
                prop_oneof![
                    Just("mode"),
                    Just("timeout"),
                    Just("enabled"),
                    Just("maxLength")
                ],
                value,
            ),
            0..3,
        ),
    );
    let collection = (
        prop_oneof![Just("modules"), Just("handlers"), Just("protocols")],
        prop::collection::vec(
            prop::collection::vec(
                (
                    prop_oneof![Just("type"), Just("preCondition"), Just("verb")],
                    value,
                ),
                0..3,
            ),
            0..4,
        ),
    );
    let section = (
        prop_oneof![
            Just("system.web"),
            Just("system.webServer"),
            Just("runtime")
        ],
        prop::collection::vec(singleton, 0..3),
        prop::collection::vec(collection, 0..2),
    );
    prop::collection::vec(section, 1..4).prop_map(|sections| {
        let mut counter = 0;
        let uniq = |n: &str, seen: &mut Vec<String>| -> Option<String> {
            (!seen.contains(&n.to_string())).then(|| {
                seen.push(n.to_string());
                n.to_string()
            })
        };
        let mut root = Elem {
            name: "configuration".into(),
            attrs: vec![],
            children: vec![],
        };
        let mut seen_sections = Vec::new();
        for (name, singles, colls) in sections {
            let Some(name) = uniq(name, &mut seen_sections) else {
                continue;
            };
            let mut sec = Elem {
                name,
                attrs: vec![],
                children: vec![],
            };
            let mut seen = Vec::new();
            for (n, attrs) in singles {
                if let Some(n) = uniq(n, &mut seen) {
                    sec.children.push(Elem {
                        name: n,
                        attrs: dedup(attrs),
                        children: vec![],
                    });
                }
            }
            for (n, items) in colls {
                if let Some(n) = uniq(n, &mut seen) {
                    let children = items
                        .into_iter()
                        .map(|attrs| {
                            counter += 1;
                            let mut a = vec![("name".to_string(), format!("item{counter}"))];
                            a.extend(dedup(attrs));
                            Elem {
                                name: "add".into(),
                                attrs: a,
                                children: vec![],
                            }
                        })
                        .collect();
                    sec.children.push(Elem {
                        name: n,
                        attrs: vec![],
                        children,
                    });
                }
            }
            root.children.push(sec);
        }
        root
    })
}

fn dedup(attrs: Vec<(&str, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in attrs {
        if !out.iter().any(|(n, _)| n == k) {
            out.push((k.to_string(), v));
        }
    }
    out
}

/// One random edit: which node (by pre-order index), what to do, and a value.
type Edit = (usize, u8, String);

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec((0usize..64, 0u8..5, "[a-z]{1,3}"), 0..5)
}

fn count(e: &Elem) -> usize {
    1 + e.children.iter().map(count).sum::<usize>()
}

/// The `n`-th node in pre-order, with its depth.
fn nth_mut(e: &mut Elem, n: usize, depth: usize) -> Result<(usize, &mut Elem), usize> {
    if n == 0 {
        return Ok((depth, e));
    }
    let mut n = n - 1;
    for c in &mut e.children {
        match nth_mut(c, n, depth + 1) {
            Ok(found) => return Ok(found),
            Err(rest) => n = rest,
        }
    }
    Err(n)
}

fn apply(base: &Elem, edits: &[Edit], tag: &str) -> Elem {
    let mut tree = base.clone();
    for (i, (at, kind, v)) in edits.iter().enumerate() {
        let n = at % count(&tree);
        let Ok((depth, node)) = nth_mut(&mut tree, n, 0) else {
            unreachable!("n < count")
        };
        match kind {
            0 => {
                if let Some(a) = node.attrs.iter_mut().find(|(n, _)| n != "name") {
                    a.1 = format!("{v}{tag}");
                }
            }
            1 if depth > 1 && !node.attrs.iter().any(|(n, _)| n == "extra") => {
                node.attrs.push(("extra".into(), format!("{v}{tag}")));
            }
            2 => {
                if let Some(p) = node.attrs.iter().position(|(n, _)| n != "name") {
                    node.attrs.remove(p);
                }
            }
            3 if depth >= 1 => node.children.push(Elem {
                name: "add".into(),
                attrs: vec![
                    ("name".into(), format!("{tag}{i}{v}")),
                    ("type".into(), v.clone()),
                ],
                children: vec![],
            }),
            4 if depth >= 1 && !node.children.is_empty() => {
                let k = v.len() % node.children.len();
                node.children.remove(k);
            }
            _ => {}
        }
    }
    tree
}

/// Reverses or rotates children at every level (a deterministic shuffle).
fn shuffle(e: &Elem, seed: usize) -> Elem {
    let mut children: Vec<Elem> = e.children.iter().map(|c| shuffle(c, seed + 1)).collect();
    if !children.is_empty() {
        if seed % 2 == 0 {
            children.reverse();
        } else {
            let n = seed % children.len();
            children.rotate_left(n);
        }
    }
    let mut attrs = e.attrs.clone();
    attrs.reverse();
    Elem {
        name: e.name.clone(),
        attrs,
        children,
    }
}

#[derive(Debug)]
struct Layout {
    eol: &'static str,
    indent: &'static str,
    quote: char,
}

fn render(e: &Elem, l: &Layout) -> String {
    let mut out = format!("<?xml version=\"1.0\"?>{}", l.eol);
    render_into(e, l, 0, &mut out);
    out
}

fn render_into(e: &Elem, l: &Layout, depth: usize, out: &mut String) {
    let q = l.quote;
    out.push_str(&l.indent.repeat(depth));
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push_str(&format!(" {k}={q}{v}{q}"));
    }
    if e.children.is_empty() {
        out.push_str(" />");
        out.push_str(l.eol);
        return;
    }
    out.push('>');
    out.push_str(l.eol);
    for c in &e.children {
        render_into(c, l, depth + 1, out);
    }
    out.push_str(&format!("{}</{}>{}", l.indent.repeat(depth), e.name, l.eol));
}

/// The meaning of a document, order-free: sorted attributes and children, recursively.
fn canonical(text: &str) -> String {
    fn canon(n: roxmltree::Node) -> String {
        let mut attrs: Vec<String> = n
            .attributes()
            .map(|a| format!("{}={}", a.name(), a.value()))
            .collect();
        attrs.sort();
        let mut kids: Vec<String> = n.children().filter(|c| c.is_element()).map(canon).collect();
        kids.sort();
        format!(
            "<{} {}>{}</>",
            n.tag_name().name(),
            attrs.join(" "),
            kids.join("")
        )
    }
    canon(roxmltree::Document::parse(text).unwrap().root_element())
}

fn layouts() -> impl Strategy<Value = Layout> {
    (
        prop_oneof![Just("\n"), Just("\r\n")],
        prop_oneof![Just("  "), Just("\t"), Just("    ")],
        prop_oneof![Just('"'), Just('\'')],
    )
        .prop_map(|(eol, indent, quote)| Layout { eol, indent, quote })
}

fn merge(base: &str, old: &str, new: &str) -> Migration {
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    migrate3(
        &i("base.config", base),
        &i("old.config", old),
        &i("new.config", new),
        &Rules::builtin(),
        &Options::default(),
    )
    .unwrap_or_else(|f| panic!("{:?}", f.diagnostics))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn when_the_admin_changed_nothing_new_comes_out_unchanged(base in base_tree(), new_edits in edits(), lb in layouts(), ln in layouts()) {
        let new_tree = apply(&base, &new_edits, "n");
        let (b, n) = (render(&base, &lb), render(&new_tree, &ln));
        let o = render(&shuffle(&base, 1), &ln);
        let m = merge(&b, &o, &n);
        prop_assert_eq!(&m.merged_text, &n);
        prop_assert!(m.decisions.is_empty(), "{:?}", m.decisions);
    }

    #[test]
    fn when_the_vendor_changed_nothing_the_result_means_old(base in base_tree(), old_edits in edits(), lo in layouts(), ln in layouts()) {
        let old_tree = apply(&base, &old_edits, "o");
        let (b, o, n) = (render(&base, &ln), render(&old_tree, &lo), render(&base, &ln));
        let m = merge(&b, &o, &n);
        prop_assert_eq!(canonical(&m.merged_text), canonical(&o));
        // NEW's formatting: every line of the result uses NEW's line ending and indentation style.
        for line in m.merged_text.split_inclusive('\n').filter(|l| !l.trim().is_empty()) {
            prop_assert_eq!(line.ends_with("\r\n"), ln.eol == "\r\n", "line ending of {:?}", line);
            let lead: String = line.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            prop_assert!(lead.chars().all(|c| ln.indent.contains(c)), "indentation of {:?}", line);
        }
    }

    #[test]
    fn element_order_in_old_or_base_changes_nothing(base in base_tree(), old_edits in edits(), new_edits in edits(), seed in 0usize..7, l in layouts()) {
        let (old_tree, new_tree) = (apply(&base, &old_edits, "o"), apply(&base, &new_edits, "n"));
        let (b, o, n) = (render(&base, &l), render(&old_tree, &l), render(&new_tree, &l));
        let reference = merge(&b, &o, &n);
        let base_shuffled = merge(&render(&shuffle(&base, seed), &l), &o, &n);
        prop_assert_eq!(&base_shuffled.merged_text, &reference.merged_text, "BASE's order matters");
        let old_shuffled = merge(&b, &render(&shuffle(&old_tree, seed), &l), &n);
        // Where OLD adds elements, they go after their OLD neighbour's NEW twin (order matters to .NET
        // collections with <clear/> and <remove>), so only the meaning must agree; otherwise the bytes.
        prop_assert_eq!(canonical(&old_shuffled.merged_text), canonical(&reference.merged_text));
        let added = reference.decisions.iter().any(|d| d.message.starts_with("added"));
        if !added {
            prop_assert_eq!(&old_shuffled.merged_text, &reference.merged_text);
        }
    }

    #[test]
    fn the_3way_merge_is_idempotent(base in base_tree(), old_edits in edits(), new_edits in edits(), lb in layouts(), lo in layouts(), ln in layouts()) {
        let (old_tree, new_tree) = (apply(&base, &old_edits, "o"), apply(&base, &new_edits, "n"));
        let (b, o, n) = (render(&base, &lb), render(&old_tree, &lo), render(&new_tree, &ln));
        let once = merge(&b, &o, &n);
        let twice = merge(&b, &o, &once.merged_text);
        prop_assert_eq!(&twice.merged_text, &once.merged_text);
        prop_assert!(twice.changes.is_empty(), "{:?}", twice.changes);
    }
}

#[test]
fn a_conflict_keeps_new_by_default_and_old_when_preferred() {
    let base = "<configuration><system.web><httpRuntime maxRequestLength=\"4096\" /></system.web></configuration>";
    let old = base.replace("4096", "16384");
    let new = base.replace("4096", "8192");
    let m = merge(base, &old, &new);
    assert_eq!(m.merged_text, new);
    let d = &m.decisions[0];
    assert_eq!(
        (d.kind, d.chosen),
        (
            wcmigrate::merge::DecisionKind::Conflict,
            Some(wcmigrate::Prefer::New)
        )
    );
    assert_eq!(d.labels.len(), 3, "spans in BASE, OLD and NEW");
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    let opts = Options {
        prefer: wcmigrate::Prefer::Old,
        ..Options::default()
    };
    let m = migrate3(
        &i("b", base),
        &i("o", &old),
        &i("n", &new),
        &Rules::builtin(),
        &opts,
    )
    .unwrap();
    assert_eq!(m.merged_text, old);
}

#[test]
fn a_rule_file_can_choose_the_winner_per_section() {
    let base = "<configuration><system.web><httpRuntime a=\"1\" /></system.web><system.webServer><x a=\"1\" /></system.webServer></configuration>";
    let old = base.replace("a=\"1\"", "a=\"2\"");
    let new = base.replace("a=\"1\"", "a=\"3\"");
    let rules = wcmigrate::rules::DEFAULT_RULES.replace(
        "remove-comments = false",
        "remove-comments = false\nprefer = { \"system.webServer\" = \"old\" }",
    );
    let rules = Rules::parse(&rules, wcmigrate::diag::FileId(0)).unwrap();
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    let m = migrate3(
        &i("b", base),
        &i("o", &old),
        &i("n", &new),
        &rules,
        &Options::default(),
    )
    .unwrap();
    assert_eq!(m.merged_text, "<configuration><system.web><httpRuntime a=\"3\" /></system.web><system.webServer><x a=\"2\" /></system.webServer></configuration>");
}

#[test]
fn a_removed_element_takes_its_lines_and_its_comment_only_when_the_rule_says_so() {
    let base = "<configuration>\n  <system.web>\n    <!-- the trace -->\n    <trace enabled=\"false\" />\n    <x />\n  </system.web>\n</configuration>\n";
    let old = base.replace(
        "    <!-- the trace -->\n    <trace enabled=\"false\" />\n",
        "",
    );
    let m = merge(base, &old, base);
    assert_eq!(
        m.merged_text,
        base.replace("    <trace enabled=\"false\" />\n", "")
    );
    let files: Vec<&str> = m.decisions[0]
        .labels
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        files,
        ["BASE", "OLD", "NEW"],
        "where it is absent, the label is on the parent"
    );
    let rules = wcmigrate::rules::DEFAULT_RULES
        .replace("remove-comments = false", "remove-comments = true");
    let rules = Rules::parse(&rules, wcmigrate::diag::FileId(0)).unwrap();
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    let m = migrate3(
        &i("b", base),
        &i("o", &old),
        &i("n", base),
        &rules,
        &Options::default(),
    )
    .unwrap();
    assert_eq!(m.merged_text, old);
}

/// The decisions of one migration, by path: (kind, chosen, diagnostic code of that path).
fn decided(
    m: &Migration,
    path: &str,
) -> (wcmigrate::merge::DecisionKind, Option<wcmigrate::Prefer>) {
    let d = m
        .decisions
        .iter()
        .find(|d| d.path.contains(path))
        .unwrap_or_else(|| panic!("no decision for {path}: {:?}", m.decisions));
    (d.kind, d.chosen)
}

fn has(m: &Migration, code: wcmigrate::diag::Code, path: &str) -> bool {
    m.diagnostics
        .iter()
        .any(|d| d.code == code && d.message.contains(path))
}

/// Real cases: Orchard 1.9 -> 1.10 raised `webpages:Version` (3.0.0.0 -> 3.0.3) and mvcforum 1.7 -> 1.9
/// dropped `MVCForumVersion`; with `--base` both came back from OLD although the admin never set them.
#[test]
fn app_settings_follow_the_3way_rule_key_by_key() {
    use wcmigrate::diag::Code;
    use wcmigrate::merge::DecisionKind::{Carried, Conflict, KeptNew};
    let base = "<configuration>\n  <appSettings>\n    <add key=\"webpages:Version\" value=\"3.0.0.0\" />\n    <add key=\"MVCForumVersion\" value=\"1.7\" />\n    <add key=\"SiteName\" value=\"Forum\" />\n    <add key=\"PageSize\" value=\"10\" />\n    <add key=\"LegacyMode\" value=\"false\" />\n    <add key=\"Theme\" value=\"Default\" />\n  </appSettings>\n</configuration>\n";
    let old = base
        .replace("\"Forum\"", "\"My Forum\"")
        .replace("\"10\"", "\"50\"")
        .replace("\"false\"", "\"true\"")
        .replace("\"Default\"", "\"Dark\"")
        .replace(
            "  </appSettings>",
            "    <add key=\"Analytics\" value=\"UA-1\" />\n  </appSettings>",
        );
    let new = "<configuration>\n  <appSettings>\n    <add key=\"webpages:Version\" value=\"3.0.3\" />\n    <add key=\"SiteName\" value=\"Forum\" />\n    <add key=\"PageSize\" value=\"20\" />\n    <add key=\"Theme\" value=\"Dark\" />\n  </appSettings>\n</configuration>\n";
    let m = merge(base, &old, new);
    assert_eq!(
        m.merged_text,
        "<configuration>\n  <appSettings>\n    <add key=\"webpages:Version\" value=\"3.0.3\" />\n    <add key=\"SiteName\" value=\"My Forum\" />\n    <add key=\"PageSize\" value=\"50\" />\n    <add key=\"Theme\" value=\"Dark\" />\n    <add key=\"LegacyMode\" value=\"true\" />\n    <add key=\"Analytics\" value=\"UA-1\" />\n  </appSettings>\n</configuration>\n"
    );
    // The vendor's new default stands; the key it removed stays removed.
    assert_eq!(decided(&m, "webpages:Version"), (KeptNew, None));
    assert!(has(&m, Code::DefaultUpdated, "webpages:Version"));
    assert_eq!(decided(&m, "MVCForumVersion"), (KeptNew, None));
    assert!(has(&m, Code::RemovedByVendor, "MVCForumVersion"));
    // The admin's change where NEW kept BASE's value.
    assert_eq!(decided(&m, "SiteName"), (Carried, None));
    assert!(has(&m, Code::Carried, "SiteName"));
    // Both changed it: a conflict, which the built-in rule gives to OLD.
    assert_eq!(
        decided(&m, "PageSize"),
        (Conflict, Some(wcmigrate::Prefer::Old))
    );
    assert!(has(&m, Code::Conflict, "PageSize"));
    let labels: Vec<&str> = m
        .decisions
        .iter()
        .find(|d| d.path.contains("PageSize"))
        .unwrap()
        .labels
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(labels, ["BASE", "OLD", "NEW"]);
    // Changed by the admin, removed by the vendor: carried, with a warning.
    assert_eq!(decided(&m, "LegacyMode"), (Carried, None));
    assert!(has(&m, Code::ChangedButRemoved, "LegacyMode"));
    // Both made the same change; the admin's own key is added.
    assert_eq!(decided(&m, "Theme"), (KeptNew, None));
    assert_eq!(decided(&m, "Analytics"), (Carried, None));
    // Every value written is the admin's.
    assert_eq!(m.changes.len(), 4, "{:?}", m.changes);
    assert!(m
        .changes
        .iter()
        .all(|c| c.origin == Some(wcmigrate::merge::Origin::Admin)));
    assert!(
        merge(base, &old, &m.merged_text).changes.is_empty(),
        "idempotent"
    );

    // A rule that prefers NEW keeps NEW's value in the conflict.
    let rules = wcmigrate::rules::DEFAULT_RULES.replace(
        "action = \"copy-app-settings\"\n",
        "action = \"copy-app-settings\"\nprefer = \"new\"\n",
    );
    let rules = rules.replacen("prefer = \"old\"\n", "", 1);
    let rules = Rules::parse(&rules, wcmigrate::diag::FileId(0)).unwrap();
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    let m = migrate3(
        &i("b", base),
        &i("o", &old),
        &i("n", new),
        &rules,
        &Options::default(),
    )
    .unwrap();
    assert!(m.merged_text.contains("key=\"PageSize\" value=\"20\""));
    assert_eq!(
        decided(&m, "PageSize"),
        (Conflict, Some(wcmigrate::Prefer::New))
    );
}

#[test]
fn settings_follow_the_3way_rule_and_a_removed_section_stays_removed() {
    use wcmigrate::diag::Code;
    let decl = |secs: &[&str]| {
        let s: String = secs.iter().map(|n| format!("<section name=\"{n}\" type=\"System.Configuration.ClientSettingsSection, System\" />")).collect();
        format!("<configSections><sectionGroup name=\"applicationSettings\" type=\"System.Configuration.ApplicationSettingsGroup, System\">{s}</sectionGroup></configSections>")
    };
    let setting = |n: &str, v: &str| {
        format!("<setting name=\"{n}\" serializeAs=\"String\"><value>{v}</value></setting>")
    };
    let file = |secs: &[(&str, String)]| {
        let names: Vec<&str> = secs.iter().map(|(n, _)| *n).collect();
        let body: String = secs
            .iter()
            .map(|(n, c)| format!("<{n}>{c}</{n}>"))
            .collect();
        format!(
            "<configuration>{}<applicationSettings>{body}</applicationSettings></configuration>",
            decl(&names)
        )
    };
    let base = file(&[
        (
            "App.Settings",
            setting("Url", "http://a/1.7") + &setting("Mode", "basic"),
        ),
        ("Legacy.Settings", setting("Folder", "~/import")),
        ("Old.Settings", setting("Path", "x") + &setting("Size", "1")),
    ]);
    let old = file(&[
        (
            "App.Settings",
            setting("Url", "http://a/1.7") + &setting("Mode", "expert"),
        ),
        ("Legacy.Settings", setting("Folder", "~/import")),
        ("Old.Settings", setting("Path", "x") + &setting("Size", "2")),
    ]);
    let new = file(&[(
        "App.Settings",
        setting("Url", "https://a/1.9") + &setting("Mode", "basic"),
    )]);
    let m = merge(&base, &old, &new);
    let want = format!(
        "<configuration>{}<applicationSettings><App.Settings>{}{}</App.Settings><Old.Settings>{}</Old.Settings></applicationSettings></configuration>",
        decl(&["App.Settings", "Old.Settings"]),
        setting("Url", "https://a/1.9"),
        setting("Mode", "expert"),
        setting("Size", "2"),
    );
    assert_eq!(
        m.merged_text.replace(['\n', ' '], ""),
        want.replace(['\n', ' '], "")
    );
    assert!(has(&m, Code::DefaultUpdated, "'Url'"));
    assert!(has(&m, Code::Carried, "'Mode'"));
    assert!(has(&m, Code::RemovedByVendor, "'Folder'"));
    assert!(has(&m, Code::RemovedByVendor, "'Path'"));
    assert!(has(&m, Code::ChangedButRemoved, "'Size'"));
    assert!(
        merge(&base, &old, &m.merged_text).changes.is_empty(),
        "idempotent"
    );
}

#[test]
fn an_encrypted_section_anywhere_stops_a_3way_merge() {
    let base = "<configuration><connectionStrings /></configuration>";
    let old = "<configuration><connectionStrings configProtectionProvider=\"RsaProtectedConfigurationProvider\"><EncryptedData /></connectionStrings></configuration>";
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    let f = migrate3(
        &i("b", base),
        &i("o", old),
        &i("n", base),
        &Rules::builtin(),
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(f.diagnostics[0].code, wcmigrate::diag::Code::Encrypted);
}

/// Real case: NuGetGallery's web.config keeps `<machineKey>` encrypted with its own provider; .NET
/// loads it, and an upgrade where the admin did not touch it must not stop at it.
#[test]
fn an_encrypted_section_the_admin_did_not_change_passes_through() {
    let machine_key = "    <machineKey configProtectionProvider=\"GalleryMachineKeyConfigurationProvider\">\n      <EncryptedData/>\n    </machineKey>\n";
    let base = format!("<configuration>\n  <system.web>\n    <compilation debug=\"false\"/>\n{machine_key}  </system.web>\n</configuration>\n");
    let old = base.replace("debug=\"false\"", "debug=\"true\"");
    let new = base.replace(
        "<compilation debug=\"false\"/>",
        "<compilation debug=\"false\" targetFramework=\"4.7.2\"/>",
    );
    let m = merge(&base, &old, &new);
    assert_eq!(
        m.merged_text,
        new.replace("debug=\"false\"", "debug=\"true\""),
        "the admin's change is carried, the encrypted section is NEW's bytes"
    );
    // The identity merge of the real file: merge(X, X, --base X).
    assert_eq!(merge(&old, &old, &old).merged_text, old);
    // The admin changed the encrypted section itself: it would have to be read.
    let changed = old.replace(
        "<EncryptedData/>",
        "<EncryptedData><CipherData/></EncryptedData>",
    );
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    let f = migrate3(
        &i("b", &base),
        &i("o", &changed),
        &i("n", &new),
        &Rules::builtin(),
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(f.diagnostics[0].code, wcmigrate::diag::Code::Encrypted);
}

#[test]
fn an_encrypted_copied_section_stops_a_2way_merge_but_not_an_unchanged_3way_one() {
    let enc = "<configuration><appSettings configProtectionProvider=\"RsaProtectedConfigurationProvider\"><EncryptedData /></appSettings></configuration>";
    let new =
        "<configuration><appSettings><add key=\"A\" value=\"1\"/></appSettings></configuration>";
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    let f = wcmigrate::migrate(
        &i("o", enc),
        &i("n", new),
        &Rules::builtin(),
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(f.diagnostics[0].code, wcmigrate::diag::Code::Encrypted);
    assert_eq!(
        merge(enc, enc, new).merged_text,
        new,
        "the same in BASE and OLD: NEW's"
    );
}

/// Real case (JabbR): an element holding only a comment. The comment is not the element's text, so a
/// comment edited by the admin is no text change to carry, and nothing is decided about it.
#[test]
fn a_comment_inside_an_element_is_not_its_text() {
    let base = "<configuration>\n  <system.web>\n    <machineKey><!-- generated on install --></machineKey>\n  </system.web>\n</configuration>\n";
    let old = base.replace("generated on install", "set by ops,  2019");
    let m = merge(base, &old, base);
    assert_eq!(m.merged_text, base);
    assert!(
        m.decisions.is_empty(),
        "{:?}",
        m.decisions.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
}
