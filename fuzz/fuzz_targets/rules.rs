//! `Rules::parse` on arbitrary text.
//!
//! Invariants: no panic, and the error (if any) renders with its span, as the CLI renders it; a rule set
//! that parses drives one real migration (a fixed corpus pair) without panicking, and when that migration
//! succeeds its output is well-formed XML.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wcmigrate::diag::{render_human, HumanStyle, Sources};
use wcmigrate::{diff, migrate, Input, Options, Rules};

const OLD: &[u8] = include_bytes!("../../corpus/user-portal-basic/old.config");
const NEW: &[u8] = include_bytes!("../../corpus/user-portal-basic/new.config");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::default();
    let id = sources.add("rules.toml", text);
    let style = HumanStyle {
        color: false,
        show_secrets: false,
    };
    match Rules::parse(text, id) {
        Err(d) => {
            assert!(d.is_error());
            let _ = render_human(std::slice::from_ref(&d), &sources, style);
            let _ = d.to_json(&sources);
        }
        Ok(rules) => {
            let _ = rules.claims(&Default::default());
            let old = Input::from_bytes("old.config", OLD);
            let new = Input::from_bytes("new.config", NEW);
            match migrate(&old, &new, &rules, &Options::default()) {
                Ok(m) => {
                    roxmltree::Document::parse(&m.merged_text)
                        .expect("merged output is well-formed XML");
                    let rendered = diff::unified(&m, false);
                    let _ = render_human(&m.diagnostics, &m.sources, style);
                    let _ = rendered.notes(&m);
                }
                Err(f) => {
                    let _ = render_human(&f.diagnostics, &f.sources, style);
                }
            }
        }
    }
});
