//! Edits: splices of the original text, and the small facts about layout that inserted text copies.
//!
//! Knows byte ranges, XML escaping and indentation; knows nothing about configuration semantics and never
//! re-serialises a tree. Applying an empty edit list returns the original text unchanged.

use std::ops::Range;

/// Replace `range` of the original text by `text` (an empty range inserts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    pub range: Range<usize>,
    pub text: String,
}

/// Where one splice landed: the bytes it replaced in the original text, and the bytes it wrote in
/// the result. Outside these, the two texts are the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landed {
    pub original: Range<usize>,
    pub result: Range<usize>,
}

/// An ordered set of non-overlapping splices of one text.
#[derive(Debug, Clone, Default)]
pub struct Edits {
    splices: Vec<Splice>,
}

impl Edits {
    pub fn new() -> Self {
        Edits::default()
    }

    pub fn replace(&mut self, range: Range<usize>, text: impl Into<String>) {
        self.splices.push(Splice {
            range,
            text: text.into(),
        });
    }

    pub fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.replace(at..at, text);
    }

    pub fn is_empty(&self) -> bool {
        self.splices.is_empty()
    }

    pub fn splices(&self) -> &[Splice] {
        &self.splices
    }

    /// Applies every splice to `original`. Insertions at the same offset keep the order they were added
    /// in. Overlapping replacements are a bug in the caller and panic in debug builds; in release the
    /// later one is dropped rather than corrupting the text (use [`Edits::try_apply`] to refuse
    /// instead).
    pub fn apply(&self, original: &str) -> String {
        let order = self.ordered();
        let mut out = String::with_capacity(
            original.len() + order.iter().map(|s| s.text.len()).sum::<usize>(),
        );
        let mut pos = 0;
        for s in order {
            if s.range.start < pos {
                debug_assert!(false, "overlapping splices at {:?}", s.range);
                continue;
            }
            out.push_str(&original[pos..s.range.start]);
            out.push_str(&s.text);
            pos = s.range.end;
        }
        out.push_str(&original[pos..]);
        out
    }

    /// [`Edits::apply`], or the range of the first splice that overlaps an earlier one, lies past the
    /// end or cuts a character: the caller can refuse to write rather than drop an edit or panic.
    pub fn try_apply(&self, original: &str) -> Result<String, Range<usize>> {
        self.try_apply_landed(original).map(|(text, _)| text)
    }

    /// [`Edits::try_apply`], also telling where each splice landed in the result, in order: what a
    /// renderer needs to show the change without comparing the two whole texts.
    pub fn try_apply_landed(&self, original: &str) -> Result<(String, Vec<Landed>), Range<usize>> {
        let order = self.ordered();
        let mut out = String::with_capacity(
            original.len() + order.iter().map(|s| s.text.len()).sum::<usize>(),
        );
        let mut landed = Vec::with_capacity(order.len());
        let mut pos = 0;
        for s in order {
            let fits = s.range.start >= pos
                && s.range.end <= original.len()
                && original.is_char_boundary(s.range.start)
                && original.is_char_boundary(s.range.end);
            if !fits {
                return Err(s.range.clone());
            }
            out.push_str(&original[pos..s.range.start]);
            let at = out.len();
            out.push_str(&s.text);
            landed.push(Landed {
                original: s.range.clone(),
                result: at..out.len(),
            });
            pos = s.range.end;
        }
        out.push_str(&original[pos..]);
        Ok((out, landed))
    }

    fn ordered(&self) -> Vec<&Splice> {
        let mut order: Vec<&Splice> = self.splices.iter().collect();
        order.sort_by_key(|s| (s.range.start, s.range.end));
        order
    }
}

/// Escapes a decoded value for an attribute delimited by `quote`. Tabs and line breaks become character
/// references (`&#xD;&#xA;`, as .NET's own writer spells them): attribute-value normalisation would
/// turn literal ones into spaces, and a reader that does not normalise (.NET's configuration reader)
/// would read a literal line break as whatever bytes the file has.
pub fn escape_attr(value: &str, quote: char) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' if quote == '"' => out.push_str("&quot;"),
            '\'' if quote == '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a decoded value for element content. `\r` becomes a reference so it survives line-ending
/// normalisation.
pub fn escape_text(value: &str) -> String {
    escape_text_eol(value, "\n")
}

/// Escapes a decoded value for element content in a text whose line break is `eol`. A line break of
/// the value that is `eol` is written as it is; any other CR or LF becomes a character reference. So a
/// reader that keeps line breaks as they are (.NET's configuration reader) reads the value back, and the
/// file gets no bare LF in CRLF text (nor CRLF in LF text).
pub fn escape_text_eol(value: &str, eol: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' if eol == "\r\n" && chars.peek() == Some(&'\n') => {
                chars.next();
                out.push_str("\r\n");
            }
            '\r' => out.push_str("&#xD;"),
            '\n' if eol == "\n" => out.push('\n'),
            '\n' => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
    out
}

/// True when every line break in `raw` is `eol` (CRLF, or LF without CR).
pub fn line_breaks_are(raw: &str, eol: &str) -> bool {
    let crlf = raw.matches("\r\n").count();
    let (cr, lf) = (raw.matches('\r').count(), raw.matches('\n').count());
    match eol {
        "\r\n" => cr == crlf && lf == crlf,
        _ => cr == 0,
    }
}

/// Start of the line holding `pos`.
pub fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The whitespace before `pos` on its line, when only whitespace precedes it there.
pub fn indent_before(text: &str, pos: usize) -> Option<&str> {
    let start = line_start(text, pos);
    let lead = &text[start..pos];
    lead.chars().all(|c| c == ' ' || c == '\t').then_some(lead)
}

/// The line break that ends the line before the one holding `pos`, or the text's first line break.
pub fn eol_before(text: &str, pos: usize) -> &'static str {
    let start = line_start(text, pos);
    // Bytes, not `str` slices: the character before the line feed may be several bytes long.
    if start >= 2 && &text.as_bytes()[start - 2..start] == b"\r\n" {
        "\r\n"
    } else if start >= 1 {
        "\n"
    } else {
        first_eol(text)
    }
}

/// The first line break used in `text` (LF when there is none).
pub fn first_eol(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Rewrites every line break of `text` as `eol`.
pub fn with_eol(text: &str, eol: &str) -> String {
    let lf = text.replace("\r\n", "\n");
    if eol == "\n" {
        lf
    } else {
        lf.replace('\n', eol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_keeps_untouched_bytes_and_insert_order() {
        let mut e = Edits::new();
        e.insert(3, "X");
        e.replace(0..1, "A");
        e.insert(3, "Y");
        assert_eq!(e.apply("abcdef"), "AbcXYdef");
        assert_eq!(Edits::new().apply("same\r\n"), "same\r\n");
        assert_eq!(e.try_apply("abcdef"), Ok("AbcXYdef".to_string()));
    }

    #[test]
    fn try_apply_refuses_what_apply_would_drop() {
        // An insertion inside a removed range (a 3-way removal and a 2-way insertion found this).
        let mut e = Edits::new();
        e.replace(2..6, "");
        e.insert(4, "X");
        assert_eq!(e.try_apply("abcdefgh"), Err(4..4));
        let mut e = Edits::new();
        e.replace(1..2, "Z");
        assert_eq!(e.try_apply("é"), Err(1..2), "inside a character");
        let mut e = Edits::new();
        e.insert(9, "Z");
        assert_eq!(e.try_apply("abc"), Err(9..9), "past the end");
    }

    #[test]
    fn escaping_depends_on_context() {
        assert_eq!(escape_attr("a&b<c\"d'e>", '"'), "a&amp;b&lt;c&quot;d'e>");
        assert_eq!(escape_attr("a\"b'c", '\''), "a\"b&apos;c");
        assert_eq!(escape_attr("x\ty\r\n", '"'), "x&#x9;y&#xD;&#xA;");
        assert_eq!(escape_text("a<b>&\"c"), "a&lt;b&gt;&amp;\"c");
        // Line breaks: the file's own kind is written as it is, any other as references.
        assert_eq!(
            escape_text_eol("a\r\nb\nc\rd", "\r\n"),
            "a\r\nb&#xA;c&#xD;d"
        );
        assert_eq!(escape_text_eol("a\r\nb\nc", "\n"), "a&#xD;\nb\nc");
        assert!(line_breaks_are("a\r\nb", "\r\n") && !line_breaks_are("a\nb\r\n", "\r\n"));
        assert!(line_breaks_are("a\nb", "\n") && !line_breaks_are("a\r\nb", "\n"));
    }

    #[test]
    fn layout_facts() {
        let t = "<a>\r\n\t\t<b/>\n  x<c/>";
        let b = t.find("<b").unwrap();
        assert_eq!(indent_before(t, b), Some("\t\t"));
        assert_eq!(eol_before(t, b), "\r\n");
        let c = t.find("<c").unwrap();
        assert_eq!(indent_before(t, c), None);
        assert_eq!(eol_before(t, c), "\n");
        assert_eq!(with_eol("a\nb\r\nc", "\r\n"), "a\r\nb\r\nc");
        // A line after one ending in a multi-byte character (found by fuzzing: it panicked).
        let t = "<a>ϳ\n  <b/>\r\né\r\n  <c/>";
        assert_eq!(eol_before(t, t.find("<b").unwrap()), "\n");
        assert_eq!(eol_before(t, t.find("<c").unwrap()), "\r\n");
    }
}
