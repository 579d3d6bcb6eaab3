//! Secrets: which values must never be shown, where they are in a text, and the masked view of it.
//!
//! Owns the one classifier (by name of an attribute, key, setting or element, and by the shape of a
//! value: connection strings, URL userinfo and queries, Redis lists; see docs/SECRETS.md) and the one
//! masking function every renderer's view goes through. It is a leaf: it knows no tree, no file and
//! no diagnostic, and it never changes what is written to the migrated file.

use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;

mod entities;
mod scan;
mod shape;

/// The text shown for a secret.
pub const MASK: &str = "***";

/// What counts as a secret: the rules file's `[secrets]` table, the built-in lists when it has none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// A key, setting, element or attribute whose name contains one of these (ignoring case) holds a
    /// secret.
    #[serde(default = "default_names")]
    pub names: Vec<String>,
    /// A key, setting or element whose name has one of these as a word (`SmtpPass`, `API_KEY`,
    /// `sasToken`: words split at `_`, `.`, `-`, `:`, spaces and lower-to-upper case) holds a secret.
    #[serde(default = "default_words")]
    pub words: Vec<String>,
    /// Attributes that hold a secret wherever they appear (compared ignoring case).
    #[serde(default = "default_attributes")]
    pub attributes: Vec<String>,
    /// Keywords whose value is secret inside any value: `Password=...;` in a connection string,
    /// `,password=...` in a Redis list, `?sig=...` in a URL query.
    #[serde(default = "default_keywords")]
    pub keywords: Vec<String>,
    /// An index of `names` by their first two bytes, built on first use (the lists are public and
    /// may be changed before); [`Secrets::normalized`] starts it afresh.
    #[serde(skip)]
    names_index: OnceLock<NameIndex>,
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn default_names() -> Vec<String> {
    strings(&[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "credential",
        "connectionstring",
        "accesskey",
        "accountkey",
        "apikey",
        "privatekey",
        "sharedaccess",
    ])
}

fn default_words() -> Vec<String> {
    strings(&["pwd", "pass", "key", "sig", "code", "sas", "certificate"])
}

fn default_attributes() -> Vec<String> {
    strings(&["pwd", "validationKey", "decryptionKey", "sig"])
}

fn default_keywords() -> Vec<String> {
    strings(&[
        "password",
        "pwd",
        "accountkey",
        "sharedaccesskey",
        "sharedaccesssignature",
        "accesskey",
        "sig",
        "code",
        "token",
        "key",
        "apikey",
        "api_key",
        "access_token",
        "client_secret",
        "clientsecret",
        "secret",
        "signature",
    ])
}

impl Default for Secrets {
    fn default() -> Secrets {
        Secrets {
            names: default_names(),
            words: default_words(),
            attributes: default_attributes(),
            keywords: default_keywords(),
            names_index: OnceLock::new(),
        }
    }
}

impl Secrets {
    /// The lists lowercased once, as the checks compare them.
    pub fn normalized(mut self) -> Secrets {
        for list in [&mut self.names, &mut self.words, &mut self.keywords] {
            for n in list.iter_mut() {
                *n = n.to_ascii_lowercase().replace([' ', '-'], "");
            }
        }
        self.names_index = OnceLock::new();
        self
    }

    /// True when `name` (a key, setting or element name) says its value is a secret.
    pub fn is_secret_name(&self, name: &str) -> bool {
        self.contains_name(name)
            || any_word(name, |w| {
                self.words.iter().any(|p| p.eq_ignore_ascii_case(w))
            })
    }

    /// True when an attribute holds a secret wherever it appears: listed, or named like a secret
    /// (whole-word patterns are left out here: `key` is the name of every appSettings entry).
    pub fn is_secret_attribute(&self, name: &str) -> bool {
        self.attributes.iter().any(|a| a.eq_ignore_ascii_case(name)) || self.contains_name(name)
    }

    /// True when attribute `attr` of element `element` is secret: a secret attribute wherever it is,
    /// or the `value` of an element named like a secret (`<password value>`) or of one whose `key` or
    /// `name` says it is (`<add key="DbPassword" value>`). `attribute` reads the element's others.
    pub fn is_secret_attribute_of<'v>(
        &self,
        element: &str,
        attr: &str,
        attribute: impl Fn(&str) -> Option<&'v str>,
    ) -> bool {
        let local = element.rsplit(':').next().unwrap_or(element);
        if self.is_secret_attribute(attr) {
            return true;
        }
        attr == "value"
            && (self.is_secret_name(local)
                || ["key", "name"]
                    .iter()
                    .any(|k| attribute(k).is_some_and(|v| self.is_secret_name(v))))
    }

    /// True when the text of element `element` is secret: an element named like a secret, or the
    /// `<value>` of a `<setting>` whose name says it is (`parent_setting`: that setting's name).
    pub fn is_secret_text(&self, element: &str, parent_setting: Option<&str>) -> bool {
        self.is_secret_name(element)
            || (element == "value" && parent_setting.is_some_and(|n| self.is_secret_name(n)))
    }

    fn contains_name(&self, name: &str) -> bool {
        self.names_index
            .get_or_init(|| NameIndex::new(&self.names))
            .found_in(name.as_bytes())
    }

    /// Ranges of secrets inside one decoded value, by its shape alone.
    pub fn value_spans(&self, value: &str) -> Vec<Range<usize>> {
        shape::spans(value, &self.keywords)
    }

    /// Every secret range of a config text, or of a fragment of one; works on text that does not
    /// parse.
    pub fn scan(&self, text: &str) -> Vec<Range<usize>> {
        scan::scan(self, text)
    }

    /// A decoded value as it may be shown: [`MASK`] for a secret (empty stays empty), secrets inside
    /// it masked by their shape, or the value itself when `show` (`--show-secrets`).
    pub fn shown(&self, value: &str, secret: bool, show: bool) -> String {
        if show {
            return value.to_string();
        }
        if secret {
            return if value.is_empty() || is_placeholder(value) || is_token(value) {
                value.to_string()
            } else {
                MASK.to_string()
            };
        }
        let ranges = self.value_spans(value);
        if ranges.is_empty() {
            return value.to_string();
        }
        mask(value, &ranges).0
    }

    /// A piece of markup (an element OLD carried, say) as it may be shown.
    pub fn shown_markup(&self, text: &str, show: bool) -> String {
        if show {
            return text.to_string();
        }
        mask(text, &self.scan(text)).0
    }
}

/// What kind of value a mask hides, for a message that compares masked values: "40 hex digits",
/// "a GUID", "44 Base64 characters", "12 characters". Its length and alphabet only: enough to tell
/// a generated key from a password or one key from another, nothing to guess it by.
pub fn kind(value: &str) -> String {
    let n = value.chars().count();
    let guid = n == 36
        && value.char_indices().all(|(i, c)| {
            matches!(i, 8 | 13 | 18 | 23) == (c == '-') && (c == '-' || c.is_ascii_hexdigit())
        });
    if guid {
        "a GUID".to_string()
    } else if n >= 16 && value.chars().all(|c| c.is_ascii_hexdigit()) {
        format!("{n} hex digits")
    } else if n >= 16
        && value
            .trim_end_matches('=')
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
        && value
            .chars()
            .any(|c| c.is_ascii_digit() || c == '+' || c == '/')
    {
        format!("{n} Base64 characters")
    } else if n == 1 {
        "1 character".to_string()
    } else {
        format!("{n} characters")
    }
}

/// A deployment tool's token standing where the value will go (`#{Password}` for Octopus,
/// `$(Password)`, `${PASSWORD}`, `{{password}}`, `__PASSWORD__`, `%PASSWORD%`): not a secret, and
/// what it is tells a reviewer what kind of value NEW has.
pub fn is_token(value: &str) -> bool {
    let v = value.trim();
    let inner_ok = |inner: &str| {
        !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':' | ' '))
    };
    [
        ("#{", "}"),
        ("$(", ")"),
        ("${", "}"),
        ("{{", "}}"),
        ("__", "__"),
        ("%", "%"),
    ]
    .iter()
    .any(|(open, close)| {
        v.len() > open.len() + close.len()
            && v.starts_with(open)
            && v.ends_with(close)
            && inner_ok(&v[open.len()..v.len() - close.len()])
    })
}

/// True for the values .NET generates a secret from rather than a secret itself (`machineKey`'s
/// `AutoGenerate,IsolateApps`): showing them tells a reviewer what kind of value NEW has.
pub fn is_placeholder(value: &str) -> bool {
    value.split(',').all(|p| {
        ["AutoGenerate", "IsolateApps", "IsolateByAppId"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(p.trim()))
    })
}

/// Splits a name into words: at `_`, `.`, `-`, `:`, spaces, and where a lowercase letter or digit is
/// followed by an uppercase one (`SmtpPass` → `Smtp`, `Pass`; `API_KEY` → `API`, `KEY`).
/// The name patterns, and which pairs of (lowercased) bytes start one. Called for every key and
/// attribute name of every input (millions of times on a large file), so a name is read once, two
/// bytes at a time, and a pattern compared only where its first two bytes are; built in
/// microseconds (an automaton crate's construction cost 15% of a typical small run).
#[derive(Debug, Clone)]
struct NameIndex {
    patterns: Vec<Vec<u8>>,
    /// One bit per pair of lowercased bytes that starts a pattern of two bytes or more.
    pairs: Vec<u64>,
    /// Bytes that are a pattern of their own.
    singles: [bool; 256],
}

impl NameIndex {
    fn new(names: &[String]) -> NameIndex {
        let mut index = NameIndex {
            patterns: Vec::new(),
            pairs: vec![0; 65536 / 64],
            singles: [false; 256],
        };
        for n in names.iter().filter(|n| !n.is_empty()) {
            let p = n.as_bytes().to_ascii_lowercase();
            match p[..] {
                [one] => index.singles[one as usize] = true,
                [a, b, ..] => {
                    let k = usize::from(a) << 8 | usize::from(b);
                    index.pairs[k / 64] |= 1 << (k % 64);
                }
                [] => {}
            }
            index.patterns.push(p);
        }
        index
    }

    /// True when one pattern occurs in `hay`, ignoring ASCII case.
    fn found_in(&self, hay: &[u8]) -> bool {
        for i in 0..hay.len() {
            let a = hay[i].to_ascii_lowercase();
            if self.singles[a as usize] {
                return true;
            }
            let Some(b) = hay.get(i + 1).map(u8::to_ascii_lowercase) else {
                break;
            };
            let k = usize::from(a) << 8 | usize::from(b);
            if self.pairs[k / 64] & (1 << (k % 64)) != 0
                && self.patterns.iter().any(|p| {
                    p.len() >= 2
                        && p[0] == a
                        && p[1] == b
                        && hay.len() - i >= p.len()
                        && hay[i..i + p.len()].eq_ignore_ascii_case(p)
                })
            {
                return true;
            }
        }
        false
    }
}

/// True when `hit` holds for one of `name`'s words (split at `_`, `.`, `-`, `:`, spaces, slashes and
/// lower-to-upper case), found without collecting them.
fn any_word(name: &str, mut hit: impl FnMut(&str) -> bool) -> bool {
    let b = name.as_bytes();
    let mut start = 0;
    for i in 0..=b.len() {
        let boundary = i == b.len()
            || matches!(b[i], b'_' | b'.' | b'-' | b':' | b' ' | b'/' | b'\\')
            || (i > start
                && b[i].is_ascii_uppercase()
                && (b[i - 1].is_ascii_lowercase() || b[i - 1].is_ascii_digit()));
        if boundary {
            if i > start && hit(&name[start..i]) {
                return true;
            }
            start = if i < b.len() && !b[i].is_ascii_alphanumeric() {
                i + 1
            } else {
                i
            };
        }
    }
    false
}

/// Replaces the secret ranges of `text` by [`MASK`] (keeping line breaks, so lines stay aligned) and
/// returns the masked text with a function mapping original offsets to masked ones. Every masked view
/// a renderer shows is made here.
pub fn mask(text: &str, secrets: &[Range<usize>]) -> (String, impl Fn(usize) -> usize) {
    let mut ranges: Vec<Range<usize>> = secrets.iter().filter(|r| !r.is_empty()).cloned().collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut shifts: Vec<(usize, usize, isize)> = Vec::new(); // (start, end, delta after end)
    let mut pos = 0;
    let mut delta: isize = 0;
    for r in ranges {
        if r.start < pos || r.end > text.len() {
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
    fn names_by_substring_and_by_word() {
        let s = Secrets::default().normalized();
        for n in [
            "WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD",
            "SmtpPass",
            "PfxPassphrase",
            "DbPassword",
            "API_KEY",
            "sasToken",
            "Storage.AccountKey",
            "client_secret",
            "ClientCertificatePath",
        ] {
            assert!(s.is_secret_name(n), "{n}");
        }
        for n in [
            "USE_WEB_SERVICE_SDK",
            "Compass",
            "Bypass",
            "Keys",
            "SSL_REQUIRED",
            "webpages:Version",
        ] {
            assert!(!s.is_secret_name(n), "{n}");
        }
        assert!(s.is_secret_attribute("sharedAccessKey"));
        assert!(s.is_secret_attribute("validationKey"));
        assert!(!s.is_secret_attribute("key"));
    }

    #[test]
    fn shown_masks_by_name_and_content() {
        let s = Secrets::default().normalized();
        assert_eq!(s.shown("abc", true, false), "***");
        assert_eq!(s.shown("", true, false), "");
        assert_eq!(s.shown("abc", true, true), "abc");
        assert_eq!(
            s.shown("AutoGenerate,IsolateApps", true, false),
            "AutoGenerate,IsolateApps"
        );
        assert_eq!(s.shown("a;Password=x;b", false, false), "a;Password=***;b");
        assert_eq!(
            s.shown_markup("<add key=\"Pwd\" value=\"v\" />", false),
            "<add key=\"Pwd\" value=\"***\" />"
        );
    }

    #[test]
    fn mask_hides_values_and_maps_offsets() {
        let text = "a=\"secret\" b=\"x\"";
        let secret = 3..9;
        let (masked, map) = mask(text, std::slice::from_ref(&secret));
        assert_eq!(masked, "a=\"***\" b=\"x\"");
        assert_eq!(map(5), 3);
        assert_eq!(&masked[map(14)..map(15)], "x");
        let (masked, _) = mask("p=a\r\nb", std::slice::from_ref(&(2..6)));
        assert_eq!(masked, "p=***\r\n");
        let text = "p=111;q=22;r=3;s";
        let (masked, map) = mask(text, &[2..5, 8..10, 13..14]);
        assert_eq!(masked, "p=***;q=***;r=***;s");
        let expect = [0, 1, 2, 2, 2, 5, 6, 7, 8, 8, 11, 12, 13, 14, 17, 18, 19];
        for (o, e) in expect.into_iter().enumerate() {
            assert_eq!(map(o), e, "offset {o}");
        }
    }

    proptest::proptest! {
        /// The pair index finds a pattern exactly where a plain case-insensitive search does.
        #[test]
        fn name_index_is_a_case_insensitive_substring_search(
            hay in "[a-zA-Z_ÄéK-]{0,24}",
            extra in proptest::collection::vec("[a-zA-Zé_]{1,5}", 0..4),
        ) {
            let mut names = super::default_names();
            names.extend(extra);
            let index = super::NameIndex::new(&names);
            let lower = hay.to_ascii_lowercase();
            let plain = names.iter().any(|n| lower.contains(&n.to_ascii_lowercase()));
            proptest::prop_assert_eq!(index.found_in(hay.as_bytes()), plain);
        }
    }
}
