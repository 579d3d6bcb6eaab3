//! .NET configuration semantics the merge must follow, one behaviour per test, through the library.

use std::fs;

use wcmigrate::diag::Code;
use wcmigrate::{migrate, Input, Migration, Options, Rules};

fn run_in(dir: Option<&std::path::Path>, old: &str, new: &str) -> Migration {
    let mut o = Input::from_bytes("old.config", old);
    o.dir = dir.map(|d| d.to_path_buf());
    migrate(
        &o,
        &Input::from_bytes("new.config", new),
        &Rules::builtin(),
        &Options::default(),
    )
    .unwrap_or_else(|f| panic!("{:?}", f.diagnostics))
}

fn run(old: &str, new: &str) -> Migration {
    run_in(None, old, new)
}

fn codes(m: &Migration) -> Vec<Code> {
    m.diagnostics.iter().map(|d| d.code).collect()
}

const NEW_APP: &str = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"new\" />\n  </appSettings>\n</configuration>\n";

#[test]
fn config_source_sections_are_read_from_their_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("app.config"),
        "<appSettings><add key=\"a\" value=\"from-file\"/></appSettings>",
    )
    .unwrap();
    let m = run_in(
        Some(dir.path()),
        "<configuration><appSettings configSource=\"app.config\" /></configuration>",
        NEW_APP,
    );
    assert!(
        m.merged_text
            .contains("<add key=\"A\" value=\"from-file\" />"),
        "{}",
        m.merged_text
    );
    assert!(codes(&m).contains(&Code::ExternalRead));
}

#[test]
fn config_source_outside_the_folder_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("site");
    fs::create_dir(&sub).unwrap();
    fs::write(
        dir.path().join("secret.config"),
        "<appSettings><add key=\"a\" value=\"x\"/></appSettings>",
    )
    .unwrap();
    let m = run_in(
        Some(&sub),
        "<configuration><appSettings configSource=\"..\\secret.config\" /></configuration>",
        NEW_APP,
    );
    assert_eq!(m.merged_text, NEW_APP);
    assert!(codes(&m).contains(&Code::ExternalMissing));
}

#[test]
fn settings_sections_with_config_source_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("s.config"),
        "<pfup.Properties.Settings><setting name=\"x\" serializeAs=\"String\"><value>from-file</value></setting></pfup.Properties.Settings>",
    )
    .unwrap();
    let old = "<configuration><applicationSettings><pfup.Properties.Settings configSource=\"s.config\" /></applicationSettings></configuration>";
    let new = "<configuration><applicationSettings><pfup.Properties.Settings><setting name=\"x\" serializeAs=\"String\"><value /></setting></pfup.Properties.Settings></applicationSettings></configuration>";
    let m = run_in(Some(dir.path()), old, new);
    assert!(
        m.merged_text.contains("<value>from-file</value>"),
        "{}",
        m.merged_text
    );
}

#[test]
fn user_settings_are_copied_like_application_settings() {
    let old = "<configuration><userSettings><u.Settings><setting name=\"Zoom\" serializeAs=\"String\"><value>150</value></setting></u.Settings></userSettings></configuration>";
    let new = "<configuration><userSettings><u.Settings><setting name=\"Zoom\" serializeAs=\"String\"><value>100</value></setting></u.Settings></userSettings></configuration>";
    assert!(run(old, new).merged_text.contains("<value>150</value>"));
}

#[test]
fn setting_names_are_case_sensitive() {
    let old = "<configuration><applicationSettings><s><setting name=\"zoom\" serializeAs=\"String\"><value>1</value></setting></s></applicationSettings></configuration>";
    let new = "<configuration><applicationSettings><s><setting name=\"Zoom\" serializeAs=\"String\"><value>2</value></setting></s></applicationSettings></configuration>";
    let m = run(old, new);
    assert!(m
        .merged_text
        .contains("name=\"Zoom\" serializeAs=\"String\"><value>2</value>"));
    assert!(
        m.merged_text.contains("name=\"zoom\""),
        "OLD's differently cased setting is carried as its own"
    );
}

#[test]
fn location_scoped_sections_match_by_path() {
    let old = "<configuration><location path=\"admin\"><appSettings><add key=\"A\" value=\"old\"/></appSettings></location>\
               <location path=\"gone\"><appSettings><add key=\"B\" value=\"x\"/></appSettings></location></configuration>";
    let new = "<configuration><appSettings><add key=\"A\" value=\"root\"/></appSettings><location path=\"Admin/\"><appSettings><add key=\"A\" value=\"new\"/></appSettings></location></configuration>";
    let m = run(old, new);
    assert!(
        m.merged_text.contains("<add key=\"A\" value=\"root\"/>"),
        "the root scope is untouched"
    );
    assert!(m
        .merged_text
        .contains("<location path=\"Admin/\"><appSettings><add key=\"A\" value=\"old\"/>"));
    assert!(codes(&m).contains(&Code::LocationUnmatched));
}

#[test]
fn serialize_as_mismatch_keeps_new_and_warns() {
    let old = "<configuration><applicationSettings><s><setting name=\"L\" serializeAs=\"String\"><value>a</value></setting></s></applicationSettings></configuration>";
    let new = "<configuration><applicationSettings><s><setting name=\"L\" serializeAs=\"Xml\"><value><x/></value></setting></s></applicationSettings></configuration>";
    let m = run(old, new);
    assert_eq!(m.merged_text, new);
    assert!(codes(&m).contains(&Code::SerializeAsMismatch));
}

#[test]
fn cdata_values_are_not_edited_blindly() {
    let old = "<configuration><applicationSettings><s><setting name=\"L\" serializeAs=\"String\"><value>a</value></setting></s></applicationSettings></configuration>";
    let new = "<configuration><applicationSettings><s><setting name=\"L\" serializeAs=\"String\"><value>x<![CDATA[y]]></value></setting></s></applicationSettings></configuration>";
    let m = run(old, new);
    assert_eq!(m.merged_text, new);
    assert!(codes(&m).contains(&Code::NotEditable));
}

#[test]
fn differences_outside_the_migrated_sections_are_review_notes_not_edits() {
    let old = "<configuration><system.web><httpRuntime executionTimeout=\"300\" /><customErrors mode=\"On\" /></system.web></configuration>";
    let new = "<configuration><system.web><httpRuntime executionTimeout=\"180\" /></system.web></configuration>";
    let m = run(old, new);
    assert_eq!(m.merged_text, new);
    let notes: Vec<&str> = m
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Review)
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("executionTimeout=\"300\" (NEW: \"180\")")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("customErrors")),
        "{notes:?}"
    );
}

#[test]
fn a_key_removed_in_old_keeps_new_value_with_a_note() {
    let old = "<configuration><appSettings><add key=\"A\" value=\"1\"/><remove key=\"a\"/></appSettings></configuration>";
    let m = run(old, NEW_APP);
    assert_eq!(m.merged_text, NEW_APP);
    assert!(codes(&m).contains(&Code::RemovedInOld));
}

#[test]
fn an_empty_or_self_closing_new_section_gets_properly_indented_children() {
    for (new, want) in [
        ("<configuration>\n  <appSettings />\n</configuration>\n", "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n  </appSettings>\n</configuration>\n"),
        ("<configuration>\n  <appSettings></appSettings>\n</configuration>\n", "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n  </appSettings>\n</configuration>\n"),
        ("<configuration>\r\n\t<system.web />\r\n</configuration>", "<configuration>\r\n\t<system.web />\r\n\t<appSettings>\r\n\t\t<add key=\"A\" value=\"1\" />\r\n\t</appSettings>\r\n</configuration>"),
    ] {
        let m = run("<configuration><appSettings><add key=\"A\" value=\"1\"/></appSettings></configuration>", new);
        assert_eq!(m.merged_text, want);
    }
}

#[test]
fn a_misspelled_setting_name_is_pointed_out() {
    let old = "<configuration><applicationSettings><pfup.Properties.Settings><setting name=\"pf_up_pfwssdk_PfWsSdk\" serializeAs=\"String\"><value>u</value></setting></pfup.Properties.Settings></applicationSettings></configuration>";
    let new = "<configuration><applicationSettings><pfup.Properties.Settings><setting name=\"pfup_pfwssdk_PfWsSdk\" serializeAs=\"String\"><value>v</value></setting></pfup.Properties.Settings></applicationSettings></configuration>";
    let m = run(old, new);
    let d = m
        .diagnostics
        .iter()
        .find(|d| d.code == Code::NearMissName)
        .expect("W203");
    assert!(d.message.contains("`pfup_pfwssdk_PfWsSdk`"));
}

#[test]
fn the_aspnet2_namespace_is_read_and_never_copied() {
    let old = "<configuration xmlns=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\"><appSettings><add key=\"A\" value=\"1\"/><add key=\"B\" value=\"2\"/></appSettings></configuration>";
    let m = run(old, NEW_APP);
    assert!(
        m.merged_text.contains("value=\"1\"")
            && m.merged_text.contains("<add key=\"B\" value=\"2\" />")
    );
    assert!(!m.merged_text.contains("xmlns"));
    assert!(codes(&m).contains(&Code::NamespaceIgnored));
}

#[test]
fn a_name_that_only_extends_a_known_one_is_not_a_near_miss() {
    let old = "<configuration><appSettings><add key=\"U\" value=\"https://h/PhoneFactorX/a.asmx\"/><add key=\"V\" value=\"https://h/MultiFactorAuthWebServicesSdk/a.asmx\"/></appSettings></configuration>";
    let m = run(old, NEW_APP);
    let near: Vec<&str> = m
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::NearMissVdir)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(near.len(), 1, "{near:?}");
    assert!(near[0].contains("MultiFactorAuthWebServicesSdk"));
}

/// Real case: ClearCanvas' `PasswordResetEmailSettings/BodyTemplate`, a String setting holding a
/// multi-line HTML template in a CRLF file. .NET's configuration reader keeps line breaks as written,
/// so the value is "\r\n<!DOCTYPE ..." and must stay so: never a bare LF in a CRLF file. An attribute's
/// literal line break (which .NET also reads as written) is written as character references.
const CRLF_OLD: &str = "<configuration>\r\n  <appSettings>\r\n    <add key=\"Signature\" value=\"Regards,\r\nThe Team\" />\r\n    <add key=\"Footer\" value=\"a\nb\tc\" />\r\n  </appSettings>\r\n  <applicationSettings>\r\n    <Mail.Settings>\r\n      <setting name=\"BodyTemplate\" serializeAs=\"String\">\r\n        <value>\r\n&lt;html&gt;Dear $USER,&lt;br/&gt;\r\n &lt;b&gt;$PASSWORD&lt;/b&gt;\r\n</value>\r\n      </setting>\r\n    </Mail.Settings>\r\n  </applicationSettings>\r\n</configuration>\r\n";
const CRLF_NEW: &str = "<configuration>\r\n  <appSettings>\r\n    <add key=\"Signature\" value=\"\" />\r\n    <add key=\"Footer\" value=\"\" />\r\n  </appSettings>\r\n  <applicationSettings>\r\n    <Mail.Settings>\r\n      <setting name=\"BodyTemplate\" serializeAs=\"String\">\r\n        <value>Your new password: $PASSWORD</value>\r\n      </setting>\r\n    </Mail.Settings>\r\n  </applicationSettings>\r\n</configuration>\r\n";

#[test]
fn line_breaks_in_values_are_written_so_that_dotnet_reads_old_s_string() {
    let m = run(CRLF_OLD, CRLF_NEW);
    let body = "<value>\r\n&lt;html&gt;Dear $USER,&lt;br/&gt;\r\n &lt;b&gt;$PASSWORD&lt;/b&gt;\r\n</value>";
    assert!(m.merged_text.contains(body), "{}", m.merged_text);
    assert!(
        m.merged_text
            .contains("value=\"Regards,&#xD;&#xA;The Team\""),
        "{}",
        m.merged_text
    );
    assert!(m.merged_text.contains("value=\"a&#xA;b&#x9;c\""));
    assert_eq!(
        m.merged_text.matches('\n').count(),
        m.merged_text.matches("\r\n").count(),
        "no bare LF in a CRLF file"
    );
    assert!(
        run(CRLF_OLD, &m.merged_text).changes.is_empty(),
        "idempotent"
    );

    // Into an LF file: the CR becomes a reference, the LF stays a line break.
    let lf_new = CRLF_NEW.replace("\r\n", "\n");
    let m = run(CRLF_OLD, &lf_new);
    assert!(
        m.merged_text.contains("<value>&#xD;\n&lt;html&gt;Dear $USER,&lt;br/&gt;&#xD;\n &lt;b&gt;$PASSWORD&lt;/b&gt;&#xD;\n</value>"),
        "{}",
        m.merged_text
    );
    assert!(!m.merged_text.contains('\r'), "no CRLF in an LF file");
    assert!(
        run(CRLF_OLD, &m.merged_text).changes.is_empty(),
        "idempotent"
    );

    // An LF value into a CRLF file: the LF is a reference.
    let lf_old = CRLF_OLD.replace("\r\n", "\n");
    let m = run(&lf_old, CRLF_NEW);
    assert!(m.merged_text.contains(
        "<value>&#xA;&lt;html&gt;Dear $USER,&lt;br/&gt;&#xA; &lt;b&gt;$PASSWORD&lt;/b&gt;&#xA;</value>"
    ));
    assert!(
        run(&lf_old, &m.merged_text).changes.is_empty(),
        "idempotent"
    );
}

/// Without BASE a key only in OLD may be the admin's own or a default the new version removed (real:
/// mvcforum 1.9 dropped `MVCForumVersion`): it is still carried, and the note says `--base` would tell.
#[test]
fn a_key_only_in_old_is_carried_and_the_note_points_at_base() {
    let old = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"old\" />\n    <add key=\"MVCForumVersion\" value=\"1.7\" />\n  </appSettings>\n</configuration>\n";
    let m = run(old, NEW_APP);
    assert!(m
        .merged_text
        .contains("<add key=\"MVCForumVersion\" value=\"1.7\" />"));
    let note = m
        .diagnostics
        .iter()
        .find(|d| d.code == Code::Inserted)
        .expect("N301");
    assert!(
        note.help.as_deref().is_some_and(|h| h.contains("--base")),
        "{note:?}"
    );
}
