//! Where the current text's bytes came from: after each transform element's splices the text is
//! re-parsed, and this map turns a span of the current text back into a span of SOURCE as read, for
//! labels, changes and the regions a report names.
//!
//! Owns offset bookkeeping only: it never edits text and knows no XML.

use std::ops::Range;

use crate::edit::Edits;

/// Runs of the current text copied unchanged from the original: (start in current, start in
/// original, length), in order.
#[derive(Debug, Clone)]
pub struct Trace {
    runs: Vec<(usize, usize, usize)>,
}

impl Trace {
    /// The identity map of a text of `len` bytes.
    pub fn new(len: usize) -> Trace {
        Trace {
            runs: vec![(0, 0, len)],
        }
    }

    /// Follows `edits`, applied to the current text (as [`Edits::apply`] does).
    pub fn apply(&mut self, edits: &Edits) {
        let mut splices: Vec<(Range<usize>, usize)> = edits
            .splices()
            .iter()
            .map(|s| (s.range.clone(), s.text.len()))
            .collect();
        splices.sort_by_key(|(r, _)| (r.start, r.end));
        let mut runs = Vec::new();
        for &(cur, orig, len) in &self.runs {
            // Cut the run at every splice boundary inside it, keeping the pieces no splice covers.
            let mut cuts = vec![cur, cur + len];
            for (r, _) in &splices {
                for p in [r.start, r.end] {
                    if p > cur && p < cur + len {
                        cuts.push(p);
                    }
                }
            }
            cuts.sort_unstable();
            cuts.dedup();
            for w in cuts.windows(2) {
                let (a, b) = (w[0], w[1]);
                if splices
                    .iter()
                    .any(|(r, _)| r.start <= a && b <= r.end && r.start < r.end)
                {
                    continue;
                }
                // Every splice ending at or before `a` (an insertion at `a` too) shifts it.
                let shift: isize = splices
                    .iter()
                    .filter(|(r, _)| r.end <= a)
                    .map(|(r, n)| *n as isize - r.len() as isize)
                    .sum();
                runs.push(((a as isize + shift) as usize, orig + (a - cur), b - a));
            }
        }
        self.runs = runs;
    }

    /// The original offset of a current offset; inside inserted text, the place it was inserted at.
    pub fn offset(&self, at: usize) -> usize {
        let i = self.runs.partition_point(|r| r.0 <= at);
        if i == 0 {
            return 0;
        }
        let (cur, orig, len) = self.runs[i - 1];
        orig + (at - cur).min(len)
    }

    /// [`Trace::offset`] of both ends.
    pub fn range(&self, r: &Range<usize>) -> Range<usize> {
        let start = self.offset(r.start);
        start..self.offset(r.end).max(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_through_two_rounds_of_splices() {
        let original = "0123456789";
        let mut t = Trace::new(original.len());
        let mut e = Edits::new();
        e.replace(2..4, "abcd"); // 01abcd456789
        e.insert(7, "X"); // 01abcd456X789
        let once = e.apply(original);
        t.apply(&e);
        assert_eq!(once, "01abcd456X789");
        assert_eq!(t.offset(7), 5, "'5' came from 5");
        assert_eq!(t.offset(3), 2, "inserted text maps to where it went");
        assert_eq!(t.offset(10), 7);
        let mut e = Edits::new();
        e.replace(0..1, ""); // 1abcd456X789
        let twice = e.apply(&once);
        t.apply(&e);
        assert_eq!(twice, "1abcd456X789");
        assert_eq!(t.offset(0), 1);
        assert_eq!(t.offset(11), 9);
        assert_eq!(t.range(&(5..8)), 4..7);
    }
}
