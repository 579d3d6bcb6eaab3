//! Diff of texts with a lone CR: the renderer as it was before the diff was built from splices, kept
//! for the one input it prints differently from `render` (`similar` ends a line at a lone CR, the
//! masked view it reads printed lines from is cut at LF only).
//!
//! Owns nothing else and must not grow: every other text goes through `splice`/`render`.

use similar::{Algorithm, ChangeTag, TextDiff};

use super::{Texts, MASKED_MARKER};

/// The hunks of the diff `t.new` → `t.merged`, and whether a printed line was masked.
pub(crate) fn hunks(t: &Texts) -> (String, bool) {
    let shown = |text: &str, secrets: &[std::ops::Range<usize>]| {
        if t.show || secrets.is_empty() {
            text.to_string()
        } else {
            crate::secrets::mask(text, secrets).0
        }
    };
    let bom = t.bom;
    let a = format!("{bom}{}", t.new);
    let b = format!("{bom}{}", t.merged);
    let shown_a = format!("{bom}{}", shown(t.new, t.new_secrets));
    let shown_b = format!("{bom}{}", shown(t.merged, t.merged_secrets));
    let lines_a: Vec<&str> = shown_a.split_inclusive('\n').collect();
    let lines_b: Vec<&str> = shown_b.split_inclusive('\n').collect();
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_lines(a.as_str(), b.as_str());
    let mut out = String::new();
    let mut masked = false;
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.push_str(&format!("{}\n", hunk.header()));
        let mut marked = false;
        for change in hunk.iter_changes() {
            let (sign, line) = match change.tag() {
                ChangeTag::Equal => (' ', change.old_index().and_then(|i| lines_a.get(i))),
                ChangeTag::Delete => ('-', change.old_index().and_then(|i| lines_a.get(i))),
                ChangeTag::Insert => ('+', change.new_index().and_then(|i| lines_b.get(i))),
            };
            let line = line.copied().unwrap_or(change.value());
            if line != change.value() {
                masked = true;
                if !marked {
                    out.push_str(MASKED_MARKER);
                    marked = true;
                }
            }
            out.push(sign);
            out.push_str(line);
            if change.missing_newline() {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    (out, masked)
}
