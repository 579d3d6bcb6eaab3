//! Text encoding: turns a config file's bytes into text and back.
//!
//! Owns BOM sniffing, the XML declaration's `encoding` check and line-ending detection. It knows nothing
//! about configuration semantics and never changes a character: `encode(decode(bytes)) == bytes` for every
//! input it accepts.

use encoding_rs::Encoding;

/// How a file's characters are stored as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// A single-byte legacy encoding named by the XML declaration (e.g. windows-1252).
    Legacy(&'static Encoding),
}

/// The byte-level facts of a file that must survive a round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileEncoding {
    pub charset: Charset,
    pub bom: bool,
}

impl FileEncoding {
    /// A short human name, e.g. `UTF-8 with BOM`.
    pub fn describe(&self) -> String {
        let name = match self.charset {
            Charset::Utf8 => "UTF-8",
            Charset::Utf16Le => "UTF-16LE",
            Charset::Utf16Be => "UTF-16BE",
            Charset::Legacy(e) => e.name(),
        };
        if self.bom {
            format!("{name} with BOM")
        } else {
            name.to_string()
        }
    }

    /// True when the encoded bytes are ASCII-compatible, so a byte-level unified diff is meaningful.
    pub fn is_ascii_compatible(&self) -> bool {
        matches!(self.charset, Charset::Utf8 | Charset::Legacy(_))
    }
}

/// A problem decoding a file, with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub offset: usize,
    pub message: String,
    pub help: String,
}

/// A decoded file: its text (without BOM) and how to write it back.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Shared, not copied, by everything that keeps the text (the sources diagnostics point into,
    /// the run's view of the input, the migration): one copy of each input.
    pub text: std::sync::Arc<str>,
    pub encoding: FileEncoding,
}

/// Decodes a config file. Rejects invalid byte sequences with their offset, and a declaration whose
/// `encoding` contradicts the bytes.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let (charset, bom_len) = sniff(bytes);
    let body = &bytes[bom_len..];
    if charset == Charset::Utf8 && bom_len == 0 {
        // An 8-bit file without BOM may declare a single-byte legacy encoding; the declaration itself
        // is ASCII, so it can be read before the body is decoded.
        let head = String::from_utf8_lossy(&body[..body.len().min(256)]);
        if let Some((label, _)) = declared_encoding(&head) {
            if let Some(d) = Encoding::for_label(label.as_bytes()).filter(|d| d.is_single_byte()) {
                let (text, had_errors) = d.decode_without_bom_handling(body);
                if had_errors {
                    return Err(DecodeError {
                        offset: 0,
                        message: format!("bytes that are not valid {}", d.name()),
                        help: "re-save the file in the encoding its declaration names".into(),
                    });
                }
                let encoding = FileEncoding {
                    charset: Charset::Legacy(d),
                    bom: false,
                };
                return Ok(Decoded {
                    text: text.into(),
                    encoding,
                });
            }
        }
    }
    let text = match charset {
        Charset::Utf8 => match std::str::from_utf8(body) {
            Ok(s) => std::sync::Arc::<str>::from(s),
            Err(e) => return Err(DecodeError {
                offset: bom_len + e.valid_up_to(),
                message: "invalid UTF-8 byte sequence".into(),
                help: "save the file as UTF-8 (or UTF-16 with a byte order mark), or give its XML \
                           declaration the encoding it is really stored in"
                    .into(),
            }),
        },
        _ => decode_utf16(body, charset == Charset::Utf16Be, bom_len)?.into(),
    };
    let encoding = FileEncoding {
        charset,
        bom: bom_len > 0,
    };
    if let Some((label, at)) = declared_encoding(&text) {
        let offset = bom_len + byte_offset_in_encoded(&text, at, charset);
        let Some(declared) = Encoding::for_label(label.as_bytes()) else {
            return Err(DecodeError {
                offset,
                message: format!("unknown encoding `{label}` in the XML declaration"),
                help: "use encoding=\"utf-8\" or encoding=\"utf-16\"".into(),
            });
        };
        let utf16 = declared == encoding_rs::UTF_16LE || declared == encoding_rs::UTF_16BE;
        let agrees = match charset {
            Charset::Utf8 => declared == encoding_rs::UTF_8,
            _ => utf16,
        };
        if !agrees {
            let real = if charset == Charset::Utf8 {
                "utf-8"
            } else {
                "utf-16"
            };
            return Err(DecodeError {
                offset,
                message: format!(
                    "the XML declaration says encoding=\"{label}\" but the file is stored as {}",
                    encoding.describe()
                ),
                help: format!(
                    "change the declaration to encoding=\"{real}\", or re-save the file as {}",
                    declared.name()
                ),
            });
        }
    }
    Ok(Decoded { text, encoding })
}

/// Re-encodes text the way the original file was stored.
pub fn encode(text: &str, encoding: FileEncoding) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 3);
    match encoding.charset {
        Charset::Utf8 => {
            if encoding.bom {
                out.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
            }
            out.extend_from_slice(text.as_bytes());
        }
        Charset::Utf16Le => {
            if encoding.bom {
                out.extend_from_slice(&[0xFF, 0xFE]);
            }
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_le_bytes());
            }
        }
        Charset::Utf16Be => {
            if encoding.bom {
                out.extend_from_slice(&[0xFE, 0xFF]);
            }
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_be_bytes());
            }
        }
        Charset::Legacy(e) => {
            // Characters the legacy encoding lacks become numeric character references, which XML
            // reads back as the same character in both attribute values and text.
            let (bytes, _, _) = e.encode(text);
            out.extend_from_slice(&bytes);
        }
    }
    out
}

fn sniff(bytes: &[u8]) -> (Charset, usize) {
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] => (Charset::Utf8, 3),
        [0xFF, 0xFE, ..] => (Charset::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (Charset::Utf16Be, 2),
        // UTF-16 without BOM, recognised by `<?` as the XML specification's appendix F describes.
        [0x3C, 0x00, 0x3F, 0x00, ..] => (Charset::Utf16Le, 0),
        [0x00, 0x3C, 0x00, 0x3F, ..] => (Charset::Utf16Be, 0),
        _ => (Charset::Utf8, 0),
    }
}

fn decode_utf16(body: &[u8], big_endian: bool, bom_len: usize) -> Result<String, DecodeError> {
    if body.len() % 2 != 0 {
        return Err(DecodeError {
            offset: bom_len + body.len() - 1,
            message: "UTF-16 file with an odd number of bytes (truncated?)".into(),
            help: "the file is cut short: restore it from a backup or re-save it".into(),
        });
    }
    let units = body.chunks_exact(2).map(|c| {
        if big_endian {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    let mut text = String::with_capacity(body.len() / 2);
    let mut offset = bom_len;
    for ch in char::decode_utf16(units) {
        match ch {
            Ok(c) => {
                text.push(c);
                offset += c.len_utf16() * 2;
            }
            Err(_) => {
                return Err(DecodeError {
                    offset,
                    message: "unpaired UTF-16 surrogate".into(),
                    help: "the file holds an invalid character: re-save it from an editor".into(),
                })
            }
        }
    }
    Ok(text)
}

/// Finds `encoding="..."` in a leading XML declaration: the label and its char offset in `text`.
fn declared_encoding(text: &str) -> Option<(String, usize)> {
    if !text.starts_with("<?xml") {
        return None;
    }
    let end = text.find("?>")?;
    let decl = &text[..end];
    let at = decl.find("encoding")?;
    let rest = &decl[at + "encoding".len()..];
    let rest_trim = rest.trim_start();
    let rest_trim = rest_trim.strip_prefix('=')?.trim_start();
    let quote = rest_trim.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let value = &rest_trim[1..];
    let close = value.find(quote)?;
    Some((value[..close].to_string(), at))
}

fn byte_offset_in_encoded(text: &str, at: usize, charset: Charset) -> usize {
    match charset {
        Charset::Utf16Le | Charset::Utf16Be => text[..at].encode_utf16().count() * 2,
        _ => at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_round_trips_with_and_without_bom() {
        for bytes in [&b"<a/>"[..], &b"\xEF\xBB\xBF<a/>\r\n"[..]] {
            let d = decode(bytes).unwrap();
            assert_eq!(d.text.as_bytes()[0], b'<');
            assert_eq!(encode(&d.text, d.encoding), bytes);
        }
    }

    #[test]
    fn utf16_both_orders_round_trip() {
        let text = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<a b=\"é𝄞\"/>";
        for (bom, be) in [([0xFF, 0xFE], false), ([0xFE, 0xFF], true)] {
            let mut bytes = bom.to_vec();
            for u in text.encode_utf16() {
                bytes.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            let d = decode(&bytes).unwrap();
            assert_eq!(&*d.text, text);
            assert_eq!(encode(&d.text, d.encoding), bytes);
        }
    }

    #[test]
    fn invalid_utf8_reports_offset() {
        let e = decode(b"<a>ok\xFFno</a>").unwrap_err();
        assert_eq!(e.offset, 5);
    }

    #[test]
    fn odd_utf16_and_lone_surrogate_are_errors() {
        assert!(decode(&[0xFF, 0xFE, 0x3C, 0x00, 0x61]).is_err());
        let e = decode(&[0xFF, 0xFE, 0x3C, 0x00, 0x00, 0xD8, 0x3E, 0x00]).unwrap_err();
        assert_eq!(e.offset, 4);
    }

    #[test]
    fn declaration_contradicting_bytes_is_an_error() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "<?xml version=\"1.0\" encoding=\"utf-8\"?><a/>".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let e = decode(&bytes).unwrap_err();
        assert!(e.message.contains("utf-8"), "{}", e.message);
        let e = decode(b"\xEF\xBB\xBF<?xml version='1.0' encoding='utf-16'?><a/>").unwrap_err();
        assert!(e.message.contains("utf-16"));
        assert_eq!(e.offset, 3 + 20);
    }

    #[test]
    fn legacy_declaration_decodes_and_encodes_back() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a b=\"caf\xE9\"/>";
        let d = decode(bytes).unwrap();
        assert!(d.text.contains("café"));
        assert_eq!(encode(&d.text, d.encoding), bytes);
    }
}
