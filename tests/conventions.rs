//! The command line behaves like the tools it sits beside (diff, git, rustfmt --check, cargo,
//! ripgrep): exit codes, `-` for standard input and output, `--diff FILE`, `-q`/`-v`, argument errors
//! named, files Notepad saved (a byte-order mark) read as text.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/user-portal-basic");

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wcmigrate"));
    c.env_remove("NO_COLOR");
    c
}

/// `wcmigrate merge` in a scratch folder holding old.config and new.config.
fn setup() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for f in ["old.config", "new.config"] {
        fs::copy(Path::new(CASE).join(f), d.path().join(f)).unwrap();
    }
    d
}

fn merge(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wcmigrate"));
    c.current_dir(dir)
        .env_remove("NO_COLOR")
        .args(["merge", "--color", "never"])
        .args(args);
    c
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_help_documents_exit_codes_and_examples_for_every_subcommand() {
    for sub in [
        "merge",
        "batch",
        "rules",
        "merge-driver",
        "completions",
        "manpage",
    ] {
        let o = bin().args([sub, "--help"]).output().unwrap();
        let help = out(&o);
        assert_eq!(o.status.code(), Some(0));
        assert!(help.contains("Examples:"), "{sub} --help:\n{help}");
        assert!(help.contains("Exit status"), "{sub} --help:\n{help}");
    }
    let o = bin().args(["merge", "--help"]).output().unwrap();
    for needle in ["0  done", "1  --check", "2  trouble", "E007"] {
        assert!(out(&o).contains(needle), "{needle}");
    }
}

/// diff exits 2 when it cannot write its output; so does wcmigrate. A reader that stops reading is
/// not a failure of wcmigrate's (ripgrep's rule): it exits as the run would have.
#[cfg(target_os = "linux")]
#[test]
fn a_write_error_on_standard_output_exits_2_and_a_closed_pipe_does_not() {
    let d = setup();
    for args in [
        &["old.config", "new.config"][..],
        &["old.config", "new.config", "-o", "-"],
        &["old.config", "new.config", "--format", "json"],
    ] {
        let o = merge(d.path(), args)
            .stdout(fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(
            err(&o).contains("E007") && err(&o).contains("No space left on device"),
            "{}",
            err(&o)
        );
    }
    let o = bin()
        .args(["rules", "--dump"])
        .stdout(fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    // `| head`: the read end closed before or while wcmigrate writes.
    let mut child = merge(d.path(), &["old.config", "new.config"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(!err(&o).contains("E007"));
}

#[test]
fn dash_reads_one_input_from_standard_input() {
    let d = setup();
    let from_files = merge(d.path(), &["old.config", "new.config", "-o", "a.config"])
        .output()
        .unwrap();
    assert_eq!(from_files.status.code(), Some(0), "{}", err(&from_files));
    for (args, piped) in [
        (["-", "new.config"], "old.config"),
        (["old.config", "-"], "new.config"),
    ] {
        let o = merge(d.path(), &[args[0], args[1], "-o", "b.config"])
            .stdin(fs::File::open(d.path().join(piped)).unwrap())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert_eq!(
            fs::read(d.path().join("a.config")).unwrap(),
            fs::read(d.path().join("b.config")).unwrap()
        );
    }
    // From a pipe too.
    let mut child = merge(d.path(), &["-", "new.config", "-o", "c.config"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&fs::read(d.path().join("old.config")).unwrap())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(
        fs::read(d.path().join("a.config")).unwrap(),
        fs::read(d.path().join("c.config")).unwrap()
    );
    // `-o` over the file standard input was redirected from is caught like any other input.
    let o = merge(d.path(), &["-", "new.config", "-o", "old.config"])
        .stdin(fs::File::open(d.path().join("old.config")).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("E015"), "{}", err(&o));
}

#[test]
fn argument_errors_are_named_and_exit_2() {
    let d = setup();
    for (args, needle) in [
        (
            &["-", "-"][..],
            "only one of OLD, NEW and --base can be `-`",
        ),
        (
            &["old.config", "-", "--in-place"],
            "--in-place rewrites NEW's file",
        ),
        (&["old.config", "new.config", "--prefer", "old"], "--base"),
        (&["old.config", "new.config", "--force"], "--in-place"),
        (&["old.config", "new.config", "-q", "-v"], "--verbose"),
        (&["old.config", "new.config", "--sdk-vdir", ""], "E017"),
    ] {
        let o = merge(d.path(), args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains(needle), "{args:?}: {}", err(&o));
        assert!(o.stdout.is_empty());
    }
    // Under --format json an argument error is the JSON report too.
    for (args, needle) in [
        (&["--prefer", "old"][..], "--base"),
        (
            &["-o", "-"],
            "-o - writes the merged file to standard output",
        ),
    ] {
        let o = merge(d.path(), &["old.config", "new.config", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["diagnostics"][0]["code"], "E040");
        let message = v["diagnostics"][0]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{message}");
    }
    assert!(!d.path().join("-").exists());
}

#[test]
fn dash_o_writes_the_merged_file_to_standard_output_and_the_diff_elsewhere() {
    let d = setup();
    let o = merge(d.path(), &["old.config", "new.config", "-o", "want.config"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let want = fs::read(d.path().join("want.config")).unwrap();
    let plain = merge(d.path(), &["old.config", "new.config"])
        .output()
        .unwrap();
    let diff = out(&plain);
    assert!(diff.starts_with("diff --git"), "{diff}");

    let o = merge(d.path(), &["old.config", "new.config", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(o.stdout, want, "the merged file, byte for byte");
    assert!(err(&o).starts_with(&diff), "the diff goes to stderr");
    assert!(!d.path().join("-").exists(), "no file named -");

    let o = merge(
        d.path(),
        &["old.config", "new.config", "-o", "-", "--diff", "d.diff"],
    )
    .output()
    .unwrap();
    assert_eq!(o.stdout, want);
    assert_eq!(fs::read_to_string(d.path().join("d.diff")).unwrap(), diff);
    assert!(!err(&o).contains("diff --git"));

    // --diff FILE in a dry run: nothing on stdout.
    let o = merge(d.path(), &["old.config", "new.config", "--diff", "e.diff"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    assert_eq!(fs::read_to_string(d.path().join("e.diff")).unwrap(), diff);
    // With --format json the report holds the diff, and --diff FILE writes it too.
    let o = merge(
        d.path(),
        &[
            "old.config",
            "new.config",
            "--format",
            "json",
            "--diff",
            "f.diff",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diff"], diff.as_str());
    assert_eq!(fs::read_to_string(d.path().join("f.diff")).unwrap(), diff);
    // --diff naming an input is refused like -o.
    let o = merge(
        d.path(),
        &["old.config", "new.config", "--diff", "old.config"],
    )
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("E015") && err(&o).contains("--diff old.config is OLD"));
}

#[test]
fn quiet_keeps_warnings_and_errors_and_verbose_lists_every_change() {
    let d = setup();
    let o = merge(d.path(), &["old.config", "new.config"])
        .output()
        .unwrap();
    let normal = err(&o);
    assert!(normal.contains("N303") && normal.contains("wcmigrate: 9 changes"));

    let o = merge(d.path(), &["old.config", "new.config", "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        err(&o).is_empty(),
        "no warning here, so nothing:\n{}",
        err(&o)
    );
    assert_eq!(
        out(&o),
        out(&merge(d.path(), &["old.config", "new.config"])
            .output()
            .unwrap())
    );

    // A warning (W205, the theme folder) still shows under -q.
    let theme = tempfile::tempdir().unwrap();
    let t = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-theme");
    for f in ["old.config", "new.config"] {
        fs::copy(t.join(f), theme.path().join(f)).unwrap();
    }
    let o = merge(theme.path(), &["old.config", "new.config", "--quiet"])
        .output()
        .unwrap();
    assert!(
        err(&o).contains("W205") && !err(&o).contains("N30"),
        "{}",
        err(&o)
    );

    let o = merge(d.path(), &["old.config", "new.config", "-v"])
        .output()
        .unwrap();
    let verbose = err(&o);
    let changes: Vec<&str> = verbose.lines().filter(|l| l.starts_with("  R1")).collect();
    assert_eq!(changes.len(), 9, "{}", err(&o));
    assert!(changes
        .iter()
        .any(|l| l.contains("R104") && l.contains("->")));
    assert!(!err(&o).contains("Hunter2"), "values masked as in the diff");
}

/// A case's `args` file and a manifest saved by Notepad start with a UTF-8 byte-order mark; they used
/// to give "unknown flag" and "expected value at line 1 column 1".
#[test]
fn batch_args_files_and_manifests_with_a_byte_order_mark_are_read() {
    let d = tempfile::tempdir().unwrap();
    let case = d.path().join("cases/kept");
    fs::create_dir_all(&case).unwrap();
    let kept = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-kept-sdk-vdir");
    for f in ["old.config", "new.config"] {
        fs::copy(kept.join(f), case.join(f)).unwrap();
    }
    let args = fs::read_to_string(kept.join("args")).unwrap();
    fs::write(case.join("args"), format!("\u{feff}{args}")).unwrap();
    let manifest: PathBuf = d.path().join("cases.json");
    fs::write(
        &manifest,
        "\u{feff}[{\"name\": \"kept\", \"old\": \"cases/kept/old.config\", \"new\": \"cases/kept/new.config\", \"args\": [\"--sdk-vdir\", \"PhoneFactorWebServiceSdk\"]}]",
    )
    .unwrap();
    for source in [d.path().join("cases"), manifest] {
        let out_dir = tempfile::tempdir().unwrap();
        let o = bin()
            .args(["batch", "--color", "never"])
            .arg(&source)
            .arg("--out")
            .arg(out_dir.path())
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {}",
            source.display(),
            err(&o)
        );
        assert_eq!(
            fs::read(out_dir.path().join("kept/merged.config")).unwrap(),
            fs::read(kept.join("expected.config")).unwrap()
        );
    }
}

/// The README says to copy the built-in rules; `rules --dump` prints them, byte for byte, and the
/// printed file is a rules file wcmigrate accepts.
#[test]
fn rules_dump_prints_the_built_in_rules_file() {
    let o = bin().args(["rules", "--dump"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let shipped =
        fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/phonefactor-to-mfa.toml"));
    assert_eq!(o.stdout, shipped.unwrap());
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("mine.toml"), &o.stdout).unwrap();
    let listed = bin()
        .args(["rules", "--rules"])
        .arg(d.path().join("mine.toml"))
        .output()
        .unwrap();
    assert_eq!(listed.status.code(), Some(0));
    assert!(out(&listed).contains("R107"));
}
