//! Loading an input: its bytes decoded to text, registered in the sources, parsed, and its secrets
//! marked in the sources as soon as the tree shows them, so that every later message is masked.
//!
//! Owns the first two stages of a run. It reads no file (inputs come as bytes) and decides nothing.

use roxmltree::Document;

use crate::diag::{Code, Diagnostic, FileId, Sources};
use crate::doc::parse;
use crate::migration::Input;
use crate::secrets::{secret_spans, Secrets};
use crate::text::{decode, Decoded};

/// One decoded input and its id in the sources.
pub struct Loaded {
    pub id: FileId,
    pub name: String,
    pub decoded: Decoded,
}

/// Decodes `input` and registers it in `sources`; an encoding error points at the offending byte.
pub fn decode_input(input: &Input, sources: &mut Sources) -> Result<Loaded, Diagnostic> {
    match decode(&input.bytes) {
        Ok(d) => {
            let id = sources.add(&input.name, d.text.clone());
            Ok(Loaded {
                id,
                name: input.name.clone(),
                decoded: d,
            })
        }
        Err(e) => {
            // Show the valid prefix so the label lands on the offending byte.
            let end = e.offset.min(input.bytes.len());
            let prefix = String::from_utf8_lossy(&input.bytes[..end]).into_owned();
            let valid_prefix = std::str::from_utf8(&input.bytes[..end]).is_ok();
            let id = sources.add(&input.name, prefix.clone() + "\u{FFFD}");
            let mut d = Diagnostic::new(
                Code::Encoding,
                format!("{}: {} at byte {}", input.name, e.message, e.offset),
            )
            .with_help(e.help);
            if valid_prefix {
                d = d.with_label(id, prefix.len()..prefix.len() + 3, "here");
            }
            Err(d)
        }
    }
}

/// Parses a loaded text and marks its secrets in `sources`.
pub fn parse_marked<'t>(
    text: &'t str,
    id: FileId,
    name: &str,
    secrets: &Secrets,
    sources: &mut Sources,
) -> Result<Document<'t>, Diagnostic> {
    let doc = parse(text, id, name)?;
    sources.set_secrets(id, secret_spans(text, &doc, secrets));
    Ok(doc)
}
