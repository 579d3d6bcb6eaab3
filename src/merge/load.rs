//! Loading an input: its bytes decoded to text and registered in the sources with its secrets (the
//! door: from here on every view of it is masked, even of a file that then fails to parse), then
//! parsed.
//!
//! Owns the first two stages of a run. It reads no file (inputs come as bytes) and decides nothing.

use roxmltree::Document;

use crate::actions::Side;
use crate::diag::{Code, Diagnostic, FileId, Sources};
use crate::doc::parse;
use crate::migration::Input;
use crate::secrets::Secrets;
use crate::text::{decode, Decoded};

/// One decoded input and its id in the sources.
pub struct Loaded {
    pub id: FileId,
    pub name: String,
    pub decoded: Decoded,
}

impl Loaded {
    /// This input as the actions see it, with its parsed tree.
    pub fn side<'a>(&'a self, doc: &'a Document<'a>) -> Side<'a> {
        Side {
            id: self.id,
            name: &self.name,
            text: &self.decoded.text,
            doc,
        }
    }
}

/// Decodes `input` and registers it in `sources`; an encoding error points at the offending byte.
pub fn decode_input(
    input: &Input,
    secrets: &Secrets,
    sources: &mut Sources,
) -> Result<Loaded, Diagnostic> {
    match decode(&input.bytes) {
        Ok(d) => {
            let id = sources.add_config(&input.name, d.text.clone(), secrets);
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
            let id = sources.add_config(&input.name, prefix.clone() + "\u{FFFD}", secrets);
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

/// Parses a loaded text.
pub fn parse_loaded(l: &Loaded) -> Result<Document<'_>, Diagnostic> {
    parse(&l.decoded.text, l.id, &l.name)
}
