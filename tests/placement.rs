//! Where the 3-way merge puts an element only OLD has: after its nearest OLD neighbour that NEW still
//! has, else before the next one, else where it stood (first, or at the end); its decision says where.
//! The real case: JabbR 0.6 -> 0.8.0, an admin's handler landed before the vendor's `<remove>`s.

mod merge3;

use merge3::merge3;
use wcmigrate::{Migration, Prefer};

fn merge(base: &str, old: &str, new: &str) -> Migration {
    merge3(base, old, new, Prefer::New)
}

/// `<handlers>` holding one line per child.
fn handlers(children: &[&str]) -> String {
    let mut s = String::from("<configuration>\n  <system.webServer>\n    <handlers>\n");
    for c in children {
        s.push_str(&format!("      {c}\n"));
    }
    s.push_str("    </handlers>\n  </system.webServer>\n</configuration>\n");
    s
}

const CLEAR: &str = "<clear />";
const OWIN: &str = r#"<add name="Owin" verb="*" path="*" type="Owin.Handler" />"#;
const MINE: &str = r#"<add name="Mine" verb="GET" path="mine.axd" type="Mine.Handler" />"#;
const REMOVE: &str = r#"<remove name="OPTIONSVerbHandler" />"#;
const EXTENSIONLESS: &str =
    r#"<add name="ExtensionlessUrlHandler-Integrated-4.0" path="*." verb="*" type="T" />"#;

/// The message of the decision on the element named `name`.
fn said(m: &Migration, name: &str) -> String {
    m.decisions
        .iter()
        .find(|d| d.path.contains(name))
        .unwrap_or_else(|| panic!("no decision on {name}: {:?}", m.decisions))
        .message
        .clone()
}

#[test]
fn an_added_element_whose_neighbours_are_gone_keeps_its_place_at_the_end() {
    let base = handlers(&[CLEAR, OWIN]);
    let old = handlers(&[CLEAR, OWIN, MINE]);
    let new = handlers(&[REMOVE, EXTENSIONLESS]);
    let m = merge(&base, &old, &new);
    assert_eq!(
        m.merged_text,
        handlers(&[REMOVE, EXTENSIONLESS, MINE]),
        "after the vendor's <remove>s, not before them (IIS handlers are first-match)"
    );
    assert!(
        said(&m, "Mine").contains("at the end of <handlers>"),
        "{}",
        said(&m, "Mine")
    );
}

#[test]
fn an_added_element_goes_after_its_nearest_surviving_old_neighbour() {
    let base = handlers(&[CLEAR, OWIN, EXTENSIONLESS]);
    let old = handlers(&[CLEAR, MINE, OWIN, EXTENSIONLESS]);
    // The vendor dropped <clear/>; Owin is still there, after a new <remove>.
    let new = handlers(&[REMOVE, OWIN, EXTENSIONLESS]);
    let m = merge(&base, &old, &new);
    assert_eq!(
        m.merged_text,
        handlers(&[REMOVE, MINE, OWIN, EXTENSIONLESS]),
        "none of its earlier OLD neighbours is in NEW: just before the next one"
    );
    assert!(
        said(&m, "Mine").contains("before <add[@name='Owin']>"),
        "{}",
        said(&m, "Mine")
    );

    let old = handlers(&[CLEAR, OWIN, MINE, EXTENSIONLESS]);
    let m = merge(&base, &old, &new);
    assert_eq!(
        m.merged_text,
        handlers(&[REMOVE, OWIN, MINE, EXTENSIONLESS])
    );
    assert!(
        said(&m, "Mine").contains("after <add[@name='Owin']>"),
        "{}",
        said(&m, "Mine")
    );
}

#[test]
fn an_added_first_element_stays_first_when_nothing_around_it_survives() {
    let base = handlers(&[OWIN]);
    let old = handlers(&[MINE, OWIN]);
    let new = handlers(&[REMOVE, EXTENSIONLESS]);
    let m = merge(&base, &old, &new);
    assert_eq!(m.merged_text, handlers(&[MINE, REMOVE, EXTENSIONLESS]));
    assert!(said(&m, "Mine").contains("first in <handlers>"));
}

#[test]
fn first_and_last_children_of_an_empty_new_parent_share_its_one_slot() {
    let base = "<configuration><system.web><a x=\"1\" /></system.web></configuration>";
    let old = "<configuration><system.web><b n=\"1\" /><a x=\"1\" /><c n=\"2\" /></system.web></configuration>";
    let new = "<configuration><system.web /></configuration>";
    let m = merge(base, old, new);
    let (b, c) = (
        m.merged_text.find("<b n=\"1\" />").expect("b carried"),
        m.merged_text.find("<c n=\"2\" />").expect("c carried"),
    );
    assert!(b < c, "OLD's order: {}", m.merged_text);
    assert!(!m.merged_text.contains("<a "), "{}", m.merged_text);
    assert_eq!(merge(base, old, &m.merged_text).merged_text, m.merged_text);
}

#[test]
fn nothing_goes_before_the_roots_config_sections() {
    // OLD's first child is the admin's and NEW has none of its OLD siblings: first, but after the
    // <configSections> .NET wants first.
    let base = "<configuration>\n  <system.diagnostics />\n</configuration>\n";
    let old = "<configuration>\n  <mine a=\"1\" />\n  <system.diagnostics />\n</configuration>\n";
    let new = "<configuration>\n  <configSections>\n    <section name=\"s\" type=\"T\" />\n  </configSections>\n  <system.web />\n</configuration>\n";
    let m = merge(base, old, new);
    assert_eq!(
        m.merged_text,
        new.replace(
            "</configSections>\n",
            "</configSections>\n  <mine a=\"1\" />\n"
        ),
    );
    assert!(said(&m, "mine").contains("after <configSections>"));
}
