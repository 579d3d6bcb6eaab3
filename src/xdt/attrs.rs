//! The verbs that change attributes of every target: SetAttributes, SetTokenizedAttributes and
//! RemoveAttributes (XDT-FACTS §4), as splices of the values, of the end of the attribute list and of
//! removed attributes with the whitespace before them.
//!
//! Owns argument resolution (`@argument` evaluated as XPath, `*` too) and the spelling of values:
//! a changed value keeps the target's quote character and, where it fits, the transform's own
//! spelling. It never applies edits and knows no locator.

use roxmltree::{Attribute, Node};

use super::content::raw_attrs;
use super::locate::qualified;
use super::step::Step;
use super::xpath::{self, XNode};
use super::XDT_NS;
use crate::diag::{Code, Diagnostic};
use crate::doc::{after_attributes, quote_of, value_range};
use crate::edit::escape_attr;
use crate::migration::ChangeKind;

/// Attributes of `node` that `@argument` selects (no namespace table, as XDT evaluates it).
fn select(s: &Step, node: Node, argument: &str) -> Result<Vec<usize>, Diagnostic> {
    let found = xpath::parse(&format!("@{argument}"), None)
        .and_then(|e| xpath::select(&e, node))
        .map_err(|x| s.run.loc.xpath_error(s.e, x))?;
    Ok(found
        .into_iter()
        .filter_map(|n| match n {
            XNode::Attr(_, i) => Some(i),
            _ => None,
        })
        .collect())
}

fn is_xdt(a: &Attribute) -> bool {
    a.namespace() == Some(XDT_NS)
}

/// The whitespace before attribute `i` of `node`, from the start tag as written (a namespace
/// declaration between two attributes is no part of it).
fn lead(text: &str, node: Node, i: usize) -> std::ops::Range<usize> {
    let start = node.attributes().nth(i).map_or(0, |a| a.range().start);
    raw_attrs(text, node)
        .0
        .into_iter()
        .find(|r| r.name.start == start)
        .map_or(start..start, |r| r.lead)
}

/// What goes before an appended attribute: a new line indented like the others when the element has
/// one attribute per line, else one space.
fn separator(text: &str, node: Node, eol: &str) -> String {
    let n = node.attributes().len();
    let leads: Vec<&str> = (1..n).map(|i| &text[lead(text, node, i)]).collect();
    if n >= 2 && leads.iter().all(|l| l.contains('\n')) {
        let last = leads[leads.len() - 1];
        let indent = &last[last.rfind('\n').map_or(0, |i| i + 1)..];
        return format!("{eol}{indent}");
    }
    " ".into()
}

/// The transform element's attributes a Set verb copies: all but XDT's, or those its arguments select.
fn chosen<'t>(s: &mut Step<'_, 't, '_>) -> Result<Vec<Attribute<'t, 't>>, Diagnostic> {
    let e = s.e;
    let all: Vec<Attribute> = e.attributes().collect();
    let arguments = s.call.split();
    if arguments.is_empty() {
        return Ok(all.into_iter().filter(|a| !is_xdt(a)).collect());
    }
    let mut out: Vec<usize> = Vec::new();
    for a in &arguments {
        let found: Vec<usize> = select(s, e, a)?
            .into_iter()
            .filter(|&i| !is_xdt(&all[i]))
            .collect();
        if found.is_empty() {
            let m = format!("Argument '{a}' did not match any attributes");
            s.warn(Code::XdtNoAttributes, m, None);
        }
        out.extend(
            found
                .into_iter()
                .filter(|i| !out.contains(i))
                .collect::<Vec<_>>(),
        );
    }
    Ok(out.into_iter().map(|i| all[i]).collect())
}

/// `$(name)` replaced by the target's attribute `name`, else the transform element's.
fn tokens(value: &str, target: Node, e: Node) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find("$(") {
        let Some(j) = rest[i + 2..].find(')') else {
            break;
        };
        let name = &rest[i + 2..i + 2 + j];
        let found = target.attribute(name).or_else(|| {
            e.attributes()
                .find(|a| !is_xdt(a) && a.name() == name && a.namespace().is_none())
                .map(|a| a.value())
        });
        let Some(v) = found else {
            return Err(name.to_string());
        };
        out.push_str(&rest[..i]);
        out.push_str(v);
        rest = &rest[i + 3 + j..];
    }
    out.push_str(rest);
    Ok(out)
}

/// SetAttributes and SetTokenizedAttributes on every target.
pub fn set(s: &mut Step, targets: &[Node], tokenized: bool) -> Result<(), Diagnostic> {
    let attributes = chosen(s)?;
    let tf_text = s.run.loc.tf.text;
    let eol = crate::edit::first_eol(s.text);
    for &t in targets {
        if attributes.is_empty() {
            s.warn(
                Code::XdtNoAttributes,
                "No attributes found to set".into(),
                Some(t),
            );
            continue;
        }
        let quote = quote_of(s.text, t);
        let mut appended = String::new();
        let sep = separator(s.text, t, eol);
        let element = t.tag_name().name();
        for a in &attributes {
            let value = if tokenized {
                tokens(a.value(), t, s.e).map_err(|name| {
                    s.diag(
                        Code::XdtTransformFailed,
                        format!("SetTokenizedAttributes: $({name}) names no attribute of the target or of the transform element (XDT fails with \"Object reference not set to an instance of an object\")"),
                        Some(t),
                    )
                })?
            } else {
                a.value().to_string()
            };
            let name = qualified(tf_text, a);
            let secret = s
                .run
                .secrets
                .is_secret_attribute_of(element, a.name(), |k| t.attribute(k));
            // The transform's own spelling when it fits between the target's quotes.
            let raw = &tf_text[value_range(tf_text, a)];
            let spelled = if !tokenized && !raw.contains(quote) {
                raw.to_string()
            } else {
                escape_attr(&value, quote)
            };
            let path = format!("{}/@{name}", s.path);
            let existing = t
                .attributes()
                .find(|x| x.name() == a.name() && x.namespace() == a.namespace());
            match existing {
                Some(x) if x.value() == value => {}
                Some(x) => {
                    let r = value_range(s.text, &x);
                    s.edits.replace(r.clone(), spelled);
                    s.change(
                        ChangeKind::Replaced,
                        path,
                        r,
                        Some(x.value().into()),
                        value,
                        secret,
                    );
                }
                None => {
                    let at = after_attributes(s.text, t);
                    appended.push_str(&format!("{sep}{name}={quote}{spelled}{quote}"));
                    s.change(ChangeKind::Inserted, path, at..at, None, value, secret);
                }
            }
        }
        if !appended.is_empty() {
            s.edits.insert(after_attributes(s.text, t), appended);
        }
        s.region(t.range().start..crate::doc::start_tag_end(s.text, t));
    }
    Ok(())
}

/// RemoveAttributes on every target: the named attributes, or all of them without arguments.
pub fn remove(s: &mut Step, targets: &[Node]) -> Result<(), Diagnostic> {
    let arguments = s.call.split();
    for &t in targets {
        let mut idx: Vec<usize> = Vec::new();
        if arguments.is_empty() {
            idx.extend(0..t.attributes().len());
        }
        for a in &arguments {
            let found = select(s, t, a)?;
            if found.is_empty() {
                let m = format!("Argument '{a}' did not match any attributes");
                s.warn(Code::XdtNoAttributes, m, Some(t));
            }
            idx.extend(
                found
                    .into_iter()
                    .filter(|i| !idx.contains(i))
                    .collect::<Vec<_>>(),
            );
        }
        if idx.is_empty() {
            s.warn(
                Code::XdtNoAttributes,
                "No attributes found to remove".into(),
                Some(t),
            );
            continue;
        }
        idx.sort_unstable();
        let element = t.tag_name().name();
        for i in idx {
            let Some(a) = t.attributes().nth(i) else {
                continue;
            };
            let secret = s
                .run
                .secrets
                .is_secret_attribute_of(element, a.name(), |k| t.attribute(k));
            let r = lead(s.text, t, i).start..a.range().end;
            s.edits.replace(r.clone(), "");
            let path = format!("{}/@{}", s.path, qualified(s.text, &a));
            s.change(
                ChangeKind::Removed,
                path,
                r,
                Some(a.value().into()),
                String::new(),
                secret,
            );
        }
        s.region(t.range().start..crate::doc::start_tag_end(s.text, t));
    }
    Ok(())
}
