//! Batch, the human summary: renders a run's [`Summary`] as the table and case lists shown on stderr.
//!
//! It only formats what the summary holds: it counts nothing, decides no exit code and writes nothing.

use std::path::Path;

use super::record::{CaseDiagnostic, Flagged, Summary};
use crate::diag::{visible, Severity};

fn paint(text: &str, ansi: &str, color: bool) -> String {
    if color {
        format!("\x1b[{ansi}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Warnings shown for one case at most; the rest are counted.
const PER_CASE: usize = 10;

/// One diagnostic line: code, name, place and message.
fn diagnostic_line(d: &CaseDiagnostic, color: bool) -> String {
    let ansi = match d.severity {
        Severity::Error => "31",
        Severity::Warning => "33",
        Severity::Note => "36",
    };
    let place = match d.labels.first() {
        Some(l) => format!(" {}:{}:{}:", visible(&l.file), l.line, l.column),
        None => String::new(),
    };
    let message: String = d.message.split_whitespace().collect::<Vec<_>>().join(" ");
    let message = visible(&message);
    format!(
        "      {}{place} {message}\n",
        paint(&format!("{}({})", d.code, d.name), ansi, color)
    )
}

/// A flagged case: its name, then each of its diagnostics on a line.
fn flagged_lines(f: &Flagged, color: bool) -> String {
    let mut text = format!("  {}\n", visible(&f.case));
    for d in f.diagnostics.iter().take(PER_CASE) {
        text.push_str(&diagnostic_line(d, color));
    }
    if f.diagnostics.len() > PER_CASE {
        text.push_str(&format!(
            "      ... and {} more in this case: see --report FILE\n",
            f.diagnostics.len() - PER_CASE
        ));
    }
    text
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// The summary printed on stderr after a human-format run over `source`; `quiet` keeps only the
/// failed and warned cases.
pub fn render_summary(
    s: &Summary,
    source: &Path,
    out: Option<&Path>,
    deny_warnings: bool,
    color: bool,
    quiet: bool,
) -> String {
    let t = &s.totals;
    let heads = [
        "cases",
        "changed",
        "unchanged",
        "failed",
        "skipped",
        "warnings",
        "conflicts",
        "errors",
        "time",
    ];
    let time = format!("{:.2}s", s.elapsed.as_secs_f64());
    let values = [
        t.cases.to_string(),
        t.changed.to_string(),
        t.unchanged.to_string(),
        t.failed.to_string(),
        t.skipped.to_string(),
        t.warnings.to_string(),
        t.conflicts.to_string(),
        t.errors.to_string(),
        time,
    ];
    let widths: Vec<usize> = heads
        .iter()
        .zip(&values)
        .map(|(h, v)| h.len().max(v.len()))
        .collect();
    let row = |cells: &[String]| {
        let cells: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        format!("  {}\n", cells.join("  "))
    };
    let mut text = format!(
        "wcmigrate batch {}\n",
        visible(&source.display().to_string())
    );
    text.push_str(&row(&heads.map(String::from)));
    text.push_str(&row(&values));
    if quiet {
        text.clear();
    }
    let mut list = |title: String, total: usize, flagged: &[Flagged]| {
        if total == 0 {
            return;
        }
        text.push_str(&format!("\n{title}:\n"));
        for f in flagged {
            text.push_str(&flagged_lines(f, color));
        }
        if total > flagged.len() {
            text.push_str(&format!(
                "  ... and {} more: see --report FILE\n",
                total - flagged.len()
            ));
        }
    };
    list(format!("failed cases ({})", t.failed), t.failed, &s.failed);
    // Every warning is listed under its case, so the count here is the table's.
    list(
        format!(
            "cases with warnings or conflicts ({} {}, {} {})",
            s.warned_cases,
            plural(s.warned_cases, "case", "cases"),
            t.warnings,
            plural(t.warnings, "warning", "warnings")
        ),
        s.warned_cases,
        &s.warned,
    );
    if deny_warnings && s.warned_cases > 0 && t.failed == 0 {
        text.push_str("\n--deny-warnings: exit code 1\n");
    }
    if quiet {
        return text;
    }
    text.push('\n');
    text.push_str(&match out {
        Some(dir) => format!(
            "wrote merged.config and merged.diff for {} cases under {}\n",
            t.changed + t.unchanged,
            visible(&dir.display().to_string())
        ),
        None => "dry run: nothing written (use --out OUTDIR)\n".to_string(),
    });
    if t.skipped > 0 {
        text.push_str(&format!(
            "--fail-fast: {} cases were not run after the first failure\n",
            t.skipped
        ));
    }
    text
}
