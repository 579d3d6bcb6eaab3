//! The check of our own output before anyone may write it: is a text well-formed, namespace-well-
//! formed XML? One streaming pass over `xmlparser`'s tokens with a stack of open elements, and no
//! tree: the merge already parsed NEW and OLD, and a third tree would cost as much time and memory as
//! one of them (issue 16).
//!
//! It answers yes or no with the first offending byte; it must not build a tree, decide anything
//! about configuration, or be laxer than the reader (roxmltree) that parses our inputs: a text it
//! accepts, roxmltree accepts (tests/wellformed.rs checks that on mutated real texts).

use std::ops::Range;

use xmlparser::{ElementEnd, Token, Tokenizer};

/// Why a text is not well-formed, and where (a byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotWellFormed {
    pub at: usize,
    pub what: String,
}

fn fail<T>(at: usize, what: impl Into<String>) -> Result<T, NotWellFormed> {
    Err(NotWellFormed {
        at,
        what: what.into(),
    })
}

/// One open element: its qualified name and how many namespace declarations it made.
struct Open<'t> {
    prefix: &'t str,
    local: &'t str,
    declared: usize,
}

/// Checks `text` (a whole document, without its BOM). `depth_limit` bounds nesting as the parser of
/// our inputs does.
pub fn check(text: &str, depth_limit: usize) -> Result<(), NotWellFormed> {
    let mut open: Vec<Open> = Vec::new();
    // Prefixes in scope (innermost last); `xml` is always bound.
    let mut prefixes: Vec<&str> = Vec::new();
    // The start tag being read: its name, and its attributes so far.
    let mut tag: Option<(&str, &str, usize)> = None;
    let mut attrs: Vec<(&str, &str, usize)> = Vec::new();
    let mut declared = 0usize;
    let mut roots = 0usize;
    // The XML declaration is NEW's own, which the merge never edits and the parser of our inputs
    // already read (roxmltree is laxer about it than xmlparser: `version="'1.0"` passes there).
    let tokens = match declaration_end(text) {
        Some(end) => Tokenizer::from_fragment(text, end..text.len()),
        None => Tokenizer::from(text),
    };
    for token in tokens {
        let token = token.map_err(|e| NotWellFormed {
            at: crate::diag::offset_of(text, e.pos().row as usize, e.pos().col as usize),
            what: e.to_string(),
        })?;
        match token {
            Token::DtdStart { span, .. }
            | Token::EmptyDtd { span, .. }
            | Token::DtdEnd { span }
            | Token::EntityDeclaration { span, .. } => {
                return fail(span.start(), "a DTD, which we never write");
            }
            Token::ElementStart {
                prefix,
                local,
                span,
            } => {
                if open.is_empty() {
                    roots += 1;
                    if roots > 1 {
                        return fail(span.start(), "a second root element");
                    }
                }
                if open.len() >= depth_limit {
                    return fail(span.start(), "elements nested too deep");
                }
                tag = Some((prefix.as_str(), local.as_str(), span.start()));
                attrs.clear();
                declared = 0;
            }
            Token::Attribute {
                prefix,
                local,
                value,
                span,
            } => {
                let (p, l) = (prefix.as_str(), local.as_str());
                if attrs.iter().any(|&(ap, al, _)| ap == p && al == l) {
                    return fail(
                        span.start(),
                        format!("attribute `{}` given twice", span.as_str()),
                    );
                }
                references(text, value.range())?;
                if p == "xmlns" {
                    prefixes.push(l);
                    declared += 1;
                }
                attrs.push((p, l, span.start()));
            }
            Token::ElementEnd { end, span } => match end {
                ElementEnd::Open | ElementEnd::Empty => {
                    let Some((prefix, local, at)) = tag.take() else {
                        return fail(span.start(), "an end of tag without its start");
                    };
                    bound(&prefixes, prefix, at)?;
                    for &(p, _, at) in &attrs {
                        if p != "xmlns" {
                            bound(&prefixes, p, at)?;
                        }
                    }
                    if end == ElementEnd::Open {
                        open.push(Open {
                            prefix,
                            local,
                            declared,
                        });
                    } else {
                        prefixes.truncate(prefixes.len() - declared);
                    }
                }
                ElementEnd::Close(prefix, local) => {
                    let Some(o) = open.pop() else {
                        return fail(span.start(), "an end tag without its start tag");
                    };
                    if o.prefix != prefix.as_str() || o.local != local.as_str() {
                        return fail(
                            span.start(),
                            format!("`{}` closes another element", span.as_str()),
                        );
                    }
                    prefixes.truncate(prefixes.len() - o.declared);
                }
            },
            Token::Text { text: t } => {
                let r = t.range();
                if open.is_empty() && !text[r.clone()].trim_matches(is_space).is_empty() {
                    return fail(r.start, "text outside the root element");
                }
                if let Some(i) = text[r.clone()].find("]]>") {
                    return fail(r.start + i, "`]]>` in text");
                }
                references(text, r)?;
            }
            Token::Cdata { span, .. } if open.is_empty() => {
                return fail(span.start(), "CDATA outside the root element");
            }
            Token::Declaration { .. }
            | Token::ProcessingInstruction { .. }
            | Token::Comment { .. }
            | Token::Cdata { .. } => {}
        }
    }
    match (open.last(), roots) {
        (Some(o), _) => fail(text.len(), format!("`<{}>` is never closed", o.local)),
        (None, 0) => fail(text.len(), "no root element"),
        _ => Ok(()),
    }
}

/// Where an XML declaration at the very start of `text` ends.
fn declaration_end(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("<?xml")?;
    if !rest.starts_with(is_space) {
        return None;
    }
    text.find("?>").map(|i| i + 2)
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// A prefix in use must be declared (or be `xml`).
fn bound(prefixes: &[&str], prefix: &str, at: usize) -> Result<(), NotWellFormed> {
    if prefix.is_empty() || prefix == "xml" || prefixes.contains(&prefix) {
        Ok(())
    } else {
        fail(at, format!("namespace prefix `{prefix}` is not declared"))
    }
}

/// Every `&` in `r` starts one of XML's five entities or a reference to a character XML allows;
/// `<` may not appear; and every character is one XML allows. One pass over the bytes: in UTF-8 the
/// characters XML refuses are the C0 controls but tab and line breaks, and U+FFFE/U+FFFF
/// (`EF BF BE`/`EF BF BF`); a `&str` holds no surrogates.
fn references(text: &str, r: Range<usize>) -> Result<(), NotWellFormed> {
    let b = text.as_bytes();
    let mut i = r.start;
    while i < r.end {
        match b[i] {
            b'<' => return fail(i, "`<` in a value"),
            b'&' => i = reference(text, i, r.end)?,
            0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F => {
                return fail(i, "a character XML does not allow")
            }
            0xEF if b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)) => {
                return fail(i, "a character XML does not allow")
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// The reference at `at` (an `&`), ending before `end`: where it ends, or why it is not one.
fn reference(text: &str, at: usize, end: usize) -> Result<usize, NotWellFormed> {
    let after = &text[at + 1..end];
    let Some(semi) = after.find(';') else {
        return fail(at, "`&` that starts no reference");
    };
    let name = &after[..semi];
    let ok = match name.strip_prefix('#') {
        Some(num) => {
            let code = match num.strip_prefix('x') {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()
                }
                None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => {
                    num.parse().ok()
                }
                _ => None,
            };
            code.and_then(char::from_u32).is_some_and(is_xml_char)
        }
        None => matches!(name, "lt" | "gt" | "amp" | "apos" | "quot"),
    };
    if ok {
        Ok(at + 1 + semi + 1)
    } else {
        fail(at, format!("`&{name};` is not a reference XML knows"))
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::check;

    fn ok(t: &str) -> bool {
        check(t, 256).is_ok()
    }

    #[test]
    fn accepts_what_is_well_formed() {
        assert!(ok("<a/>"));
        assert!(ok("\u{feff}<?xml version=\"1.0\"?>\n<a x='1' y=\"&amp;&#xA;&#10;\"><!-- c --><b>t&lt;</b><![CDATA[<]]></a>\n"));
        assert!(ok("<a xmlns:p='u'><p:b p:c='1'/></a>"));
        assert!(ok("<a xml:lang='en'/>"));
        assert!(ok("<?xml version=\"'1.0\"?><a/>"));
    }

    #[test]
    fn refuses_what_is_not() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "<a x='1' x='2'/>",
            "<a x='&nbsp;'/>",
            "<a x='&#0;'/>",
            "<a x='a&b'/>",
            "<a>&foo;</a>",
            "<a>]]></a>",
            "<p:a/>",
            "<a><p:b xmlns:p='u'/><p:c/></a>",
            "<a p:x='1'/>",
            "text<a/>",
            "<a/>text",
            "<!DOCTYPE a><a/>",
            "<a>\u{1}</a>",
            "<a x='\u{fffe}'/>",
            "<a>\u{ffff}</a>",
            "<a x='<'/>",
        ] {
            assert!(!ok(bad), "{bad:?}");
        }
    }

    #[test]
    fn bounds_depth() {
        let deep = "<a>".repeat(10) + &"</a>".repeat(10);
        assert!(check(&deep, 10).is_ok());
        assert!(check(&deep, 9).is_err());
    }
}
