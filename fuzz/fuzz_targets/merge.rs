//! Parse + merge: one input split into OLD, NEW and (optionally) BASE at the separator `SEP`, merged with
//! the built-in rules (`migrate`, or `migrate3` when there is a BASE), then rendered as the command line
//! renders it (diff, diagnostics, JSON report).
//!
//! Invariants:
//! - no panic, whatever the bytes;
//! - when the merge succeeds, its output re-decodes to the merged text in NEW's encoding, and that text is
//!   well-formed XML to roxmltree (the strict reader, DTDs refused);
//! - idempotence: merging the output again with the same OLD (and BASE) gives exactly the same bytes;
//! - merge(NEW, NEW) == NEW, and merge3(NEW, NEW, NEW) == NEW, byte for byte when no virtual directory
//!   can be remapped (NEW's text has no `PhoneFactor` in any case, and no `%` or character reference
//!   that could spell it).
//!
//! "Bytes outside the changed spans are identical" is not asserted directly (the spans of inserted
//! elements are not exposed); tests/props.rs checks it on generated documents.
//!
//! Input layout: `OLD SEP NEW` (2-way) or `OLD SEP NEW SEP BASE` (3-way; anything after a third `SEP`
//! belongs to BASE).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wcmigrate::diag::{render_human, HumanStyle, Sources};
use wcmigrate::text::decode;
use wcmigrate::{diff, migrate, migrate3, report, Failure, Input, Migration, Options, Rules};

/// Separates OLD, NEW (and BASE). Never valid UTF-8, and not a plausible run of UTF-16 code units.
const SEP: &[u8] = b"\xFF\x00SEP\x00\xFF";

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(Rules::builtin)
}

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() < 2 {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + SEP.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

fn render(sources: &Sources, diags: &[wcmigrate::diag::Diagnostic]) {
    for show_secrets in [false, true] {
        let style = HumanStyle {
            color: false,
            show_secrets,
        };
        let _ = render_human(diags, sources, style);
    }
    for d in diags {
        let _ = d.to_json(sources);
    }
}

fn render_migration(m: &Migration) {
    for show_secrets in [false, true] {
        let rendered = diff::unified(m, show_secrets);
        let mut diags = m.diagnostics.clone();
        diags.extend(rendered.notes(m));
        render(&m.sources, &diags);
        let r = report::report(m, "builtin", &rendered);
        serde_json::to_string(&r).expect("the JSON report serialises");
    }
}

fn spells_a_vdir(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("phonefactor") || text.contains('%') || text.contains("&#")
}

fuzz_target!(|data: &[u8]| {
    let parts = split(data);
    if parts.len() < 2 {
        return;
    }
    let old = Input::from_bytes("old.config", parts[0]);
    let new = Input::from_bytes("new.config", parts[1]);
    let base = parts.get(2).map(|b| Input::from_bytes("base.config", *b));
    let opts = Options::default();
    let merge = |old: &Input, new: &Input| -> Result<Migration, Failure> {
        match &base {
            None => migrate(old, new, rules(), &opts),
            Some(base) => migrate3(base, old, new, rules(), &opts),
        }
    };
    let m = match merge(&old, &new) {
        Ok(m) => m,
        Err(f) => {
            assert!(
                f.diagnostics.iter().any(|d| d.is_error()),
                "a failure carries an error"
            );
            render(&f.sources, &f.diagnostics);
            return;
        }
    };
    render_migration(&m);

    // The output is NEW's encoding around the merged text, and well-formed.
    let back = decode(&m.output).expect("the output decodes");
    assert_eq!(back.text, m.merged_text, "output bytes == merged text");
    assert_eq!(back.encoding, m.new_encoding, "NEW's encoding is kept");
    if let Err(e) = roxmltree::Document::parse(&m.merged_text) {
        panic!("merged text is not well-formed: {e}");
    }
    if !m.changed() {
        assert_eq!(m.output, new.bytes, "no change means NEW's bytes exactly");
    }

    // Idempotence: OLD merged into the output changes nothing more.
    let again = Input::from_bytes("new.config", m.output.clone());
    match merge(&old, &again) {
        Ok(m2) => assert!(
            m2.output == m.output,
            "not idempotent:\n--- first\n{}\n--- second\n{}",
            m.merged_text,
            m2.merged_text
        ),
        Err(f) => panic!(
            "merging the output again failed: {:?}",
            f.diagnostics
                .iter()
                .map(|d| (d.code, d.message.clone()))
                .collect::<Vec<_>>()
        ),
    }

    // merge(NEW, NEW) == NEW and merge3(NEW, NEW, NEW) == NEW when nothing can be remapped.
    if !spells_a_vdir(&m.new_text) {
        let same = match &base {
            None => migrate(&new, &new, rules(), &opts),
            Some(_) => migrate3(&new, &new, &new, rules(), &opts),
        }
        .expect("NEW merged with itself");
        assert!(
            same.output == new.bytes,
            "merging NEW with itself changed it:\n--- NEW\n{}\n--- merged\n{}",
            same.new_text,
            same.merged_text
        );
    }
});
