//! Diff: the unified diff from NEW to the merged text, for review and for `patch`.
//!
//! Owns the diff text and git-style headers, and chooses how the hunks are made: from the splices
//! (`splice`) when the merged text is NEW spliced once, else from similar's diff of the two whole
//! texts; `render` prints them, masking each printed line. It never decides what changes; it renders
//! a [`Migration`], and writes as it renders ([`write_unified`]) without copying either text.

mod legacy;
mod lines;
mod render;
mod splice;
#[cfg(test)]
mod tests;

use std::io::{self, Write};

use similar::{Algorithm, TextDiff};

use crate::merge::Migration;
use crate::winpath;
use lines::Lines;

/// A rendered diff.
#[derive(Debug, Clone, Default)]
pub struct RenderedDiff {
    pub text: String,
    /// True when a secret was masked in a printed line.
    pub masked: bool,
    /// True when the text is NEW's bytes (UTF-8), so `patch` applies it to the file itself.
    pub byte_exact: bool,
}

impl RenderedDiff {
    /// True when `patch` turns NEW's bytes into exactly the merged bytes.
    pub fn applies_with_patch(&self) -> bool {
        self.byte_exact && !self.masked
    }
}

/// The path a header shows: relative, with forward slashes, so `patch -p1` finds it. A path that
/// climbs out with `..` (which patch and git apply refuse) is shown by its file name alone: run
/// `patch -p1` in NEW's folder. On Windows a drive, share or `\\?\` prefix is dropped as a leading
/// `/` is: `C:\inetpub\web.config` shows as `inetpub/web.config`.
fn header_path(name: &str) -> String {
    header_path_on(name, winpath::ON_WINDOWS)
}

fn header_path_on(name: &str, windows: bool) -> String {
    let name = if windows {
        winpath::split_root(name).1
    } else {
        name
    };
    let p = name.replace('\\', "/");
    let p = p.trim_start_matches("./").trim_start_matches('/');
    if p.split('/').any(|c| c == "..") {
        return p.rsplit('/').next().unwrap_or(p).to_string();
    }
    p.to_string()
}

/// `prefix` + `path` as git writes it in headers: C-quoted (`"a/caf\303\251.config"`) when the path
/// has a quote, a backslash, a control character or a non-ASCII byte, so `patch` and `git apply`
/// read the same name and a newline in a name cannot start a header of its own.
fn quoted(prefix: &str, path: &str) -> String {
    let odd = |b: u8| b < 0x20 || b == 0x7f || b >= 0x80 || b == b'"' || b == b'\\';
    if !path.bytes().any(odd) {
        return format!("{prefix}{path}");
    }
    let mut out = format!("\"{prefix}");
    for b in path.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b if odd(b) => out.push_str(&format!("\\{b:03o}")),
            b => out.push(b as char),
        }
    }
    out.push('"');
    out
}

/// The `diff --git`, `---` and `+++` lines for one file. As git does, a `---`/`+++` name with a space
/// ends with a TAB, so patch does not take what follows the space for a timestamp.
fn headers(path: &str) -> String {
    let (a, b) = (quoted("a/", path), quoted("b/", path));
    let tab = if path.contains(' ') && !a.starts_with('"') {
        "\t"
    } else {
        ""
    };
    format!("diff --git {a} {b}\n--- {a}{tab}\n+++ {b}{tab}\n")
}

/// The line put in a hunk before its first masked line. It is not a diff line (no ` `, `-`, `+`, `\\`
/// or `#` in front), so GNU patch ("malformed patch") and git apply ("corrupt patch") refuse a masked
/// diff as a whole and leave NEW untouched, instead of writing `***` over the admin's passwords;
/// `--show-secrets` gives a diff that applies.
pub const MASKED_MARKER: &str =
    "wcmigrate: secret values below are shown as ***; this diff is for reading only and does not apply (--show-secrets gives one that does)\n";

/// What a diff written with [`write_unified`] was like: what [`RenderedDiff`] says besides its text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffInfo {
    /// True when nothing was written (NEW needs no change).
    pub empty: bool,
    /// True when a secret was masked in a printed line.
    pub masked: bool,
    /// True when the text is NEW's bytes (UTF-8), so `patch` applies it to the file itself.
    pub byte_exact: bool,
}

/// The two texts a diff compares, as the renderers take them.
pub(crate) struct Texts<'a> {
    pub(crate) new: &'a str,
    pub(crate) merged: &'a str,
    /// `"\u{FEFF}"` when NEW has a BOM the diff shows (ASCII-compatible encodings), else empty.
    pub(crate) bom: &'a str,
    pub(crate) new_secrets: &'a [std::ops::Range<usize>],
    pub(crate) merged_secrets: &'a [std::ops::Range<usize>],
    /// Where NEW was spliced (`Migration::landed`), when the merged text is NEW spliced once.
    pub(crate) landed: Option<&'a [crate::edit::Landed]>,
    pub(crate) show: bool,
}

/// Renders the unified diff NEW -> merged with 3 lines of context.
pub fn unified(m: &Migration, show_secrets: bool) -> RenderedDiff {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let info = write_unified(m, show_secrets, &mut out).unwrap_or_default();
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    RenderedDiff {
        text,
        masked: info.masked,
        byte_exact: info.byte_exact,
    }
}

/// Writes the unified diff NEW -> merged with 3 lines of context to `w` as it is made, without a copy
/// of either text: the same bytes as [`unified`]'s text.
pub fn write_unified<W: Write + ?Sized>(
    m: &Migration,
    show_secrets: bool,
    w: &mut W,
) -> io::Result<DiffInfo> {
    let bom = if m.new_encoding.bom && m.new_encoding.is_ascii_compatible() {
        "\u{FEFF}"
    } else {
        ""
    };
    let byte_exact = m.output.len() == bom.len() + m.merged_text.len()
        && m.output.starts_with(bom.as_bytes())
        && m.output[bom.len()..] == *m.merged_text.as_bytes();
    if !m.changed() {
        return Ok(DiffInfo {
            empty: true,
            masked: false,
            byte_exact,
        });
    }
    w.write_all(headers(&header_path(&m.sources.get(m.new).name)).as_bytes())?;
    let texts = Texts {
        new: &m.new_text,
        merged: &m.merged_text,
        bom,
        new_secrets: &m.new_secrets,
        merged_secrets: &m.merged_secrets,
        landed: m.landed.as_deref(),
        show: show_secrets,
    };
    let masked = hunks(&texts, w)?;
    Ok(DiffInfo {
        empty: false,
        masked,
        byte_exact,
    })
}

/// The hunks of the diff (everything after the headers), and whether a printed line was masked.
pub(crate) fn hunks<W: Write + ?Sized>(t: &Texts, w: &mut W) -> io::Result<bool> {
    if lines::has_lone_cr(t.new) || lines::has_lone_cr(t.merged) {
        let (text, masked) = legacy::hunks(t);
        w.write_all(text.as_bytes())?;
        return Ok(masked);
    }
    let a = Lines::new(t.new, t.bom);
    let b = Lines::new(t.merged, t.bom);
    let ops = t
        .landed
        .and_then(|landed| splice::ops(&a, &b, landed))
        .unwrap_or_else(|| whole_ops(&a, &b));
    let a = render::Side::new(a, t.new_secrets, t.show);
    let b = render::Side::new(b, t.merged_secrets, t.show);
    render::hunks(ops, &a, &b, w)
}

/// The line operations of similar's Patience diff of the two whole texts, as `TextDiff` has them.
/// Patience: config lines are nearly all unique, so it anchors on them and stays near-linear where
/// Myers' O(ND) would crawl through a 10 MB file with many changed values.
pub(crate) fn whole_ops(a: &Lines, b: &Lines) -> Vec<similar::DiffOp> {
    let a: Vec<&str> = (0..a.len()).map(|i| &a[i]).collect();
    let b: Vec<&str> = (0..b.len()).map(|i| &b[i]).collect();
    TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_slices(&a, &b)
        .ops()
        .to_vec()
}

impl DiffInfo {
    /// Notes that tell the user why this diff will not apply with `patch`, if it will not.
    pub fn notes(&self, m: &Migration) -> Vec<crate::diag::Diagnostic> {
        use crate::diag::{Code, Diagnostic};
        let mut out = Vec::new();
        if self.empty {
            return out;
        }
        if !self.byte_exact {
            out.push(
                Diagnostic::new(
                    Code::TextDiff,
                    format!("NEW is stored as {}: the diff shows its text in UTF-8 and does not apply with patch", m.new_encoding.describe()),
                )
                .with_help("write the merged file with -o OUT or --in-place instead"),
            );
        }
        if self.masked {
            out.push(
                Diagnostic::new(Code::SecretsMasked, "secret values are shown as *** in the diff, so it does not apply with patch")
                    .with_help("write the merged file with -o OUT or --in-place, or add --show-secrets to print them"),
            );
        }
        out
    }
}

impl RenderedDiff {
    /// Notes that tell the user why this diff will not apply with `patch`, if it will not.
    pub fn notes(&self, m: &Migration) -> Vec<crate::diag::Diagnostic> {
        self.info().notes(m)
    }

    /// What the diff was like, without its text.
    pub fn info(&self) -> DiffInfo {
        DiffInfo {
            empty: self.text.is_empty(),
            masked: self.masked,
            byte_exact: self.byte_exact,
        }
    }
}
