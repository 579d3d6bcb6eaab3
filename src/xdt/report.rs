//! The JSON report of `wcmigrate xdt apply --format json`: SOURCE and TRANSFORM, the changes, the
//! regions of SOURCE the transforms acted on, diagnostics and the diff.
//!
//! Owns this schema only; it renders an [`Applied`] and decides nothing. Values in changes were masked
//! where they were recorded; diagnostics carry positions, never file text.

use serde::Serialize;

use super::Applied;
use crate::diag::{Diagnostic, JsonDiagnostic};
use crate::diff::RenderedDiff;
use crate::migration::Change;
use crate::report::{totals, Totals};

#[derive(Debug, Serialize)]
pub struct XdtReport {
    pub source: String,
    pub transform: String,
    pub encoding: String,
    pub changed: bool,
    pub totals: Totals,
    /// Transform elements whose verb ran.
    pub executed: usize,
    pub changes: Vec<Change>,
    /// Byte ranges `[start, end)` of SOURCE's decoded text the transforms acted on.
    pub regions: Vec<[usize; 2]>,
    pub diagnostics: Vec<JsonDiagnostic>,
    pub diff: String,
    /// True when `diff` applies with `patch` to SOURCE's bytes to give the result.
    pub diff_applies: bool,
}

/// The report of one apply, with `diags` (the apply's, plus the diff's notes) as diagnostics.
pub fn report(a: &Applied, diags: &[Diagnostic], diff: &RenderedDiff) -> XdtReport {
    let m = &a.migration;
    let diagnostics: Vec<JsonDiagnostic> = diags.iter().map(|d| d.to_json(&m.sources)).collect();
    XdtReport {
        source: m.sources.get(m.new).name.clone(),
        transform: m.sources.get(m.old).name.clone(),
        encoding: m.new_encoding.describe(),
        changed: m.changed(),
        totals: totals(m.changes.len(), &diagnostics),
        executed: a.executed,
        changes: m.changes.clone(),
        regions: a.regions.iter().map(|r| [r.start, r.end]).collect(),
        diagnostics,
        diff: diff.text.clone(),
        diff_applies: diff.applies_with_patch(),
    }
}
