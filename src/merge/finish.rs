//! The last stages of a run: NEW's text spliced with the planned edits, the result checked before
//! anyone may write it, and the [`Migration`] assembled.
//!
//! Owns the refusals of our own output (E010: overlapping edits, a result that is not well-formed).
//! It writes nothing and plans nothing.

use std::ops::Range;

use super::load::Loaded;
use crate::diag::{Code, Diagnostic, FileId, Sources};
use crate::doc::parse;
use crate::edit::Edits;
use crate::migration::{Change, Decision, Migration};
use crate::secrets::Secrets;
use crate::text::Charset;

/// NEW's text with every edit applied. Two edits of the same bytes are a bug: refuse to write rather
/// than drop one.
pub fn splice(new: &Loaded, edits: &Edits) -> Result<String, Diagnostic> {
    edits.try_apply(&new.decoded.text).map_err(|r| {
        Diagnostic::new(
            Code::OutputInvalid,
            format!(
                "two edits overlap at bytes {}..{} of NEW; nothing was written",
                r.start, r.end
            ),
        )
        .with_label(new.id, r.start..r.end.max(r.start), "edited twice")
        .with_help("please report this with the input files (remove secrets first)")
    })
}

/// What a run produced, before it is checked.
pub struct Spliced {
    pub new: Loaded,
    pub old: FileId,
    pub base: Option<FileId>,
    pub merged_text: String,
    pub changes: Vec<Change>,
    pub decisions: Vec<Decision>,
}

/// A checked result: the merged text is well-formed and its secrets are known.
pub struct Verified {
    spliced: Spliced,
    new_secrets: Vec<Range<usize>>,
    merged_secrets: Vec<Range<usize>>,
}

impl Spliced {
    /// Parses the merged text (an unchanged NEW needs no second look) and marks its secrets.
    pub fn verify(self, secrets: &Secrets, sources: &Sources) -> Result<Verified, Diagnostic> {
        let new_secrets = sources.get(self.new.id).secrets.clone();
        let merged_secrets = if self.merged_text == self.new.decoded.text {
            new_secrets.clone()
        } else {
            match parse(&self.merged_text, self.new.id, &self.new.name) {
                Ok(_) => secrets.scan(&self.merged_text),
                Err(e) => {
                    return Err(Diagnostic::new(
                        Code::OutputInvalid,
                        format!(
                            "the merged text is not well-formed ({}); nothing was written",
                            e.message
                        ),
                    )
                    .with_help(
                        "please report this with the two input files (remove secrets first)",
                    ))
                }
            }
        };
        if let Charset::Legacy(e) = self.new.decoded.encoding.charset {
            unencodable(&self.merged_text, e, &self.new)?;
        }
        Ok(Verified {
            spliced: self,
            new_secrets,
            merged_secrets,
        })
    }
}

impl Verified {
    /// The migration: changes located by line and column in NEW, diagnostics errors first, the
    /// merged text encoded as NEW was.
    pub fn into_migration(self, sources: Sources, mut diags: Vec<Diagnostic>) -> Migration {
        let Spliced {
            new,
            old,
            base,
            merged_text,
            mut changes,
            decisions,
        } = self.spliced;
        for c in &mut changes {
            let (line, column) = sources.line_col(new.id, c.span.start);
            c.line = line;
            c.column = column;
        }
        diags.sort_by_key(|d| d.severity());
        let output = crate::text::encode(&merged_text, new.decoded.encoding);
        Migration {
            sources,
            old,
            new: new.id,
            base,
            new_encoding: new.decoded.encoding,
            new_text: new.decoded.text,
            merged_text,
            output,
            changes,
            decisions,
            diagnostics: diags,
            new_secrets: self.new_secrets,
            merged_secrets: self.merged_secrets,
        }
    }
}

/// Refuses a character NEW's single-byte encoding lacks where XML has no way to write it (a name,
/// CDATA, a comment, a processing instruction): there the encoder's `&#N;` would damage the file.
/// In attribute values and text a character reference means the same character, so it is fine.
fn unencodable(
    text: &str,
    e: &'static encoding_rs::Encoding,
    new: &Loaded,
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
                            "{}: NEW is stored as {}, which has no `{c}` (U+{:04X}); carried from OLD, it would land in {where_} (line {line} of the merged file), where XML cannot write it as a character reference; nothing was written",
                            new.name,
                            e.name(),
                            c as u32
                        ),
                    )
                    .with_help(format!("convert NEW to UTF-8 first (save it as UTF-8 and change its declaration to encoding=\"utf-8\"), then run again; or rename what holds `{c}` in OLD")));
                }
                i += c.len_utf8();
            }
        }
    }
    Ok(())
}
