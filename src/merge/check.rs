//! Checks of the parsed inputs before any action plans: each root is a `<configuration>` .NET would
//! load, and no section an action must read is encrypted.
//!
//! Owns these refusals (E004, E005) and nothing else: it plans no edit and reads no file.

use roxmltree::{Document, Node};

use crate::actions::{Claims, Side};
use crate::config::{check_root, is_encrypted, scopes};
use crate::diag::{Code, Diagnostic};
use crate::doc::{elements, start_tag_end};

/// Checks every root; a note (the ASP.NET 2.0 namespace) goes to `diags`.
pub fn roots(sides: &[Side], diags: &mut Vec<Diagnostic>) -> Result<(), Diagnostic> {
    for s in sides {
        diags.extend(check_root(s.doc, s.id, s.name)?);
    }
    Ok(())
}

/// Refuses OLD when a section an action reads value by value is encrypted (in a 3-way merge any
/// section may be carried, so any encrypted one stops it).
pub fn encryption(old: &Side, claims: &Claims, every_section: bool) -> Result<(), Diagnostic> {
    let doc: &Document = old.doc;
    for scope in scopes(doc) {
        for sec in elements(scope.node) {
            let n = sec.tag_name().name();
            let candidates: Vec<Node> = if claims.sections.iter().any(|s| s == n) {
                vec![sec]
            } else if claims.groups.iter().any(|g| g == n) || every_section {
                std::iter::once(sec).chain(elements(sec)).collect()
            } else {
                continue;
            };
            if let Some(enc) = candidates.into_iter().find(|c| is_encrypted(*c)) {
                let section = enc.tag_name().name();
                return Err(Diagnostic::new(
                    Code::Encrypted,
                    format!("{}: section <{section}> is encrypted with keys that only the old server has", old.name),
                )
                .with_label(old.id, enc.range().start..start_tag_end(old.text, enc), "encrypted section")
                .with_help(format!(
                    "on the old server, decrypt it first: aspnet_regiis -pdf \"{section}\" <site folder>, take a new backup of web.config, then run wcmigrate again"
                )));
            }
        }
    }
    Ok(())
}
