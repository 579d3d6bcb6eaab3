//! Review: where OLD differs from NEW outside what the other actions own, reported for a person to
//! look at (N303). It runs after every rule, and only without a 3-way action that has BASE.
//!
//! It plans no edit: NEW's version is kept and each difference becomes a note with spans in both.

use roxmltree::Node;

use super::context::Context;
use super::RuleAction;
use crate::config::{child_path, leaf_text, Siblings};
use crate::diag::{Code, Diagnostic};
use crate::doc::{elements, start_tag_end};

/// Notes where OLD differs from NEW outside the migrated sections; nothing is applied.
#[derive(Debug)]
pub struct Review;

impl RuleAction for Review {
    fn plan(&self, cx: &mut Context<'_>) {
        if cx.base.is_some() && cx.shared.claims.three_way {
            return; // The 3-way action has decided all of it.
        }
        let claims = cx.shared.claims;
        let mut skip: Vec<&str> = vec!["configSections"];
        skip.extend(claims.sections.iter().map(String::as_str));
        skip.extend(claims.groups.iter().map(String::as_str));
        let (old, new) = (cx.old.doc.root_element(), cx.new.doc.root_element());
        children(cx, old, Some(new), ("", ""), &skip);
    }
}

fn children(cx: &mut Context, old: Node, new: Option<Node>, paths: (&str, &str), skip: &[&str]) {
    let (epath, shown_path) = paths;
    let (identity, claims) = (cx.shared.identity, cx.shared.claims);
    let carried = &claims.attributes;
    let mut theirs = Siblings::of(identity, new, epath);
    for oc in elements(old) {
        let name = oc.tag_name().name();
        let cpath = child_path(epath, old, oc);
        if cpath == name && skip.contains(&name) {
            continue;
        }
        let (id, shown_id) = cx.identity_of(oc, &cpath);
        let here = if shown_path.is_empty() {
            shown_id
        } else {
            format!("{shown_path}/{shown_id}")
        };
        let Some(nc) = theirs.take(&id) else {
            cx.diags.push(
                Diagnostic::new(
                    Code::Review,
                    format!("OLD has <{here}>, which NEW lacks; not carried (review it)"),
                )
                .with_label(
                    cx.old.id,
                    oc.range().start..start_tag_end(cx.old.text, oc),
                    "only in OLD",
                ),
            );
            continue;
        };
        let mut diffs = Vec::new();
        for a in oc.attributes() {
            if carried.iter().any(|(e, at)| *e == cpath && at == a.name()) {
                continue;
            }
            let secret = cx.secret_attribute(oc, a.name());
            let theirs = nc.attribute(a.name());
            if theirs != Some(a.value()) {
                let q = cx.quoted_all(&[Some(a.value()), theirs], secret);
                diffs.push(format!("{}={} (NEW: {})", a.name(), q[0], q[1]));
            }
        }
        // Texts compare only where both are leaves: a child element is reported on its own.
        if let (Some(ot), Some(nt)) = (leaf_text(oc), leaf_text(nc)) {
            if ot != nt {
                let secret = cx.secret_text(oc);
                let q = cx.quoted_all(&[Some(&ot), Some(&nt)], secret);
                let text = |q: &str, t: &str| match t {
                    "" => "no text".to_string(),
                    _ => format!("text {q}"),
                };
                diffs.push(format!("{} (NEW: {})", text(&q[0], &ot), text(&q[1], &nt)));
            }
        }
        if !diffs.is_empty() {
            cx.diags.push(
                Diagnostic::new(
                    Code::Review,
                    format!(
                        "<{here}> differs: OLD has {}; NEW's kept (review it)",
                        diffs.join(", ")
                    ),
                )
                .with_label(
                    cx.old.id,
                    oc.range().start..start_tag_end(cx.old.text, oc),
                    "OLD",
                )
                .with_label(
                    cx.new.id,
                    nc.range().start..start_tag_end(cx.new.text, nc),
                    "NEW",
                ),
            );
        }
        children(cx, oc, Some(nc), (&cpath, &here), skip);
    }
}
