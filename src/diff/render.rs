//! Diff hunks: line operations written as unified-diff hunks (3 lines of context), each printed line
//! masked on its own, straight to the writer.
//!
//! Owns hunk headers, the `\ No newline at end of file` lines, the marker before a hunk's first masked
//! line and the masking of each printed line, by `secrets::mask`'s rule (tests compare the two), so
//! that no masked copy of a whole text is made. It never decides what changed: it prints the
//! operations it is given.

use std::io::{self, Write};
use std::ops::Range;

use similar::udiff::UnifiedHunkHeader;
use similar::{group_diff_ops, DiffOp, DiffTag};

use super::lines::{ends_with_newline, Lines};
use super::MASKED_MARKER;
use crate::secrets::MASK;

/// One side of the diff as it is printed: its lines, and the secret ranges to mask in them.
pub(crate) struct Side<'t> {
    pub(crate) lines: Lines<'t>,
    /// The ranges `secrets::mask` masks over the whole text (sorted, disjoint, non-empty); empty
    /// with `--show-secrets`.
    secrets: Vec<Range<usize>>,
}

impl<'t> Side<'t> {
    pub(crate) fn new(lines: Lines<'t>, secrets: &[Range<usize>], show: bool) -> Side<'t> {
        let secrets = if show {
            Vec::new()
        } else {
            masked_ranges(secrets, lines.text().len())
        };
        Side { lines, secrets }
    }

    /// Appends line `i` as the masked view of the whole text has it (the BOM before the first line)
    /// and tells whether that differs from the line itself. The rule is `secrets::mask`'s, applied
    /// to this line only (the tests hold the two together): a secret becomes `***` where it begins,
    /// followed by its own CR and LF characters, so that lines stay where they were.
    pub(super) fn shown(&self, i: usize, out: &mut Vec<u8>) -> bool {
        let line = &self.lines[i];
        let r = self.lines.range(i);
        let first = self.secrets.partition_point(|s| s.end <= r.start);
        let hits = &self.secrets[first..];
        let hits = &hits[..hits.partition_point(|s| s.start < r.end)];
        if hits.is_empty() {
            out.extend_from_slice(line.as_bytes());
            return false;
        }
        let text = self.lines.text().as_bytes();
        let start = out.len();
        out.extend_from_slice(&line.as_bytes()[..line.len() - r.len()]); // the BOM, on line 0
        let body = out.len();
        let mut pos = r.start;
        for s in hits {
            let (from, to) = (s.start.max(r.start), s.end.min(r.end));
            out.extend_from_slice(&text[pos..from]);
            if s.start >= r.start {
                out.extend_from_slice(MASK.as_bytes());
            }
            out.extend(text[from..to].iter().filter(|&&c| c == b'\r' || c == b'\n'));
            pos = to;
        }
        out.extend_from_slice(&text[pos..r.end]);
        if out.len() == body {
            // A last line (no line break) wholly inside a secret that began on an earlier line is no
            // line of the masked text at all, and the masked view always printed it as it is.
            out.truncate(start);
            out.extend_from_slice(line.as_bytes());
            return false;
        }
        out[start..] != *line.as_bytes()
    }
}

/// The ranges `secrets::mask` replaces, in its order: non-empty ones, sorted by start (stably), each
/// skipped when it overlaps the one before or runs past the text.
fn masked_ranges(secrets: &[Range<usize>], len: usize) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = secrets.iter().filter(|r| !r.is_empty()).cloned().collect();
    ranges.sort_by_key(|r| r.start);
    let mut pos = 0;
    ranges.retain(|r| {
        let keep = r.start >= pos && r.end <= len;
        if keep {
            pos = r.end;
        }
        keep
    });
    ranges
}

/// Writes the hunks of `ops` (NEW's lines in `a`, the merged text's in `b`) and tells whether a
/// printed line was masked.
pub(crate) fn hunks<W: Write + ?Sized>(
    ops: Vec<DiffOp>,
    a: &Side,
    b: &Side,
    w: &mut W,
) -> io::Result<bool> {
    let mut masked = false;
    let mut line = Vec::new();
    for group in group_diff_ops(ops, 3) {
        if group.is_empty() {
            continue;
        }
        writeln!(w, "{}", UnifiedHunkHeader::new(&group))?;
        let mut marked = false;
        for op in &group {
            let (old, new) = (op.old_range(), op.new_range());
            let printed: [(u8, &Side, Range<usize>); 2] = match op.tag() {
                DiffTag::Equal => [(b' ', a, old), (b' ', b, 0..0)],
                DiffTag::Delete => [(b'-', a, old), (b'+', b, 0..0)],
                DiffTag::Insert => [(b'-', a, 0..0), (b'+', b, new)],
                DiffTag::Replace => [(b'-', a, old), (b'+', b, new)],
            };
            for (sign, side, range) in printed {
                for i in range {
                    line.clear();
                    if side.shown(i, &mut line) {
                        masked = true;
                        if !marked {
                            // Not a line a hunk may hold: `patch` and `git apply` refuse the whole
                            // diff instead of writing `***` over the admin's passwords.
                            w.write_all(MASKED_MARKER.as_bytes())?;
                            marked = true;
                        }
                    }
                    w.write_all(&[sign])?;
                    w.write_all(&line)?;
                    if !ends_with_newline(&side.lines[i]) {
                        w.write_all(b"\n\\ No newline at end of file\n")?;
                    }
                }
            }
        }
    }
    Ok(masked)
}
