//! Text from inputs made safe to print on a terminal: control characters (an ESC sequence from a
//! rules file, a newline in a folder name) and bidirectional overrides (U+202E in a key name) shown
//! as escapes instead of acting on the terminal or reordering what a reviewer reads.
//!
//! Used by the human renderers only; it never touches the files written or the JSON (which escapes
//! by its own rules).

use std::borrow::Cow;

/// Characters that reorder text around them (Unicode's bidirectional controls).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_hidden(c: char, keep_line_breaks: bool) -> bool {
    if keep_line_breaks && matches!(c, '\n' | '\r' | '\t') {
        return false;
    }
    (c.is_control() && c != ' ') || is_bidi_control(c)
}

/// A message, help text, label or file name as printed: every control and bidi character shown as
/// `\u{…}` (a tab as `\t`, line breaks as `\n` and `\r`).
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_hidden(c, false)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c, false) => out.push_str(&format!("\\u{{{:04X}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A file's text for a snippet: line breaks and tabs kept, every other control or bidi character
/// replaced by a placeholder of the same byte length (`?` per byte), so spans keep their offsets.
pub fn visible_source(text: String) -> String {
    if !text.chars().any(|c| is_hidden(c, true)) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_hidden(c, true) {
            out.extend(std::iter::repeat('?').take(c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_shown_not_obeyed() {
        assert_eq!(visible("plain é"), "plain é");
        assert_eq!(visible("a\u{1b}[31mb"), "a\\u{001B}[31mb");
        assert_eq!(visible("key\u{202E}gnp.exe"), "key\\u{202E}gnp.exe");
        assert_eq!(visible("site\nX"), "site\\nX");
        let s = visible_source("a\u{202E}b\n\tc\u{7}".to_string());
        assert_eq!(s, "a???b\n\tc?");
        assert_eq!(s.len(), "a\u{202E}b\n\tc\u{7}".len());
    }
}
