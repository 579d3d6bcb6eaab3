//! Diagnostics: every problem and decision the engine reports, as a stable [`Code`] with labelled
//! spans into the files it read; the catalogue, the source registry and the two renderers live in the
//! submodules. It must not decide anything about a migration: the engine creates diagnostics, this
//! module shows them.

use std::ops::Range;

mod code;
mod human;
mod json;
mod sources;
mod visible;

pub use crate::secrets::{mask, MASK};
pub use code::{Code, CodeInfo, Severity, CODES};
pub use human::{render_human, HumanStyle, SHOWN_PER_CODE};
pub use json::{JsonDiagnostic, JsonLabel};
pub use sources::{line_col, offset_of, FileId, LineIndex, SourceFile, Sources};
pub use visible::visible;

/// An I/O error as a message says it: the reason only. The temporary file a write goes through
/// (`tempfile` adds `at path "…/.wcmigrate-XXXX.tmp"`) is an implementation detail; the message names
/// the file the person asked for.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" at path ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// A labelled span in one file.
#[derive(Debug, Clone)]
pub struct Label {
    pub file: FileId,
    pub span: Range<usize>,
    pub text: String,
}

/// One problem or decision.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    /// The first label is the primary one; later labels may point into other files.
    pub labels: Vec<Label>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            help: None,
            labels: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_labels(mut self, labels: Vec<Label>) -> Self {
        self.labels.extend(labels);
        self
    }

    pub fn with_label(mut self, file: FileId, span: Range<usize>, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            text: text.into(),
        });
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.info().severity
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}
