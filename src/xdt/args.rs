//! The value grammar of `xdt:Transform` and `xdt:Locator` (`Name` or `Name(arguments)`) and XDT's
//! argument splitting, reproduced exactly (XDT-FACTS §1): one argument without a comma is used verbatim,
//! untrimmed; with commas the text is split at every comma outside parentheses and each piece trimmed.
//!
//! Owns parsing these attribute values only; it knows no verb, locator, document or diagnostic.

/// A parsed `Name(arguments)` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    /// The text between the first `(` and the last `)`, when there are parentheses.
    pub arguments: Option<String>,
}

impl Call {
    /// The arguments as XDT splits them; empty parentheses (or none) give no argument.
    pub fn split(&self) -> Vec<String> {
        self.arguments.as_deref().map(split).unwrap_or_default()
    }
}

/// .NET's `\w`: letters, digits, connector punctuation (`_`) and combining marks.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '\u{203F}' || c == '\u{2040}'
}

/// Parses `value` as XDT does: optional whitespace, a name of word characters, optionally whitespace and
/// `(`…`)` up to the last `)`, optional whitespace. `None` when the value does not fit.
pub fn parse(value: &str) -> Option<Call> {
    let v = value.trim_start();
    let name_len = v.find(|c: char| !is_word(c)).unwrap_or(v.len());
    if name_len == 0 {
        return None;
    }
    let name = &v[..name_len];
    let rest = v[name_len..].trim_start();
    if rest.trim_end().is_empty() {
        return Some(Call {
            name: name.to_string(),
            arguments: None,
        });
    }
    let inner = rest.strip_prefix('(')?;
    let close = inner.rfind(')')?;
    let arguments = &inner[..close];
    // `.` in XDT's pattern does not match a line feed.
    if arguments.contains('\n') || !inner[close + 1..].trim().is_empty() {
        return None;
    }
    Some(Call {
        name: name.to_string(),
        arguments: Some(arguments.to_string()),
    })
}

/// XDT's argument splitting: no comma → one argument, verbatim; otherwise split at commas, glue pieces
/// back together while parentheses are unbalanced, and trim each. An empty text is no argument.
pub fn split(arguments: &str) -> Vec<String> {
    if arguments.is_empty() {
        return Vec::new();
    }
    if !arguments.contains(',') {
        return vec![arguments.to_string()];
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    for piece in arguments.split(',') {
        if !current.is_empty() || depth > 0 {
            current.push(',');
        }
        current.push_str(piece);
        depth += piece.matches('(').count() as i32 - piece.matches(')').count() as i32;
        if depth <= 0 {
            out.push(current.trim().to_string());
            current.clear();
            depth = 0;
        }
    }
    if !current.is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// .NET's `Boolean.Parse`: `true` or `false` in any case, surrounding whitespace allowed.
pub fn parse_bool(value: &str) -> Option<bool> {
    let v = value.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Option<&str>) -> Option<Call> {
        Some(Call {
            name: name.into(),
            arguments: args.map(str::to_string),
        })
    }

    #[test]
    fn grammar_as_xdt() {
        assert_eq!(parse("Replace"), call("Replace", None));
        assert_eq!(
            parse("  SetAttributes ( a , b )  "),
            call("SetAttributes", Some(" a , b "))
        );
        assert_eq!(
            parse("RemoveAttributes()"),
            call("RemoveAttributes", Some(""))
        );
        assert_eq!(parse("Condition(f(x))"), call("Condition", Some("f(x)")));
        assert_eq!(parse("Match(key"), None, "unclosed parenthesis");
        assert_eq!(parse("Match(key) x"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("Set-Attributes"), None);
    }

    #[test]
    fn splitting_as_xdt() {
        assert_eq!(split(" key "), vec![" key "], "no comma: verbatim");
        assert_eq!(
            split(" debug , targetFramework "),
            vec!["debug", "targetFramework"]
        );
        assert_eq!(
            split("starts-with(@key, 'B')"),
            vec!["starts-with(@key, 'B')"]
        );
        assert_eq!(split("@value='a,b'"), vec!["@value='a", "b'"]);
        assert_eq!(split("(@value='a,b')"), vec!["(@value='a,b')"]);
        assert_eq!(split("a,f(b,c),d"), vec!["a", "f(b,c)", "d"]);
        assert!(split("").is_empty());
    }

    #[test]
    fn booleans_as_dotnet() {
        assert_eq!(parse_bool(" TRUE "), Some(true));
        assert_eq!(parse_bool("False"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }
}
