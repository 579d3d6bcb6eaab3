//! Loading an input: its bytes decoded to text and registered in the sources with its secrets (the
//! door: from here on every view of it is masked, even of a file that then fails to parse), then
//! parsed.
//!
//! Owns the first two stages of a run. It reads no file (inputs come as bytes) and decides nothing.

use roxmltree::Document;

use crate::actions::Side;
use crate::diag::{Diagnostic, FileId, Sources};
use crate::doc::parse;
use crate::migration::Input;
use crate::secrets::Secrets;
use crate::text::Decoded;

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
/// The bytes are taken out of `input` and freed once decoded (its name and folder stay): the run
/// keeps one copy of each input, its text.
pub fn decode_input(
    input: &mut Input,
    secrets: &Secrets,
    sources: &mut Sources,
) -> Result<Loaded, Diagnostic> {
    let bytes = std::mem::take(&mut input.bytes);
    let (id, decoded) = sources.add_input(&input.name, &bytes, secrets)?;
    drop(bytes);
    Ok(Loaded {
        id,
        name: input.name.clone(),
        decoded,
    })
}

/// Parses a loaded text.
pub fn parse_loaded(l: &Loaded) -> Result<Document<'_>, Diagnostic> {
    parse(&l.decoded.text, l.id, &l.name)
}
