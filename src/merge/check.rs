//! Checks of the parsed inputs before any action plans: each root is a `<configuration>` .NET would
//! load, and no encrypted section must be read: none a copy action migrates value by value and, in a
//! 3-way merge, none the admin changed (it differs between BASE and OLD).
//!
//! Owns these refusals (E004, E005) and nothing else: it plans no edit and reads no file. An encrypted
//! section the admin did not change is no obstacle: nothing reads it, and NEW's bytes stand there.

use roxmltree::{Document, Node};

use crate::actions::{Claims, Side};
use crate::config::{check_root, is_encrypted, scopes, Scope};
use crate::diag::{Code, Diagnostic};
use crate::doc::{child, elements, start_tag_end};

/// Every check of the inputs, in order: roots, what .NET refuses, encrypted sections to be read.
pub fn inputs(
    old: Side,
    new: Side,
    base: Option<Side>,
    claims: &Claims,
    diags: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let sides: Vec<Side> = [old, new].into_iter().chain(base).collect();
    roots(&sides, diags)?;
    for s in &sides {
        super::accept::dotnet_reads(s, claims)?;
    }
    encryption(&old, base.as_ref(), claims)
}

/// Checks every root; a note (the ASP.NET 2.0 namespace) goes to `diags`.
fn roots(sides: &[Side], diags: &mut Vec<Diagnostic>) -> Result<(), Diagnostic> {
    for s in sides {
        diags.extend(check_root(s.doc, s.id, s.name)?);
    }
    Ok(())
}

/// Refuses OLD when an encrypted section must be read. Without BASE: one a copy action reads value by
/// value. With BASE: one that differs from BASE's (the admin changed it, so the 3-way merge would
/// have to read it); an encrypted section the same in BASE and OLD holds no value to carry.
fn encryption(old: &Side, base: Option<&Side>, claims: &Claims) -> Result<(), Diagnostic> {
    if let Some(base) = base {
        return changed_encrypted(old, base);
    }
    let doc: &Document = old.doc;
    for scope in scopes(doc) {
        for sec in elements(scope.node) {
            let n = sec.tag_name().name();
            let candidates: Vec<Node> = if claims.sections.iter().any(|s| s == n) {
                vec![sec]
            } else if claims.groups.iter().any(|g| g == n) {
                std::iter::once(sec).chain(elements(sec)).collect()
            } else {
                continue;
            };
            if let Some(enc) = candidates.into_iter().find(|c| is_encrypted(*c)) {
                return Err(refusal(old, enc, "it is migrated value by value"));
            }
        }
    }
    Ok(())
}

/// E005 for the first encrypted element of OLD (at any depth) that BASE lacks or has otherwise.
fn changed_encrypted(old: &Side, base: &Side) -> Result<(), Diagnostic> {
    let base_scopes = scopes(base.doc);
    for scope in scopes(old.doc) {
        let twin = base_scopes.iter().find(|s| s.same_place(&scope));
        let mut stack: Vec<Node> = elements(scope.node)
            .filter(|n| scope.location.is_some() || n.tag_name().name() != "location")
            .collect();
        while let Some(n) = stack.pop() {
            if !is_encrypted(n) {
                stack.extend(elements(n));
                continue;
            }
            if !twin
                .and_then(|t| counterpart(t, &scope, n))
                .is_some_and(|b| same(n, b))
            {
                return Err(refusal(
                    old,
                    n,
                    "it differs from BASE's, so the admin's change would have to be read",
                ));
            }
        }
    }
    Ok(())
}

/// The element of BASE's scope `twin` at the same path as `n` below OLD's `scope` (sections are
/// unique per scope, so names are enough).
fn counterpart<'a, 'i>(twin: &Scope<'a, 'i>, scope: &Scope, n: Node) -> Option<Node<'a, 'i>> {
    let mut path: Vec<&str> = n
        .ancestors()
        .take_while(|a| *a != scope.node)
        .map(|a| a.tag_name().name())
        .collect();
    path.reverse();
    path.into_iter()
        .try_fold(twin.node, |at, name| child(at, name))
}

/// True when two elements mean the same: name, attributes in any order, children in order, text
/// (trimmed). Comments and layout do not count.
fn same(a: Node, b: Node) -> bool {
    fn attrs(n: Node) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = n
            .attributes()
            .map(|a| (a.name().to_string(), a.value().to_string()))
            .collect();
        v.sort_unstable();
        v
    }
    // Character data only: a comment's text is not the element's (as in `config::leaf_text`).
    let text = |n: Node| -> String {
        n.children()
            .filter(|c| c.is_text())
            .filter_map(|c| c.text())
            .collect()
    };
    a.tag_name() == b.tag_name()
        && attrs(a) == attrs(b)
        && text(a).trim() == text(b).trim()
        && elements(a).count() == elements(b).count()
        && elements(a).zip(elements(b)).all(|(x, y)| same(x, y))
}

fn refusal(old: &Side, enc: Node, why: &str) -> Diagnostic {
    let section = enc.tag_name().name();
    Diagnostic::new(
        Code::Encrypted,
        format!(
            "{}: section <{section}> is encrypted with keys that only the old server has, and {why}",
            old.name
        ),
    )
    .with_label(old.id, enc.range().start..start_tag_end(old.text, enc), "encrypted section")
    .with_help(format!(
        "on the old server, decrypt it first: aspnet_regiis -pdf \"{section}\" <site folder>, take a new backup of web.config, then run wcmigrate again"
    ))
}
