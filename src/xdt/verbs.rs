//! The verbs that move whole elements: Replace, Remove, RemoveAll and CommentOut on their targets, and
//! Insert, InsertIfMissing, InsertBefore and InsertAfter on the parent path's first match — each as
//! splices of the current text, new content laid out like its neighbours (XDT-FACTS §4).
//!
//! Owns where content goes and what goes with a removed element (its own line, no more). It never
//! applies edits, never builds the copied text itself (`content` does) and knows no locator.

use std::ops::Range;

use roxmltree::Node;

use super::content::{self, Layout};
use super::step::{Step, Verb};
use super::xpath::{self, XPathError};
use crate::diag::Code;
use crate::doc::{is_self_closing, last_child_slot, slot_after, start_tag_end, Slot};
use crate::edit::{eol_before, indent_before, line_start};
use crate::migration::ChangeKind;

/// The namespaces in scope on `node` in SOURCE (the default one with prefix "").
fn scope(node: Option<Node>) -> Vec<(String, String)> {
    node.map(|n| {
        n.namespaces()
            .map(|ns| (ns.name().unwrap_or("").to_string(), ns.uri().to_string()))
            .collect()
    })
    .unwrap_or_default()
}

fn is_blank(text: &str, n: Node) -> bool {
    n.is_text() && text[n.range()].trim().is_empty()
}

/// The whitespace of `node`'s line before it (or of its line's start, when markup precedes it there).
fn line_indent(text: &str, at: usize) -> &str {
    let ls = line_start(text, at);
    let lead = &text[ls..at];
    let n = lead.len() - lead.trim_start_matches([' ', '\t']).len();
    &lead[..n]
}

/// `node`'s range with the whitespace around it: what XDT's formatting (and a removed line) touches.
fn with_blanks(text: &str, node: Node) -> Range<usize> {
    let blank = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let r = node.range();
    let start = text[..r.start].trim_end_matches(blank).len();
    let end = text.len() - text[r.end..].trim_start_matches(blank).len();
    start..end
}

/// What removing `node` takes out: its whole line when it stands alone there, else the node and the
/// spaces that separate it from what follows (or precedes) it on its line.
fn removal(text: &str, node: Node) -> Range<usize> {
    let (s, e) = (node.range().start, node.range().end);
    let ls = line_start(text, s);
    let alone_before = text[ls..s].bytes().all(|b| b == b' ' || b == b'\t');
    let rest = &text[e..];
    let line_end = rest.find('\n').map_or(text.len(), |i| e + i + 1);
    let alone_after = text[e..line_end].trim().is_empty();
    if alone_before && alone_after {
        if line_end == text.len() && !text[e..].contains('\n') && ls > 0 {
            // The last line, without a line break: take the one before it instead.
            let prev = if text[..ls].ends_with("\r\n") {
                ls - 2
            } else {
                ls - 1
            };
            return prev..line_end;
        }
        return ls..line_end;
    }
    let after = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if after > 0 && !alone_after {
        return s..e + after;
    }
    let lead = &text[ls..s];
    let before = lead.len() - lead.trim_end_matches([' ', '\t']).len();
    s - before..e
}

/// Merges overlapping or touching ranges (RemoveAll of elements sharing a line).
fn merged(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// Replace, Remove, RemoveAll, CommentOut.
pub fn element(s: &mut Step, targets: &[Node]) -> Result<(), crate::diag::Diagnostic> {
    let first = targets[0];
    let several = |s: &mut Step| {
        if targets.len() > 1 {
            let m = format!(
                "Found multiple target elements, but the '{}' Transform only applies to the first match",
                s.verb.name()
            );
            s.warn(Code::XdtMultipleTargets, m, Some(targets[1]));
        }
    };
    match s.verb {
        Verb::Replace => {
            s.no_arguments();
            several(s);
            let at = first.range().start;
            let layout = Layout {
                indent: line_indent(s.text, at),
                unit: &s.run.unit.clone(),
                eol: eol_before(s.text, at),
                scope: scope(first.parent_element()),
            };
            let copy = content::copy(s.tf_text(), s.e, &layout);
            s.edits.replace(first.range(), copy.clone());
            s.region(with_blanks(s.text, first));
            let before = s.text[first.range()].to_string();
            s.change(
                ChangeKind::Replaced,
                s.path.clone(),
                first.range(),
                Some(before),
                copy,
                false,
            );
        }
        Verb::Remove | Verb::RemoveAll => {
            let all = s.verb == Verb::RemoveAll;
            if !all {
                s.no_arguments();
                several(s);
            }
            let chosen: Vec<Node> = if all { targets.to_vec() } else { vec![first] };
            let mut ranges = Vec::new();
            for (i, t) in chosen.iter().enumerate() {
                if all {
                    s.no_arguments();
                }
                // A target inside an earlier one goes with it.
                if chosen[..i]
                    .iter()
                    .any(|o| o.range().start <= t.range().start && t.range().end <= o.range().end)
                {
                    continue;
                }
                ranges.push(removal(s.text, *t));
                s.region(with_blanks(s.text, *t));
                let before = s.text[t.range()].to_string();
                s.change(
                    ChangeKind::Removed,
                    s.path.clone(),
                    t.range(),
                    Some(before),
                    String::new(),
                    false,
                );
                if t.parent().is_some_and(|p| p.is_root()) {
                    s.run.removed_root = true;
                }
            }
            for r in merged(ranges) {
                s.edits.replace(r, "");
            }
        }
        _ => {
            // CommentOut: arguments are ignored without a word, several matches too (XDT-FACTS v49).
            let raw = &s.text[first.range()];
            if raw.contains("--") || raw.ends_with('-') {
                return Err(s.diag(
                    Code::XdtTransformFailed,
                    "CommentOut: the element holds `--`, which an XML comment cannot contain"
                        .into(),
                    Some(first),
                ));
            }
            let comment = format!("<!-- {raw} -->");
            s.edits.replace(first.range(), comment.clone());
            s.region(with_blanks(s.text, first));
            s.change(
                ChangeKind::Replaced,
                s.path.clone(),
                first.range(),
                Some(raw.to_string()),
                comment,
                false,
            );
            if first.parent().is_some_and(|p| p.is_root()) {
                s.run.removed_root = true;
            }
        }
    }
    Ok(())
}

/// Insert, InsertIfMissing, InsertBefore, InsertAfter, with `parent` the first match of the parent path.
pub fn insert(s: &mut Step, parent: Node, own: &str) -> Result<(), crate::diag::Diagnostic> {
    match s.verb {
        Verb::Insert | Verb::InsertIfMissing => {
            s.no_arguments();
            if s.verb == Verb::InsertIfMissing && !s.run.loc.select(s.e, own, s.doc)?.is_empty() {
                return Ok(());
            }
            append(s, parent, own);
            Ok(())
        }
        _ => beside(s, parent, own),
    }
}

/// The slot inside an empty parent of a file written on one line: the copy stays on that line.
fn one_line_slot(text: &str, parent: Node) -> Slot {
    let (range, before, after) = if is_self_closing(text, parent) {
        let name = crate::doc::tag_name(text, parent);
        let at = crate::doc::after_attributes(text, parent);
        (
            at..parent.range().end,
            ">".to_string(),
            format!("</{name}>"),
        )
    } else {
        let at = start_tag_end(text, parent);
        (at..at, String::new(), String::new())
    };
    Slot {
        range,
        eol: "\n",
        indent: String::new(),
        before,
        after,
    }
}

fn append(s: &mut Step, parent: Node, own: &str) {
    let text = s.text;
    let unit = s.run.unit.clone();
    let last = parent.children().rfind(|n| !is_blank(text, *n));
    let slot = match last {
        Some(l) => slot_after(text, l, parent, &unit),
        None if !text.contains('\n') => one_line_slot(text, parent),
        None => last_child_slot(text, parent, &unit),
    };
    let layout = Layout {
        indent: &slot.indent,
        unit: &unit,
        eol: slot.eol,
        scope: scope(Some(parent)),
    };
    let copy = content::copy(s.tf_text(), s.e, &layout);
    s.edits.replace(slot.range.clone(), slot.wrap(&copy));
    let region = if is_self_closing(text, parent) {
        parent.range()
    } else {
        last.map_or_else(|| start_tag_end(text, parent), |l| l.range().end)..parent.range().end
    };
    s.region(region);
    s.change(
        ChangeKind::Inserted,
        own.to_string(),
        slot.range,
        None,
        copy,
        false,
    );
}

fn beside(s: &mut Step, parent: Node, own: &str) -> Result<(), crate::diag::Diagnostic> {
    let name = s.verb.name();
    let arguments = s.call.split();
    let bad = |s: &Step, m: String| s.diag(Code::XdtInvalidAttribute, m, None);
    let xp = match arguments.as_slice() {
        [] => return Err(bad(s, format!("{name} requires an XPath argument"))),
        [x] => x.clone(),
        _ => return Err(bad(s, format!("Too many arguments to {name}"))),
    };
    // Evaluated from the parent, with no namespace table (XDT-FACTS §4).
    let found = xpath::parse(&xp, None)
        .and_then(|e| xpath::select(&e, parent))
        .map_err(|x: XPathError| s.run.loc.xpath_error(s.e, x))?;
    let Some(first) = found.first() else {
        return Err(s.diag(
            Code::XdtMissingTarget,
            format!("No element in the source document matches '{xp}'"),
            None,
        ));
    };
    let Some(sibling) = first.element() else {
        return Err(s.diag(
            Code::XdtTransformFailed,
            format!("'{xp}' does not evaluate to an element"),
            None,
        ));
    };
    if sibling.parent().is_some_and(|p| p.is_root()) {
        return Err(s.diag(
            Code::XdtTransformFailed,
            format!("{name}: '{xp}' is the root element; a document has one root, so nothing can go beside it"),
            None,
        ));
    }
    let text = s.text;
    let (start, end) = (sibling.range().start, sibling.range().end);
    let own_line = indent_before(text, start).is_some();
    let eol = eol_before(text, start);
    let layout = Layout {
        indent: line_indent(text, start),
        unit: &s.run.unit.clone(),
        eol,
        scope: scope(sibling.parent_element()),
    };
    let copy = content::copy(s.tf_text(), s.e, &layout);
    let indent = layout.indent;
    let (at, splice, region) = if s.verb == Verb::InsertBefore {
        let splice = if own_line {
            format!("{copy}{eol}{indent}")
        } else {
            copy.clone()
        };
        let r = with_blanks(text, sibling);
        (start, splice, r.start..start)
    } else {
        let splice = if own_line {
            format!("{eol}{indent}{copy}")
        } else {
            copy.clone()
        };
        let r = with_blanks(text, sibling);
        (end, splice, end..r.end)
    };
    s.edits.insert(at, splice);
    s.region(region);
    s.change(
        ChangeKind::Inserted,
        own.to_string(),
        at..at,
        None,
        copy,
        false,
    );
    Ok(())
}
