//! Action `carry-attribute`: one attribute of one element (the User Portal's `<pages theme>`) carried
//! from OLD into NEW, with an optional reminder of what a config tool cannot carry.
//!
//! Owns that (element, attribute) pair: the 3-way action and the review leave it alone. It sets,
//! adds or creates only that attribute; with BASE, whether the element itself exists in NEW is left
//! to the 3-way action (which it asks to revive OLD's element).

use roxmltree::{Node, NodeId};
use serde::Deserialize;

use super::context::{Context, Site};
use super::{Claims, Kind, RuleAction, RuleInfo};
use crate::config::scopes;
use crate::diag::{Code, Diagnostic};
use crate::doc::{after_attributes, attr, child, last_child_slot, quote_of};
use crate::edit::escape_attr;
use crate::migration::{ChangeKind, Options};

pub const KIND: Kind = Kind {
    name: "carry-attribute",
    build: |t| {
        Ok(Box::new(super::params::<CarryAttribute>(
            "carry-attribute",
            t,
        )?))
    },
};

/// Carry `attribute` of `element` (element names from the root or a `<location>`, `/`-separated).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarryAttribute {
    element: String,
    attribute: String,
    /// Values that are not carried (the defaults), compared ignoring ASCII case.
    #[serde(default)]
    unless: Vec<String>,
    /// Help shown when OLD sets the attribute; `{value}` is replaced by its value.
    reminder: Option<String>,
}

impl RuleAction for CarryAttribute {
    fn claim(&self, claims: &mut Claims, _rule: &RuleInfo, _opts: &Options) {
        claims
            .attributes
            .push((self.element.clone(), self.attribute.clone()));
    }

    fn plan(&self, cx: &mut Context<'_>) {
        let path: Vec<&str> = self.element.split('/').filter(|s| !s.is_empty()).collect();
        let find = |scope: Node<'_, '_>| -> Option<NodeId> {
            let mut n = scope;
            for p in &path {
                n = child(n, p)?;
            }
            Some(n.id())
        };
        let (element, attribute) = (self.element.as_str(), self.attribute.as_str());
        let (old_doc, new_doc, old_text, new_text) =
            (cx.old.doc, cx.new.doc, cx.old.text, cx.new.text);
        for old_scope in scopes(old_doc) {
            let Some(old_el) =
                find(old_scope.node).map(|id| old_doc.get_node(id).expect("node of this document"))
            else {
                continue;
            };
            let Some(a) = attr(old_text, old_el, attribute) else {
                continue;
            };
            if self
                .unless
                .iter()
                .any(|u| u.eq_ignore_ascii_case(a.value.trim()))
            {
                continue;
            }
            let secret = cx.secret_attribute(old_el, attribute);
            let shown = cx.shown(&a.value, secret);
            if let Some(reminder) = &self.reminder {
                // The reminder is the message itself, so that every one-line view of it (the batch
                // summary, a JSON consumer) says what to do, not only the full rendering's help.
                cx.diags.push(
                    Diagnostic::new(
                        Code::ThemeFolder,
                        format!(
                            "OLD sets {element}/@{attribute} = `{shown}`, carried into NEW: {}",
                            reminder.replace("{value}", &shown)
                        ),
                    )
                    .with_label(
                        cx.old.id,
                        a.value_range.clone(),
                        "carried into NEW",
                    ),
                );
            }
            let Some(new_scope) = cx.new_scope(&old_scope) else {
                continue;
            };
            let label = format!("{}{element}/@{attribute}", old_scope.label());
            match find(new_scope.node)
                .map(|id| new_doc.get_node(id).expect("node of this document"))
            {
                Some(new_el) => match attr(new_text, new_el, attribute) {
                    Some(na) if na.value == a.value => {}
                    Some(na) => {
                        cx.edits
                            .replace(na.value_range.clone(), escape_attr(&a.value, na.quote));
                        let site = Site::new(label, na.value_range, secret);
                        cx.change(ChangeKind::Replaced, &site, Some(na.value), a.value.clone());
                    }
                    None => {
                        let at = after_attributes(new_text, new_el);
                        let q = quote_of(new_text, new_el);
                        let text = cx.attr_text(attribute, &a.value, None, q);
                        cx.edits.insert(at, format!(" {text}"));
                        let site = Site::new(label, at..at, secret);
                        cx.change(ChangeKind::Inserted, &site, None, a.value.clone());
                    }
                },
                // With BASE, whether the element exists in NEW is the 3-way action's decision (it
                // carries OLD's whole element, or keeps NEW's removal): creating it here too would
                // duplicate it, or bring it back so that a second run merges into it.
                None if cx.base.is_some() => cx.revive.push(element.trim_matches('/').to_string()),
                None => {
                    // Create the innermost element when its parent exists.
                    let parent_path = &path[..path.len() - 1];
                    let mut parent = Some(new_scope.node);
                    for p in parent_path {
                        parent = parent.and_then(|n| child(n, p));
                    }
                    match parent {
                        Some(parent) => {
                            let name = path[path.len() - 1];
                            let text = format!(
                                "<{name} {} />",
                                cx.attr_text(attribute, &a.value, None, '"')
                            );
                            let at = last_child_slot(new_text, parent, &cx.unit).range.start;
                            cx.insert(parent, false, text);
                            let site = Site::new(label, at..at, secret);
                            cx.change(ChangeKind::Inserted, &site, None, a.value.clone());
                        }
                        None => cx.diags.push(
                            Diagnostic::new(
                                Code::NotEditable,
                                format!(
                                    "NEW has no <{}> to carry {attribute}=\"{shown}\" into",
                                    parent_path.join("/"),
                                ),
                            )
                            .with_label(cx.old.id, a.value_range.clone(), "not carried")
                            .with_help("add the element to the new web.config by hand"),
                        ),
                    }
                }
            }
        }
    }
}
