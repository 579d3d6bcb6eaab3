//! Tests of the diff built from splices: it must print what similar's Patience diff of the two whole
//! texts printed before (`legacy`, the renderer as it was), masked or not, for any splices.

#![allow(clippy::single_range_in_vec_init)] // secret ranges, one per text

use std::ops::Range;

use proptest::prelude::*;

use super::lines::Lines;
use super::{
    header_path, header_path_on, headers, hunks, legacy, render, splice, whole_ops, Texts,
};
use crate::edit::{Edits, Landed};

/// A splice: where (start, length) in NEW, and what goes there.
type Cut = (usize, usize, String);

/// NEW spliced with `cuts` (positions taken modulo the text, overlaps dropped): the merged text and
/// where each splice landed.
fn splice_text(new: &str, cuts: &[Cut]) -> (String, Vec<Landed>) {
    let mut cuts: Vec<(usize, usize, &str)> = cuts
        .iter()
        .map(|(at, len, text)| {
            // From the end past a million, so that first and last lines are cut often.
            let start = match at.checked_sub(1_000_000) {
                Some(back) => new.len().saturating_sub(back),
                None => at % (new.len() + 1),
            };
            (start, (start + len).min(new.len()), text.as_str())
        })
        .collect();
    cuts.sort_by_key(|c| (c.0, c.1));
    let mut edits = Edits::new();
    let mut end = 0;
    for (start, stop, text) in cuts {
        // Keep them apart (no insertion inside a replaced range), as the engine's are.
        if start < end || (start == end && end > 0 && stop > start) {
            continue;
        }
        edits.replace(start..stop, text);
        end = stop.max(start + 1);
    }
    edits.try_apply_landed(new).expect("splices apart")
}

/// The hunks as the splice path prints them, and as the legacy renderer printed them.
fn both(t: &Texts) -> ((String, bool), (String, bool)) {
    let mut out = Vec::new();
    let masked = hunks(t, &mut out).unwrap();
    ((String::from_utf8(out).unwrap(), masked), legacy::hunks(t))
}

fn texts<'a>(
    new: &'a str,
    merged: &'a str,
    landed: &'a [Landed],
    secrets: (&'a [Range<usize>], &'a [Range<usize>]),
    bom: bool,
    show: bool,
) -> Texts<'a> {
    Texts {
        new,
        merged,
        bom: if bom { "\u{FEFF}" } else { "" },
        new_secrets: secrets.0,
        merged_secrets: secrets.1,
        landed: Some(landed),
        show,
    }
}

/// Checks one case: the splice path computes similar's operations and prints the legacy bytes.
fn check(new: &str, cuts: &[Cut], secrets: (&[Range<usize>], &[Range<usize>]), bom: bool) {
    let (merged, landed) = splice_text(new, cuts);
    let clip = |rs: &[Range<usize>], len: usize| -> Vec<Range<usize>> {
        let mut v: Vec<Range<usize>> = rs
            .iter()
            .map(|r| r.start.min(len)..r.end.min(len))
            .collect();
        v.sort_by_key(|r| r.start);
        v
    };
    let (sa, sb) = (clip(secrets.0, new.len()), clip(secrets.1, merged.len()));
    let bom_str = if bom { "\u{FEFF}" } else { "" };
    if !super::lines::has_lone_cr(new) && !super::lines::has_lone_cr(&merged) {
        let (a, b) = (Lines::new(new, bom_str), Lines::new(&merged, bom_str));
        if let Some(ops) = splice::ops(&a, &b, &landed) {
            assert_eq!(ops, whole_ops(&a, &b), "ops of {new:?} -> {merged:?}");
        } else {
            assert!(
                a.len() == 0 || b.len() == 0 || (a.len() >= 512 && b.len() >= 512),
                "no fallback expected"
            );
        }
    }
    for show in [false, true] {
        let t = texts(new, &merged, &landed, (&sa, &sb), bom, show);
        let (ours, theirs) = both(&t);
        assert_eq!(ours, theirs, "{new:?} -> {merged:?}, show {show}");
    }
}

/// Lines with many repeats (closing tags, blank lines), so that uniqueness in a window and in the
/// whole text differ; CRLF and missing final line breaks too.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0..40u32).prop_map(|i| format!("    <add key=\"K{i}\" value=\"v{i}\" />\n")),
        1 => Just("  </appSettings>\n".to_string()),
        1 => Just("    </setting>\n".to_string()),
        1 => Just("\n".to_string()),
        1 => Just("<a>\r\n".to_string()),
        1 => Just("x".to_string()),
        1 => (0..4u32).prop_map(|i| format!("dup{i}\n")),
    ]
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\n".to_string()),
        Just("NEW".to_string()),
        Just("    </setting>\n".to_string()),
        Just("dup1\n".to_string()),
        (0..40u32).prop_map(|i| format!("    <add key=\"K{i}\" value=\"w\" />\n")),
        Just("\r\n".to_string()),
    ]
}

fn at() -> impl Strategy<Value = usize> {
    prop_oneof![6 => 0..4000usize, 1 => Just(0usize), 1 => 1_000_000..1_000_008usize]
}

fn cuts() -> impl Strategy<Value = Vec<Cut>> {
    prop::collection::vec((at(), 0..12usize, fragment()), 0..8)
}

fn ranges() -> impl Strategy<Value = Vec<Range<usize>>> {
    prop::collection::vec((0..4000usize, 0..30usize).prop_map(|(s, l)| s..s + l), 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn splice_diff_is_the_whole_text_diff(
        lines in prop::collection::vec(line(), 0..60),
        cuts in cuts(),
        secrets_new in ranges(),
        secrets_merged in ranges(),
        bom in any::<bool>(),
    ) {
        let new: String = lines.concat();
        check(&new, &cuts, (&secrets_new, &secrets_merged), bom);
    }
}

/// A line of a large text: mostly unique (as config lines are), some repeated.
fn big_line() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => (0..100_000u32).prop_map(|i| format!("    <add key=\"K{i}\" value=\"v\" />\n")),
        1 => Just("    </setting>\n".to_string()),
        1 => Just("\n".to_string()),
    ]
}

/// What a splice of a large text writes: nothing, a value, new lines, or a line that may exist
/// elsewhere (a move, which crosses Patience's anchors).
fn big_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(String::new()),
        3 => (0..1000u32).prop_map(|i| format!("x{i}")),
        2 => (0..100_000u32).prop_map(|i| format!("    <add key=\"N{i}\" value=\"w\" />\n")),
        2 => (0..100_000u32).prop_map(|i| format!("    <add key=\"K{i}\" value=\"v\" />\n")),
        1 => Just("    </setting>\n".to_string()),
    ]
}

proptest! {
    // Large inputs: Patience's preflight, the reduction of the unique lines and Myers' heuristics
    // (past 256 edits) only start at a few hundred lines.
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn splice_diff_is_the_whole_text_diff_on_large_texts(
        lines in prop::collection::vec(big_line(), 500..1600),
        cuts in prop::collection::vec((0..120_000usize, 0..60usize, big_fragment()), 0..900),
    ) {
        let new: String = lines.concat();
        check(&new, &cuts, (&[], &[]), false);
    }

    #[test]
    fn splice_diff_is_the_whole_text_diff_on_large_texts_with_repeats(
        lines in prop::collection::vec(line(), 600..1400),
        cuts in prop::collection::vec((0..60_000usize, 0..40usize, fragment()), 0..400),
    ) {
        let new: String = lines.concat();
        check(&new, &cuts, (&[], &[]), false);
    }
}

proptest! {
    #[test]
    fn a_line_is_masked_as_secrets_mask_masks_the_whole_text(
        lines in prop::collection::vec(line(), 0..30),
        secrets in ranges(),
        bom in any::<bool>(),
    ) {
        let text: String = lines.concat();
        let secrets: Vec<Range<usize>> = secrets
            .iter()
            .map(|r| r.start.min(text.len())..r.end.min(text.len()))
            .collect();
        let bom = if bom { "\u{FEFF}" } else { "" };
        let side = render::Side::new(Lines::new(&text, bom), &secrets, false);
        let masked = format!("{bom}{}", crate::secrets::mask(&text, &secrets).0);
        let masked: Vec<&str> = masked.split_inclusive('\n').collect();
        for i in 0..side.lines.len() {
            let mut out = Vec::new();
            let differs = side.shown(i, &mut out);
            // A line the masked text lacks (see `render`) is printed as it is.
            let expected = masked.get(i).copied().unwrap_or(&side.lines[i]);
            prop_assert_eq!(String::from_utf8(out).unwrap(), expected);
            prop_assert_eq!(differs, expected != &side.lines[i]);
        }
    }
}

#[test]
fn dense_changes_in_a_large_text_as_generated_pairs_have_them() {
    // Two values changed out of every four lines, keys appended at the end, every value a secret,
    // a BOM: the shape of the generated 100,000-key pair, where Patience's Myers over the unique
    // lines takes its reduction.
    let mut new = String::from("<configuration>\n  <appSettings>\n");
    for k in 0..3000 {
        new.push_str(&format!("    <add key=\"KEY_{k}\" value=\"v{k}\" />\n"));
    }
    new.push_str("  </appSettings>\n</configuration>\n");
    let mut cuts: Vec<Cut> = Vec::new();
    for k in (0..3000).filter(|k| k % 4 < 2) {
        let at = new.find(&format!("\"v{k}\"")).unwrap() + 1;
        cuts.push(cut(at, 1, "w"));
    }
    let end = new.find("  </appSettings>").unwrap();
    let added: String = (0..300)
        .map(|k| format!("    <add key=\"OLD_{k}\" value=\"o\" />\n"))
        .collect();
    cuts.push(cut(end, 0, &added));
    let secrets: Vec<Range<usize>> = new
        .match_indices("value=\"")
        .map(|(i, _)| i + 7..i + 7 + new[i + 7..].find('"').unwrap())
        .collect();
    check(&new, &cuts, (&secrets, &[]), true);
}

fn cut(at: usize, len: usize, text: &str) -> Cut {
    (at, len, text.to_string())
}

const CONFIG: &str = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"1\" />\n    <add key=\"B\" value=\"2\" />\n    <add key=\"C\" value=\"3\" />\n    <add key=\"D\" value=\"4\" />\n    <add key=\"E\" value=\"5\" />\n    <add key=\"F\" value=\"6\" />\n    <add key=\"G\" value=\"7\" />\n    <add key=\"H\" value=\"8\" />\n    <add key=\"I\" value=\"9\" />\n  </appSettings>\n</configuration>\n";

fn value(key: &str) -> usize {
    CONFIG.find(&format!("key=\"{key}\" value=\"")).unwrap() + 15
}

#[test]
fn windows_that_touch_overlap_or_stand_apart() {
    // Values 2 and 8 lines apart: one hunk when their ±3 lines of context meet, two when not.
    for (x, y) in [("A", "B"), ("A", "D"), ("A", "H"), ("B", "I"), ("C", "G")] {
        check(
            CONFIG,
            &[cut(value(x), 1, "x"), cut(value(y), 1, "y")],
            (&[], &[]),
            false,
        );
    }
    let (merged, landed) = splice_text(CONFIG, &[cut(value("A"), 1, "x"), cut(value("I"), 1, "y")]);
    let mut out = Vec::new();
    hunks(
        &texts(CONFIG, &merged, &landed, (&[], &[]), false, false),
        &mut out,
    )
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.matches("@@ ").count(), 2, "{out}");
}

#[test]
fn first_and_last_lines_and_no_final_line_break() {
    let no_eol = CONFIG.trim_end();
    for text in [CONFIG, no_eol] {
        let end = text.len();
        for cuts in [
            vec![cut(0, 0, "<?xml version=\"1.0\"?>\n")],
            vec![cut(1, 3, "CONF")],
            vec![cut(end, 0, "\n<!-- end -->")],
            vec![cut(end - 3, 3, "X")],
            vec![cut(0, 1, "["), cut(end - 1, 1, "]")],
            vec![cut(0, end, "all new\n")],
        ] {
            check(text, &cuts, (&[], &[]), false);
            check(text, &cuts, (&[], &[]), true);
        }
    }
}

#[test]
fn splices_of_identical_bytes_make_no_hunk() {
    let at = value("E");
    let (merged, landed) = splice_text(CONFIG, &[cut(at, 1, "5"), cut(at - 30, 0, "")]);
    assert_eq!(merged, CONFIG);
    assert_eq!(landed.len(), 2);
    let mut out = Vec::new();
    hunks(
        &texts(CONFIG, &merged, &landed, (&[], &[]), false, false),
        &mut out,
    )
    .unwrap();
    assert!(out.is_empty());
    // Beside a real change they change nothing either.
    check(
        CONFIG,
        &[cut(at, 1, "5"), cut(value("G"), 1, "70")],
        (&[], &[]),
        false,
    );
}

#[test]
fn crlf_text() {
    let crlf = CONFIG.replace('\n', "\r\n");
    let at = crlf.find("value=\"4\"").unwrap() + 7;
    check(&crlf, &[cut(at, 1, "four")], (&[], &[]), false);
    check(&crlf, &[cut(at, 1, "a\r\nb")], (&[], &[]), false);
    // An inserted line, CRLF, after the last one.
    check(
        &crlf,
        &[cut(crlf.len(), 0, "<!-- x -->\r\n")],
        (&[], &[]),
        true,
    );
}

#[test]
fn masking_across_a_hunk_edge() {
    // A secret over several lines, starting before the hunk and ending inside it; another starting
    // in the hunk's last context line and running past it.
    let a = value("A");
    let e = value("E");
    let secrets_new = [a..value("D"), e..CONFIG.len() - 20];
    let (merged, landed) = splice_text(
        CONFIG,
        &[cut(value("C"), 1, "33"), cut(value("G"), 1, "77")],
    );
    let shift = 1;
    let secrets_merged = [a..value("D") + shift, e + shift..merged.len() - 20];
    for show in [false, true] {
        let t = texts(
            CONFIG,
            &merged,
            &landed,
            (&secrets_new, &secrets_merged),
            true,
            show,
        );
        let (ours, theirs) = both(&t);
        assert_eq!(ours, theirs);
        assert_eq!(ours.1, !show, "{}", ours.0);
    }
}

#[test]
fn a_value_that_is_already_the_mask_is_not_masked() {
    let text = "<a>\n<b p=\"***\" />\n</a>\n";
    let at = text.find("***").unwrap();
    check(text, &[cut(at, 3, "xyz")], (&[at..at + 3], &[]), false);
    check(
        text,
        &[cut(0, 0, "<!-- -->\n")],
        (&[at..at + 3], &[at + 9..at + 12]),
        false,
    );
}

#[test]
fn inconsistent_splices_take_the_whole_text_path() {
    let new = "a\nb\nc\n";
    let merged = "a\nB\nc\n";
    let landed = [Landed {
        original: 0..1,
        result: 0..1,
    }];
    let (a, b) = (Lines::new(new, ""), Lines::new(merged, ""));
    assert!(splice::ops(&a, &b, &landed).is_none());
    let t = texts(new, merged, &landed, (&[], &[]), false, true);
    let (ours, theirs) = both(&t);
    assert_eq!(ours, theirs);
}

#[test]
fn headers_quote_odd_names_as_git_does() {
    assert_eq!(
        headers("new.config"),
        "diff --git a/new.config b/new.config\n--- a/new.config\n+++ b/new.config\n"
    );
    assert_eq!(
        headers("my site/web.config"),
        "diff --git a/my site/web.config b/my site/web.config\n--- a/my site/web.config\t\n+++ b/my site/web.config\t\n"
    );
    assert!(headers("caf\u{e9}\n--- x").contains("\"a/caf\\303\\251\\n--- x\""));
    assert_eq!(header_path("../new/web.config"), "web.config");
    assert_eq!(header_path("./site\\web.config"), "site/web.config");
    for (name, shown) in [
        (
            r"C:\inetpub\wwwroot\web.config",
            "inetpub/wwwroot/web.config",
        ),
        (r"\\?\Z:\tmp\new.config", "tmp/new.config"),
        (r"\\?\UNC\server\share\site\web.config", "site/web.config"),
        (r"\\server\share\site\web.config", "site/web.config"),
        (r"C:..\new\web.config", "web.config"),
    ] {
        assert_eq!(header_path_on(name, true), shown, "{name}");
    }
    assert_eq!(
        header_path_on("/srv/site/web.config", false),
        "srv/site/web.config"
    );
}

#[test]
fn a_last_line_inside_a_secret_is_printed_as_the_masked_view_printed_it() {
    // The secret runs from the line before to the end of a text with no final line break: the
    // masked text has no such line, and the diff always showed the line itself there.
    let new = "<a>\n  <b p=\"v\" />\n  </a>\nx";
    let s = new.find("v\"").unwrap();
    check(
        new,
        &[cut(new.len(), 0, "\n")],
        (&[s..new.len()], &[]),
        false,
    );
}
