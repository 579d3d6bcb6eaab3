//! Document model: parsing with roxmltree, and where things sit in the original text.
//!
//! Owns the XML-level facts the editor needs: tag boundaries, quote characters, indentation and the slot
//! where a new child element goes. It knows nothing about .NET configuration semantics and never builds
//! text from a tree: it only measures the original.

use std::ops::Range;

use roxmltree::{Document, Node, ParsingOptions};

use crate::diag::{line_col, offset_of, Code, Diagnostic, FileId};
use crate::edit::{eol_before, first_eol, indent_before};

/// Upper bound on nodes per document: far above any real web.config, low enough to bound memory.
pub const NODES_LIMIT: u32 = 5_000_000;

/// Deepest element nesting accepted (libxml2's default). Real web.config files nest fewer than 20
/// levels; the bound keeps every recursive walk over a document, and its stack, small.
pub const DEPTH_LIMIT: usize = 256;

/// Most attributes accepted on one element. roxmltree compares each attribute with every earlier one of
/// its element (time quadratic in their number); real elements have fewer than 30.
pub const ATTRIBUTES_LIMIT: usize = 256;

/// Longest attribute name, and most bytes from its end to the value's quote (`=` and spaces), that
/// roxmltree's `Attribute::range_value()` reports exactly (it keeps them in 16 and 8 bits).
pub const NAME_LIMIT: usize = u16::MAX as usize;
pub const EQUALS_LIMIT: usize = u8::MAX as usize;

/// Parses `text` strictly (no DTD, no external entities) and turns a failure into a diagnostic pointing
/// at the line and column roxmltree reports. Documents nested deeper than [`DEPTH_LIMIT`], with an
/// element of more than [`ATTRIBUTES_LIMIT`] attributes, or with an attribute whose position roxmltree
/// cannot report exactly ([`NAME_LIMIT`], [`EQUALS_LIMIT`]) are refused before roxmltree sees them.
pub fn parse<'t>(text: &'t str, file: FileId, name: &str) -> Result<Document<'t>, Diagnostic> {
    if let Err((at, what)) = check_limits(text) {
        let end = next_char_end(text, at);
        return Err(Diagnostic::new(
            Code::MalformedXml,
            format!("{name} cannot be read safely: {what}"),
        )
        .with_label(file, at..end, "here")
        .with_help("a real web.config is far simpler; check that this is the right file"));
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options).map_err(|e| parse_error(text, file, name, &e))
}

/// A roxmltree error as a diagnostic whose first label is on the offending bytes, where .NET's
/// XmlReader and expat point: roxmltree reports a comment holding `--` at the comment's start and an
/// unclosed comment at the end of the file; a wrong end tag also says which one was expected.
fn parse_error(text: &str, file: FileId, name: &str, e: &roxmltree::Error) -> Diagnostic {
    use roxmltree::Error as E;
    let pos = e.pos();
    let at = offset_of(text, pos.row as usize, pos.col as usize);
    let lc = |off: usize| {
        let (l, c) = line_col(text, off);
        format!("{l}:{c}")
    };
    let help = match e {
        E::DtdDetected => {
            "web.config files have no DTD; remove the <!DOCTYPE ...> declaration".to_string()
        }
        E::NodesLimitReached => {
            format!("the file has more than {NODES_LIMIT} nodes, far more than any real web.config")
        }
        _ => "fix the XML at this position (an editor with XML validation helps), then run again"
            .to_string(),
    };
    let d = |what: String| {
        Diagnostic::new(
            Code::MalformedXml,
            format!("{name} is not well-formed XML: {what}"),
        )
        .with_help(help.clone())
    };
    match e {
        // `at` is the comment's `<!--`; the offence is its first `--` (a comment ending in `-` has
        // it in its `--->`).
        E::InvalidComment(_) if text[at..].starts_with("<!--") => {
            if let Some(i) = text[at + 4..].find("--") {
                let dash = at + 4 + i;
                return d(format!(
                    "`--` inside a comment at {} (the comment opens at {}); XML allows `--` only in the closing `-->`",
                    lc(dash),
                    lc(at)
                ))
                // One label: the renderer heads a diagnostic with its earliest label.
                .with_label(file, dash..dash + 2, "`--` inside a comment");
            }
        }
        // `at` is the `</`: the label covers the end tag's name, where .NET and expat point.
        E::UnexpectedCloseTag(expected, actual, _) if text[at..].starts_with("</") => {
            let name = at + 2;
            let end = (name + actual.len()).min(text.len());
            return d(format!(
                "expected </{expected}>, found </{actual}> at {}",
                lc(name)
            ))
            .with_label(file, name..end, format!("expected </{expected}>"));
        }
        // The file ended inside a comment: the comment that never closes is what to fix.
        E::InvalidString("-->", _) => {
            if let Some(open) = unclosed_comment(text) {
                return d(format!(
                    "a comment opened at {} is never closed (the file ends at {} without `-->`)",
                    lc(open),
                    lc(at)
                ))
                .with_label(file, open..open + 4, "never closed");
            }
        }
        _ => {}
    }
    d(e.to_string()).with_label(file, at..next_char_end(text, at), "here")
}

/// The first `<!--` with no `-->` after it (comments do not nest, so only the last one can be).
fn unclosed_comment(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find("<!--") {
        let open = from + i;
        match text[open + 4..].find("-->") {
            Some(j) => from = open + 4 + j + 3,
            None => return Some(open),
        }
    }
    None
}

fn next_char_end(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(at, |c| at + c.len_utf8())
}

/// Most namespace declarations (`xmlns`, `xmlns:p` attributes) in scope at any element, counting
/// every open ancestor's. roxmltree copies an element's namespaces in scope for each element that
/// declares more, and looks prefixes up in them: nested declarations within the depth and attribute
/// limits made parsing quadratic (350 KB: 47 s). Real web.config files have at most 2 in scope.
pub const NAMESPACES_LIMIT: usize = 64;

/// One linear pass over the markup that finds the first element nested deeper than [`DEPTH_LIMIT`],
/// carrying more than [`ATTRIBUTES_LIMIT`] attributes, or with more than [`NAMESPACES_LIMIT`]
/// namespace declarations in scope: its byte offset and what is wrong. Exact for well-formed XML
/// (comments, CDATA, processing instructions and quoted values are skipped); on malformed text it may
/// stop early, and roxmltree reports the error.
fn check_limits(text: &str) -> Result<(), (usize, String)> {
    let b = text.as_bytes();
    let find = |from: usize, pat: &str| -> usize {
        text.get(from..)
            .and_then(|t| t.find(pat))
            .map_or(b.len(), |i| from + i + pat.len())
    };
    let mut depth = 0usize;
    // Namespace declarations of each open element, and their sum.
    let mut declared: Vec<usize> = Vec::new();
    let mut in_scope = 0usize;
    let mut i = 0;
    while i < b.len() {
        let Some(lt) = memchr_lt(b, i) else {
            break;
        };
        let rest = &b[lt..];
        if rest.starts_with(b"<!--") {
            i = find(lt + 4, "-->");
        } else if rest.starts_with(b"<![CDATA[") {
            i = find(lt + 9, "]]>");
        } else if rest.starts_with(b"<?") {
            i = find(lt + 2, "?>");
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            in_scope -= declared.pop().unwrap_or(0);
            i = find(lt + 2, ">");
        } else if rest.starts_with(b"<!") {
            // A DTD: roxmltree stops there with an error, after reading only what was checked.
            return Ok(());
        } else {
            // A start tag: count `=` outside quotes (one per attribute) up to its `>`.
            let mut quote = None;
            let mut attributes = 0usize;
            let mut namespaces = 0usize;
            let mut j = lt + 1;
            while j < b.len() {
                match (quote, b[j]) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), _) => {}
                    (None, c @ (b'"' | b'\'')) => quote = Some(c),
                    (None, b'=') => {
                        attributes += 1;
                        if attributes > ATTRIBUTES_LIMIT {
                            return Err((
                                lt,
                                format!("an element has more than {ATTRIBUTES_LIMIT} attributes"),
                            ));
                        }
                        // roxmltree's attribute positions hold the name's length in 16 bits and the
                        // `=` with its spaces in 8: past that they are wrong, so refuse the file.
                        let space = |c: &u8| c.is_ascii_whitespace();
                        let before = b[..j].iter().rev().take_while(|c| space(c)).count();
                        let name = b[..j - before]
                            .iter()
                            .rev()
                            .take_while(|c| !space(c) && !matches!(c, b'=' | b'"' | b'\'' | b'<'))
                            .count();
                        let after = b[j + 1..].iter().take_while(|c| space(c)).count();
                        if name > NAME_LIMIT {
                            return Err((
                                j - before - name,
                                format!("an attribute name is longer than {NAME_LIMIT} bytes"),
                            ));
                        }
                        let name_bytes = &b[j - before - name..j - before];
                        if name_bytes == b"xmlns" || name_bytes.starts_with(b"xmlns:") {
                            namespaces += 1;
                            if in_scope + namespaces > NAMESPACES_LIMIT {
                                return Err((
                                    j - before - name,
                                    format!("more than {NAMESPACES_LIMIT} namespace declarations (xmlns) are in scope"),
                                ));
                            }
                        }
                        if before + 1 + after > EQUALS_LIMIT {
                            return Err((
                                j,
                                format!(
                                    "more than {} spaces surround an attribute's `=`",
                                    EQUALS_LIMIT - 1
                                ),
                            ));
                        }
                        j += after;
                    }
                    (None, b'>') => break,
                    _ => {}
                }
                j += 1;
            }
            if b.get(j.wrapping_sub(1)) != Some(&b'/') {
                declared.push(namespaces);
                in_scope += namespaces;
                depth += 1;
                if depth > DEPTH_LIMIT {
                    return Err((
                        lt,
                        format!("elements are nested more than {DEPTH_LIMIT} levels deep"),
                    ));
                }
            }
            i = j + 1;
        }
    }
    Ok(())
}

fn memchr_lt(b: &[u8], from: usize) -> Option<usize> {
    b[from..].iter().position(|&c| c == b'<').map(|i| from + i)
}

/// Byte range of an attribute's value between its quotes. roxmltree's `range_value()` is wrong when
/// the name is longer than 64 KiB or more than 255 spaces surround `=`; the attribute's whole range is
/// exact, and the value cannot hold its own quote, so the opening quote is the last one before the end.
pub fn value_range(text: &str, a: &roxmltree::Attribute) -> Range<usize> {
    let r = a.range();
    let end = r.end.saturating_sub(1).max(r.start);
    let start = match text.as_bytes().get(end) {
        Some(&q @ (b'"' | b'\'')) => text.as_bytes()[r.start..end]
            .iter()
            .rposition(|&c| c == q)
            .map_or(end, |i| r.start + i + 1),
        _ => end,
    };
    start..end
}

/// Offset just after the `>` that ends `node`'s start tag.
pub fn start_tag_end(text: &str, node: Node) -> usize {
    let start = node.range().start;
    let mut quote: Option<u8> = None;
    for (i, &b) in text.as_bytes()[start..node.range().end].iter().enumerate() {
        match (quote, b) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return start + i + 1,
            _ => {}
        }
    }
    node.range().end
}

/// True for `<x/>` and `<x />`.
pub fn is_self_closing(text: &str, node: Node) -> bool {
    start_tag_end(text, node) == node.range().end && text[..node.range().end].ends_with("/>")
}

/// The bytes between an element's start tag and its end tag (empty at the end for `<x/>`).
pub fn content_range(text: &str, node: Node) -> Range<usize> {
    let open_end = start_tag_end(text, node);
    if is_self_closing(text, node) {
        return open_end..open_end;
    }
    let close_start = text[..node.range().end]
        .rfind("</")
        .unwrap_or(open_end)
        .max(open_end);
    open_end..close_start
}

/// The raw source text of an element's qualified name.
pub fn tag_name<'t>(text: &'t str, node: Node) -> &'t str {
    let start = node.range().start + 1;
    let rest = &text[start..node.range().end];
    let len = rest
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    &rest[..len]
}

/// An attribute of `node` by local name, as the original text spells it.
pub struct RawAttr {
    pub value: String,
    /// Byte range of the value between the quotes.
    pub value_range: Range<usize>,
    pub quote: char,
}

pub fn attr(text: &str, node: Node, name: &str) -> Option<RawAttr> {
    let a = node.attributes().find(|a| a.name() == name)?;
    let value_range = value_range(text, &a);
    let quote = text
        .as_bytes()
        .get(value_range.end)
        .copied()
        .map(char::from)?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    Some(RawAttr {
        value: a.value().to_string(),
        value_range,
        quote,
    })
}

/// The quote character `node` uses for its attributes (double when it has none).
pub fn quote_of(text: &str, node: Node) -> char {
    node.attributes()
        .next()
        .and_then(|a| text.as_bytes().get(a.range_value().end).copied())
        .map_or('"', char::from)
}

/// Offset just after an element's last attribute (or its name when it has none).
pub fn after_attributes(text: &str, node: Node) -> usize {
    node.attributes()
        .next_back()
        .map_or(node.range().start + 1 + tag_name(text, node).len(), |a| {
            a.range().end
        })
}

/// The element children of `node`.
pub fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|n| n.is_element())
}

/// The first element child with local name `name`.
pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    elements(node).find(|n| n.tag_name().name() == name)
}

/// The indentation one nesting level adds in this document (two spaces when nothing shows it).
pub fn indent_unit(text: &str, doc: &Document) -> String {
    let root = doc.root_element();
    let root_indent = indent_before(text, root.range().start).unwrap_or("");
    for c in elements(root) {
        if let Some(ind) = indent_before(text, c.range().start) {
            if let Some(unit) = ind.strip_prefix(root_indent).filter(|u| !u.is_empty()) {
                return unit.to_string();
            }
        }
    }
    "  ".to_string()
}

/// Where a new last child element of a parent goes, and the layout it copies.
pub struct Slot {
    /// The range to replace: empty (an insertion) except for a self-closing parent, whose `/>` is replaced.
    pub range: Range<usize>,
    /// The line break to use.
    pub eol: &'static str,
    /// Indentation of the new child.
    pub indent: String,
    /// Text before the child (line break and indentation, or the reopened parent's `>`).
    pub before: String,
    /// Text after the child (the parent's closing tag for a self-closing parent).
    pub after: String,
}

impl Slot {
    /// The complete splice text for one inserted element.
    pub fn wrap(&self, element: &str) -> String {
        format!("{}{}{}", self.before, element, self.after)
    }
}

fn parent_layout(text: &str, parent: Node, unit: &str) -> (String, String, &'static str) {
    let parent_indent = indent_before(text, parent.range().start)
        .unwrap_or("")
        .to_string();
    let eol = if parent.range().start == 0 {
        first_eol(text)
    } else {
        eol_before(text, parent.range().start)
    };
    let indent = format!("{parent_indent}{unit}");
    (parent_indent, indent, eol)
}

/// The slot after the last element child of `parent`, copying that child's indentation and line break.
pub fn last_child_slot(text: &str, parent: Node, unit: &str) -> Slot {
    match elements(parent).last() {
        Some(last) => slot_after(text, last, parent, unit),
        None => empty_parent_slot(text, parent, unit, false),
    }
}

/// The slot just after `last`, a child node of `parent` (an element, or a comment XDT appends after),
/// copying its indentation and line break; on `last`'s line when it shares that line with other markup.
pub fn slot_after(text: &str, last: Node, parent: Node, unit: &str) -> Slot {
    let start = last.range().start;
    if let Some(indent) = indent_before(text, start) {
        // A new line of its own after the last child's line, ending like that line: the child's
        // own bytes (its line ending included) stay as they are, and a removal of the child's
        // whole line (3-way) ends where this insertion starts instead of swallowing it.
        let end = last.range().end;
        let rest = &text[end..];
        if let Some(nl) = rest
            .find('\n')
            .filter(|&nl| rest[..nl].trim_end_matches('\r').trim().is_empty())
        {
            let eol = if rest[..nl].ends_with('\r') {
                "\r\n"
            } else {
                "\n"
            };
            let at = end + nl + 1;
            return Slot {
                range: at..at,
                eol,
                indent: indent.to_string(),
                before: indent.to_string(),
                after: eol.to_string(),
            };
        }
        let eol = eol_before(text, start);
        return Slot {
            range: end..end,
            eol,
            indent: indent.to_string(),
            before: format!("{eol}{indent}"),
            after: String::new(),
        };
    }
    // The last child shares its line with other markup: continue on that line.
    let at = last.range().end;
    let (_, indent, eol) = parent_layout(text, parent, unit);
    Slot {
        range: at..at,
        eol,
        indent,
        before: String::new(),
        after: String::new(),
    }
}

/// The slot before the first child of `parent` (for elements .NET wants first, like configSections).
pub fn first_child_slot(text: &str, parent: Node, unit: &str) -> Slot {
    if elements(parent).next().is_none() {
        return empty_parent_slot(text, parent, unit, true);
    }
    let (_, indent, eol) = parent_layout(text, parent, unit);
    let at = start_tag_end(text, parent);
    Slot {
        range: at..at,
        eol,
        indent: indent.clone(),
        before: format!("{eol}{indent}"),
        after: String::new(),
    }
}

fn empty_parent_slot(text: &str, parent: Node, unit: &str, _first: bool) -> Slot {
    let (parent_indent, indent, eol) = parent_layout(text, parent, unit);
    if is_self_closing(text, parent) {
        // Replace everything after the name and attributes (` />`) by `>`, children and the end tag.
        let end = parent.range().end;
        let name = tag_name(text, parent);
        return Slot {
            range: after_attributes(text, parent)..end,
            eol,
            indent: indent.clone(),
            before: format!(">{eol}{indent}"),
            after: format!("{eol}{parent_indent}</{name}>"),
        };
    }
    let content = content_range(text, parent);
    let at = content.start;
    let after = if text[content].contains('\n') {
        String::new()
    } else {
        format!("{eol}{parent_indent}")
    };
    Slot {
        range: at..at,
        eol,
        indent: indent.clone(),
        before: format!("{eol}{indent}"),
        after,
    }
}

/// Lays out nested lines as one block: the first line goes where the slot is; each later line starts on
/// a new line with `indent` plus `depth` units.
pub fn block(lines: &[(usize, String)], indent: &str, unit: &str, eol: &str) -> String {
    let mut out = String::new();
    for (i, (depth, line)) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str(eol);
            out.push_str(indent);
            for _ in 0..*depth {
                out.push_str(unit);
            }
        }
        out.push_str(line);
    }
    out
}

/// Refuses a character the output's single-byte encoding (`e`, the file `name`'s) lacks where XML has
/// no way to write it (a name, CDATA, a comment, a processing instruction): there the encoder's `&#N;`
/// would damage the file (E021). In attribute values and text a character reference means the same
/// character, so it is fine.
pub fn unencodable(
    text: &str,
    e: &'static encoding_rs::Encoding,
    name: &str,
) -> Result<(), Diagnostic> {
    if !e.encode(text).2 {
        return Ok(()); // Every character has its byte.
    }
    #[derive(PartialEq)]
    enum In {
        Text,
        Markup,
        Value(u8),
        Comment,
        Cdata,
        Pi,
    }
    let mut state = In::Text;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        match state {
            In::Text if rest.starts_with("<!--") => (state, i) = (In::Comment, i + 4),
            In::Text if rest.starts_with("<![CDATA[") => (state, i) = (In::Cdata, i + 9),
            In::Text if rest.starts_with("<?") || rest.starts_with("<!") => {
                (state, i) = (In::Pi, i + 2)
            }
            In::Text if b[i] == b'<' => (state, i) = (In::Markup, i + 1),
            In::Markup if b[i] == b'"' || b[i] == b'\'' => (state, i) = (In::Value(b[i]), i + 1),
            In::Markup if b[i] == b'>' => (state, i) = (In::Text, i + 1),
            In::Value(q) if b[i] == q => (state, i) = (In::Markup, i + 1),
            In::Comment if rest.starts_with("-->") => (state, i) = (In::Text, i + 3),
            In::Cdata if rest.starts_with("]]>") => (state, i) = (In::Text, i + 3),
            In::Pi if b[i] == b'>' => (state, i) = (In::Text, i + 1),
            _ => {
                let c = rest.chars().next().expect("not at the end");
                let mut buf = [0u8; 4];
                let where_ = match state {
                    In::Markup => "a name",
                    In::Comment => "a comment",
                    In::Cdata => "a CDATA section",
                    In::Pi => "a processing instruction or declaration",
                    In::Text | In::Value(_) => "",
                };
                if !c.is_ascii() && !where_.is_empty() && e.encode(c.encode_utf8(&mut buf)).2 {
                    let line = text[..i].matches('\n').count() + 1;
                    return Err(Diagnostic::new(
                        Code::Unencodable,
                        format!(
                            "{}: the file is stored as {}, which has no `{c}` (U+{:04X}); the result would hold it in {where_} (line {line}), where XML cannot write it as a character reference; nothing was written",
                            name,
                            e.name(),
                            c as u32
                        ),
                    )
                    .with_help(format!("convert {name} to UTF-8 first (save it as UTF-8 and change its declaration to encoding=\"utf-8\"), then run again; or rename what holds `{c}` where it comes from")));
                }
                i += c.len_utf8();
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_doc(text: &str, f: impl FnOnce(&Document)) {
        let doc = parse(text, FileId(0), "t").unwrap();
        f(&doc)
    }

    #[test]
    fn tag_boundaries() {
        let t = "<a x='>'><b/><c y=\"1\" /></a>";
        with_doc(t, |d| {
            let a = d.root_element();
            assert_eq!(start_tag_end(t, a), 9);
            assert_eq!(&t[content_range(t, a)], "<b/><c y=\"1\" />");
            let b = child(a, "b").unwrap();
            assert!(is_self_closing(t, b));
            let c = child(a, "c").unwrap();
            assert_eq!(quote_of(t, c), '"');
            assert_eq!(&t[after_attributes(t, c)..c.range().end], " />");
        });
    }

    #[test]
    fn slots_copy_neighbours() {
        let t = "<r>\r\n\t<s>\r\n\t\t<add k='1'/>\r\n\t</s>\r\n\t<e/>\r\n</r>";
        with_doc(t, |d| {
            let r = d.root_element();
            assert_eq!(indent_unit(t, d), "\t");
            let s = child(r, "s").unwrap();
            let slot = last_child_slot(t, s, "\t");
            // A line of its own after the last child's line, ending like it.
            assert_eq!(
                (slot.before.as_str(), slot.after.as_str()),
                ("\t\t", "\r\n")
            );
            assert_eq!(slot.range.start, t.find("\t</s>").unwrap());
            let e = child(r, "e").unwrap();
            let slot = last_child_slot(t, e, "\t");
            let mut out = t.to_string();
            out.replace_range(slot.range.clone(), &slot.wrap("<x/>"));
            assert!(out.contains("\t<e>\r\n\t\t<x/>\r\n\t</e>"), "{out:?}");
        });
    }

    #[test]
    fn depth_and_attribute_limits_are_exact_for_well_formed_xml() {
        let nest = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        assert!(parse(&nest(DEPTH_LIMIT), FileId(0), "t").is_ok());
        let e = parse(&nest(DEPTH_LIMIT + 1), FileId(0), "t").unwrap_err();
        assert!(e.message.contains("nested more than 256"), "{}", e.message);
        assert_eq!(e.labels[0].span.start, 3 * DEPTH_LIMIT);
        // Self-closing elements, end tags, comments, CDATA, PIs and quoted `>`, `=` and `<` don't count.
        let busy = format!(
            "<r a='>=' b=\"x='y'\"><!-- <a><a> --><?p <a>?><![CDATA[<a><a>]]>{}</r>",
            "<e/><f x='1' />".repeat(DEPTH_LIMIT * 2)
        );
        assert!(parse(&busy, FileId(0), "t").is_ok());
        let attrs = |n: usize| {
            let a: String = (0..n).map(|i| format!(" a{i}='='")).collect();
            format!("<r{a}/>")
        };
        assert!(parse(&attrs(ATTRIBUTES_LIMIT), FileId(0), "t").is_ok());
        let e = parse(&attrs(ATTRIBUTES_LIMIT + 1), FileId(0), "t").unwrap_err();
        assert!(
            e.message.contains("more than 256 attributes"),
            "{}",
            e.message
        );
        // A DTD is still refused as one.
        let e = parse("<!DOCTYPE r [<!ENTITY x '<a>'>]><r/>", FileId(0), "t").unwrap_err();
        assert!(e.message.contains("DTD"), "{}", e.message);
    }

    #[test]
    fn value_range_survives_long_names_and_wide_equals() {
        let name = "é".repeat(40_000);
        let spaces = " ".repeat(300);
        let t = format!("<r {name}{spaces}={spaces}'v\"1' b = \"\" c{spaces}=\"x'y\"/>");
        {
            let d = Document::parse(&t).unwrap();
            let r = d.root_element();
            let got: Vec<&str> = r.attributes().map(|a| &t[value_range(&t, &a)]).collect();
            assert_eq!(got, vec!["v\"1", "", "x'y"]);
            let c = attr(&t, r, "c").unwrap();
            assert_eq!((&t[c.value_range], c.quote), ("x'y", '"'));
        }
        // parse() refuses such attributes, so roxmltree's own ranges hold for every parsed document.
        let e = parse(&t, FileId(0), "t").unwrap_err();
        assert!(
            e.message.contains("longer than 65535 bytes"),
            "{}",
            e.message
        );
        assert_eq!(e.labels[0].span.start, 3);
        let eq = |n: usize| format!("<r a{}='1'/>", " ".repeat(n));
        assert!(parse(&eq(254), FileId(0), "t").is_ok());
        let e = parse(&eq(255), FileId(0), "t").unwrap_err();
        assert!(e.message.contains("more than 254 spaces"), "{}", e.message);
        let long = format!("<r {}='1'/>", "n".repeat(NAME_LIMIT));
        let d = parse(&long, FileId(0), "t").unwrap();
        let a = d.root_element().attributes().next().unwrap();
        let v = 3 + NAME_LIMIT + 2;
        assert_eq!(a.range_value(), v..v + 1);
        assert_eq!(value_range(&long, &a), v..v + 1);
    }

    #[test]
    fn parse_errors_point_at_the_offending_bytes() {
        fn at(t: &str) -> (&str, usize) {
            let e = parse(t, FileId(0), "f").unwrap_err();
            (&t[e.labels[0].span.clone()], e.labels[0].span.start)
        }
        // `--` inside a comment: at the dashes, not at the comment's `<!--` (nor the next one's).
        assert_eq!(at("<a><!-- x -- y --></a>"), ("--", 10));
        assert_eq!(at("<a><!-- x ---></a>"), ("--", 10));
        // A wrong end tag: its name, as .NET and expat report it.
        assert_eq!(at("<a><b></a>"), ("a", 8));
        // A comment never closed: where it opens.
        assert_eq!(at("<a><!-- x --> <!-- y </a>"), ("<!--", 14));
        assert_eq!(unclosed_comment("<!-- a --> <!-- b -->"), None);
    }

    #[test]
    fn parse_error_points_at_line_and_column() {
        let e = parse("<a>\n  <b>\n</a>", FileId(0), "f").unwrap_err();
        assert_eq!(e.code, Code::MalformedXml);
        assert!(e.labels[0].span.start > 3);
    }
}
