//! Secrets: which values must never be shown, and where they are.
//!
//! Owns secret detection (by key, setting or attribute name, and passwords inside connection strings and
//! URLs) and masking of single values. It never changes what is written to the migrated file.

use std::ops::Range;

use roxmltree::Document;
use serde::Deserialize;

use crate::config::{read_setting, scopes};
use crate::diag::MASK;
use crate::doc::{content_range, elements};

/// What counts as a secret (the rules file's `[secrets]` table).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// A key or setting whose name contains one of these (ignoring case) holds a secret.
    #[serde(default)]
    pub names: Vec<String>,
    /// Attributes that hold a secret wherever they appear.
    #[serde(default)]
    pub attributes: Vec<String>,
}

impl Secrets {
    /// The patterns lowercased once, as [`Secrets::is_secret_name`] compares them.
    pub fn normalized(mut self) -> Secrets {
        for n in &mut self.names {
            n.make_ascii_lowercase();
        }
        self
    }

    /// True when `name` (a key or setting name) suggests its value is a secret.
    pub fn is_secret_name(&self, name: &str) -> bool {
        // Patterns are lowercased when the rules are parsed. Names are short, so a plain scan that
        // checks the first byte before comparing beats a general substring search here.
        let lower = name.to_ascii_lowercase();
        let hay = lower.as_bytes();
        self.names.iter().map(String::as_bytes).any(|p| {
            !p.is_empty()
                && hay.len() >= p.len()
                && hay.windows(p.len()).any(|w| w[0] == p[0] && w == p)
        })
    }

    /// True when an attribute holds a secret wherever it appears.
    pub fn is_secret_attribute(&self, name: &str) -> bool {
        self.attributes.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}

/// Ranges of passwords inside a value: `Password=...;` / `Pwd=...;` in connection strings, and the
/// password of `scheme://user:password@host` in URLs.
pub fn embedded_secrets(value: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let b = value.as_bytes();
    // `password=` / `pwd =` after a boundary: look back from each '=' (no allocation, O(1) per '=').
    for (eq, _) in value.match_indices('=') {
        let name_end = value[..eq].trim_end_matches([' ', '\t']).len();
        let named = ["password", "pwd"].iter().any(|k| {
            name_end >= k.len()
                && b[name_end - k.len()..name_end].eq_ignore_ascii_case(k.as_bytes())
                && (name_end == k.len()
                    || matches!(
                        b[name_end - k.len() - 1],
                        b';' | b' ' | b'\t' | b'"' | b'\''
                    ))
        });
        if named {
            let after = eq + 1;
            let start = after + (value[after..].len() - value[after..].trim_start().len());
            let end = value[start..].find(';').map_or(value.len(), |j| start + j);
            if end > start {
                out.push(start..end);
            }
        }
    }
    let mut from = 0;
    while let Some(i) = value[from..].find("://") {
        let auth_start = from + i + 3;
        let auth_end = value[auth_start..]
            .find(['/', '?', '#'])
            .map_or(value.len(), |j| auth_start + j);
        if let Some(at) = value[auth_start..auth_end].rfind('@') {
            let userinfo = auth_start..auth_start + at;
            if let Some(colon) = value[userinfo.clone()].find(':') {
                let start = userinfo.start + colon + 1;
                if userinfo.end > start {
                    out.push(start..userinfo.end);
                }
            }
        }
        from = auth_end;
    }
    out.sort_by_key(|r| r.start);
    out
}

/// A value as it may be shown: `***` for a secret (empty stays empty), embedded passwords masked.
pub fn shown(value: &str, secret_name: bool, show_secrets: bool) -> String {
    if show_secrets {
        return value.to_string();
    }
    if secret_name {
        return if value.is_empty() {
            String::new()
        } else {
            MASK.to_string()
        };
    }
    let ranges = embedded_secrets(value);
    if ranges.is_empty() {
        return value.to_string();
    }
    crate::diag::mask(value, &ranges).0
}

/// Every secret range of a parsed config (byte ranges into its text).
pub fn secret_spans(text: &str, doc: &Document, rules: &Secrets) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut value_range = |range: Range<usize>, whole: bool| {
        if whole {
            out.push(range);
        } else {
            out.extend(
                embedded_secrets(&text[range.clone()])
                    .into_iter()
                    .map(|r| r.start + range.start..r.end + range.start),
            );
        }
    };
    for node in doc.descendants().filter(|n| n.is_element()) {
        for a in node.attributes() {
            if rules.is_secret_attribute(a.name()) {
                value_range(crate::doc::value_range(text, &a), true);
            }
        }
    }
    for scope in scopes(doc) {
        for section in elements(scope.node) {
            match section.tag_name().name() {
                "appSettings" => {
                    for add in elements(section).filter(|n| n.tag_name().name() == "add") {
                        if let Some(v) = add.attributes().find(|a| a.name() == "value") {
                            let secret = add
                                .attribute("key")
                                .is_some_and(|k| rules.is_secret_name(k));
                            value_range(crate::doc::value_range(text, &v), secret);
                        }
                    }
                }
                "applicationSettings" | "userSettings" => {
                    for s in elements(section)
                        .flat_map(elements)
                        .filter(|n| n.tag_name().name() == "setting")
                    {
                        if let Some(setting) = read_setting(text, s) {
                            if let Some(v) = setting.value_node {
                                value_range(
                                    content_range(text, v),
                                    rules.is_secret_name(setting.name),
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|r| r.start);
    out.dedup_by(|b, a| b.start < a.end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;
    use crate::doc::parse;

    #[test]
    fn embedded_passwords_are_found() {
        let v = "Server=x;User Id=sa;Password=p@ss;Pwd = q";
        let got: Vec<&str> = embedded_secrets(v).into_iter().map(|r| &v[r]).collect();
        assert_eq!(got, vec!["p@ss", "q"]);
        let u = "https://user:hunter2@host/x?y=https://a:b@c";
        let got: Vec<&str> = embedded_secrets(u).into_iter().map(|r| &u[r]).collect();
        assert_eq!(got, vec!["hunter2", "b"]);
        assert!(embedded_secrets("https://host/PasswordReset.aspx").is_empty());
    }

    #[test]
    fn shown_masks_by_name_and_content() {
        assert_eq!(shown("abc", true, false), "***");
        assert_eq!(shown("", true, false), "");
        assert_eq!(shown("abc", true, true), "abc");
        assert_eq!(shown("a;Password=x;b", false, false), "a;Password=***;b");
    }

    #[test]
    fn spans_cover_secret_values() {
        let t = r#"<configuration><appSettings><add key="X_PASSWORD" value="s1"/><add key="URL" value="http://u:s2@h/"/></appSettings>
<connectionStrings><add name="db" connectionString="Password=s3"/></connectionStrings>
<applicationSettings><a.Settings><setting name="ApiToken" serializeAs="String"><value>s4</value></setting></a.Settings></applicationSettings></configuration>"#;
        let doc = parse(t, FileId(0), "t").unwrap();
        let spans = secret_spans(t, &doc, &crate::rules::Rules::builtin().secrets);
        let got: Vec<&str> = spans.into_iter().map(|r| &t[r]).collect();
        assert_eq!(got, vec!["s1", "s2", "Password=s3", "s4"]);
    }
}
