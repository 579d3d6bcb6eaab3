//! The last stages of a run: NEW's text spliced with the planned edits, the result checked before
//! anyone may write it, and the [`Migration`] assembled.
//!
//! Owns the refusals of our own output (E010: overlapping edits, a result that is not well-formed).
//! It writes nothing and plans nothing.

use std::ops::Range;

use super::load::Loaded;
use crate::diag::{Code, Diagnostic, FileId, Sources};
use crate::doc::parse;
use crate::edit::{Edits, Landed};
use crate::migration::{Change, Decision, Migration};
use crate::secrets::Secrets;
use crate::text::Charset;

/// NEW's text with every edit applied. Two edits of the same bytes are a bug: refuse to write rather
/// than drop one.
pub fn splice(new: &Loaded, edits: &Edits) -> Result<(String, Vec<Landed>), Diagnostic> {
    edits.try_apply_landed(&new.decoded.text).map_err(|r| {
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
    pub landed: Vec<Landed>,
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
    /// Checks that the merged text is well-formed (an unchanged NEW needs no second look), in one
    /// streaming pass with no tree, and marks its secrets.
    pub fn verify(self, secrets: &Secrets, sources: &Sources) -> Result<Verified, Diagnostic> {
        let new_secrets = sources.get(self.new.id).secrets.clone();
        let merged_secrets = if self.landed.is_empty() {
            new_secrets.clone()
        } else {
            let checked = crate::wellformed::check(&self.merged_text, crate::doc::DEPTH_LIMIT);
            // The tests run debug builds: there the tree parser must agree on every output.
            debug_assert_eq!(
                checked.is_ok(),
                parse(&self.merged_text, self.new.id, &self.new.name).is_ok(),
                "wellformed::check and the parser disagree on a merged text"
            );
            if let Err(e) = checked {
                let (line, column) = crate::diag::line_col(&self.merged_text, e.at);
                return Err(Diagnostic::new(
                    Code::OutputInvalid,
                    format!(
                        "the merged text is not well-formed ({} at {line}:{column} of the result); nothing was written",
                        e.what
                    ),
                )
                .with_help("please report this with the two input files (remove secrets first)"));
            }
            secrets.scan(&self.merged_text)
        };
        if let Charset::Legacy(e) = self.new.decoded.encoding.charset {
            crate::doc::unencodable(&self.merged_text, e, &self.new.name)?;
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
            landed,
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
            landed: Some(landed),
            output,
            changes,
            decisions,
            diagnostics: diags,
            new_secrets: self.new_secrets,
            merged_secrets: self.merged_secrets,
        }
    }
}
