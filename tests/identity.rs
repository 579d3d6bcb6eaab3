//! Element identity in the 3-way merge, on small cases reproducing real upgrades: siblings without an
//! identity attribute (NuGetGallery's `<add mimetype=...>`), attribute names read case-sensitively as
//! .NET does, and identities that embed a version (mojoPortal's CodeDom compilers, assembly names).

mod merge3;

use merge3::merge3;
use wcmigrate::merge::DecisionKind;
use wcmigrate::{Migration, Prefer, Rules};

fn merge(base: &str, old: &str, new: &str) -> Migration {
    merge3(base, old, new, Prefer::New)
}

/// A `<dynamicTypes>` list: each line an `<add>` of the given attribute text.
fn types(adds: &[&str]) -> String {
    let mut s = String::from(
        "<configuration>\n  <system.webServer>\n    <httpCompression>\n      <dynamicTypes>\n",
    );
    for a in adds {
        s.push_str(&format!("        <add {a} />\n"));
    }
    s.push_str(
        "      </dynamicTypes>\n    </httpCompression>\n  </system.webServer>\n</configuration>\n",
    );
    s
}

#[test]
fn siblings_without_identity_pair_by_attribute_set_so_a_rerun_changes_nothing() {
    // NuGetGallery 2016/17: BASE and OLD spell `mimetype` (no identity attribute .NET knows), NEW
    // corrected it to `mimeType`; OLD has one entry more than BASE.
    let base = types(&[
        r#"mimeType="text/*" enabled="true""#,
        r#"mimetype="application/json" enabled="true""#,
        r#"mimetype="application/atom+xml" enabled="true""#,
    ]);
    let old = types(&[
        r#"mimeType="text/*" enabled="true""#,
        r#"mimetype="application/json" enabled="true""#,
        r#"mimetype="application/atom+xml" enabled="true""#,
        r#"mimetype="application/atom+xml; type=feed" enabled="true""#,
    ]);
    let new = types(&[
        r#"mimeType="text/*" enabled="true""#,
        r#"mimeType="application/json" enabled="true""#,
        r#"mimeType="application/atom+xml" enabled="true""#,
        r#"mimeType="application/atom+xml; type=feed" enabled="true""#,
    ]);
    let once = merge(&base, &old, &new);
    // `mimetype` is not `mimeType` (.NET and IIS read attribute names case-sensitively): OLD's entry
    // is its own element, carried once.
    assert_eq!(
        once.merged_text
            .matches(r#"<add mimetype="application/atom+xml; type=feed""#)
            .count(),
        1,
        "{}",
        once.merged_text
    );
    let twice = merge(&base, &old, &once.merged_text);
    assert_eq!(twice.merged_text, once.merged_text, "a re-run adds nothing");
    assert!(twice.changes.is_empty(), "{:?}", twice.changes);
}

#[test]
fn unkeyed_siblings_match_their_twin_wherever_it_stands() {
    // Position alone would pair OLD's second `<scheme>` with NEW's first and carry nothing sensible.
    let doc = |s: &[&str]| {
        let inner: String = s.iter().map(|a| format!("<scheme {a} />")).collect();
        format!("<configuration><system.webServer><httpCompression>{inner}</httpCompression></system.webServer></configuration>")
    };
    let base = doc(&[r#"dll="gzip.dll""#, r#"dll="deflate.dll""#]);
    let old = doc(&[r#"dll="gzip.dll""#, r#"dll="deflate.dll" level="9""#]);
    let new = doc(&[
        r#"dll="br.dll""#,
        r#"dll="gzip.dll""#,
        r#"dll="deflate.dll""#,
    ]);
    let m = merge(&base, &old, &new);
    assert_eq!(
        m.merged_text,
        doc(&[
            r#"dll="br.dll""#,
            r#"dll="gzip.dll""#,
            r#"dll="deflate.dll" level="9""#
        ]),
        "the admin's change lands on its own twin"
    );
    assert_eq!(
        merge(&base, &old, &m.merged_text).merged_text,
        m.merged_text
    );
}

fn codedom(compilers: &str) -> String {
    format!("<configuration>\n  <system.web>\n    <compilation debug=\"false\" />\n  </system.web>\n{compilers}</configuration>\n")
}

const CS_2: &str = r#"<compiler language="c#;cs;csharp" extension=".cs" type="Microsoft.CodeDom.Providers.DotNetCompilerPlatform.CSharpCodeProvider, Microsoft.CodeDom.Providers.DotNetCompilerPlatform, Version=2.0.1.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35" warningLevel="4" />"#;
const CS_4: &str = r#"<compiler language="c#;cs;csharp" extension=".cs" warningLevel="4" type="Microsoft.CodeDom.Providers.DotNetCompilerPlatform.CSharpCodeProvider, Microsoft.CodeDom.Providers.DotNetCompilerPlatform, Version=4.1.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35" />"#;

#[test]
fn a_compiler_both_sides_added_is_one_element_and_a_conflict_not_two() {
    // mojoPortal 2.7 (BASE, no <system.codedom>) -> 2.9 (OLD, compiler 2.0.1.0) -> 3.0 (NEW, 4.1.0.0).
    let section = |c: &str| {
        format!("  <system.codedom>\n    <compilers>\n      {c}\n    </compilers>\n  </system.codedom>\n")
    };
    let (base, old, new) = (
        codedom(""),
        codedom(&section(CS_2)),
        codedom(&section(CS_4)),
    );
    let m = merge(&base, &old, &new);
    assert_eq!(
        m.merged_text, new,
        "one C# compiler: NEW's, as the conflict keeps NEW"
    );
    let conflict = m
        .decisions
        .iter()
        .find(|d| d.kind == DecisionKind::Conflict)
        .expect("the two versions are a conflict");
    assert!(
        conflict
            .path
            .ends_with("compiler[@language='c#;cs;csharp'][@extension='.cs']/@type"),
        "keyed by language and extension, as .NET's CodeDom does: {}",
        conflict.path
    );
    let m = merge3(&base, &old, &new, Prefer::Old);
    assert_eq!(m.merged_text.matches("<compiler ").count(), 1);
    assert!(
        m.merged_text.contains("Version=2.0.1.0"),
        "{}",
        m.merged_text
    );
}

fn assemblies(adds: &[&str]) -> String {
    let inner: String = adds
        .iter()
        .map(|a| format!("\n        <add assembly=\"{a}, Culture=neutral, PublicKeyToken=31BF3856AD364E35\" />"))
        .collect();
    format!("<configuration>\n  <system.web>\n    <compilation>\n      <assemblies>{inner}\n      </assemblies>\n    </compilation>\n  </system.web>\n</configuration>\n")
}

#[test]
fn an_assembly_is_keyed_by_its_simple_name_not_its_version() {
    // Roadkill 1.7 -> 2.0 moved System.Web.Helpers from 1.0.0.0 to 3.0.0.0.
    let base = assemblies(&["System.Web.Mvc, Version=3.0.0.0"]);
    let old = assemblies(&[
        "System.Web.Mvc, Version=3.0.0.0",
        "System.Web.Helpers, Version=1.0.0.0",
    ]);
    let new = assemblies(&[
        "System.Web.Mvc, Version=5.0.0.0",
        "system.web.helpers, Version=3.0.0.0",
    ]);
    let m = merge(&base, &old, &new);
    assert_eq!(m.merged_text, new, "both added Helpers: one element, NEW's");
    assert!(m
        .decisions
        .iter()
        .any(|d| d.kind == DecisionKind::Conflict && d.path.contains("System.Web.Helpers")));

    // The admin removed Mvc, the vendor moved it to 5.0: a conflict, not a silent keep.
    let old = assemblies(&[]);
    let m = merge(&base, &old, &new);
    let d = m
        .decisions
        .iter()
        .find(|d| d.path.contains("System.Web.Mvc"))
        .expect("a decision on Mvc");
    assert_eq!(d.kind, DecisionKind::Conflict, "{}", d.message);
}

#[test]
fn a_rules_file_with_an_unknown_identity_modifier_is_refused() {
    let rules = wcmigrate::rules::DEFAULT_RULES
        .replace("[\"assembly:simple-name\"]", "[\"assembly:major-version\"]");
    let err = Rules::parse(&rules, wcmigrate::diag::FileId(0)).unwrap_err();
    assert!(
        format!("{err:?}").contains("assembly:major-version"),
        "{err:?}"
    );
}
