//! The 3-way action's splices of NEW: an attribute set, added or removed, OLD's element inserted
//! (re-indented to NEW's layout) and NEW's element removed with its whole line.
//!
//! Part of the `three-way` action: it edits only the bytes a decision names and never re-serialises.

use roxmltree::Node;

use super::{site, Pass, Place};
use crate::actions::context::Context;
use crate::doc::{after_attributes, elements, quote_of};
use crate::edit::{eol_before, escape_attr, indent_before, line_start};
use crate::migration::ChangeKind;

/// Re-indents OLD's element text for NEW: lines that start with markup lose OLD's indentation and get
/// NEW's, one NEW unit per OLD unit of nesting; line breaks become NEW's.
fn reindent(
    raw: &str,
    old_indent: &str,
    old_unit: &str,
    new_indent: &str,
    new_unit: &str,
    eol: &str,
) -> String {
    let mut out = String::with_capacity(raw.len());
    for (i, line) in raw.replace("\r\n", "\n").split('\n').enumerate() {
        if i > 0 {
            out.push_str(eol);
            let trimmed = line.trim_start_matches([' ', '\t']);
            let lead = &line[..line.len() - trimmed.len()];
            match lead.strip_prefix(old_indent) {
                Some(rest) if trimmed.starts_with('<') => {
                    out.push_str(new_indent);
                    let depth = if old_unit.is_empty() {
                        0
                    } else {
                        rest.len() / old_unit.len()
                    };
                    if old_unit.repeat(depth) == rest {
                        out.push_str(&new_unit.repeat(depth));
                    } else {
                        out.push_str(rest);
                    }
                    out.push_str(trimmed);
                }
                _ => out.push_str(line),
            }
            continue;
        }
        out.push_str(line);
    }
    out
}

impl Pass<'_> {
    /// Makes NEW's attribute `name` what OLD has (set, add or remove).
    pub(super) fn set_attribute(
        &self,
        cx: &mut Context,
        old: Node,
        new: Node,
        name: &str,
        path: &str,
        secret: bool,
    ) {
        let ov = old.attribute(name);
        let na = new.attributes().find(|a| a.name() == name);
        match (ov, na) {
            (Some(v), Some(a)) => {
                let quote = cx.new.text.as_bytes()[a.range_value().end] as char;
                cx.edits.replace(a.range_value(), escape_attr(v, quote));
                cx.change(
                    ChangeKind::Replaced,
                    &site(path, a.range_value(), secret),
                    Some(a.value().into()),
                    v.into(),
                );
            }
            (Some(v), None) => {
                let at = after_attributes(cx.new.text, new);
                let q = quote_of(cx.new.text, new);
                cx.edits
                    .insert(at, format!(" {name}={q}{}{q}", escape_attr(v, q)));
                cx.change(
                    ChangeKind::Inserted,
                    &site(path, at..at, secret),
                    None,
                    v.into(),
                );
            }
            (None, Some(a)) => {
                // Remove the attribute with the whitespace before it.
                let r = a.range();
                let start = cx.new.text[..r.start]
                    .trim_end_matches([' ', '\t', '\r', '\n'])
                    .len();
                cx.edits.replace(start..r.end, "");
                cx.change(
                    ChangeKind::Replaced,
                    &site(path, start..r.end, secret),
                    Some(a.value().into()),
                    String::new(),
                );
            }
            (None, None) => {}
        }
    }

    /// Inserts OLD's element `oc` into NEW's `parent` at `place`: order matters to .NET collections
    /// (`<clear/>`, `<remove>`) and IIS handlers are first-match, so it keeps its OLD neighbours.
    pub(super) fn insert_old_element(
        &self,
        cx: &mut Context,
        parent: Node,
        place: Place,
        oc: Node,
        path: &str,
    ) {
        let old_indent = indent_before(cx.old.text, oc.range().start)
            .unwrap_or("")
            .to_string();
        let raw = &cx.old.text[oc.range()];
        let (at, text) = match place {
            Place::After(sib) => {
                let indent = indent_before(cx.new.text, sib.range().start)
                    .unwrap_or("")
                    .to_string();
                let eol = eol_before(cx.new.text, sib.range().start);
                let text = reindent(raw, &old_indent, &self.old_unit, &indent, &cx.unit, eol);
                let at = sib.range().end;
                cx.edits.insert(at, format!("{eol}{indent}{text}"));
                (at, text)
            }
            Place::Before(sib) => {
                let start = sib.range().start;
                let eol = eol_before(cx.new.text, start);
                match indent_before(cx.new.text, start) {
                    // A line of its own just above the sibling's line.
                    Some(indent) => {
                        let indent = indent.to_string();
                        let text =
                            reindent(raw, &old_indent, &self.old_unit, &indent, &cx.unit, eol);
                        let at = line_start(cx.new.text, start);
                        cx.edits.insert(at, format!("{indent}{text}{eol}"));
                        (at, text)
                    }
                    // The sibling shares its line with other markup: just before it.
                    None => {
                        let text = reindent(raw, &old_indent, &self.old_unit, "", &cx.unit, eol);
                        cx.edits.insert(start, text.clone());
                        (start, text)
                    }
                }
            }
            Place::First | Place::Last { .. } => {
                // An empty parent has one slot: first and last children share it, in OLD's order.
                let first = matches!(place, Place::First) && elements(parent).next().is_some();
                let slot = cx.slot(parent, first);
                let text = reindent(
                    raw,
                    &old_indent,
                    &self.old_unit,
                    &slot.indent,
                    &cx.unit,
                    slot.eol,
                );
                cx.insert(parent, first, text.clone());
                (slot.range.start, text)
            }
        };
        cx.change(ChangeKind::Inserted, &site(path, at..at, false), None, text);
    }

    /// Removes NEW's element with its whole line(s) when it stands alone on them, and the comment just
    /// above it when the rule says so.
    pub(super) fn remove_element(&self, cx: &mut Context, nc: Node, path: &str) {
        let text = cx.new.text;
        let r = nc.range();
        let mut start = r.start;
        let mut end = r.end;
        let rest = &text[end..];
        let line_end = rest.find('\n').map_or(text.len(), |i| end + i + 1);
        if indent_before(text, start).is_some() && text[end..line_end].trim().is_empty() {
            start = line_start(text, start);
            end = line_end;
            if self.action.remove_comments {
                let prev = nc
                    .prev_sibling()
                    .filter(|p| p.is_text() && p.text().is_some_and(|t| t.trim().is_empty()))
                    .and_then(|p| p.prev_sibling());
                if let Some(c) = prev.filter(|c| c.is_comment()) {
                    if indent_before(text, c.range().start).is_some() {
                        start = line_start(text, c.range().start);
                    }
                }
            }
        }
        cx.edits.replace(start..end, "");
        cx.change(
            ChangeKind::Replaced,
            &site(path, start..end, false),
            Some(text[r].to_string()),
            String::new(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::reindent;

    #[test]
    fn reindent_maps_units_and_line_breaks() {
        let raw = "<a>\n        <b/>\n    </a>";
        assert_eq!(
            reindent(raw, "    ", "    ", "\t", "\t", "\r\n"),
            "<a>\r\n\t\t<b/>\r\n\t</a>"
        );
        let text = "<a v=\"x\n  y\">\n  text\n</a>";
        assert_eq!(
            reindent(text, "", "  ", "  ", "  ", "\n"),
            "<a v=\"x\n  y\">\n  text\n  </a>"
        );
    }
}
