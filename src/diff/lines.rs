//! Diff lines: one text cut into lines exactly as `similar` tokenizes the text the diff compares
//! (NEW's or the merged text, with the BOM in front of the first line), without copying the text.
//!
//! Owns the line table and the check that decides whether that cut is the one the masked view uses
//! (no lone CR). It compares and renders nothing.

use std::ops::{Index, Range};

/// A text as lines: each line keeps its terminator (`\n` or `\r\n`), the last may have none. The
/// first line carries the BOM when there is one, as the diffed text `"{bom}{text}"` does.
pub(crate) struct Lines<'t> {
    text: &'t str,
    /// Start of each line in `text`, then `text.len()`: line `i` is `starts[i]..starts[i + 1]`.
    starts: Vec<usize>,
    /// The first line with the BOM in front, when there is a BOM.
    first: Option<String>,
}

impl<'t> Lines<'t> {
    /// Cuts `text` after each `\n`. The caller has checked [`has_lone_cr`]: `similar` also ends a
    /// line at a CR that no LF follows, and such a text takes the legacy path.
    pub(crate) fn new(text: &'t str, bom: &str) -> Lines<'t> {
        let mut starts = Vec::with_capacity(text.len() / 40 + 2);
        if !text.is_empty() {
            starts.push(0);
        }
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        if starts.last() == Some(&text.len()) {
            starts.pop();
        }
        // `"{bom}"` alone is one line with no line break.
        if starts.is_empty() && !bom.is_empty() {
            starts.push(0);
        }
        starts.push(text.len());
        let first = (!bom.is_empty()).then(|| format!("{bom}{}", &text[starts[0]..starts[1]]));
        Lines {
            text,
            starts,
            first,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// True when the first line carries a BOM.
    pub(crate) fn has_bom(&self) -> bool {
        self.first.is_some()
    }

    pub(crate) fn text(&self) -> &'t str {
        self.text
    }

    /// Where line `i` lies in the text (without the BOM).
    pub(crate) fn range(&self, i: usize) -> Range<usize> {
        self.starts[i]..self.starts[i + 1]
    }

    /// The first line whose start is at or after `pos`, searching from line `from` on.
    pub(crate) fn first_starting_at_or_after(&self, pos: usize, from: usize) -> usize {
        let mut i = from;
        while i < self.len() && self.starts[i] < pos {
            i += 1;
        }
        i
    }

    /// True when `pos` begins a line: the start of the text, or just after a LF.
    pub(crate) fn is_line_start(&self, pos: usize) -> bool {
        pos == 0 || self.text.as_bytes().get(pos.wrapping_sub(1)) == Some(&b'\n')
    }
}

impl Index<usize> for Lines<'_> {
    type Output = str;

    /// Line `i` as the diff compares it: with its terminator, and the BOM on the first line.
    fn index(&self, i: usize) -> &str {
        match (&self.first, i) {
            (Some(first), 0) => first,
            _ => &self.text[self.starts[i]..self.starts[i + 1]],
        }
    }
}

/// True when `text` has a CR that no LF follows. `similar` ends a line there, while the masked view
/// is cut at LF only: such a text keeps the path that renders exactly what it always did.
pub(crate) fn has_lone_cr(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr_iter(b'\r', b).any(|cr| b.get(cr + 1) != Some(&b'\n'))
}

/// True when the line ends with a line break (`similar`'s `ends_with_newline`).
pub(crate) fn ends_with_newline(line: &str) -> bool {
    line.ends_with(['\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all<'a>(l: &'a Lines<'_>) -> Vec<&'a str> {
        (0..l.len()).map(|i| &l[i]).collect()
    }

    #[test]
    fn lines_are_cut_as_similar_cuts_them() {
        for text in ["", "a", "a\n", "a\r\nb", "\n\n", "x\r\n\r\ny\n", "é\nü"] {
            let ours = Lines::new(text, "");
            let theirs = |t: &str| -> Vec<String> {
                let d = similar::TextDiff::from_lines(t, t);
                (0..)
                    .map_while(|i| d.old_slice(i))
                    .map(str::to_string)
                    .collect()
            };
            assert_eq!(all(&ours), theirs(text), "{text:?}");
            let bom = format!("\u{FEFF}{text}");
            assert_eq!(
                all(&Lines::new(text, "\u{FEFF}")),
                theirs(&bom),
                "BOM {text:?}"
            );
        }
    }

    #[test]
    fn lone_cr_is_found() {
        assert!(!has_lone_cr("a\r\nb\r\n"));
        assert!(has_lone_cr("a\rb"));
        assert!(has_lone_cr("a\r"));
        assert!(!has_lone_cr("no breaks"));
    }
}
