//! XML character references and predefined entities decoded with a map back to the raw bytes, so that
//! a secret found in a decoded value can be masked at the exact bytes the file spells it with.
//!
//! Knows the five predefined entities and numeric references only (DTDs are refused elsewhere); an
//! unknown or broken reference is kept as written. It never decides what is secret.

use std::ops::Range;

/// A decoded text and, for each byte of it (and one past the end), the offset in the raw text where
/// the character it belongs to starts.
pub struct Decoded {
    pub text: String,
    map: Vec<usize>,
}

impl Decoded {
    /// Decodes `raw`, an attribute value or a run of character data as written between markup.
    pub fn new(raw: &str) -> Decoded {
        let mut text = String::with_capacity(raw.len());
        let mut map = Vec::with_capacity(raw.len() + 1);
        let mut i = 0;
        while i < raw.len() {
            let rest = &raw[i..];
            let (c, len) = match rest.strip_prefix('&').and_then(reference) {
                Some((c, len)) => (c, len + 1),
                None => {
                    let c = rest.chars().next().expect("not at the end");
                    (c, c.len_utf8())
                }
            };
            for _ in 0..c.len_utf8() {
                map.push(i);
            }
            text.push(c);
            i += len;
        }
        map.push(raw.len());
        Decoded { text, map }
    }

    /// The raw range that spells the decoded range `r`.
    pub fn raw(&self, r: Range<usize>) -> Range<usize> {
        self.map[r.start]..self.map[r.end]
    }
}

/// The character a reference after `&` stands for, and the length of `name;`.
fn reference(after_amp: &str) -> Option<(char, usize)> {
    let end = after_amp.get(..after_amp.len().min(12))?.find(';')?;
    let name = &after_amp[..end];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let n = match name.strip_prefix("#x") {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => name.strip_prefix('#')?.parse().ok()?,
            };
            char::from_u32(n)?
        }
    };
    Some((c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::Decoded;

    #[test]
    fn references_decode_and_map_back_to_their_bytes() {
        let raw = "a&amp;b&#x3B;c&#233;&bogus;";
        let d = Decoded::new(raw);
        assert_eq!(d.text, "a&b;cé&bogus;");
        let amp = d.text.find('&').unwrap();
        assert_eq!(&raw[d.raw(amp..amp + 1)], "&amp;");
        let e = d.text.find('é').unwrap();
        assert_eq!(&raw[d.raw(e..e + 2)], "&#233;");
        assert_eq!(&raw[d.raw(0..d.text.len())], raw);
    }
}
