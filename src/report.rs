//! Report: the JSON form of one migration, for tools and review.
//!
//! Owns the report schema. Secret values are masked here unless the user asked to see them; it never
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

/// The JSON report of `wcmigrate merge --format json`.
#[derive(Debug, Serialize)]
pub struct Report {
    pub old: String,
    pub new: String,
    pub rules: String,
    pub encoding: String,
    pub changed: bool,
    pub totals: Totals,
    pub changes: Vec<Change>,
    /// 3-way decisions (only with BASE).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<JsonDecision>,
    pub diagnostics: Vec<JsonDiagnostic>,
    pub diff: String,
    /// True when `diff` applies with `patch` to NEW's bytes to give the merged file.
    pub diff_applies: bool,
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

/// Builds the report of a migration.
pub fn report(m: &Migration, rules_name: &str, diff: &RenderedDiff) -> Report {
    // Values in changes were masked by the engine where it made them (unless --show-secrets).
    let changes: Vec<Change> = m.changes.clone();
    let diagnostics: Vec<JsonDiagnostic> = m
        .diagnostics
        .iter()
        .map(|d| d.to_json(&m.sources))
        .collect();
    Report {
        old: m.sources.get(m.old).name.clone(),
        new: m.sources.get(m.new).name.clone(),
        rules: rules_name.to_string(),
        encoding: m.new_encoding.describe(),
        changed: m.changed(),
        totals: totals(changes.len(), &diagnostics),
        changes,
        decisions: m
            .decisions
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
        diagnostics,
        diff: diff.text.clone(),
        diff_applies: diff.applies_with_patch(),
    }
}
