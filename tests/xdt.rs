//! `wcmigrate xdt apply`: every verb, locator and error case of XDT (as XDT-FACTS.md, built from
//! Microsoft.Web.XmlTransform's source and experiments, describes them), with transforms written here,
//! plus the lossless promises, and the fixture folders under `tests/xdt/` (each reproduces the shape of a
//! real transform; its about.md names the public project).

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use wcmigrate::xdt::{apply, XdtOptions};
use wcmigrate::Input;

const XDT: &str = "http://schemas.microsoft.com/XML-Document-Transform";

/// A small web.config like XDT-FACTS's experiments use.
const S: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <appSettings>
    <add key="A" value="1" />
    <add key="B" value="2" />
    <add key="B" value="3" />
  </appSettings>
  <system.web>
    <compilation debug="true" targetFramework="4.8" />
    <customErrors mode="Off" />
  </system.web>
</configuration>
"#;

/// A transform with `body` inside `<configuration>`.
fn t(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<configuration xmlns:xdt=\"{XDT}\">\n{body}\n</configuration>\n"
    )
}

type Diags = Vec<(String, String)>;

fn run(src: &str, tf: &str, strict: bool) -> Result<(String, Diags), Diags> {
    let opts = XdtOptions {
        strict,
        ..Default::default()
    };
    let d = |diags: &[wcmigrate::diag::Diagnostic]| -> Diags {
        diags
            .iter()
            .map(|d| (d.code.to_string(), d.message.clone()))
            .collect()
    };
    match apply(
        &Input::from_bytes("web.config", src),
        &Input::from_bytes("t.config", tf),
        &opts,
    ) {
        Ok(a) => Ok((a.migration.merged_text.clone(), d(&a.migration.diagnostics))),
        Err(f) => Err(d(&f.diagnostics)),
    }
}

/// The result and diagnostics of a successful apply.
fn ok(src: &str, tf: &str) -> (String, Diags) {
    run(src, tf, false).unwrap_or_else(|d| panic!("failed: {d:?}"))
}

/// The result of an apply that must give no diagnostic.
fn clean(src: &str, tf: &str) -> String {
    let (out, d) = ok(src, tf);
    assert!(d.is_empty(), "unexpected diagnostics: {d:?}");
    out
}

/// The diagnostics of an apply that must fail.
fn err(src: &str, tf: &str) -> Diags {
    match run(src, tf, false) {
        Ok((out, d)) => panic!("applied: {d:?}\n{out}"),
        Err(d) => d,
    }
}

fn codes(d: &Diags) -> Vec<&str> {
    d.iter().map(|(c, _)| c.as_str()).collect()
}

/// `S` with `from` replaced by `to` (once, and it must be there).
fn s_with(from: &str, to: &str) -> String {
    assert!(S.contains(from), "{from}");
    S.replacen(from, to, 1)
}

// ---------------------------------------------------------------------------------------------
// Verbs
// ---------------------------------------------------------------------------------------------

#[test]
fn replace_puts_the_transform_element_in_place_without_xdt_attributes() {
    let tf = t(r#"  <system.web>
    <customErrors mode="On" defaultRedirect="/e" xdt:Transform="Replace">
      <error statusCode="404" redirect="/404" xdt:Locator="Match(statusCode)" />
    </customErrors>
  </system.web>"#);
    assert_eq!(
        clean(S, &tf),
        s_with(
            "    <customErrors mode=\"Off\" />",
            "    <customErrors mode=\"On\" defaultRedirect=\"/e\">\n      <error statusCode=\"404\" redirect=\"/404\" />\n    </customErrors>"
        )
    );
}

#[test]
fn insert_appends_a_last_child_with_the_neighbours_layout() {
    let tf = t(r#"  <appSettings>
    <add key="C" value="4" xdt:Transform="Insert" />
  </appSettings>"#);
    assert_eq!(
        clean(S, &tf),
        s_with(
            "    <add key=\"B\" value=\"3\" />\n",
            "    <add key=\"B\" value=\"3\" />\n    <add key=\"C\" value=\"4\" />\n"
        )
    );
    // No duplicate check: inserting an existing key adds it again.
    let tf = t(r#"  <appSettings><add key="A" value="1" xdt:Transform="Insert" /></appSettings>"#);
    assert_eq!(clean(S, &tf).matches("key=\"A\"").count(), 2);
}

#[test]
fn insert_if_missing_looks_at_the_whole_document() {
    let tf = t(r#"  <appSettings>
    <add key="A" value="changed" xdt:Transform="InsertIfMissing" xdt:Locator="Match(key)" />
    <add key="D" value="4" xdt:Transform="InsertIfMissing" xdt:Locator="Match(key)" />
  </appSettings>
  <system.web>
    <customErrors mode="On" xdt:Transform="InsertIfMissing" />
  </system.web>"#);
    assert_eq!(
        clean(S, &tf),
        s_with(
            "    <add key=\"B\" value=\"3\" />\n",
            "    <add key=\"B\" value=\"3\" />\n    <add key=\"D\" value=\"4\" />\n"
        )
    );
}

#[test]
fn insert_before_and_after_go_next_to_the_first_match_of_their_xpath() {
    let tf = t(r#"  <appSettings>
    <add key="First" value="0" xdt:Transform="InsertBefore(/configuration/appSettings/add[@key='A'])" />
    <add key="AfterA" value="x" xdt:Transform="InsertAfter(add[@key='A'])" />
  </appSettings>"#);
    assert_eq!(
        clean(S, &tf),
        s_with(
            "    <add key=\"A\" value=\"1\" />\n",
            "    <add key=\"First\" value=\"0\" />\n    <add key=\"A\" value=\"1\" />\n    <add key=\"AfterA\" value=\"x\" />\n"
        )
    );
    // The idiom for configSections: before the root's first child, wherever the element stands.
    let tf = t(r#"  <configSections xdt:Transform="InsertBefore(/configuration/*[1])" />"#);
    assert_eq!(
        clean(S, &tf),
        s_with(
            "  <appSettings>\n",
            "  <configSections />\n  <appSettings>\n"
        )
    );
    // The xpath may point outside the parent: the copy goes next to what it names.
    let tf = t(
        r#"  <appSettings><add key="X" xdt:Transform="InsertAfter(/configuration/system.web/compilation)" /></appSettings>"#,
    );
    assert!(clean(S, &tf).contains(
        "<compilation debug=\"true\" targetFramework=\"4.8\" />\n    <add key=\"X\" />\n"
    ));
}

#[test]
fn remove_takes_the_first_match_and_its_line() {
    let tf = t(
        r#"  <appSettings><add key="B" xdt:Transform="Remove" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    let (out, d) = ok(S, &tf);
    assert_eq!(out, s_with("    <add key=\"B\" value=\"2\" />\n", ""));
    assert_eq!(
        d,
        [(
            "W231".to_string(),
            "Found multiple target elements, but the 'Remove' Transform only applies to the first match".to_string()
        )]
    );
}

#[test]
fn remove_all_takes_every_match() {
    let tf = t(
        r#"  <appSettings><add key="B" xdt:Transform="RemoveAll" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    assert_eq!(
        clean(S, &tf),
        s_with(
            "    <add key=\"B\" value=\"2\" />\n    <add key=\"B\" value=\"3\" />\n",
            ""
        )
    );
    // Without a locator: every same-named sibling.
    let tf = t(r#"  <appSettings><add xdt:Transform="RemoveAll" /></appSettings>"#);
    assert_eq!(clean(S, &tf), S.replace("    <add key=\"A\" value=\"1\" />\n    <add key=\"B\" value=\"2\" />\n    <add key=\"B\" value=\"3\" />\n", ""));
    // Elements sharing a line go without their separating spaces, and the rest stays.
    let one_line = "<configuration><a x='1'/> <a x='2'/> <b/></configuration>";
    let tf = t("<a xdt:Transform=\"RemoveAll\" />");
    assert_eq!(clean(one_line, &tf), "<configuration><b/></configuration>");
}

#[test]
fn remove_attributes_named_all_and_empty_parentheses() {
    let tf =
        t(r#"  <system.web><compilation xdt:Transform="RemoveAttributes(debug)" /></system.web>"#);
    assert_eq!(
        clean(S, &tf),
        s_with(
            "<compilation debug=\"true\" targetFramework",
            "<compilation targetFramework"
        )
    );
    let tf = t(
        r#"  <system.web><compilation xdt:Transform="RemoveAttributes( debug , targetFramework )" /></system.web>"#,
    );
    assert_eq!(
        clean(S, &tf),
        s_with(
            "<compilation debug=\"true\" targetFramework=\"4.8\" />",
            "<compilation />"
        )
    );
    for all in [
        "RemoveAttributes",
        "RemoveAttributes()",
        "RemoveAttributes(*)",
    ] {
        let tf = t(&format!(
            "  <system.web><compilation xdt:Transform=\"{all}\" /></system.web>"
        ));
        assert_eq!(
            clean(S, &tf),
            s_with(
                "<compilation debug=\"true\" targetFramework=\"4.8\" />",
                "<compilation />"
            ),
            "{all}"
        );
    }
    // Every match, with a warning per target for an argument that matches nothing.
    let tf = t(
        r#"  <appSettings><add key="B" xdt:Transform="RemoveAttributes(value)" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    assert_eq!(clean(S, &tf).matches("<add key=\"B\" />").count(), 2);
    let tf =
        t(r#"  <system.web><compilation xdt:Transform="RemoveAttributes(foo)" /></system.web>"#);
    let (out, d) = ok(S, &tf);
    assert_eq!(out, S);
    assert_eq!(
        d,
        [
            (
                "W233".into(),
                "Argument 'foo' did not match any attributes".into()
            ),
            ("W233".into(), "No attributes found to remove".into())
        ]
    );
}

#[test]
fn set_attributes_changes_values_in_place_and_appends_new_ones() {
    let tf = t(
        r#"  <system.web><compilation debug="false" batch="true" xdt:Transform="SetAttributes" /></system.web>"#,
    );
    assert_eq!(
        clean(S, &tf),
        s_with(
            "<compilation debug=\"true\" targetFramework=\"4.8\" />",
            "<compilation debug=\"false\" targetFramework=\"4.8\" batch=\"true\" />"
        )
    );
    // With arguments, only those; on every match, silently.
    let tf = t(
        r#"  <appSettings><add key="B" value="9" other="o" xdt:Transform="SetAttributes(value)" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    let out = clean(S, &tf);
    assert_eq!(out.matches("<add key=\"B\" value=\"9\" />").count(), 2);
    assert!(!out.contains("other"));
    // SetAttributes(*) = all; an argument naming nothing warns twice.
    let tf = t(
        r#"  <system.web><customErrors mode="On" xdt:Transform="SetAttributes(*)" /></system.web>"#,
    );
    assert_eq!(clean(S, &tf), s_with("mode=\"Off\"", "mode=\"On\""));
    let tf = t(
        r#"  <system.web><customErrors mode="On" xdt:Transform="SetAttributes(foo)" /></system.web>"#,
    );
    let (out, d) = ok(S, &tf);
    assert_eq!(out, S);
    assert_eq!(
        d,
        [
            (
                "W233".into(),
                "Argument 'foo' did not match any attributes".into()
            ),
            ("W233".into(), "No attributes found to set".into())
        ]
    );
}

#[test]
fn set_attributes_keeps_quote_style_and_one_attribute_per_line() {
    let src = "<configuration>\r\n\t<system.web>\r\n\t\t<pages\r\n\t\t\ta='1'\r\n\t\t\tb='2' />\r\n\t</system.web>\r\n</configuration>";
    let tf = t(
        r#"<system.web><pages b="it's &amp; &quot;q&quot;" c="3" xdt:Transform="SetAttributes" /></system.web>"#,
    );
    assert_eq!(
        clean(src, &tf),
        "<configuration>\r\n\t<system.web>\r\n\t\t<pages\r\n\t\t\ta='1'\r\n\t\t\tb='it&apos;s &amp; \"q\"'\r\n\t\t\tc='3' />\r\n\t</system.web>\r\n</configuration>"
    );
}

#[test]
fn set_tokenized_attributes_reads_the_target_then_the_transform() {
    let tf = t(
        r#"  <appSettings><add key="A" extra="E" value="$(key)-$(extra)-$(value)" xdt:Transform="SetTokenizedAttributes(value)" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    assert_eq!(clean(S, &tf), s_with("value=\"1\"", "value=\"A-E-1\""));
    let tf = t(
        r#"  <appSettings><add key="A" value="$(nope)" xdt:Transform="SetTokenizedAttributes" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    assert_eq!(codes(&err(S, &tf)), ["E034"]);
}

#[test]
fn comment_out_keeps_the_element_bytes_in_a_comment_and_takes_the_first_match_quietly() {
    let tf = t(
        r#"  <appSettings><add key="B" xdt:Transform="CommentOut" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    assert_eq!(
        clean(S, &tf),
        s_with(
            "<add key=\"B\" value=\"2\" />",
            "<!-- <add key=\"B\" value=\"2\" /> -->"
        )
    );
    let src = "<configuration><a><!-- note --></a></configuration>";
    let tf = t(r#"<a xdt:Transform="CommentOut" />"#);
    assert_eq!(codes(&err(src, &tf)), ["E034"]);
}

// ---------------------------------------------------------------------------------------------
// Locators
// ---------------------------------------------------------------------------------------------

#[test]
fn match_with_two_attributes_needs_both() {
    let src = "<configuration><connectionStrings><add name=\"M\" providerName=\"P\" cs=\"1\"/><add name=\"M\" providerName=\"Q\" cs=\"2\"/></connectionStrings></configuration>";
    let tf = t(
        r#"<connectionStrings><add name="M" providerName="Q" cs="x" xdt:Transform="SetAttributes(cs)" xdt:Locator="Match(name, providerName)" /></connectionStrings>"#,
    );
    assert_eq!(clean(src, &tf), src.replace("cs=\"2\"", "cs=\"x\""));
}

#[test]
fn condition_takes_an_expression_brackets_positions_and_chains() {
    let cases = [
        ("Condition(@key='A' or @value='3')", &["1", "3"][..]),
        ("Condition([@key='A'])", &["1"]),
        ("Condition(2)", &["2"]),
        ("Condition(@key='B'][2)", &["3"]),
        ("Condition(starts-with(@key, 'B'))", &["2", "3"]),
        ("Condition((@value='1' or @value='2'))", &["1", "2"]),
        ("Condition(@key=\"A\")", &["1"]),
    ];
    for (locator, hit) in cases {
        let tf = t(&format!(
            "  <appSettings><add note=\"n\" xdt:Transform=\"SetAttributes(note)\" xdt:Locator=\"{}\" /></appSettings>",
            locator.replace('"', "&quot;")
        ));
        let out = clean(S, &tf);
        for v in ["1", "2", "3"] {
            let noted = out.contains(&format!("value=\"{v}\" note=\"n\""));
            assert_eq!(noted, hit.contains(&v), "{locator}: value {v}\n{out}");
        }
    }
}

#[test]
fn xpath_locator_absolute_relative_and_insert_inside() {
    // Absolute: the element's name and place in the transform no longer matter.
    let tf = t(
        r#"  <nothing><here value="X" xdt:Transform="SetAttributes(value)" xdt:Locator="XPath(/configuration/appSettings/add[@key='A'])" /></nothing>"#,
    );
    assert_eq!(clean(S, &tf), s_with("value=\"1\"", "value=\"X\""));
    // Relative: below the element's own default path.
    let tf = t(
        r#"  <appSettings><add value="X" xdt:Transform="SetAttributes(value)" xdt:Locator="XPath(self::node()[@key='A'])" /></appSettings>"#,
    );
    assert_eq!(clean(S, &tf), s_with("value=\"1\"", "value=\"X\""));
    // Insert with an XPath locator goes inside what the XPath selects.
    let tf = t(
        r#"  <x><clear xdt:Transform="Insert" xdt:Locator="XPath(/configuration/appSettings)" /></x>"#,
    );
    assert!(
        clean(S, &tf).contains("<add key=\"B\" value=\"3\" />\n    <clear />\n  </appSettings>")
    );
    // `.[...]` is not XPath 1.0.
    let tf = t(
        r#"  <appSettings><add xdt:Transform="Remove" xdt:Locator="XPath(.[@key='A'])" /></appSettings>"#,
    );
    assert_eq!(
        err(S, &tf),
        [(
            "E031".into(),
            "'/configuration/appSettings/add/.[@key='A']' has an invalid token.".into()
        )]
    );
}

#[test]
fn a_locator_without_a_transform_narrows_the_children() {
    let src = "<configuration>\n  <location path=\"a\"><system.web><pages theme=\"1\" /></system.web></location>\n  <location path=\"b\"><system.web><pages theme=\"1\" /></system.web></location>\n</configuration>\n";
    let tf = t(
        r#"  <location path="b" xdt:Locator="Match(path)"><system.web><pages theme="2" xdt:Transform="SetAttributes" /></system.web></location>"#,
    );
    assert_eq!(
        clean(src, &tf),
        src.replace(
            "path=\"b\"><system.web><pages theme=\"1\"",
            "path=\"b\"><system.web><pages theme=\"2\""
        )
    );
}

// ---------------------------------------------------------------------------------------------
// First match, all matches, missing targets, late evaluation
// ---------------------------------------------------------------------------------------------

#[test]
fn replace_warns_and_takes_the_first_of_several() {
    let tf = t(
        r#"  <appSettings><add key="B" value="new" xdt:Transform="Replace" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    let (out, d) = ok(S, &tf);
    assert_eq!(
        out,
        s_with(
            "<add key=\"B\" value=\"2\" />",
            "<add key=\"B\" value=\"new\" />"
        )
    );
    assert_eq!(codes(&d), ["W231"]);
}

#[test]
fn insert_uses_the_first_parent_silently() {
    // A one-line file stays on one line.
    let src = "<configuration><p/><p/></configuration>";
    let tf = t(r#"<p><c xdt:Transform="Insert" /></p>"#);
    assert_eq!(
        clean(src, &tf),
        "<configuration><p><c /></p><p/></configuration>"
    );
    let src = "<configuration><p><a/></p><p></p></configuration>";
    assert_eq!(
        clean(src, &tf),
        "<configuration><p><a/><c /></p><p></p></configuration>"
    );
}

#[test]
fn a_missing_target_warns_with_the_highest_missing_ancestor() {
    let tf = t(r#"  <system.webServer>
    <httpErrors>
      <error statusCode="404" xdt:Transform="Remove" xdt:Locator="Match(statusCode)" />
    </httpErrors>
  </system.webServer>"#);
    let (out, d) = ok(S, &tf);
    assert_eq!(out, S);
    assert_eq!(
        d,
        [(
            "W230".into(),
            "No element in the source document matches '/configuration/system.webServer'".into()
        )]
    );
    // Every verb that acts on targets only warns.
    for verb in [
        "Replace",
        "Remove",
        "RemoveAll",
        "SetAttributes",
        "RemoveAttributes",
        "CommentOut",
        "SetTokenizedAttributes",
    ] {
        let tf = t(&format!("  <appSettings><add key=\"Q\" xdt:Transform=\"{verb}\" xdt:Locator=\"Match(key)\" /></appSettings>"));
        let (out, d) = ok(S, &tf);
        assert_eq!(out, S);
        assert_eq!(
            d,
            [(
                "W230".to_string(),
                "No element in the source document matches '/configuration/appSettings/add[@key='Q']'".to_string()
            )],
            "{verb}"
        );
    }
}

#[test]
fn a_target_an_earlier_transform_removed_has_its_own_message() {
    let tf = t(r#"  <system.web>
    <customErrors xdt:Transform="Remove" />
    <customErrors mode="On" xdt:Transform="SetAttributes" />
  </system.web>"#);
    let (out, d) = ok(S, &tf);
    assert_eq!(out, s_with("    <customErrors mode=\"Off\" />\n", ""));
    assert_eq!(d, [("W230".into(), "'/configuration/system.web/customErrors' did not find a match, because matching nodes in the source document were modified or removed by a previous transform".into())]);
}

#[test]
fn later_elements_see_what_earlier_ones_did() {
    // A child of a Replace acts on the replacement.
    let tf = t(r#"  <system.web>
    <customErrors mode="RemoteOnly" xdt:Transform="Replace">
      <error statusCode="500" redirect="/500" />
      <error statusCode="500" redirect="/oops" xdt:Transform="SetAttributes(redirect)" xdt:Locator="Match(statusCode)" />
    </customErrors>
  </system.web>"#);
    let out = clean(S, &tf);
    assert!(out.contains("<error statusCode=\"500\" redirect=\"/oops\" />\n      <error statusCode=\"500\" redirect=\"/oops\" />"), "{out}");
    // An inserted element is found by the next transform.
    let tf = t(r#"  <appSettings>
    <add key="N" value="1" xdt:Transform="Insert" />
    <add key="N" value="2" xdt:Transform="SetAttributes" xdt:Locator="Match(key)" />
  </appSettings>"#);
    assert!(clean(S, &tf).contains("<add key=\"N\" value=\"2\" />"));
}

// ---------------------------------------------------------------------------------------------
// Namespaces
// ---------------------------------------------------------------------------------------------

const NS_SRC: &str = r#"<configuration xmlns="http://schemas.microsoft.com/.NetConfiguration/v2.0">
  <appSettings>
    <add key="A" value="1" />
  </appSettings>
  <runtime>
    <assemblyBinding xmlns="urn:schemas-microsoft-com:asm.v1">
      <dependentAssembly>
        <assemblyIdentity name="Newtonsoft.Json" publicKeyToken="30ad4fe6b2a6aeed" />
        <bindingRedirect oldVersion="0.0.0.0-12.0.0.0" newVersion="12.0.0.0" />
      </dependentAssembly>
    </assemblyBinding>
  </runtime>
</configuration>
"#;

#[test]
fn elements_match_by_namespace_uri() {
    // The source's default namespace, undeclared in the transform: nothing matches.
    let tf = t(
        r#"  <appSettings><add key="A" value="2" xdt:Transform="SetAttributes" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    let (out, d) = ok(NS_SRC, &tf);
    assert_eq!(out, NS_SRC);
    assert_eq!(
        d,
        [(
            "W230".into(),
            "No element in the source document matches '/configuration'".into()
        )]
    );
    // Declared as default, or under any prefix: it matches.
    for root in [
        format!("<configuration xmlns=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\" xmlns:xdt=\"{XDT}\">"),
        format!("<c:configuration xmlns:c=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\" xmlns:xdt=\"{XDT}\">"),
    ] {
        let (open, close) = if root.starts_with("<c:") { ("c:", "c:") } else { ("", "") };
        let tf = format!("{root}<{open}appSettings><{open}add key=\"A\" value=\"2\" xdt:Transform=\"SetAttributes\" xdt:Locator=\"Match(key)\" /></{close}appSettings></{close}configuration>");
        assert_eq!(clean(NS_SRC, &tf), NS_SRC.replace("value=\"1\"", "value=\"2\""));
    }
}

#[test]
fn assembly_binding_needs_its_namespace_and_gets_no_second_declaration() {
    // Paths are strings evaluated in the executing element's namespace table: with a default namespace
    // on <configuration> and another on <assemblyBinding>, `_defaultNamespace` means the latter in the
    // whole path, so nothing matches (as in XDT). Real files put no namespace on <configuration>.
    let ns_root = format!("<configuration xmlns=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\" xmlns:xdt=\"{XDT}\"><runtime><assemblyBinding xmlns=\"urn:schemas-microsoft-com:asm.v1\"><dependentAssembly xdt:Transform=\"Insert\" /></assemblyBinding></runtime></configuration>");
    assert_eq!(codes(&err(NS_SRC, &ns_root)), ["E033"]);
    let src = NS_SRC.replace(
        " xmlns=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\"",
        "",
    );
    let head = format!("<configuration xmlns:xdt=\"{XDT}\">");
    let tf = format!("{head}<runtime><assemblyBinding xmlns=\"urn:schemas-microsoft-com:asm.v1\"><dependentAssembly xdt:Transform=\"Insert\"><assemblyIdentity name=\"System.Web.Mvc\" /></dependentAssembly></assemblyBinding></runtime></configuration>");
    let out = clean(&src, &tf);
    assert!(out.contains("      </dependentAssembly>\n      <dependentAssembly><assemblyIdentity name=\"System.Web.Mvc\" /></dependentAssembly>\n    </assemblyBinding>"), "{out}");
    // Without it, the parent is missing: an error.
    let tf = format!("{head}<runtime><assemblyBinding><dependentAssembly xdt:Transform=\"Insert\" /></assemblyBinding></runtime></configuration>");
    assert_eq!(err(&src, &tf), [("E033".into(), "No element in the source document matches '/configuration/runtime/assemblyBinding/dependentAssembly'".into())]);
    // Inside a Condition, a default-namespaced child is written _defaultNamespace:name.
    let tf = format!("{head}<runtime><assemblyBinding xmlns=\"urn:schemas-microsoft-com:asm.v1\"><dependentAssembly xdt:Transform=\"Replace\" xdt:Locator=\"Condition(_defaultNamespace:assemblyIdentity/@name='Newtonsoft.Json')\"><assemblyIdentity name=\"Newtonsoft.Json\" /><bindingRedirect oldVersion=\"0.0.0.0-13.0.0.0\" newVersion=\"13.0.0.0\" /></dependentAssembly></assemblyBinding></runtime></configuration>");
    let out = clean(&src, &tf);
    assert!(out.contains("<dependentAssembly><assemblyIdentity name=\"Newtonsoft.Json\" /><bindingRedirect oldVersion=\"0.0.0.0-13.0.0.0\" newVersion=\"13.0.0.0\" /></dependentAssembly>"), "{out}");
    assert!(!out.contains("xdt"));
}

#[test]
fn inserted_content_declares_what_the_insertion_point_lacks() {
    let tf = t(
        r#"<runtime xdt:Transform="Insert"><assemblyBinding xmlns="urn:schemas-microsoft-com:asm.v1"><probing privatePath="bin" /></assemblyBinding></runtime>"#,
    );
    let out = clean(S, &tf);
    assert!(out.contains("  <runtime><assemblyBinding xmlns=\"urn:schemas-microsoft-com:asm.v1\"><probing privatePath=\"bin\" /></assemblyBinding></runtime>\n</configuration>"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Transform syntax: arguments, SupressWarnings, xdt: elements
// ---------------------------------------------------------------------------------------------

#[test]
fn arguments_are_split_as_xdt_splits_them() {
    // One argument without a comma is taken verbatim: ` key ` is no attribute.
    let tf = t(
        r#"  <appSettings><add key="A" xdt:Transform="Remove" xdt:Locator="Match( key )" /></appSettings>"#,
    );
    assert_eq!(
        err(S, &tf),
        [(
            "E030".into(),
            "No attribute ' key ' exists for the Match Locator".into()
        )]
    );
    // A comma inside quotes splits too; parentheses protect.
    let tf = t(
        r#"  <appSettings><add xdt:Transform="Remove" xdt:Locator="Condition(@value='a,b')" /></appSettings>"#,
    );
    assert_eq!(
        err(S, &tf),
        [(
            "E030".into(),
            "Condition requires exactly 1 arguments".into()
        )]
    );
    let tf = t(
        r#"  <appSettings><add xdt:Transform="Remove" xdt:Locator="Condition((@value='a,b' or @key='A'))" /></appSettings>"#,
    );
    assert_eq!(
        clean(S, &tf),
        s_with("    <add key=\"A\" value=\"1\" />\n", "")
    );
    // Whitespace around names and arguments is fine.
    let tf = t(
        r#"  <system.web><compilation xdt:Transform="  RemoveAttributes ( debug )  " xdt:Locator=" Condition(@debug) " /></system.web>"#,
    );
    assert_eq!(clean(S, &tf), s_with(" debug=\"true\"", ""));
    // Verbs that take no arguments warn and go on.
    let tf =
        t(r#"  <system.web><customErrors mode="On" xdt:Transform="Replace(foo)" /></system.web>"#);
    let (out, d) = ok(S, &tf);
    assert_eq!(out, s_with("mode=\"Off\"", "mode=\"On\""));
    assert_eq!(
        d,
        [(
            "W232".into(),
            "Replace does not expect arguments; ignoring".into()
        )]
    );
}

#[test]
fn supress_warnings_turns_an_elements_warnings_into_notes() {
    let tf = t(
        r#"  <system.web><machineKey validation="SHA1" xdt:Transform="Replace" xdt:SupressWarnings="true" /></system.web>"#,
    );
    let (out, d) = ok(S, &tf);
    assert_eq!(out, S);
    assert_eq!(codes(&d), ["N330"]);
    // Only XDT's own spelling counts.
    let tf = t(
        r#"  <system.web><machineKey xdt:Transform="Replace" xdt:SuppressWarnings="true" /></system.web>"#,
    );
    assert_eq!(codes(&ok(S, &tf).1), ["W230"]);
    let tf = t(
        r#"  <system.web><machineKey xdt:Transform="Replace" xdt:SupressWarnings="yes" /></system.web>"#,
    );
    assert_eq!(
        err(S, &tf),
        [(
            "E030".into(),
            "String was not recognized as a valid Boolean.".into()
        )]
    );
}

#[test]
fn any_prefix_bound_to_the_xdt_namespace_works_and_none_means_nothing_to_do() {
    let tf = format!("<configuration xmlns:x=\"{XDT}\"><system.web><customErrors mode=\"On\" x:Transform=\"SetAttributes\" /></system.web></configuration>");
    assert_eq!(clean(S, &tf), s_with("mode=\"Off\"", "mode=\"On\""));
    let tf = "<configuration><system.web><customErrors mode=\"On\" Transform=\"SetAttributes\" /></system.web></configuration>";
    let (out, d) = ok(S, tf);
    assert_eq!(out, S);
    assert_eq!(codes(&d), ["N331"]);
}

#[test]
fn unknown_xdt_elements_warn_and_import_is_refused() {
    let tf = t(r#"  <xdt:Foo />
  <system.web><customErrors mode="On" xdt:Transform="SetAttributes" /></system.web>"#);
    let (out, d) = ok(S, &tf);
    assert_eq!(out, s_with("mode=\"Off\"", "mode=\"On\""));
    assert_eq!(d, [("W234".into(), "Unknown tag 'xdt:Foo'".into())]);
    let tf = t(r#"  <xdt:Import assembly="My.Transforms" namespace="My.Transforms" />"#);
    assert_eq!(codes(&err(S, &tf)), ["E035"]);
}

// ---------------------------------------------------------------------------------------------
// Errors: XDT fails the apply, we exit 2 and write nothing; the walk goes on to report them all
// ---------------------------------------------------------------------------------------------

#[test]
fn every_error_case() {
    let cases: &[(&str, &str, &str)] = &[
        (r#"<appSettings><add xdt:Transform="Remove" xdt:Locator="Match(key" /></appSettings>"#, "E030", "Transform and Locator attributes must contain only a type name, or a type name followed by a list of attributes in parentheses."),
        (r#"<appSettings><add xdt:Transform="Frobnicate" /></appSettings>"#, "E030", "Could not resolve 'Frobnicate' as a type of Transform"),
        (r#"<appSettings><add xdt:Transform="setattributes" /></appSettings>"#, "E030", "Could not resolve 'setattributes' as a type of Transform"),
        (r#"<appSettings><add xdt:Transform="Match" /></appSettings>"#, "E030", "'Microsoft.Web.XmlTransform.Match' is not a type of Transform"),
        (r#"<appSettings><add xdt:Transform="Remove" xdt:Locator="Lookup(key)" /></appSettings>"#, "E030", "Could not resolve 'Lookup' as a type of Locator"),
        (r#"<appSettings><add xdt:Transform="Remove" xdt:Locator="Match()" /></appSettings>"#, "E030", "Match requires at least 1 arguments"),
        (r#"<appSettings><add xdt:Transform="Remove" xdt:Locator="Match(key)" /></appSettings>"#, "E030", "No attribute 'key' exists for the Match Locator"),
        (r#"<appSettings><add key="it's" xdt:Transform="Remove" xdt:Locator="Match(key)" /></appSettings>"#, "E031", "'/configuration/appSettings/add[@key='it's']' has an invalid token."),
        (r#"<appSettings><add xdt:Transform="Remove" xdt:Locator="Condition(a, b)" /></appSettings>"#, "E030", "Condition requires exactly 1 arguments"),
        (r#"<appSettings><add xdt:Transform="Remove" xdt:Locator="Condition(@key=='A')" /></appSettings>"#, "E031", "Expression must evaluate to a node-set."),
        (r#"<appSettings><add xdt:Transform="Remove" xdt:Locator="XPath(a, b)" /></appSettings>"#, "E030", "XPath requires exactly 1 arguments"),
        (r#"<appSettings><add xdt:Transform="Remove" xdt:Locator="Condition(following::add)" /></appSettings>"#, "E032", "the following axis is outside the XPath subset wcmigrate evaluates"),
        (r#"<appSettings><add xdt:Transform="Remove" xdt:Locator="Condition(@key=$k)" /></appSettings>"#, "E032", "the variable reference $k is outside the XPath subset wcmigrate evaluates"),
        (r#"<system.webServer><rewrite xdt:Transform="Insert" /></system.webServer>"#, "E033", "No element in the source document matches '/configuration/system.webServer/rewrite'"),
        (r#"<appSettings><add xdt:Transform="InsertBefore" /></appSettings>"#, "E030", "InsertBefore requires an XPath argument"),
        (r#"<appSettings><add xdt:Transform="InsertAfter(a, b)" /></appSettings>"#, "E030", "Too many arguments to InsertAfter"),
        (r#"<appSettings><add xdt:Transform="InsertBefore(/configuration/appSettings/add[@key='nope'])" /></appSettings>"#, "E033", "No element in the source document matches '/configuration/appSettings/add[@key='nope']'"),
        (r#"<appSettings><add xdt:Transform="InsertBefore(/configuration/appSettings/add/@key)" /></appSettings>"#, "E034", "'/configuration/appSettings/add/@key' does not evaluate to an element"),
        (r#"<appSettings><add xdt:Transform="InsertBefore(/x:configuration)" /></appSettings>"#, "E031", "Namespace Manager or XsltContext needed. This query has a prefix, variable, or user-defined function."),
        (r#"<appSettings><add key="Q" xdt:Transform="InsertIfMissing" xdt:Locator="XPath(/configuration/appSettings/add[@key='Q'])" /></appSettings>"#, "E033", "No element in the source document matches '/configuration/appSettings/add[@key='Q']'"),
    ];
    for (body, code, message) in cases {
        let d = err(S, &t(body));
        assert_eq!(d, [(code.to_string(), message.to_string())], "{body}");
    }
    // Insert on the root element.
    let tf = format!("<configuration xmlns:xdt=\"{XDT}\" xdt:Transform=\"Insert\" />");
    assert_eq!(codes(&err(S, &tf)), ["E034"]);
}

#[test]
fn an_error_does_not_stop_the_walk_but_fails_the_apply() {
    let tf = t(
        r#"  <system.webServer><rewrite xdt:Transform="Insert" /></system.webServer>
  <appSettings><add key="A" value="x" xdt:Transform="SetAttributes" xdt:Locator="Match(key)" /></appSettings>
  <appSettings><add xdt:Transform="Nope" /></appSettings>"#,
    );
    assert_eq!(codes(&err(S, &tf)), ["E033", "E030"]);
}

#[test]
fn a_failed_transform_name_skips_its_children_a_failed_locator_does_not() {
    let tf = t(
        r#"  <system.web xdt:Transform="Bogus"><customErrors mode="On" xdt:Transform="SetAttributes" /></system.web>"#,
    );
    assert_eq!(codes(&err(S, &tf)), ["E030"]);
    // Each child needing a bad parent locator reports it.
    let tf = t(
        r#"  <system.web xdt:Locator="Match(nope)"><customErrors xdt:Transform="Remove" /><compilation xdt:Transform="Remove" /></system.web>"#,
    );
    assert_eq!(codes(&err(S, &tf)), ["E030", "E030"]);
}

#[test]
fn unreadable_inputs_are_errors() {
    assert_eq!(codes(&err(S, "<configuration")), ["E003"]);
    assert_eq!(
        codes(&err(
            "<!--x-->\n<?xml version=\"1.0\"?><configuration/>",
            &t("")
        )),
        ["E003"]
    );
    let glued = format!(
        "<configuration xmlns:xdt=\"{XDT}\"><a b=\"1\"xdt:Transform=\"Remove\"/></configuration>"
    );
    assert_eq!(codes(&err(S, &glued)), ["E003"]);
}

#[test]
fn strict_makes_warnings_fail() {
    let tf = t(r#"  <system.web><machineKey xdt:Transform="Replace" /></system.web>"#);
    assert!(run(S, &tf, false).is_ok());
    let d = run(S, &tf, true).unwrap_err();
    assert_eq!(codes(&d), ["E036", "W230"]);
    // Warnings given before the walk count too.
    let tf = t("  <xdt:Foo />");
    assert_eq!(codes(&run(S, &tf, true).unwrap_err()), ["E036", "W234"]);
    // Notes do not count: a suppressed warning passes.
    let tf = t(
        r#"  <system.web><machineKey xdt:Transform="Replace" xdt:SupressWarnings="True" /></system.web>"#,
    );
    assert!(run(S, &tf, true).is_ok());
}

#[test]
fn removing_the_root_leaves_the_prolog_and_a_warning() {
    let tf = format!("<?xml version=\"1.0\"?>\n\n<configuration xmlns:xdt=\"{XDT}\" xdt:Transform=\"Remove\">\n</configuration>");
    let (out, d) = ok(S, &tf);
    assert_eq!(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    assert_eq!(codes(&d), ["W235"]);
}

// ---------------------------------------------------------------------------------------------
// Lossless
// ---------------------------------------------------------------------------------------------

const TORTURE: &str = "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\r\n<!-- c -->\r\n<configuration>\r\n\t<appSettings>\r\n\t\t<add key = 'Url' value='https://x/?a=1&amp;b=&apos;2&apos;&#169;' />\r\n\t\t<add key='Gt' value='a>b' />\r\n\t</appSettings >\r\n\t<system.web>\r\n\t\t<compilation debug='true' targetFramework='4.7.2' />\r\n\t</system.web>\r\n</configuration>\r\n";

#[test]
fn bytes_no_transform_touches_stay_identical() {
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(TORTURE.as_bytes());
    let tf =
        t(r#"  <system.web><compilation xdt:Transform="RemoveAttributes(debug)" /></system.web>"#);
    let a = apply(
        &Input::from_bytes("web.config", bom.clone()),
        &Input::from_bytes("t.config", tf),
        &XdtOptions::default(),
    )
    .unwrap();
    let mut expected = b"\xEF\xBB\xBF".to_vec();
    expected.extend_from_slice(TORTURE.replace(" debug='true'", "").as_bytes());
    assert_eq!(a.migration.output, expected);
    // An empty transform changes nothing at all.
    let a = apply(
        &Input::from_bytes("web.config", bom.clone()),
        &Input::from_bytes("t.config", t("")),
        &XdtOptions::default(),
    )
    .unwrap();
    assert_eq!(a.migration.output, bom);
}

#[test]
fn inserted_content_takes_crlf_tabs_and_the_neighbours_indent() {
    let tf = t(r#"  <appSettings>
    <add key="New" value="1" xdt:Transform="Insert">
      <!-- kept -->
    </add>
  </appSettings>
  <system.web>
    <customErrors mode="On" xdt:Transform="Insert"><error statusCode="404" redirect="/404" /></customErrors>
  </system.web>"#);
    let out = clean(TORTURE, &tf);
    assert!(out.contains("value='a>b' />\r\n\t\t<add key=\"New\" value=\"1\">\r\n\t\t\t<!-- kept -->\r\n\t\t</add>\r\n\t</appSettings >"), "{out:?}");
    assert!(out.contains("targetFramework='4.7.2' />\r\n\t\t<customErrors mode=\"On\"><error statusCode=\"404\" redirect=\"/404\" /></customErrors>\r\n\t</system.web>"), "{out:?}");
}

#[test]
fn insert_into_a_self_closing_or_empty_parent_and_after_a_trailing_comment() {
    let src = "<configuration>\n    <appSettings />\n    <pages></pages>\n    <c>\n        <a/>\n        <!-- last -->\n    </c>\n</configuration>\n";
    let tf = t(
        r#"<appSettings><add key="K" xdt:Transform="Insert" /></appSettings><pages><x xdt:Transform="Insert" /></pages><c><b xdt:Transform="Insert" /></c>"#,
    );
    assert_eq!(
        clean(src, &tf),
        "<configuration>\n    <appSettings>\n        <add key=\"K\" />\n    </appSettings>\n    <pages>\n        <x />\n    </pages>\n    <c>\n        <a/>\n        <!-- last -->\n        <b />\n    </c>\n</configuration>\n"
    );
}

#[test]
fn utf16_and_legacy_encodings_round_trip_without_loss() {
    let text = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<configuration>\r\n  <appSettings>\r\n    <add key=\"A\" value=\"é\" />\r\n  </appSettings>\r\n</configuration>\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    let tf = t(
        r#"<appSettings><add key="A" value="ü" xdt:Transform="SetAttributes" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    let a = apply(
        &Input::from_bytes("w", bytes),
        &Input::from_bytes("t", tf.clone()),
        &XdtOptions::default(),
    )
    .unwrap();
    let mut expected = vec![0xFF, 0xFE];
    for u in text.replace('é', "ü").encode_utf16() {
        expected.extend(u.to_le_bytes());
    }
    assert_eq!(a.migration.output, expected);
    // windows-1252 keeps its bytes (XDT turns é into ?).
    let legacy = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><configuration><appSettings><add key=\"A\" value=\"caf\xE9\" /><add key=\"B\" /></appSettings></configuration>";
    let tf = t(
        r#"<appSettings><add key="B" value="x" xdt:Transform="SetAttributes" xdt:Locator="Match(key)" /></appSettings>"#,
    );
    let a = apply(
        &Input::from_bytes("w", legacy.to_vec()),
        &Input::from_bytes("t", tf),
        &XdtOptions::default(),
    )
    .unwrap();
    assert!(a.migration.output.windows(4).any(|w| w == b"caf\xE9"));
    assert!(a
        .migration
        .output
        .ends_with(b"<add key=\"B\" value=\"x\" /></appSettings></configuration>"));
}

// ---------------------------------------------------------------------------------------------
// Fixture folders
// ---------------------------------------------------------------------------------------------

/// Every folder of `tests/xdt/`: `source.config` + `transform.config` give `expected.config` byte for
/// byte, and the codes in `diagnostics` (one per line) if present. `WCMIGRATE_BLESS=1` rewrites them.
#[test]
fn fixture_folders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xdt");
    let mut seen = 0;
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        seen += 1;
        let read = |n: &str| {
            fs::read(dir.join(n)).unwrap_or_else(|e| panic!("{}/{n}: {e}", dir.display()))
        };
        assert!(
            dir.join("about.md").exists(),
            "{} has no about.md",
            dir.display()
        );
        let a = apply(
            &Input::from_bytes("source.config", read("source.config")),
            &Input::from_bytes("transform.config", read("transform.config")),
            &XdtOptions::default(),
        )
        .unwrap_or_else(|f| panic!("{}: {:?}", dir.display(), f.diagnostics));
        let got_codes: String = a
            .migration
            .diagnostics
            .iter()
            .map(|d| format!("{}\n", d.code))
            .collect();
        if std::env::var_os("WCMIGRATE_BLESS").is_some() {
            fs::write(dir.join("expected.config"), &a.migration.output).unwrap();
            if !got_codes.is_empty() {
                fs::write(dir.join("diagnostics"), &got_codes).unwrap();
            }
            continue;
        }
        assert_eq!(
            String::from_utf8_lossy(&a.migration.output),
            String::from_utf8_lossy(&read("expected.config")),
            "{}",
            dir.display()
        );
        let want = fs::read_to_string(dir.join("diagnostics")).unwrap_or_default();
        assert_eq!(got_codes, want, "{}", dir.display());
    }
    assert!(seen >= 5, "found only {seen} fixture folders");
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

fn cli(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("wcmigrate")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["xdt", "apply"])
        .args(args)
        .assert()
}

fn folder(src: &str, tf: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("web.config"), src).unwrap();
    fs::write(d.path().join("Web.Release.config"), tf).unwrap();
    d
}

#[test]
fn cli_dry_run_write_in_place_and_check() {
    let tf =
        t(r#"  <system.web><compilation xdt:Transform="RemoveAttributes(debug)" /></system.web>"#);
    let d = folder(S, &tf);
    let out = cli(d.path(), &["web.config", "Web.Release.config"]).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.starts_with("diff --git a/web.config b/web.config\n"),
        "{stdout}"
    );
    assert!(stdout.contains("-    <compilation debug=\"true\" targetFramework=\"4.8\" />\n+    <compilation targetFramework=\"4.8\" />\n"));
    assert_eq!(
        fs::read_to_string(d.path().join("web.config")).unwrap(),
        S,
        "a dry run writes nothing"
    );
    // The diff applies with patch when it can (checked by GNU patch where installed).
    if std::process::Command::new("patch")
        .arg("--version")
        .output()
        .is_ok()
    {
        let p = std::process::Command::new("patch")
            .current_dir(d.path())
            .args(["-p1", "--dry-run"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(stdout.as_bytes())?;
                c.wait()
            })
            .unwrap();
        assert!(p.success());
    }
    cli(d.path(), &["web.config", "Web.Release.config", "--check"]).code(1);
    cli(
        d.path(),
        &["web.config", "Web.Release.config", "-o", "out.config"],
    )
    .success();
    let written = fs::read_to_string(d.path().join("out.config")).unwrap();
    assert_eq!(written, s_with(" debug=\"true\"", ""));
    cli(
        d.path(),
        &["web.config", "Web.Release.config", "--in-place"],
    )
    .success();
    assert_eq!(
        fs::read_to_string(d.path().join("web.config")).unwrap(),
        written
    );
    assert_eq!(
        fs::read_to_string(d.path().join("web.config.bak")).unwrap(),
        S
    );
    cli(d.path(), &["web.config", "Web.Release.config", "--check"]).success();
}

#[test]
fn cli_errors_and_strict_write_nothing() {
    let tf = t(r#"  <system.webServer><rewrite xdt:Transform="Insert" /></system.webServer>"#);
    let d = folder(S, &tf);
    let out = cli(
        d.path(),
        &["web.config", "Web.Release.config", "-o", "out.config"],
    )
    .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("E033"), "{stderr}");
    assert!(
        stderr.contains("Web.Release.config:3:"),
        "labels point into TRANSFORM: {stderr}"
    );
    assert!(!d.path().join("out.config").exists());
    let tf = t(r#"  <system.web><machineKey xdt:Transform="Replace" /></system.web>"#);
    let d = folder(S, &tf);
    cli(
        d.path(),
        &["web.config", "Web.Release.config", "-o", "out.config"],
    )
    .success();
    fs::remove_file(d.path().join("out.config")).unwrap();
    let out = cli(
        d.path(),
        &[
            "web.config",
            "Web.Release.config",
            "-o",
            "out.config",
            "--strict",
        ],
    )
    .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("E036"));
    assert!(!d.path().join("out.config").exists());
    cli(d.path(), &["web.config", "missing.config"]).code(2);
}

#[test]
fn cli_json_report_masks_secrets() {
    let src = "<configuration>\n  <connectionStrings>\n    <add name=\"Db\" connectionString=\"Server=s;Password=old\" />\n  </connectionStrings>\n</configuration>\n";
    let tf = t(
        r#"  <connectionStrings><add name="Db" connectionString="Server=s;Password=Hunter2" xdt:Transform="SetAttributes" xdt:Locator="Match(name)" /></connectionStrings>"#,
    );
    let d = folder(src, &tf);
    let out = cli(
        d.path(),
        &["web.config", "Web.Release.config", "--format", "json"],
    )
    .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!text.contains("Hunter2"), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["changed"], true);
    assert_eq!(v["source"], "web.config");
    assert_eq!(v["transform"], "Web.Release.config");
    assert_eq!(v["changes"][0]["rule_name"], "SetAttributes");
    assert_eq!(
        v["changes"][0]["path"],
        "/configuration/connectionStrings/add[@name='Db']/@connectionString"
    );
    assert!(!v["regions"].as_array().unwrap().is_empty());
    let human = cli(d.path(), &["web.config", "Web.Release.config"]).success();
    assert!(!String::from_utf8_lossy(&human.get_output().stdout).contains("Hunter2"));
    let shown = cli(
        d.path(),
        &["web.config", "Web.Release.config", "--show-secrets"],
    )
    .success();
    assert!(String::from_utf8_lossy(&shown.get_output().stdout).contains("Hunter2"));
}

#[test]
fn secrets_in_match_values_are_masked_in_messages_and_paths() {
    let tf = t(
        r#"  <connectionStrings><add connectionString="Server=s;Password=Hunter2" xdt:Transform="Remove" xdt:Locator="Match(connectionString)" /></connectionStrings>"#,
    );
    let (_, d) = ok(S, &tf);
    assert_eq!(codes(&d), ["W230"]);
    assert!(!d[0].1.contains("Hunter2"), "{}", d[0].1);
}

#[test]
fn a_namespace_declaration_between_attributes_stays_when_one_is_removed() {
    let src = "<configuration><a x=\"1\" xmlns:p=\"urn:p\" y=\"2\" p:z=\"3\"/></configuration>";
    let tf = t(r#"<a xdt:Transform="RemoveAttributes(y)" />"#);
    assert_eq!(
        clean(src, &tf),
        "<configuration><a x=\"1\" xmlns:p=\"urn:p\" p:z=\"3\"/></configuration>"
    );
}

#[test]
fn cli_output_naming_source_or_transform_is_refused() {
    let tf =
        t(r#"  <system.web><compilation xdt:Transform="RemoveAttributes(debug)" /></system.web>"#);
    let d = folder(S, &tf);
    for target in ["web.config", "Web.Release.config"] {
        let out = cli(
            d.path(),
            &["web.config", "Web.Release.config", "-o", target],
        )
        .code(2);
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains("E015"), "{target}: {stderr}");
    }
    assert_eq!(fs::read_to_string(d.path().join("web.config")).unwrap(), S);
    assert_eq!(
        fs::read_to_string(d.path().join("Web.Release.config")).unwrap(),
        tf
    );
}

/// As in merge (E021): an element named with a character a windows-1252 SOURCE cannot hold has no way
/// to be written (a character reference is not allowed in a name); refused, nothing written.
#[test]
fn a_name_the_source_encoding_cannot_hold_is_refused() {
    let src = "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<configuration>\n  <system.web>\n  </system.web>\n</configuration>\n";
    let tf = t("  <system.web><\u{7530} xdt:Transform=\"Insert\" /></system.web>");
    assert_eq!(codes(&err(src, &tf)), ["E021"]);
    // In a value the character is written as a reference, which .NET reads back as itself.
    let tf = t("  <system.web><pages theme=\"\u{7530}\" xdt:Transform=\"Insert\" /></system.web>");
    let (out, _) = ok(src, &tf);
    assert!(out.contains("\u{7530}"), "{out}");
}
