//! Properties of the merge on generated documents: lossless, idempotent, X onto X is X, and the diff
//! applies with GNU patch.

mod common;

use std::process::Command;

use common::{render, spec};
use proptest::prelude::*;
use wcmigrate::{diff, migrate, Input, Options, Rules};

fn run(old: &str, new: &str) -> wcmigrate::Migration {
    let rules = Rules::builtin();
    migrate(
        &Input::from_bytes("old.config", old),
        &Input::from_bytes("new.config", new),
        &rules,
        &Options::default(),
    )
    .unwrap_or_else(|f| panic!("{:?}", f.diagnostics))
}

/// A line with the contents of its `<value>` element and of every quoted attribute value blanked.
fn blank_values(line: &str) -> String {
    let line = match (line.find("<value>"), line.rfind("</value>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &line[..a + 7], &line[b..]),
        _ => line.to_string(),
    };
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for c in line.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => {}
            None if (c == '"' || c == '\'') && prev == '=' => {
                quote = Some(c);
                out.push(c);
            }
            None => out.push(c),
        }
        prev = c;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn merging_a_file_onto_itself_changes_nothing(x in spec(false)) {
        let text = render(&x);
        let m = run(&text, &text);
        prop_assert_eq!(&m.output[..], text.as_bytes());
        prop_assert!(m.changes.is_empty());
    }

    #[test]
    fn merge_is_idempotent(old in spec(true), new in spec(false)) {
        let (old, new) = (render(&old), render(&new));
        let once = run(&old, &new);
        let twice = run(&old, &once.merged_text);
        prop_assert_eq!(&twice.merged_text, &once.merged_text);
        prop_assert!(twice.changes.is_empty(), "{:?}", twice.changes);
    }

    #[test]
    fn untouched_bytes_are_identical_and_changes_stay_inside_values(old in spec(true), new in spec(false)) {
        let (old, new) = (render(&old), render(&new));
        let m = run(&old, &new);
        let bom: &[u8] = if new.starts_with('\u{FEFF}') { b"\xEF\xBB\xBF" } else { b"" };
        prop_assert_eq!(&m.output[..bom.len()], bom, "NEW's BOM is kept");
        prop_assert_eq!(&m.output[bom.len()..], m.merged_text.as_bytes());
        let diff = similar::TextDiff::from_lines(&*m.new_text, m.merged_text.as_str());
        for op in diff.ops() {
            let old_lines: Vec<&str> = diff.iter_changes(op).filter(|c| c.tag() == similar::ChangeTag::Delete).map(|c| c.value()).collect();
            let new_lines: Vec<&str> = diff.iter_changes(op).filter(|c| c.tag() == similar::ChangeTag::Insert).map(|c| c.value()).collect();
            if old_lines.is_empty() {
                // Pure insertions are whole new elements.
                for l in &new_lines {
                    let t = l.trim_start();
                    prop_assert!(t.starts_with("<add ") || t.starts_with("<setting ") || t.starts_with("<value>") || t.starts_with("</setting>"), "unexpected inserted line {:?}", l);
                }
                continue;
            }
            // Replaced lines differ only inside values; any extra new lines are inserted elements.
            prop_assert!(new_lines.len() >= old_lines.len(), "lines removed: {:?}", old_lines);
            for (a, b) in old_lines.iter().zip(&new_lines) {
                prop_assert_eq!(blank_values(a), blank_values(b), "a change outside a value");
            }
        }
    }

    #[test]
    fn the_diff_applies_with_gnu_patch(old in spec(true), new in spec(false)) {
        let (old, new) = (render(&old), render(&new));
        let m = run(&old, &new);
        let d = diff::unified(&m, true);
        prop_assert!(d.applies_with_patch() || d.text.is_empty());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("new.config"), &new).unwrap();
        if !d.text.is_empty() {
            std::fs::write(dir.path().join("d.diff"), &d.text).unwrap();
            let p = Command::new("patch").current_dir(dir.path()).args(["-p1", "--quiet", "-i", "d.diff"]).output().unwrap();
            prop_assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stdout));
        }
        prop_assert_eq!(std::fs::read(dir.path().join("new.config")).unwrap(), m.output);
    }
}
