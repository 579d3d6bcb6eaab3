//! Report: the JSON form of one migration, for tools and review (docs/JSON.md).
//!
//! Owns the merge report's schema and the schema version every JSON object wcmigrate prints carries. Secret values are masked here unless the user asked to see them; it never
//! changes the migration it describes.

use serde::Serialize;

use crate::diag::{JsonDiagnostic, JsonLabel, Severity};
use crate::diff::RenderedDiff;
use crate::merge::{Change, DecisionKind, Migration, Prefer};

/// Counts of one migration.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Totals {
    pub changes: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

/// The version of the JSON schema every report object carries (docs/JSON.md,
/// docs/wcmigrate.schema.json): raised when a field changes meaning or goes away, not when one is added.
pub const SCHEMA_VERSION: u32 = 2;

/// The one JSON object of `wcmigrate merge --format json`, for success and failure alike: `ok`,
/// `exit_code`, `totals` and `diagnostics` always; the migration's fields when it ran. It borrows the
/// migration's changes rather than copy them (a large merge has hundreds of thousands).
#[derive(Debug, Serialize)]
pub struct Report<'m> {
    /// Always `"merge"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub version: u32,
    pub ok: bool,
    pub exit_code: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<bool>,
    /// Where the merged file was written (`-o`, `--in-place`); `null` in a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written: Option<Option<String>>,
    pub totals: Totals,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<&'m [Change]>,
    /// 3-way decisions (only with BASE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decisions: Option<Vec<JsonDecision>>,
    pub diagnostics: Vec<JsonDiagnostic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// True when `diff` applies with `patch` to NEW's bytes to give the merged file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_applies: Option<bool>,
}

impl Report<'_> {
    /// The report of a run that stopped (exit 2): its diagnostics, nothing else known.
    pub fn failure(diagnostics: Vec<JsonDiagnostic>) -> Report<'static> {
        Report {
            kind: "merge",
            version: SCHEMA_VERSION,
            ok: false,
            exit_code: 2,
            old: None,
            new: None,
            base: None,
            rules: None,
            encoding: None,
            changed: None,
            written: None,
            totals: totals(0, &diagnostics),
            changes: None,
            decisions: None,
            diagnostics,
            diff: None,
            diff_applies: None,
        }
    }
}

/// A 3-way decision as it appears in reports, with spans in BASE, OLD and NEW.
#[derive(Debug, Serialize)]
pub struct JsonDecision {
    pub kind: DecisionKind,
    pub rule: String,
    pub path: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen: Option<Prefer>,
    pub labels: Vec<JsonLabel>,
}

/// Counts diagnostics by severity.
pub fn totals(changes: usize, diags: &[JsonDiagnostic]) -> Totals {
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    Totals {
        changes,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
    }
}

/// Builds the report of a migration that ran, with the diagnostics to report (the engine's and the
/// command's), where it wrote, and the exit code the run ends with. The diff's text moves into it.
pub fn report<'m>(
    m: &'m Migration,
    rules_name: &str,
    diff: RenderedDiff,
    diagnostics: Vec<JsonDiagnostic>,
    written: Option<String>,
    exit_code: u8,
) -> Report<'m> {
    // Values in changes were masked by the engine where it made them (unless --show-secrets).
    let changes = &m.changes[..];
    let diff_applies = diff.applies_with_patch();
    Report {
        kind: "merge",
        version: SCHEMA_VERSION,
        ok: true,
        exit_code,
        old: Some(m.sources.get(m.old).name.clone()),
        new: Some(m.sources.get(m.new).name.clone()),
        base: m.base.map(|b| m.sources.get(b).name.clone()),
        rules: Some(rules_name.to_string()),
        encoding: Some(m.new_encoding.describe()),
        changed: Some(m.changed()),
        written: Some(written),
        totals: totals(changes.len(), &diagnostics),
        changes: Some(changes),
        decisions: Some(
            m.decisions
                .iter()
                .map(|d| JsonDecision {
                    kind: d.kind,
                    rule: d.rule.clone(),
                    path: d.path.clone(),
                    message: d.message.clone(),
                    chosen: d.chosen,
                    labels: d.labels.iter().map(|l| l.to_json(&m.sources)).collect(),
                })
                .collect(),
        ),
        diagnostics,
        diff: Some(diff.text),
        diff_applies: Some(diff_applies),
    }
}
