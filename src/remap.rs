//! Virtual-directory remapping inside URL values.
//!
//! Validates a value with the `url` crate and reads its path segments, then changes only the bytes of the
//! matching segment in the string as written. It never re-serialises a URL: `Url`'s serialiser lowercases
//! hosts, drops default ports and re-escapes, which would change bytes the admin wrote.

use std::ops::Range;

use percent_encoding::percent_decode_str;
use url::Url;

/// One rename of a virtual directory: a path segment equal to `from` (ASCII case-insensitively) becomes `to`.
#[derive(Debug, Clone)]
pub struct Rename {
    pub from: String,
    pub to: String,
}

/// One segment changed by [`remap`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the rename that matched.
    pub rename: usize,
    /// Byte range of the segment in the input.
    pub range: Range<usize>,
}

/// The path segments of a URL value as written: byte ranges into `value`. `None` when the value is not
/// an absolute http(s) URL, or when the path holds an entity or escape we cannot locate safely.
pub fn path_segments(value: &str) -> Option<Vec<Range<usize>>> {
    let segments = raw_segments(value)?;
    validated(value, &segments).then_some(segments)
}

/// The path segments as our own scanner finds them, before the `url` crate has validated the URL: cheap,
/// for deciding whether a value is worth parsing at all. Anything acted on must pass [`validated`].
pub fn raw_segments(value: &str) -> Option<Vec<Range<usize>>> {
    let lead = value.len() - value.trim_start().len();
    let scheme_end = lead + value[lead..].find("://")?;
    if !matches!(
        value[lead..scheme_end].to_ascii_lowercase().as_str(),
        "http" | "https"
    ) {
        return None;
    }
    let after_scheme = scheme_end + 3;
    let rest = &value[after_scheme..];
    let authority_len = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let path_start = after_scheme + authority_len;
    let path_len = value[path_start..]
        .find(['?', '#'])
        .unwrap_or(value.len() - path_start);
    let path = value[path_start..path_start + path_len].trim_end();
    if path.contains('&') {
        return None;
    }
    let mut segments = Vec::new();
    if !path.is_empty() {
        let mut start = path_start + 1;
        for part in path[1..].split(['/', '\\']) {
            segments.push(start..start + part.len());
            start += part.len() + 1;
        }
    }
    Some(segments)
}

/// True when the `url` crate reads `value` as an absolute http(s) URL with the same path segments our
/// scanner found (it resolves `.` and `..`, so only the count must agree when there are none).
pub fn validated(value: &str, segments: &[Range<usize>]) -> bool {
    let Ok(parsed) = Url::parse(value.trim()) else {
        return false;
    };
    if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
        return false;
    }
    let theirs = parsed.path_segments().map_or(0, |s| s.count());
    let dots = segments
        .iter()
        .any(|r| matches!(&value[r.clone()], "." | ".."));
    dots || theirs == segments.len().max(1)
}

/// A segment's decoded form, for comparisons.
pub fn decoded_segment(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// Applies `renames` to the path segments of `value`. Returns the new value and the hits, or `None`
/// when nothing matched (or the value is not a URL we can edit).
pub fn remap(value: &str, renames: &[Rename]) -> Option<(String, Vec<Hit>)> {
    remap_segments(value, &path_segments(value)?, renames)
}

/// [`remap`] with the value's [`path_segments`] already found.
pub fn remap_segments(
    value: &str,
    segments: &[Range<usize>],
    renames: &[Rename],
) -> Option<(String, Vec<Hit>)> {
    let mut hits = Vec::new();
    for range in segments {
        let seg = decoded_segment(&value[range.clone()]);
        if let Some(i) = renames
            .iter()
            .position(|r| seg.eq_ignore_ascii_case(&r.from))
        {
            if !renames[i].to.eq_ignore_ascii_case(&renames[i].from) {
                hits.push(Hit {
                    rename: i,
                    range: range.clone(),
                });
            }
        }
    }
    if hits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(value.len() + 16);
    let mut pos = 0;
    for h in &hits {
        out.push_str(&value[pos..h.range.start]);
        out.push_str(&renames[h.rename].to);
        pos = h.range.end;
    }
    out.push_str(&value[pos..]);
    Some((out, hits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renames() -> Vec<Rename> {
        vec![
            Rename {
                from: "PhoneFactorWebServiceSdk".into(),
                to: "MultiFactorAuthWebServiceSdk".into(),
            },
            Rename {
                from: "PhoneFactor".into(),
                to: "MultiFactorAuth".into(),
            },
            Rename {
                from: "PhoneFactorPhoneAppWebService".into(),
                to: "MultiFactorAuthMobileAppWebService".into(),
            },
        ]
    }

    fn r(v: &str) -> Option<String> {
        remap(v, &renames()).map(|(s, _)| s)
    }

    #[test]
    fn only_the_segment_changes() {
        assert_eq!(
            r("https://MFA.Contoso.COM:443/phonefactorwebservicesdk/PfWsSdk.asmx?a=1&amp;b=2#F").as_deref(),
            Some("https://MFA.Contoso.COM:443/MultiFactorAuthWebServiceSdk/PfWsSdk.asmx?a=1&amp;b=2#F")
        );
        assert_eq!(
            r("http://h/PhoneFactor").as_deref(),
            Some("http://h/MultiFactorAuth")
        );
        assert_eq!(
            r("http://h/PhoneFactor/").as_deref(),
            Some("http://h/MultiFactorAuth/")
        );
        assert_eq!(
            r("https://h/x/PhoneFactorPhoneAppWebService/PfPaWs.asmx").as_deref(),
            Some("https://h/x/MultiFactorAuthMobileAppWebService/PfPaWs.asmx")
        );
    }

    #[test]
    fn prefixes_hosts_queries_and_non_urls_are_untouched() {
        for v in [
            "https://h/PhoneFactorX/a",
            "https://h/PhoneFactor.old/a",
            "https://phonefactor/a",
            "https://h/a?next=/PhoneFactor/",
            "https://h/a#/PhoneFactor",
            "C:\\inetpub\\wwwroot\\PhoneFactor",
            "\\\\server\\PhoneFactor\\x",
            "ftp://h/PhoneFactor/",
            "PhoneFactor",
            "",
        ] {
            assert_eq!(r(v), None, "{v}");
        }
    }

    #[test]
    fn percent_encoded_and_backslash_segments() {
        assert_eq!(
            r("http://h/Phone%46actor/x").as_deref(),
            Some("http://h/MultiFactorAuth/x")
        );
        assert_eq!(
            r("http://h\\PhoneFactor\\x").as_deref(),
            Some("http://h\\MultiFactorAuth\\x")
        );
    }

    #[test]
    fn kept_name_is_not_remapped() {
        let same = vec![Rename {
            from: "PhoneFactor".into(),
            to: "phonefactor".into(),
        }];
        assert_eq!(remap("http://h/PhoneFactor/", &same), None);
    }

    #[test]
    fn entities_in_the_path_are_not_guessed() {
        assert_eq!(r("http://h/&#80;honeFactor/x"), None);
    }
}
