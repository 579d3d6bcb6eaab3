//! Whole-process figures of the release binary (issue 16, items 1, 3 and 4; docs/PERFORMANCE.md). Each
//! group runs its commands interleaved, round after round (`support::interleaved`), and gives each
//! ratio as the median of the per-round ratios, so that load moving on the shared machine between one
//! command's runs and another's does not bias it:
//!
//! - `startup`: the typical pair (`corpus/user-portal-basic`), `wcmigrate merge OLD NEW` and with
//!   `-o OUT`, against `xmlstarlet ed -u XPATH -v VALUE NEW` (to a pipe, and into a file), `/bin/true`,
//!   a Rust hello-world process (this bench binary in its `hello` child mode) and one fsync (write,
//!   fsync and rename of a small file, in process). Without xmlstarlet its rows say they were skipped.
//! - `format-typical`, `format-100k`: `--format json` against the human run (diff to a pipe).
//! - `process-100k`: `merge OLD NEW -o OUT` on the 100k pair against a parse-only process.
//! - `batch`: `wcmigrate batch DIR --jobs 2`, dry and with `--out OUTDIR` (emptied before each run,
//!   untimed), on 10,000 small pairs, against reading and parsing the same files on 2 threads.
//!
//! `cargo bench --bench process [-- GROUP..]` prints each command's median, then the table rows.
//! Scratch files go to the system's temporary folder (the disk whose fsync is measured). Not a
//! criterion bench: criterion measures one function after the other. It measures; it never fails on
//! a figure.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

mod support;
use support::{
    find, interleaved, paired_ratio, ratio, row, run, selected, t, wcmigrate, Case, TYPICAL,
};

/// The value the typical pair's OLD carries over, which xmlstarlet sets instead.
const XPATH: &str =
    "/configuration/appSettings/add[@key='WEB_SERVICE_SDK_AUTHENTICATION_USERNAME']/@value";
const VALUE: &str = "CONTOSO\\svc-pfportal";

/// Pairs in the batch figure.
const CASES: usize = 10_000;

fn has_xmlstarlet() -> bool {
    Command::new("xmlstarlet")
        .arg("--version")
        .stdout(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success())
}

fn xmlstarlet(new: &Path) -> Command {
    let mut c = Command::new("xmlstarlet");
    c.args(["ed", "-u", XPATH, "-v", VALUE]).arg(new);
    c
}

/// Write, fsync and rename a small file: what one durable replace costs at least.
fn one_fsync(dir: &Path, bytes: &[u8]) {
    let (tmp, dst) = (dir.join("fsync.tmp"), dir.join("fsync.config"));
    let mut f = fs::File::create(&tmp).expect("create");
    f.write_all(bytes).expect("write");
    f.sync_all().expect("fsync");
    fs::rename(&tmp, &dst).expect("rename");
}

fn merge_cmd(dir: &Path) -> Command {
    let mut m = wcmigrate(["merge"]);
    m.arg(dir.join("old.config")).arg(dir.join("new.config"));
    m
}

fn cmd(group: &str) -> String {
    format!("cargo bench --bench process -- {group}")
}

fn startup(scratch: &Path) {
    let typical = Path::new(TYPICAL);
    let new = typical.join("new.config");
    let (out, xs_out) = (scratch.join("out.config"), scratch.join("xs.config"));
    let small = fs::read(&new).expect("the typical NEW");
    let mut cases = vec![
        Case::new("true", || run(&mut Command::new("true"))),
        Case::new("hello", || run(&mut support::child("hello"))),
        Case::new("fsync", || one_fsync(scratch, &small)),
        Case::new("merge", || run(&mut merge_cmd(typical))),
        Case::new("merge-o", || run(merge_cmd(typical).arg("-o").arg(&out))),
    ];
    let xs = has_xmlstarlet();
    if xs {
        cases.push(Case::new("xmlstarlet", || run(&mut xmlstarlet(&new))));
        cases.push(Case::new("xmlstarlet-o", || {
            let file = fs::File::create(&xs_out).expect("xmlstarlet's output file");
            run(xmlstarlet(&new).stdout(file))
        }));
    }
    let s = interleaved(20, 400, Duration::from_secs(20), &mut cases);
    support::print_samples("startup", &s);
    let get = |n: &str| find(&s, n).expect("measured");
    let floors = |with_o: bool| {
        let mut f = format!(
            "Rust hello-world {}; /bin/true {}",
            t(get("hello").median()),
            t(get("true").median())
        );
        if with_o {
            f += &format!(
                "; one fsync (write+fsync+rename) {}",
                t(get("fsync").median())
            );
        }
        f
    };
    for (goal, ours, theirs, with_o) in [
        (
            "start-up ≤ 0.6× xmlstarlet, typical pair",
            "merge",
            "xmlstarlet",
            false,
        ),
        (
            "start-up with `-o` ≤ 0.8× xmlstarlet, typical pair",
            "merge-o",
            "xmlstarlet-o",
            true,
        ),
    ] {
        let figure = if xs {
            format!(
                "{}; hello-world / xmlstarlet {:.2}",
                ratio(get(ours), get(theirs)),
                paired_ratio(get("hello"), get(theirs))
            )
        } else {
            format!(
                "{}; xmlstarlet skipped (not installed)",
                t(get(ours).median())
            )
        };
        let floor = format!(
            "`xmlstarlet ed -u` {}; {}",
            if with_o { "into a file" } else { "to a pipe" },
            floors(with_o)
        );
        row(3, goal, &figure, &cmd("startup"), &floor);
    }
}

/// `--format json` against the human run of the pair in `dir`.
fn formats(group: &str, label: &str, dir: &Path, large: bool) {
    let mut cases = [
        Case::new("human", || run(&mut merge_cmd(dir))),
        Case::new("json", || run(merge_cmd(dir).args(["--format", "json"]))),
    ];
    let s = if large {
        interleaved(1, 10, Duration::from_secs(40), &mut cases)
    } else {
        interleaved(10, 300, Duration::from_secs(10), &mut cases)
    };
    support::print_samples(group, &s);
    let figure = ratio(&s[1], &s[0]);
    let goal = format!("`--format json` ≤ 1.10× human, {label}");
    row(
        1,
        &goal,
        &figure,
        &cmd(group),
        "the human run (diff to a pipe)",
    );
}

/// `merge -o` of the 100k pair against a parse-only process.
fn large(dir: &Path) {
    let parse = format!("parse {}", dir.display());
    let out = dir.join("out.config");
    let mut cases = [
        Case::new("parse-only", || run(&mut support::child(&parse))),
        Case::new("merge-o", || run(merge_cmd(dir).arg("-o").arg(&out))),
    ];
    let s = interleaved(1, 10, Duration::from_secs(40), &mut cases);
    support::print_samples("process-100k", &s);
    row(
        1,
        "(whole process: `merge -o` / parse-only process, 100k pair)",
        &ratio(&s[1], &s[0]),
        &cmd("process-100k"),
        "a process that reads and parses OLD and NEW",
    );
}

/// 10,000 cases: the typical pair with a different username in each OLD, 100 to a folder.
fn batch_cases(root: &Path) -> Vec<PathBuf> {
    let old = fs::read_to_string(Path::new(TYPICAL).join("old.config")).expect("typical OLD");
    let new = fs::read(Path::new(TYPICAL).join("new.config")).expect("typical NEW");
    (0..CASES)
        .map(|i| {
            let case = root.join(format!("{:02}/{i:05}", i % 100));
            fs::create_dir_all(&case).expect("case folder");
            let o = old.replace("svc-pfportal", &format!("svc-{i}"));
            fs::write(case.join("old.config"), o).expect("write OLD");
            fs::write(case.join("new.config"), &new).expect("write NEW");
            case
        })
        .collect()
}

/// Reading and parsing every case's two files on 2 threads: the batch's floor.
fn read_parse(cases: &[PathBuf]) -> usize {
    let half = cases.len().div_ceil(2);
    std::thread::scope(|s| {
        let workers: Vec<_> = cases
            .chunks(half)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|case| {
                            let old = fs::read(case.join("old.config")).expect("read OLD");
                            let new = fs::read(case.join("new.config")).expect("read NEW");
                            support::parse_only(&old, &new)
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    })
}

fn batch(scratch: &Path) {
    let root = scratch.join("cases");
    let out = scratch.join("batch-out");
    let cases = batch_cases(&root);
    let small = fs::read(Path::new(TYPICAL).join("new.config")).expect("the typical NEW");
    let runs_out = std::cell::Cell::new(0usize);
    let mut runs = [
        Case::new("read-parse", || {
            std::hint::black_box(read_parse(&cases));
        }),
        Case::new(
            "dry",
            || run(wcmigrate(["batch", "--jobs", "2"]).arg(&root)),
        ),
        Case::new("out", || {
            run(wcmigrate(["batch", "--jobs", "2", "--out"])
                .arg(out.join(runs_out.get().to_string()))
                .arg(&root))
        })
        .with_setup(|| {
            // Untimed: each run writes into an OUTDIR of its own and the earlier runs' outputs stay
            // until the end: removing 30,000 files just before a run made ext4 skip their freed
            // inodes on every file the run created (702 pairs/s instead of 5,271 on this VM).
            // `sync` writes the earlier runs out, so this run's flushes do not wait for them.
            runs_out.set(runs_out.get() + 1);
            let _ = Command::new("sync").status();
        }),
        Case::new("fsync", || one_fsync(scratch, &small)),
    ];
    let s = interleaved(1, 8, Duration::from_secs(60), &mut runs);
    drop(runs);
    let _ = fs::remove_dir_all(&out);
    support::print_samples("batch", &s);
    let rate = |x: &support::Sample| format!("{:.0} pairs/s", CASES as f64 / x.median());
    let (floor, dry, with_out) = (&s[0], &s[1], &s[2]);
    let figure = format!(
        "**{}** ({}); dry {} ({})",
        rate(with_out),
        t(with_out.median()),
        rate(dry),
        t(dry.median())
    );
    let floor = format!(
        "read + parse-only on 2 threads {}; one fsync {} (× 20,000 files = {})",
        rate(floor),
        t(s[3].median()),
        t(s[3].median() * 2.0 * CASES as f64)
    );
    row(
        4,
        "batch ≥ 5,000 pairs/s with `--out`, 10,000 small pairs, 2 threads",
        &figure,
        &cmd("batch"),
        &floor,
    );
}

fn main() {
    support::run_child_mode();
    if !support::bench_mode() {
        return;
    }
    let scratch = support::scratch();
    println!("load average {} (2 cores, shared)", support::load());
    if selected("startup") {
        startup(scratch.path());
    }
    if selected("format-typical") {
        formats("format-typical", "typical pair", Path::new(TYPICAL), false);
    }
    let big = scratch.path().join("keys-100000");
    if selected("format-100k") || selected("process-100k") {
        support::write_pair(&big, 100_000);
    }
    if selected("format-100k") {
        formats("format-100k", "100k pair", &big, true);
    }
    if selected("process-100k") {
        large(&big);
    }
    if selected("batch") {
        batch(scratch.path());
    }
    println!("load average {} at the end", support::load());
}
