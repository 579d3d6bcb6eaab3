//! Batch, the report: the schema of a case's [`Record`] and the run's [`Totals`] and [`Summary`].
//!
//! Owns the JSON report writer, which streams records as they arrive to stdout or `--report FILE`.
//! It runs no case and renders nothing for humans (that is `summary`'s); it only counts records.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::find::Case;
use crate::diag::{Diagnostic, JsonDiagnostic, Severity, Sources};
use crate::output::{check_replaceable, put_in_place, set_new_access, temp_beside, Mode};
use crate::report::SCHEMA_VERSION;

/// The human summary lists at most this many failing cases, and as many with warnings or conflicts.
pub const LIST_LIMIT: usize = 20;

/// What happened to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Changed,
    Unchanged,
    Failed,
    /// Not run: `--fail-fast` stopped the batch first.
    Skipped,
}

impl Status {
    /// The status as reports and summaries spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Changed => "changed",
            Status::Unchanged => "unchanged",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }
}

/// A diagnostic as a batch record keeps it: the one JSON shape every report uses (messages masked by
/// the engine unless asked, labels with file, line and column).
pub type CaseDiagnostic = JsonDiagnostic;

/// True for a 3-way conflict (any code whose name says so).
pub fn is_conflict(d: &CaseDiagnostic) -> bool {
    d.name.contains("conflict")
}

/// A diagnostic with no file to point into.
pub(super) fn plain(d: &Diagnostic) -> CaseDiagnostic {
    d.to_json(&Sources::default())
}

/// The outcome of one case, as the report holds it.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub case: String,
    pub status: Status,
    pub changes: usize,
    pub changes_by_rule: BTreeMap<String, usize>,
    pub diagnostics: Vec<CaseDiagnostic>,
    /// The merged file written under OUTDIR, if any.
    pub output: Option<String>,
    /// The diff NEW -> merged written beside it (secrets masked unless --show-secrets).
    pub diff: Option<String>,
}

impl Record {
    pub(super) fn empty(case: &Case, status: Status) -> Record {
        Record {
            case: case.name.clone(),
            status,
            changes: 0,
            changes_by_rule: BTreeMap::new(),
            diagnostics: Vec::new(),
            output: None,
            diff: None,
        }
    }

    pub(super) fn failed(case: &Case, diagnostics: Vec<CaseDiagnostic>) -> Record {
        Record {
            diagnostics,
            ..Record::empty(case, Status::Failed)
        }
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// The diagnostic that explains a failure best: the first error, else the first diagnostic.
    pub fn first_error(&self) -> Option<&CaseDiagnostic> {
        self.diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
            .or(self.diagnostics.first())
    }
}

/// Counts of a whole batch.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub cases: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Changes over all cases.
    pub changes: usize,
    /// Diagnostics over all cases, by severity, and those that are 3-way conflicts.
    pub errors: usize,
    pub warnings: usize,
    pub conflicts: usize,
    pub notes: usize,
}

impl Totals {
    fn add(&mut self, r: &Record) {
        self.cases += 1;
        match r.status {
            Status::Changed => self.changed += 1,
            Status::Unchanged => self.unchanged += 1,
            Status::Failed => self.failed += 1,
            Status::Skipped => self.skipped += 1,
        }
        self.changes += r.changes;
        self.errors += r.count(Severity::Error);
        self.warnings += r.count(Severity::Warning);
        self.notes += r.count(Severity::Note);
        self.conflicts += r.diagnostics.iter().filter(|d| is_conflict(d)).count();
    }
}

/// A case the human summary names, with the diagnostics that explain it: the first error of a
/// failed case; every warning (conflicts included) of a warned one.
#[derive(Debug, Clone)]
pub struct Flagged {
    pub case: String,
    pub diagnostics: Vec<CaseDiagnostic>,
}

/// What a run leaves for the summary: totals, the time taken (finding and running the cases), and the
/// first [`LIST_LIMIT`] failing and warned cases.
#[derive(Debug, Default)]
pub struct Summary {
    pub totals: Totals,
    pub elapsed: Duration,
    /// Cases with warnings (cases whose records have them), counted in full.
    pub warned_cases: usize,
    pub failed: Vec<Flagged>,
    pub warned: Vec<Flagged>,
    /// The narrowest mode of every input the run read (`None`: none was read): a report file that
    /// quotes them gets no wider access than any of them.
    pub inputs_mode: Option<Mode>,
}

impl Summary {
    pub(super) fn add(&mut self, r: &Record) {
        self.totals.add(r);
        if r.status == Status::Failed && self.failed.len() < LIST_LIMIT {
            self.failed.push(Flagged {
                case: r.case.clone(),
                diagnostics: r.first_error().cloned().into_iter().collect(),
            });
        }
        let warnings: Vec<CaseDiagnostic> = r
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning || is_conflict(d))
            .cloned()
            .collect();
        if !warnings.is_empty() {
            self.warned_cases += 1;
            if self.warned.len() < LIST_LIMIT {
                self.warned.push(Flagged {
                    case: r.case.clone(),
                    diagnostics: warnings,
                });
            }
        }
    }

    /// The exit code: 2 when a case failed, 1 when `deny_warnings` and a case has warnings or
    /// conflicts, else 0.
    pub fn exit_code(&self, deny_warnings: bool) -> u8 {
        if self.totals.failed > 0 {
            2
        } else if deny_warnings && self.warned_cases > 0 {
            1
        } else {
            0
        }
    }
}

/// Writes the batch report as records arrive, as NDJSON (docs/JSON.md): one JSON object per line,
/// each with its `type` and the schema `version`: a `case` record per case as it finishes, then one
/// `summary`. Each line is flushed whole, so a reader sees every case as soon as it is done.
/// Only `elapsed_ms` depends on the run's timing or thread count.
pub struct ReportWriter<W: Write> {
    out: W,
    source: String,
    rules: String,
}

/// A case record as a report line.
#[derive(Serialize)]
struct CaseLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    version: u32,
    #[serde(flatten)]
    record: &'a Record,
}

/// The last line of a batch report, also the whole report of a batch that could not start.
#[derive(Serialize)]
pub struct SummaryLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    version: u32,
    ok: bool,
    exit_code: u8,
    source: &'a str,
    rules: &'a str,
    totals: Totals,
    elapsed_ms: u128,
    /// What stopped the batch as a whole (a bad DIR or manifest); a case's own are in its record.
    diagnostics: Vec<JsonDiagnostic>,
}

impl<'a> SummaryLine<'a> {
    /// The report of a batch that stopped before any case ran.
    pub fn failure(source: &'a str, rules: &'a str, diagnostics: Vec<JsonDiagnostic>) -> Self {
        SummaryLine {
            kind: "summary",
            version: SCHEMA_VERSION,
            ok: false,
            exit_code: 2,
            source,
            rules,
            totals: Totals::default(),
            elapsed_ms: 0,
            diagnostics,
        }
    }
}

impl<W: Write> ReportWriter<W> {
    pub fn begin(out: W, source: &Path, rules: &str) -> io::Result<Self> {
        Ok(ReportWriter {
            out,
            source: source.display().to_string(),
            rules: rules.to_string(),
        })
    }

    pub fn case(&mut self, r: &Record) -> io::Result<()> {
        let line = CaseLine {
            kind: "case",
            version: SCHEMA_VERSION,
            record: r,
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }

    /// Writes the summary line; `exit_code` is the one the run ends with.
    pub fn finish(mut self, summary: &Summary, exit_code: u8) -> io::Result<W> {
        let line = SummaryLine {
            kind: "summary",
            version: SCHEMA_VERSION,
            ok: summary.totals.failed == 0,
            exit_code,
            source: &self.source,
            rules: &self.rules,
            totals: summary.totals,
            elapsed_ms: summary.elapsed.as_millis(),
            diagnostics: Vec::new(),
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A file written as it grows and put in place whole at the end (or never, if dropped first): the
/// report of `--report FILE`. Like [`write_atomic`](crate::output::write_atomic), it replaces only a
/// regular file, is private to the user until complete, and is a new file whose mode is given at the
/// end: nothing of the file it replaces carries over.
pub struct PendingFile {
    path: PathBuf,
    tmp: BufWriter<tempfile::NamedTempFile>,
}

impl PendingFile {
    pub fn create(path: &Path) -> io::Result<PendingFile> {
        check_replaceable(path)?;
        Ok(PendingFile {
            path: path.to_path_buf(),
            tmp: BufWriter::new(temp_beside(path)?),
        })
    }

    /// Puts the file in place with `mode` ([`set_new_access`]).
    pub fn commit(self, mode: Mode) -> io::Result<()> {
        let tmp = self.tmp.into_inner().map_err(|e| e.into_error())?;
        set_new_access(tmp.as_file(), mode)?;
        tmp.as_file().sync_all()?;
        check_replaceable(&self.path)?;
        put_in_place(tmp, &self.path)
    }
}

impl Write for PendingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_follows_failures_then_warnings() {
        let mut s = Summary::default();
        assert_eq!(s.exit_code(true), 0);
        s.warned_cases = 1;
        assert_eq!((s.exit_code(false), s.exit_code(true)), (0, 1));
        s.totals.failed = 1;
        assert_eq!(s.exit_code(false), 2);
    }
}
