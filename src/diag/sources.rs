//! The files diagnostics point into ([`Sources`]) with their secret ranges, and byte offset <->
//! line/column conversion. A config is registered with its secrets found at once ([`Sources::add_config`],
//! [`Sources::add_input`] from its bytes), so no later stage can show it unmasked. It must not render anything or decide what is secret.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use super::{Code, Diagnostic};
use crate::secrets::Secrets;
use crate::text::{decode, Decoded};

/// Which file a span points into, as an index in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FileId(pub usize);

/// A file the engine read, kept for rendering spans.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to the user (the path as given).
    pub name: String,
    /// The decoded text; spans are byte offsets into it. Shared with the run that read it.
    pub text: Arc<str>,
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
    /// Registers a file that holds no secrets (a rules file, a manifest).
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        self.push(name.into(), text.into(), Vec::new())
    }

    /// Registers a config file (or the part of one that could be read) with every secret the
    /// classifier finds in it: the door every config input passes through.
    pub fn add_config(
        &mut self,
        name: impl Into<String>,
        text: impl Into<Arc<str>>,
        secrets: &Secrets,
    ) -> FileId {
        let text = text.into();
        let found = secrets.scan(&text);
        self.push(name.into(), text, found)
    }

    /// Decodes a config file's bytes and registers it ([`Sources::add_config`]): the door for every
    /// input, merge's and xdt's. On an encoding error the readable part is registered, so the
    /// diagnostic's label lands on the offending byte.
    pub fn add_input(
        &mut self,
        name: &str,
        bytes: &[u8],
        secrets: &Secrets,
    ) -> Result<(FileId, Decoded), Diagnostic> {
        match decode(bytes) {
            Ok(d) => Ok((self.add_config(name, Arc::clone(&d.text), secrets), d)),
            Err(e) => {
                let end = e.offset.min(bytes.len());
                let prefix = String::from_utf8_lossy(&bytes[..end]).into_owned();
                let valid_prefix = std::str::from_utf8(&bytes[..end]).is_ok();
                let id = self.add_config(name, prefix.clone() + "\u{FFFD}", secrets);
                let mut d = Diagnostic::new(
                    Code::Encoding,
                    format!("{name}: {} at byte {}", e.message, e.offset),
                )
                .with_help(e.help);
                if valid_prefix {
                    d = d.with_label(id, prefix.len()..prefix.len() + 3, "here");
                }
                Err(d)
            }
        }
    }

    fn push(&mut self, name: String, text: Arc<str>, secrets: Vec<Range<usize>>) -> FileId {
        self.files.push(SourceFile {
            name,
            text,
            secrets,
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
        let (at, line, col) = self.checkpoint(offset);
        (line, col + text[at..offset].chars().count() + 1)
    }

    /// The last checkpoint at or before `offset`: a lookup scans the text from there.
    fn checkpoint(&self, offset: usize) -> (usize, usize, usize) {
        self.checkpoints[self.checkpoints.partition_point(|c| c.0 <= offset) - 1]
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

    /// The work a lookup does is the scan from its checkpoint: at most one stride (plus the rest of
    /// a character), wherever the offset is, in short lines or one long one. So many lookups in one
    /// file cost the index once plus a bounded scan each, never a scan from the start (what made
    /// 100,000 changed keys take a minute). Counted, not timed.
    #[test]
    fn a_lookup_scans_at_most_one_stride() {
        let short: String = (0..20_000)
            .map(|i| format!("<add key=\"K{i}\" />\n"))
            .collect();
        let long = format!("{}\n{}", "é".repeat(100_000), "x".repeat(50_000));
        for text in [short, long] {
            let index = LineIndex::new(&text);
            let mut worst = 0;
            for off in (0..text.len()).step_by(7) {
                let off = floor_char_boundary(&text, off);
                worst = worst.max(off - index.checkpoint(off).0);
            }
            assert!(
                worst <= LineIndex::STRIDE + 3,
                "a lookup scanned {worst} bytes"
            );
            assert!(worst > 0);
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
}
