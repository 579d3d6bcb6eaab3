//! Diff: the unified diff from NEW to the merged text, for review and for `patch`.
//!
//! Owns the diff text, git-style headers and secret masking of printed lines. It never decides what
//! changes; it renders a [`Migration`].

use similar::{Algorithm, ChangeTag, TextDiff};

use crate::merge::Migration;
use crate::winpath;

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

/// Renders the unified diff NEW -> merged with 3 lines of context.
pub fn unified(m: &Migration, show_secrets: bool) -> RenderedDiff {
    let bom = if m.new_encoding.bom && m.new_encoding.is_ascii_compatible() {
        "\u{FEFF}"
    } else {
        ""
    };
    let byte_exact = {
        let mut b = bom.as_bytes().to_vec();
        b.extend_from_slice(m.merged_text.as_bytes());
        b == m.output
    };
    if !m.changed() {
        return RenderedDiff {
            text: String::new(),
            masked: false,
            byte_exact,
        };
    }
    let a = format!("{bom}{}", m.new_text);
    let b = format!("{bom}{}", m.merged_text);
    let shown_a = format!("{bom}{}", m.shown_new(show_secrets));
    let shown_b = format!("{bom}{}", m.shown_merged(show_secrets));
    let lines_a: Vec<&str> = shown_a.split_inclusive('\n').collect();
    let lines_b: Vec<&str> = shown_b.split_inclusive('\n').collect();
    // Patience: config lines are nearly all unique, so it anchors on them and stays near-linear where
    // Myers' O(ND) would crawl through a 10 MB file with many changed values.
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_lines(a.as_str(), b.as_str());
    let mut out = headers(&header_path(&m.sources.get(m.new).name));
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
                    // Not a line a hunk may hold: `patch` and `git apply` refuse the whole diff
                    // instead of writing `***` over the admin's passwords; a person reads on.
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
    RenderedDiff {
        text: out,
        masked,
        byte_exact,
    }
}

impl RenderedDiff {
    /// Notes that tell the user why this diff will not apply with `patch`, if it will not.
    pub fn notes(&self, m: &Migration) -> Vec<crate::diag::Diagnostic> {
        use crate::diag::{Code, Diagnostic};
        let mut out = Vec::new();
        if self.text.is_empty() {
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

#[cfg(test)]
mod tests {
    use super::{header_path, header_path_on, headers};

    #[test]
    fn headers_quote_odd_names_as_git_does() {
        assert_eq!(
            headers("new.config"),
            "diff --git a/new.config b/new.config\n--- a/new.config\n+++ b/new.config\n"
        );
        assert_eq!(
            headers("my site/web.config"),
            "diff --git a/my site/web.config b/my site/web.config\n--- a/my site/web.config\t\n+++ b/my site/web.config\t\n"
        );
        assert!(headers("caf\u{e9}\n--- x").contains("\"a/caf\\303\\251\\n--- x\""));
        assert_eq!(header_path("../new/web.config"), "web.config");
        assert_eq!(header_path("./site\\web.config"), "site/web.config");
        for (name, shown) in [
            (
                r"C:\inetpub\wwwroot\web.config",
                "inetpub/wwwroot/web.config",
            ),
            (r"\\?\Z:\tmp\new.config", "tmp/new.config"),
            (r"\\?\UNC\server\share\site\web.config", "site/web.config"),
            (r"\\server\share\site\web.config", "site/web.config"),
            (r"C:..\new\web.config", "web.config"),
        ] {
            assert_eq!(header_path_on(name, true), shown, "{name}");
        }
        assert_eq!(
            header_path_on("/srv/site/web.config", false),
            "srv/site/web.config"
        );
    }
}
