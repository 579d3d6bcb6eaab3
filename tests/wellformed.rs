//! The streaming output check (`wellformed::check`) against the parser our inputs go through
//! (roxmltree): on texts made by mutating the corpus's real configs byte by byte, both must say the
//! same. A text the check accepts and roxmltree refuses would let a broken file be written; one it
//! refuses and roxmltree accepts would refuse a good merge (E010). The XML declaration is not
//! mutated: the check takes it as read (it is NEW's, which the merge never edits).

use proptest::prelude::*;
use wcmigrate::wellformed::check;

fn corpus_texts() -> Vec<String> {
    let mut out = Vec::new();
    for case in std::fs::read_dir("corpus").unwrap() {
        let case = case.unwrap().path();
        for f in ["old.config", "new.config", "base.config"] {
            if let Ok(t) = std::fs::read_to_string(case.join(f)) {
                out.push(t.trim_start_matches('\u{feff}').to_string());
            }
        }
    }
    assert!(out.len() > 20, "the corpus is read from the project root");
    out
}

fn roxmltree_ok(t: &str) -> bool {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(t, opts).is_ok()
}

#[test]
fn every_corpus_text_passes() {
    for t in corpus_texts() {
        assert!(roxmltree_ok(&t));
        assert_eq!(check(&t, 256), Ok(()));
    }
}

const PIECES: &[&str] = &[
    "<",
    ">",
    "&",
    ";",
    "\"",
    "'",
    "/",
    "=",
    ":",
    "x",
    " ",
    "<a>",
    "</a>",
    "<a/>",
    "&amp;",
    "&#0;",
    "&#x41;",
    "&lt",
    "]]>",
    "<!--",
    "-->",
    "<![CDATA[",
    "xmlns:p='u'",
    "p:",
    "<?pi?>",
    "\u{1}",
    "\u{fffe}",
    "é",
    "x='1'",
    "<!DOCTYPE a>",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn agrees_with_roxmltree_on_mutated_configs(
        which in 0usize..1000,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, 0..PIECES.len()), 1..4),
    ) {
        let texts = corpus_texts_cached();
        let mut t = texts[which % texts.len()].clone();
        // The XML declaration is left alone, as the merge leaves NEW's (the check's contract).
        let keep = if t.starts_with("<?xml") { t.find("?>").unwrap() + 2 } else { 0 };
        for (at, del, piece) in edits {
            let mut i = keep + at.index(t.len() - keep + 1);
            while !t.is_char_boundary(i) {
                i -= 1;
            }
            let mut j = (i + del).min(t.len());
            while !t.is_char_boundary(j) {
                j += 1;
            }
            t.replace_range(i..j, PIECES[piece]);
        }
        prop_assert_eq!(check(&t, 256).is_ok(), roxmltree_ok(&t), "{:?}", t);
    }
}

fn corpus_texts_cached() -> &'static [String] {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(corpus_texts)
}
