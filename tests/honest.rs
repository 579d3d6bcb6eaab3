//! Tests that cannot lie: checks of the test suite itself, by reading it.
//!
//! - No test reads the clock: a test that measures time (or waits a while, or gives up after a while)
//!   fails on a busy machine and proves nothing on a fast one. Scaling is measured in
//!   `benches/scaling.rs`; tests count work instead, and make races deterministic (a FIFO the binary
//!   waits on, a writer on the other end of a FIFO) instead of sleeping.
//! - A test that needs an outside tool (Mono's .NET oracle, Wine) runs under a custom harness that
//!   reports it as ignored when the tool is missing, and as failed under CI=true: it never prints
//!   "skipped" and passes.
//!
//! The tests of the timeout features themselves (`--case-timeout`, in `src/batch/`) are the
//! exception: a bound is what they test, and the work they bound never ends, so no machine is too slow.

use std::fs;
use std::path::{Path, PathBuf};

fn test_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            test_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_test_reads_the_clock() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    test_files(&root.join("tests"), &mut files);
    // Spelled in pieces so that this file does not match itself.
    let clocks = [
        ["Instant", "::now"],
        ["SystemTime", "::now"],
        [".time", "out("],
        ["thread::", "sleep"],
        ["recv_", "timeout"],
    ]
    .map(|p| p.concat());
    let mut found = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            for c in &clocks {
                if line.contains(c.as_str()) && !line.trim_start().starts_with("//") {
                    found.push(format!(
                        "{}:{}: {}",
                        f.strip_prefix(root).unwrap().display(),
                        i + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "tests that depend on wall-clock time (count work, or make the race deterministic):\n{}",
        found.join("\n")
    );
}

#[test]
fn tests_that_need_an_outside_tool_report_ignored_not_ok() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for (name, tool) in [
        ("oracle", "Mono"),
        ("windows", "Wine"),
        ("durable", "strace"),
    ] {
        let table = format!("[[test]]\nname = \"{name}\"\nharness = false");
        assert!(
            manifest.contains(&table),
            "tests/{name}.rs needs {tool}: it must run under its own harness (libtest-mimic) to be \
             reported as ignored when {tool} is missing"
        );
        let text = fs::read_to_string(root.join(format!("tests/{name}.rs"))).unwrap();
        assert!(
            text.contains("with_ignored_flag") && text.contains("\"CI\""),
            "tests/{name}.rs must mark its trials ignored without {tool}, and fail them under CI=true"
        );
        assert!(
            !text.contains(&["SKIP", "PED"].concat()),
            "tests/{name}.rs prints that it skipped and passes"
        );
    }
}
