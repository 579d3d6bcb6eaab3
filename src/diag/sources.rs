//! The files diagnostics point into ([`Sources`]), byte offset <-> line/column conversion, and [`mask`],
//! the masked view of a file's text that renderers show. It must not render anything or decide what is
//! secret: the engine records the secret ranges, the renderers choose the masked view unless asked.

use std::ops::Range;
use std::sync::OnceLock;

use serde::Serialize;

/// Which file a span points into, as an index in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FileId(pub usize);

/// A file the engine read, kept for rendering spans.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to the user (the path as given).
    pub name: String,
    /// The decoded text; spans are byte offsets into it.
    pub text: String,
    /// Byte ranges of secret values in `text`, masked when shown.
    pub secrets: Vec<Range<usize>>,
}

/// Every file diagnostics may point into.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// Each file's line index, built on first use (one per file, not one scan per label).
    lines: Vec<OnceLock<LineIndex>>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
            secrets: Vec::new(),
        });
        self.lines.push(OnceLock::new());
        FileId(self.files.len() - 1)
    }

    /// [`line_col`] of an offset in one file, in time independent of the offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let text = &self.files[id.0].text;
        self.lines[id.0]
            .get_or_init(|| LineIndex::new(text))
            .line_col(text, offset)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    pub fn set_secrets(&mut self, id: FileId, secrets: Vec<Range<usize>>) {
        self.files[id.0].secrets = secrets;
    }
}

/// 1-based line and column (in characters) of a byte offset. Scans the text up to the offset: to
/// convert many offsets of one text, build a [`LineIndex`] once.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text.as_bytes()[..offset];
    // Byte loops the compiler vectorises: `str::matches` costs a search call per line.
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

/// [`line_col`] for many offsets of one text: checkpoints (byte offset, 1-based line, 0-based column
/// in characters) at every line start and every 4 KiB inside long lines, so each lookup costs a binary
/// search and a scan of at most 4 KiB instead of a scan from the start of the text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    checkpoints: Vec<(usize, usize, usize)>,
}

impl LineIndex {
    const STRIDE: usize = 4096;

    pub fn new(text: &str) -> LineIndex {
        let mut checkpoints = vec![(0, 1, 0)];
        let (mut line, mut col, mut last) = (1, 0, 0);
        for (i, c) in text.char_indices() {
            if i - last >= Self::STRIDE {
                checkpoints.push((i, line, col));
                last = i;
            }
            if c == '\n' {
                line += 1;
                col = 0;
                last = i + 1;
                checkpoints.push((last, line, 0));
            } else {
                col += 1;
            }
        }
        LineIndex { checkpoints }
    }

    /// The same as [`line_col`]`(text, offset)`; `text` must be the text the index was built from.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let i = self.checkpoints.partition_point(|c| c.0 <= offset) - 1;
        let (at, line, col) = self.checkpoints[i];
        (line, col + text[at..offset].chars().count() + 1)
    }
}

/// Byte offset of a 1-based line and column (column counted in characters).
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[start..];
    let end = line_text.find('\n').unwrap_or(line_text.len());
    start
        + line_text[..end]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(end, |(i, _)| i)
}

pub(super) fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub(super) fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The text shown for a secret.
pub const MASK: &str = "***";

/// Replaces the secret ranges of `text` by [`MASK`] (keeping line breaks, so lines stay aligned) and
/// returns the masked text with a function mapping original offsets to masked ones.
pub fn mask(text: &str, secrets: &[Range<usize>]) -> (String, impl Fn(usize) -> usize) {
    let mut ranges: Vec<Range<usize>> = secrets.iter().filter(|r| !r.is_empty()).cloned().collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut shifts: Vec<(usize, usize, isize)> = Vec::new(); // (start, end, delta after end)
    let mut pos = 0;
    let mut delta: isize = 0;
    for r in ranges {
        if r.start < pos {
            continue;
        }
        out.push_str(&text[pos..r.start]);
        let replaced = &text[r.clone()];
        let breaks: String = replaced
            .chars()
            .filter(|c| *c == '\n' || *c == '\r')
            .collect();
        let new = format!("{MASK}{breaks}");
        delta += new.len() as isize - replaced.len() as isize;
        out.push_str(&new);
        shifts.push((r.start, r.end, delta));
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    let map = move |offset: usize| {
        // The masked ranges ending at or before `offset` shift it by the last one's delta.
        let i = shifts.partition_point(|s| s.1 <= offset);
        let d = if i == 0 { 0 } else { shifts[i - 1].2 };
        match shifts.get(i) {
            // Inside a masked range: point at its start.
            Some(&(start, _, _)) if offset > start => (start as isize + d) as usize,
            _ => (offset as isize + d) as usize,
        }
    };
    (out, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_and_offset_agree() {
        let text = "ab\r\ncé\nx";
        for (off, lc) in [(0, (1, 1)), (4, (2, 1)), (5, (2, 2)), (8, (3, 1))] {
            assert_eq!(line_col(text, off), lc);
            assert_eq!(offset_of(text, lc.0, lc.1), off);
        }
    }

    #[test]
    fn line_index_agrees_with_line_col() {
        let long = "é".repeat(5000);
        let text = format!("ab\r\ncé\n\n{long}x\ny");
        let mut sources = Sources::default();
        let id = sources.add("t", text.clone());
        for off in (0..=text.len() + 2).chain([usize::MAX]) {
            assert_eq!(sources.line_col(id, off), line_col(&text, off), "{off}");
        }
    }

    #[test]
    fn mask_hides_values_and_maps_offsets() {
        let text = "a=\"secret\" b=\"x\"";
        let secret = 3..9;
        let (masked, map) = mask(text, std::slice::from_ref(&secret));
        assert_eq!(masked, "a=\"***\" b=\"x\"");
        assert_eq!(map(11), 8);
        assert_eq!(&masked[map(14)..map(15)], "x");
        let text = "p=111;q=22;r=3;s";
        let (masked, map) = mask(text, &[2..5, 8..10, 13..14]);
        assert_eq!(masked, "p=***;q=***;r=***;s");
        let expect = [0, 1, 2, 2, 2, 5, 6, 7, 8, 8, 11, 12, 13, 14, 17, 18, 19];
        for (o, e) in expect.into_iter().enumerate() {
            assert_eq!(map(o), e, "offset {o}");
        }
    }
}
