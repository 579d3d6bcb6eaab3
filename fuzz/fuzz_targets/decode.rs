//! `text::decode` on arbitrary bytes.
//!
//! Invariants: no panic; an error's offset lies inside the input; every accepted input encodes back to
//! exactly its bytes (`encode(decode(b)) == b`, the promise of src/text.rs) and decodes again to the same
//! text and encoding.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wcmigrate::text::{decode, encode};

fuzz_target!(|data: &[u8]| {
    match decode(data) {
        Ok(d) => {
            let bytes = encode(&d.text, d.encoding);
            assert!(
                bytes == data,
                "round trip changed the bytes ({}): {} in, {} out",
                d.encoding.describe(),
                data.len(),
                bytes.len()
            );
            let again = decode(&bytes).expect("re-decoding the encoded bytes");
            assert_eq!(again.text, d.text);
            assert_eq!(again.encoding, d.encoding);
        }
        Err(e) => {
            assert!(
                e.offset <= data.len(),
                "offset {} past the end ({})",
                e.offset,
                data.len()
            );
            assert!(!e.message.is_empty() && !e.help.is_empty());
        }
    }
});
