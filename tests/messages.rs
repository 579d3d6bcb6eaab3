//! Messages a person reads: no Rust debug text, no comparison whose two sides read the same, a
//! masked value still says what kind of value it is, the batch table counts what it lists (the
//! App_Themes reminder included), and no message names a file twice or a temporary file at all.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .current_dir(dir)
        .args(args)
        .args(["--color", "never"])
        .output()
        .unwrap()
}

/// Stderr with the renderer's line wrapping undone.
fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn pair(old: &str, new: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("old.config"), old).unwrap();
    fs::write(d.path().join("new.config"), new).unwrap();
    d
}

/// Format strings under src/ (outside tests and assertions) use no `{:?}`: Debug output of an Option,
/// a String or an enum reads as Rust, not as a message (`stored as String in OLD`, `BASE Some("…")`).
#[test]
fn no_message_is_built_with_debug_formatting() {
    let mut found = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = fs::read_to_string(&p).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, line) in code.lines().enumerate() {
                let t = line.trim_start();
                let debug =
                    t.contains(":?}") || t.contains(":#?}") || t.contains(".escape_debug()");
                let exempt = t.starts_with("//")
                    || t.starts_with("debug_assert")
                    || t.starts_with("assert")
                    || t.starts_with("panic!")
                    || t.starts_with("unreachable!");
                if debug && !exempt {
                    found.push(format!("{}:{}: {t}", p.display(), i + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "debug formatting in messages:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_serialize_as_mismatch_names_the_attribute_as_written() {
    let file = |kind: &str, v: &str| {
        format!("<configuration><configSections><sectionGroup name=\"applicationSettings\" type=\"System.Configuration.ApplicationSettingsGroup, System, Version=4.0.0.0\"><section name=\"p.Settings\" type=\"System.Configuration.ClientSettingsSection, System, Version=4.0.0.0\" /></sectionGroup></configSections><applicationSettings><p.Settings><setting name=\"List\" serializeAs=\"{kind}\"><value>{v}</value></setting></p.Settings></applicationSettings></configuration>")
    };
    let d = pair(&file("String", "old"), &file("Xml", "new"));
    let e = err(&run(d.path(), &["merge", "old.config", "new.config"]));
    assert!(
        e.contains("setting `List` is stored as serializeAs=\"String\" in OLD but \"Xml\" in NEW"),
        "{e}"
    );
}

#[test]
fn masked_values_say_what_kind_of_value_each_side_has() {
    let key = |v: &str, d: &str| {
        format!("<configuration><system.web><machineKey validationKey=\"{v}\" decryptionKey=\"{d}\" /></system.web></configuration>")
    };
    let old = key(&"A1".repeat(32), "0123456789abcdef0123456789abcdef");
    // NEW: a generated key (not a secret), and another key of the same length as OLD's.
    let new = key(
        "AutoGenerate,IsolateApps",
        "fedcba9876543210fedcba9876543210",
    );
    let d = pair(&old, &new);
    let e = err(&run(d.path(), &["merge", "old.config", "new.config"]));
    assert!(
        e.contains("validationKey=\"***\" (64 hex digits) (NEW: \"AutoGenerate,IsolateApps\")"),
        "{e}"
    );
    assert!(
        e.contains("decryptionKey=\"***\" (32 hex digits) (NEW: \"***\" (32 hex digits), a different value)"),
        "{e}"
    );
    assert!(
        !e.contains("A1A1") && !e.contains("0123456789abcdef"),
        "{e}"
    );
    // A deployment tool's token in NEW is not a secret: it says what NEW holds.
    let app = |v: &str| {
        format!("<configuration><connectionStrings><add name=\"db\" connectionString=\"{v}\" /></connectionStrings><system.web><machineKey validationKey=\"{v}\" /></system.web></configuration>")
    };
    let d = pair(&app("Sup3rSecretValue!"), &app("#{MachineValidationKey}"));
    let e = err(&run(d.path(), &["merge", "old.config", "new.config"]));
    assert!(
        e.contains("validationKey=\"***\" (17 characters) (NEW: \"#{MachineValidationKey}\")"),
        "{e}"
    );
    assert!(!e.contains("Sup3rSecret"), "{e}");
}

#[test]
fn no_comparison_shows_two_sides_that_read_the_same() {
    // A text only OLD has, and one that differs only in a masked secret.
    let d = pair(
        "<configuration><system.web><x>on</x><y>  </y></system.web><system.net><mailSettings><smtp><network password=\"abc\" /></smtp></mailSettings></system.net></configuration>",
        "<configuration><system.web><x></x><y>off</y></system.web><system.net><mailSettings><smtp><network password=\"xyz\" /></smtp></mailSettings></system.net></configuration>",
    );
    let e = err(&run(d.path(), &["merge", "old.config", "new.config"]));
    assert!(e.contains("OLD has text \"on\" (NEW: no text)"), "{e}");
    assert!(e.contains("OLD has no text (NEW: text \"off\")"), "{e}");
    assert!(
        e.contains(
            "password=\"***\" (3 characters) (NEW: \"***\" (3 characters), a different value)"
        ),
        "{e}"
    );
    assert!(!e.contains("\"\" (NEW: \"\")"), "{e}");
}

#[test]
fn a_duplicate_key_names_its_file_once() {
    let d = pair(
        "<configuration><appSettings><add key=\"A\" value=\"1\" /><add key=\"A\" value=\"2\" /></appSettings></configuration>",
        "<configuration><appSettings><add key=\"A\" value=\"\" /></appSettings></configuration>",
    );
    let o = run(d.path(), &["merge", "old.config", "new.config"]);
    let e = err(&o);
    assert!(
        e.contains("appSettings key `A` is added twice; the later value wins"),
        "{e}"
    );
    assert!(!e.contains("twice in old.config"), "{e}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_names_the_file_asked_for_not_a_temporary_one() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-basic");
    let o = run(
        &case,
        &[
            "merge",
            "old.config",
            "new.config",
            "-o",
            "/dev/full/merged.config",
        ],
    );
    let e = err(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        e.contains("cannot write /dev/full/merged.config: Not a directory"),
        "{e}"
    );
    assert!(!e.contains(".tmp") && !e.contains("at path"), "{e}");
    assert!(
        !e.contains("N303"),
        "nothing was written: no notes on what would have been\n{e}"
    );
}

/// The batch table counted 7 warnings and listed 6, and the App_Themes reminder (W205) of a case
/// whose first warning was another never reached the summary.
#[test]
fn the_batch_summary_lists_every_warning_it_counts() {
    let d = tempfile::tempdir().unwrap();
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-theme");
    for case in ["a-theme", "b-plain"] {
        fs::create_dir(d.path().join(case)).unwrap();
        fs::copy(
            theme.join("new.config"),
            d.path().join(case).join("new.config"),
        )
        .unwrap();
    }
    // a-theme: a duplicate key (W201) before the theme's reminder (W205).
    let old = fs::read_to_string(theme.join("old.config")).unwrap();
    let dup = old.replacen(
        "<appSettings>",
        "<appSettings><add key=\"Z\" value=\"1\" /><add key=\"Z\" value=\"2\" />",
        1,
    );
    assert_ne!(dup, old);
    fs::write(d.path().join("a-theme/old.config"), dup).unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-basic/old.config"),
        d.path().join("b-plain/old.config"),
    )
    .unwrap();
    let o = run(d.path(), &["batch", "."]);
    let e = String::from_utf8_lossy(&o.stderr).into_owned();
    let table: Vec<&str> = e.lines().nth(2).unwrap().split_whitespace().collect();
    let warnings: usize = table[5].parse().unwrap();
    let listed = e
        .lines()
        .filter(|l| l.trim_start().starts_with('W'))
        .count();
    assert_eq!(listed, warnings, "{e}");
    assert!(
        e.contains("W205(theme-folder)") && e.contains("W201(duplicate-key)"),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "cases with warnings or conflicts (1 case, {warnings} warnings)"
        )),
        "{e}"
    );
}
