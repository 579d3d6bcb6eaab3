//! Where the secrets of a config text are, found by a lexical pass over its markup: no tree, so it
//! works on a file that does not parse (its error snippet is masked too) and on fragments (an element
//! carried by the 3-way action), in one linear pass.
//!
//! Owns the markup rules of the classifier: which attribute or text a name makes secret (a secret
//! attribute, `<add key=K value=V>` and `name`/`value` pairs, `<setting name=N><value>`, elements
//! named like a secret), with every other value and text checked by its shape. It never masks.

use std::ops::Range;

use super::entities::Decoded;
use super::Secrets;

/// One open element: whether its own text is secret, and whether it is a `<setting>` whose name is.
#[derive(Clone, Copy, Default)]
struct Frame {
    secret_text: bool,
    secret_setting: bool,
}

struct Attr {
    name: Range<usize>,
    value: Range<usize>,
}

/// Every secret range of `text`, sorted, not overlapping.
pub fn scan(secrets: &Secrets, text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // The last element name judged: a config repeats one (`add`) thousands of times in a row.
    let mut memo: Option<(&str, bool)> = None;
    let mut i = 0;
    while i < b.len() {
        let Some(lt) = find_byte(b, b'<', i) else {
            char_data(secrets, text, i..b.len(), stack.last(), false, &mut out);
            break;
        };
        char_data(secrets, text, i..lt, stack.last(), false, &mut out);
        let rest = &text[lt..];
        if rest.starts_with("<!--") {
            i = find(text, "-->", lt + 4).map_or(b.len(), |e| e + 3);
        } else if rest.starts_with("<![CDATA[") {
            let end = find(text, "]]>", lt + 9).unwrap_or(b.len());
            char_data(secrets, text, lt + 9..end, stack.last(), true, &mut out);
            i = (end + 3).min(b.len());
        } else if rest.starts_with("<?") {
            i = find(text, "?>", lt + 2).map_or(b.len(), |e| e + 2);
        } else if rest.starts_with("<!") {
            i = find_byte(b, b'>', lt).map_or(b.len(), |e| e + 1);
        } else if rest.starts_with("</") {
            stack.pop();
            i = find_byte(b, b'>', lt).map_or(b.len(), |e| e + 1);
        } else {
            let (end, frame, self_closing) = start_tag(
                secrets,
                text,
                lt,
                stack.last().copied(),
                &mut memo,
                &mut out,
            );
            if !self_closing {
                stack.push(frame);
            }
            i = end;
        }
    }
    out.sort_by_key(|r| r.start);
    out.dedup_by(|b, a| b.start < a.end);
    out
}

/// `raw.contains("://")`, without setting up a substring search for each short value.
fn has_scheme(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b':' && b[i + 1..].starts_with(b"//"))
}

fn find_byte(b: &[u8], c: u8, from: usize) -> Option<usize> {
    b[from..].iter().position(|&x| x == c).map(|j| from + j)
}

fn find(text: &str, pat: &str, from: usize) -> Option<usize> {
    text.get(from..)?.find(pat).map(|j| from + j)
}

/// Character data between markup (`cdata`: a CDATA section's content, taken as written).
fn char_data(
    secrets: &Secrets,
    text: &str,
    r: Range<usize>,
    parent: Option<&Frame>,
    cdata: bool,
    out: &mut Vec<Range<usize>>,
) {
    let raw = &text[r.clone()];
    if parent.is_some_and(|f| f.secret_text) {
        let lead = raw.len() - raw.trim_start().len();
        let trimmed = raw.trim();
        if !trimmed.is_empty() {
            out.push(r.start + lead..r.start + lead + trimmed.len());
        }
        return;
    }
    if cdata {
        let found = secrets.value_spans(raw);
        out.extend(
            found
                .into_iter()
                .map(|s| r.start + s.start..r.start + s.end),
        );
    } else {
        value(secrets, text, r, false, out);
    }
}

/// A value as written (attribute value or character data): the whole of it when `whole`, else the
/// secrets its decoded text shows by shape, mapped back to the raw bytes.
fn value(secrets: &Secrets, text: &str, r: Range<usize>, whole: bool, out: &mut Vec<Range<usize>>) {
    let raw = &text[r.clone()];
    if whole {
        if !raw.is_empty() && !super::is_placeholder(raw) {
            out.push(r);
        }
        return;
    }
    if !raw.contains('=') && !has_scheme(raw) {
        return; // The common case: no shape a secret can take.
    }
    if !raw.contains('&') {
        let found = secrets.value_spans(raw);
        out.extend(
            found
                .into_iter()
                .map(|s| r.start + s.start..r.start + s.end),
        );
        return;
    }
    let d = Decoded::new(raw);
    for s in secrets.value_spans(&d.text) {
        let raw_s = d.raw(s);
        out.push(r.start + raw_s.start..r.start + raw_s.end);
    }
}

/// Reads the start tag at `lt`, records its secret values, and returns where it ends, the frame of
/// the element it opens and whether it closes itself.
fn start_tag<'t>(
    secrets: &Secrets,
    text: &'t str,
    lt: usize,
    parent: Option<Frame>,
    memo: &mut Option<(&'t str, bool)>,
    out: &mut Vec<Range<usize>>,
) -> (usize, Frame, bool) {
    let b = text.as_bytes();
    let name_end = (lt + 1..b.len())
        .find(|&j| b[j].is_ascii_whitespace() || matches!(b[j], b'>' | b'/'))
        .unwrap_or(b.len());
    let qname = &text[lt + 1..name_end];
    let name = qname.rsplit(':').next().unwrap_or(qname);
    let mut attrs: Vec<Attr> = Vec::new();
    let mut i = name_end;
    let (end, self_closing) = loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i) {
            None => break (b.len(), true),
            // A tag left open (a malformed file): the next one starts here.
            Some(b'<') => break (i, true),
            Some(b'>') => break (i + 1, false),
            Some(b'/') if b.get(i + 1) == Some(&b'>') => break (i + 2, true),
            _ => {}
        }
        let a_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let a_name = a_start..i;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let quoted = b.get(i) == Some(&b'=') && {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            matches!(b.get(i), Some(b'"' | b'\''))
        };
        if !quoted || a_name.is_empty() {
            // Not an attribute as XML writes it (a malformed file): skip to the tag's end, or to
            // the next tag if one starts first.
            let e = (i..b.len())
                .find(|&j| matches!(b[j], b'>' | b'<'))
                .unwrap_or(b.len());
            match b.get(e) {
                Some(b'>') => break (e + 1, e >= 1 && b[e - 1] == b'/'),
                _ => break (e.max(i + 1).min(b.len()), true),
            }
        }
        let q = b[i];
        let v_start = i + 1;
        let v_end = find_byte(b, q, v_start).unwrap_or(b.len());
        attrs.push(Attr {
            name: a_name,
            value: v_start..v_end,
        });
        i = (v_end + 1).min(b.len());
    };
    let attr = |n: &str| {
        attrs
            .iter()
            .find(|a| &text[a.name.clone()] == n)
            .map(|a| &text[a.value.clone()])
    };
    let named_secret = |n: &str| attr(n).is_some_and(|k| secrets.is_secret_name(k));
    // What `is_secret_attribute_of` decides, with the element's and its key's names judged once
    // per tag rather than once per attribute.
    let element_secret = match *memo {
        Some((last, secret)) if last == name => secret,
        _ => {
            let secret = secrets.is_secret_name(name);
            *memo = Some((name, secret));
            secret
        }
    };
    let mut key_secret = None;
    for a in &attrs {
        let a_name = &text[a.name.clone()];
        let local = a_name.rsplit(':').next().unwrap_or(a_name);
        let whole = secrets.is_secret_attribute(local)
            || (local == "value"
                && (element_secret
                    || *key_secret
                        .get_or_insert_with(|| named_secret("key") || named_secret("name"))));
        value(secrets, text, a.value.clone(), whole, out);
    }
    let frame = Frame {
        secret_text: element_secret
            || (name == "value" && parent.is_some_and(|p| p.secret_setting)),
        secret_setting: name == "setting" && named_secret("name"),
    };
    (end, frame, self_closing)
}

#[cfg(test)]
mod tests {
    use super::scan;
    use crate::secrets::Secrets;

    fn found(t: &str) -> Vec<&str> {
        scan(&Secrets::default(), t)
            .into_iter()
            .map(|r| &t[r])
            .collect()
    }

    #[test]
    fn names_pairs_settings_and_elements() {
        let t = r#"<configuration><appSettings><add key="X_PASSWORD" value="s1"/><add key="URL" value="http://u:s2@h/"/><add key="SmtpPass" value='s0'/></appSettings>
<connectionStrings><add name="db" connectionString="Password=s3"/></connectionStrings>
<applicationSettings><a.Settings><setting name="ApiToken" serializeAs="String"><value>s4</value></setting><setting name="Url"><value>x</value></setting></a.Settings></applicationSettings>
<log4net><appender><password value="s5"/><password>s6</password></appender></log4net>
<custom><add key="DbPassword" value="s7"/></custom></configuration>"#;
        assert_eq!(
            found(t),
            ["s1", "s2", "s0", "Password=s3", "s4", "s5", "s6", "s7"]
        );
    }

    #[test]
    fn decoded_values_keep_their_raw_bytes() {
        let t = r#"<a cs="Server=x;Password=p&amp;q&quot;r;Database=d" u="https://u:p&amp;w@h/"/>"#;
        assert_eq!(found(t), ["p&amp;q&quot;r", "p&amp;w"]);
    }

    #[test]
    fn malformed_files_and_fragments_are_scanned_too() {
        let t = "<configuration>\n<appSettings>\n<add key=\"PASSWORD\" value=\"s1\" <oops\n<add key=\"Token\" value=\"s2\"/>";
        assert_eq!(found(t), ["s1", "s2"]);
        assert_eq!(
            found("<!-- password=\"x\" --><![CDATA[Password=c1]]>"),
            ["c1"]
        );
        assert!(found("<add key=\"PasswordResetUrl\" value=\"\" />").is_empty());
    }
}
