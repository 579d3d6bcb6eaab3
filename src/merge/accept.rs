//! What .NET's configuration reader refuses although the XML parser here accepts it: character
//! references to surrogates or past U+10FFFF, an XML 1.1 declaration, a second byte-order mark, and
//! `xmlns` on a section .NET reads (appSettings, settings). Such an input is refused (E020) rather
//! than migrated into a file IIS cannot load.
//!
//! Owns these refusals only: it reads the parsed input and plans nothing.

use crate::actions::{Claims, Side};
use crate::config::scopes;
use crate::diag::{Code, Diagnostic};
use crate::doc::{elements, start_tag_end};

/// Refuses `s` when .NET would not load it.
pub fn dotnet_reads(s: &Side, claims: &Claims) -> Result<(), Diagnostic> {
    let refuse = |span: std::ops::Range<usize>, what: String, help: &str| {
        Diagnostic::new(Code::RefusedByDotnet, format!("{}: {what}", s.name))
            .with_label(s.id, span, "here")
            .with_help(help.to_string())
    };
    if s.text.starts_with('\u{FEFF}') {
        return Err(refuse(
            0..3,
            "the file starts with a second byte-order mark, which .NET reads as text before the root".into(),
            "save the file once more as UTF-8 (one BOM, or none)",
        ));
    }
    if let Some(v) = declared_version(s.text) {
        if v.1 != "1.0" {
            return Err(refuse(
                v.0,
                format!(
                    "the XML declaration says version {}; .NET reads XML 1.0 only",
                    v.1
                ),
                "change the declaration to version=\"1.0\"",
            ));
        }
    }
    for (at, _) in s.text.match_indices("&#") {
        let rest = &s.text[at + 2..];
        let Some(end) = rest.find(';') else { continue };
        let digits = &rest[..end];
        let n = match digits.strip_prefix('x') {
            Some(h) => u32::from_str_radix(h, 16).ok(),
            None => digits.parse::<u32>().ok(),
        };
        let ok = n.is_some_and(
            |n| matches!(n, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF),
        );
        if !ok {
            return Err(refuse(
                at..at + 3 + end,
                format!("`&#{digits};` is not a character XML allows; .NET refuses the file"),
                "remove the reference or write the character it was meant to be",
            ));
        }
    }
    for scope in scopes(s.doc) {
        for sec in elements(scope.node) {
            let name = sec.tag_name().name();
            if !claims.owns_section(name) {
                continue;
            }
            // The section and its configuration elements; not the XML a setting's <value> holds
            // (an Xml setting's `<ArrayOfString xmlns:xsi=...>` is its data).
            let owned = sec.descendants().filter(|n| {
                n.is_element()
                    && !n
                        .ancestors()
                        .skip(1)
                        .take_while(|a| *a != sec)
                        .any(|a| a.tag_name().name() == "value")
            });
            for el in owned {
                let tag = &s.text[el.range().start..start_tag_end(s.text, el)];
                let declares = tag.match_indices("xmlns").any(|(i, _)| {
                    tag[..i].ends_with(char::is_whitespace)
                        && tag[i + 5..].trim_start().starts_with(['=', ':'])
                });
                if declares {
                    return Err(refuse(
                        el.range().start..start_tag_end(s.text, el),
                        format!(
                            "<{}> in <{name}> declares an XML namespace, which .NET's configuration reader refuses (\"Unrecognized attribute 'xmlns'\")",
                            el.tag_name().name()
                        ),
                        "remove the xmlns attribute",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The XML declaration's version and where it is written.
fn declared_version(text: &str) -> Option<(std::ops::Range<usize>, &str)> {
    let decl = text.strip_prefix("<?xml")?;
    let end = decl.find("?>")?;
    let decl = &decl[..end];
    let at = decl.find("version")?;
    let rest = decl[at + 7..].trim_start().strip_prefix('=')?.trim_start();
    let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..1 + rest[1..].find(q)?];
    let start = 5 + at;
    Some((start..start + 7, value))
}
