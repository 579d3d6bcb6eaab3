//! The renderer for tools: diagnostics as serde structs for JSON reports ([`JsonDiagnostic`]).
//! It must never copy a file's text into a report (labels carry names, positions and label text only,
//! so no secret can leak through it), and must not decide anything about a migration.

use serde::Serialize;

use super::code::Severity;
use super::sources::Sources;
use super::{Diagnostic, Label};

/// A diagnostic as it appears in every JSON report (merge's, batch's case records): the one shape.
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub labels: Vec<JsonLabel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonLabel {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Byte range in the decoded text.
    pub start: usize,
    pub end: usize,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl Label {
    pub fn to_json(&self, sources: &Sources) -> JsonLabel {
        let f = sources.get(self.file);
        let (line, column) = sources.line_col(self.file, self.span.start);
        JsonLabel {
            file: f.name.clone(),
            line,
            column,
            start: self.span.start,
            end: self.span.end,
            text: self.text.clone(),
        }
    }
}

impl Diagnostic {
    pub fn to_json(&self, sources: &Sources) -> JsonDiagnostic {
        let info = self.code.info();
        JsonDiagnostic {
            code: info.code,
            name: info.name,
            severity: info.severity,
            message: self.message.clone(),
            help: self.help.clone(),
            labels: self.labels.iter().map(|l| l.to_json(sources)).collect(),
        }
    }
}
