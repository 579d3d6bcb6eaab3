//! Secrets recognised by the shape of a value, whatever its name: the password of a URL's userinfo,
//! and the value of a secret keyword inside a connection string (`;`-separated, with .NET's quoting
//! and ODBC's braces), a Redis-style comma list (`host,password=...`) or a URL query (`?sig=...`).
//!
//! Works on decoded values (entities resolved) and returns ranges into them; it never masks anything
//! itself and knows nothing about XML.

use std::ops::Range;

/// Ranges of secrets inside `value`; `keywords` are lowercase, without spaces.
pub fn spans(value: &str, keywords: &[String]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if value.contains("://") {
        userinfo(value, &mut out);
    }
    if value.contains('=') {
        keyword_values(value, keywords, &mut out);
    }
    out.sort_by_key(|r| r.start);
    out.dedup_by(|b, a| b.start < a.end);
    out
}

/// The password of `scheme://user:password@host` (every URL in the value).
fn userinfo(value: &str, out: &mut Vec<Range<usize>>) {
    let mut from = 0;
    while let Some(i) = value[from..].find("://") {
        let auth_start = from + i + 3;
        let auth_end = value[auth_start..]
            .find(['/', '?', '#', ' ', ';', ',', '"', '\''])
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
        from = auth_end.max(from + i + 3);
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b' ' | b'-' | b'\t')
}

/// The values of `keyword=value` pairs whose keyword is secret.
fn keyword_values(value: &str, keywords: &[String], out: &mut Vec<Range<usize>>) {
    let b = value.as_bytes();
    // A value that has `;` separates pairs with it (a connection string: commas may sit inside values);
    // one without separates them with `,` (StackExchange.Redis: `host:6380,password=...,ssl=True`).
    let sep = if value.contains(';') { b';' } else { b',' };
    for (eq, _) in value.match_indices('=') {
        let mut start = eq;
        while start > 0 && is_name_byte(b[start - 1]) {
            start -= 1;
        }
        let name: String = value[start..eq]
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        if name.is_empty() || !keywords.contains(&name) {
            continue;
        }
        let query = start > 0 && matches!(b[start - 1], b'?' | b'&');
        let mut s = eq + 1;
        while s < b.len() && matches!(b[s], b' ' | b'\t') {
            s += 1;
        }
        let r = if query {
            let end = value[s..].find(['&', '#']).map_or(b.len(), |j| s + j);
            s..end
        } else {
            match b.get(s) {
                Some(&q @ (b'\'' | b'"')) => quoted(b, s, q),
                Some(b'{') => braced(b, s),
                _ => {
                    let end = b[s..]
                        .iter()
                        .position(|&c| c == sep)
                        .map_or(b.len(), |j| s + j);
                    let trimmed = value[s..end].trim_end().len();
                    s..s + trimmed
                }
            }
        };
        if !r.is_empty() {
            out.push(r);
        }
    }
}

/// The inside of a .NET-quoted value starting at `s` (a doubled quote stands for one).
fn quoted(b: &[u8], s: usize, q: u8) -> Range<usize> {
    let mut i = s + 1;
    while i < b.len() {
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return s + 1..i;
        }
        i += 1;
    }
    s + 1..b.len()
}

/// The inside of an ODBC-braced value starting at `s` (`}}` stands for `}`).
fn braced(b: &[u8], s: usize) -> Range<usize> {
    let mut i = s + 1;
    while i < b.len() {
        if b[i] == b'}' {
            if b.get(i + 1) == Some(&b'}') {
                i += 2;
                continue;
            }
            return s + 1..i;
        }
        i += 1;
    }
    s + 1..b.len()
}

#[cfg(test)]
mod tests {
    use super::spans;

    fn found(v: &str) -> Vec<&str> {
        let k: Vec<String> = [
            "password",
            "pwd",
            "accountkey",
            "sharedaccesskey",
            "sig",
            "code",
            "token",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        spans(v, &k).into_iter().map(|r| &v[r]).collect()
    }

    #[test]
    fn connection_strings_with_dotnet_and_odbc_quoting() {
        assert_eq!(
            found("Server=x;User Id=sa;Password=p@ss;Pwd = q"),
            ["p@ss", "q"]
        );
        assert_eq!(found("Server=x;Password='a;b''c';x=1"), ["a;b''c"]);
        assert_eq!(found("Server=x;Password=\"a;b\""), ["a;b"]);
        assert_eq!(found("Driver={SQL};Pwd={a;b}}c};x=1"), ["a;b}}c"]);
        assert_eq!(
            found(
                "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9v==;EndpointSuffix=x"
            ),
            ["Zm9v=="]
        );
        assert_eq!(
            found("Endpoint=sb://ns/;SharedAccessKeyName=R;SharedAccessKey=abc="),
            ["abc="]
        );
    }

    #[test]
    fn urls_redis_lists_and_queries() {
        assert_eq!(
            found("https://user:hunter2@host/x?y=https://a:b@c"),
            ["hunter2", "b"]
        );
        assert!(found("https://host/PasswordReset.aspx").is_empty());
        assert_eq!(
            found("cache.redis:6380,password=s3cr3t,ssl=True,abortConnect=False"),
            ["s3cr3t"]
        );
        assert_eq!(
            found("https://a.blob/c?sv=2019&sig=AbC%2B&se=1"),
            ["AbC%2B"]
        );
        assert_eq!(found("https://f.net/api/x?code=k3y=="), ["k3y=="]);
        assert!(found("a=b;c=d").is_empty());
    }
}
