//! The content Insert, Replace and their kin put into SOURCE: the transform element's own text (quotes,
//! entities, comments and attribute order as its author wrote them) with XDT's clean-up applied as
//! splices — `xdt:` attributes and namespace declarations removed, declarations or prefixes added back
//! only where SOURCE's scope needs them — and laid out like its new neighbours (their indentation, one
//! indentation unit per level, their line breaks).
//!
//! Owns building that text; it never decides where the text goes and never edits SOURCE.

use std::ops::Range;

use roxmltree::Node;

use super::XDT_NS;
use crate::doc::{content_range, is_self_closing, start_tag_end, tag_name};
use crate::edit::{escape_attr, indent_before, with_eol, Edits};

/// How the copy is laid out where it goes.
pub struct Layout<'l> {
    /// Indentation of the copied element's own line in SOURCE.
    pub indent: &'l str,
    /// SOURCE's indentation unit.
    pub unit: &'l str,
    pub eol: &'l str,
    /// Namespaces in scope where the copy goes: (prefix, URI), the default one with prefix "".
    pub scope: Vec<(String, String)>,
}

/// One attribute of a start tag as written: the whitespace before it, its name and its whole extent.
pub struct RawAttr {
    pub lead: Range<usize>,
    pub name: Range<usize>,
    pub end: usize,
}

/// Every attribute of `node`'s start tag as written, namespace declarations included (roxmltree does not
/// list those), and the whitespace before the tag's `>` or `/>`.
pub fn raw_attrs(text: &str, node: Node) -> (Vec<RawAttr>, Range<usize>) {
    let b = text.as_bytes();
    let mut i = node.range().start + 1 + tag_name(text, node).len();
    let tag_end = start_tag_end(text, node);
    let mut out = Vec::new();
    loop {
        let lead_start = i;
        while i < tag_end && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= tag_end || b[i] == b'/' || b[i] == b'>' {
            return (out, lead_start..i);
        }
        let name_start = i;
        while i < tag_end && !b[i].is_ascii_whitespace() && b[i] != b'=' {
            i += 1;
        }
        let name = name_start..i;
        while i < tag_end && b[i] != b'"' && b[i] != b'\'' {
            i += 1;
        }
        let quote = b.get(i).copied().unwrap_or(b'"');
        i += 1;
        while i < tag_end && b[i] != quote {
            i += 1;
        }
        i += 1;
        out.push(RawAttr {
            lead: lead_start..name_start,
            name,
            end: i.min(tag_end),
        });
    }
}

fn lookup<'s>(scope: &'s [(String, String)], prefix: &str) -> Option<&'s str> {
    scope
        .iter()
        .rev()
        .find(|(p, _)| p == prefix)
        .map(|(_, u)| u.as_str())
}

/// A prefix bound to `uri` in `scope` and not rebound later ("" for the default namespace).
fn prefix_for<'s>(scope: &'s [(String, String)], uri: &str, attribute: bool) -> Option<&'s str> {
    scope.iter().rev().find_map(|(p, u)| {
        let usable = u == uri
            && lookup(scope, p) == Some(uri)
            && !(attribute && p.is_empty())
            && !uri.is_empty();
        usable.then_some(p.as_str())
    })
}

/// Builds the text of `e` (an element of the transform `text`) cleaned and laid out for `layout`.
pub fn copy(text: &str, e: Node, layout: &Layout) -> String {
    let base = e.range().start;
    let mut edits = Edits::new();
    let rel = |r: Range<usize>| r.start - base..r.end - base;
    let own_indent = indent_before(text, e.range().start).unwrap_or("");
    let mut scopes: Vec<(Node, Vec<(String, String)>)> = Vec::new();
    for x in e.descendants() {
        let depth = x.ancestors().take_while(|a| *a != e).count();
        let depth = if x == e { 0 } else { depth };
        let target_indent = format!("{}{}", layout.indent, layout.unit.repeat(depth));
        if x.is_element() {
            // The scope the element sees: SOURCE's at the insertion point, plus what its copied
            // ancestors declared.
            let mut scope = x
                .parent_element()
                .filter(|_| x != e)
                .and_then(|p| scopes.iter().find(|(n, _)| *n == p))
                .map_or_else(|| layout.scope.clone(), |(_, s)| s.clone());
            let written = tag_name(text, x);
            let (prefix, local) = written.split_once(':').unwrap_or(("", written));
            let uri = x.tag_name().namespace().unwrap_or("");
            let mut declare = String::new();
            let mut rename: Option<String> = None;
            if lookup(&scope, prefix).unwrap_or("") != uri {
                match prefix_for(&scope, uri, false) {
                    Some(p) => {
                        rename = Some(if p.is_empty() {
                            local.to_string()
                        } else {
                            format!("{p}:{local}")
                        });
                    }
                    _ => {
                        let attr = if prefix.is_empty() {
                            "xmlns".to_string()
                        } else {
                            format!("xmlns:{prefix}")
                        };
                        declare.push_str(&format!(" {attr}=\"{}\"", escape_attr(uri, '"')));
                        scope.push((prefix.to_string(), uri.to_string()));
                    }
                }
            }
            let name_range = x.range().start + 1..x.range().start + 1 + written.len();
            if let Some(new) = &rename {
                edits.replace(rel(name_range.clone()), new.clone());
                if !is_self_closing(text, x) {
                    let close = content_range(text, x).end + 2;
                    edits.replace(rel(close..close + written.len()), new.clone());
                }
            }
            if !declare.is_empty() {
                edits.insert(name_range.end - base, declare);
            }
            // Attributes: XDT's and namespace declarations go; prefixed ones keep a bound prefix.
            let (attrs, tail) = raw_attrs(text, x);
            let x_indent = indent_before(text, x.range().start).unwrap_or(own_indent);
            let relayout = |lead: &str| -> Option<String> {
                let nl = lead.rfind('\n')?;
                let after = &lead[nl + 1..];
                let extra = after.strip_prefix(x_indent).unwrap_or(layout.unit);
                Some(format!("{}{target_indent}{extra}", layout.eol))
            };
            let mut named = x.attributes();
            // While only removed attributes precede it, an attribute takes the first one's leading
            // whitespace (`<add xdt:Transform="Insert"⏎ name="…"` becomes `<add name="…"`).
            let mut first_lead: Option<Range<usize>> = None;
            let mut kept_any = false;
            for a in &attrs {
                let name = &text[a.name.clone()];
                let is_decl = name == "xmlns" || name.starts_with("xmlns:");
                let attr = if is_decl { None } else { named.next() };
                if is_decl || attr.is_some_and(|t| t.namespace() == Some(XDT_NS)) {
                    edits.replace(rel(a.lead.start..a.end), "");
                    if !kept_any && first_lead.is_none() {
                        first_lead = Some(a.lead.clone());
                    }
                    continue;
                }
                let lead = match first_lead.take().filter(|_| !kept_any) {
                    Some(l) => &text[l],
                    None => &text[a.lead.clone()],
                };
                kept_any = true;
                if let Some(new) = relayout(lead) {
                    edits.replace(rel(a.lead.clone()), new);
                } else if lead != &text[a.lead.clone()] {
                    edits.replace(rel(a.lead.clone()), lead.to_string());
                }
                if let (Some((p, l)), Some(t)) = (name.split_once(':'), attr) {
                    let u = t.namespace().unwrap_or("");
                    if p != "xml" && lookup(&scope, p) != Some(u) {
                        match prefix_for(&scope, u, true) {
                            Some(q) => edits.replace(rel(a.name.clone()), format!("{q}:{l}")),
                            None => {
                                edits.insert(
                                    name_range.end - base,
                                    format!(" xmlns:{p}=\"{}\"", escape_attr(u, '"')),
                                );
                                scope.push((p.to_string(), u.to_string()));
                            }
                        }
                    }
                }
            }
            if let Some(new) = relayout(&text[tail.clone()]) {
                edits.replace(rel(tail), new);
            }
            scopes.push((x, scope));
        } else if x.is_text() && !x.range().is_empty() {
            let raw = &text[x.range()];
            if raw.trim().is_empty() && raw.contains('\n') {
                // Whitespace between nodes: a new line indented for what follows it.
                let level = if x.next_sibling().is_some() {
                    depth
                } else {
                    depth - 1
                };
                let new = format!(
                    "{}{}{}",
                    layout.eol,
                    layout.indent,
                    layout.unit.repeat(level)
                );
                edits.replace(rel(x.range()), new);
                continue;
            }
            eol_edit(raw, x.range(), layout.eol, base, &mut edits);
        } else if x.is_comment() || x.is_pi() {
            eol_edit(&text[x.range()], x.range(), layout.eol, base, &mut edits);
        }
    }
    edits.apply(&text[e.range()])
}

fn eol_edit(raw: &str, range: Range<usize>, eol: &str, base: usize, edits: &mut Edits) {
    if raw.contains('\n') {
        let new = with_eol(raw, eol);
        if new != raw {
            edits.replace(range.start - base..range.end - base, new);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copied(transform: &str, pick: &str, layout: &Layout) -> String {
        let doc = roxmltree::Document::parse(transform).unwrap();
        let e = doc.descendants().find(|n| n.has_tag_name(pick)).unwrap();
        copy(transform, e, layout)
    }

    const T: &str = "<configuration xmlns:xdt=\"http://schemas.microsoft.com/XML-Document-Transform\">\n  <system.web>\n    <customErrors mode='On' xdt:Transform=\"Replace\"\n                  defaultRedirect=\"/e?a=1&amp;b\">\n      <!-- c -->\n      <error statusCode=\"404\" redirect=\"/404\" xdt:Locator=\"Match(statusCode)\" />\n    </customErrors>\n  </system.web>\n</configuration>";

    #[test]
    fn strips_xdt_and_reindents_like_the_target() {
        let layout = Layout {
            indent: "\t\t",
            unit: "\t",
            eol: "\r\n",
            scope: Vec::new(),
        };
        assert_eq!(
            copied(T, "customErrors", &layout),
            "<customErrors mode='On'\r\n\t\t              defaultRedirect=\"/e?a=1&amp;b\">\r\n\t\t\t<!-- c -->\r\n\t\t\t<error statusCode=\"404\" redirect=\"/404\" />\r\n\t\t</customErrors>"
        );
    }

    #[test]
    fn namespaces_follow_the_target_scope() {
        let t = "<configuration xmlns:xdt=\"http://schemas.microsoft.com/XML-Document-Transform\"><runtime><assemblyBinding xmlns=\"urn:asm\"><dependentAssembly xdt:Transform=\"Insert\"><assemblyIdentity name=\"N\"/></dependentAssembly></assemblyBinding></runtime></configuration>";
        let inside = Layout {
            indent: "",
            unit: "  ",
            eol: "\n",
            scope: vec![(String::new(), "urn:asm".into())],
        };
        assert_eq!(
            copied(t, "dependentAssembly", &inside),
            "<dependentAssembly><assemblyIdentity name=\"N\"/></dependentAssembly>"
        );
        let outside = Layout {
            scope: vec![(String::new(), "urn:other".into())],
            ..inside
        };
        assert_eq!(
            copied(t, "dependentAssembly", &outside),
            "<dependentAssembly xmlns=\"urn:asm\"><assemblyIdentity name=\"N\"/></dependentAssembly>"
        );
        let prefixed = Layout {
            scope: vec![("asm".into(), "urn:asm".into())],
            ..outside
        };
        assert_eq!(
            copied(t, "dependentAssembly", &prefixed),
            "<asm:dependentAssembly><asm:assemblyIdentity name=\"N\"/></asm:dependentAssembly>"
        );
    }
}
