//! The engine's figures against their floors (issue 16, items 1 and 5; docs/PERFORMANCE.md):
//! merge / parse-only (roxmltree parsing both inputs) at 1k, 10k, 100k and 300k keys and on the
//! typical triple, `--base` / 2-way, and the linearity ratios time(100k)/time(1k) and
//! time(300k)/time(100k), with parse-only's own beside them. A merge is what `wcmigrate merge` does
//! before writing: the migration and its unified diff.
//!
//! Each run is one fresh process (this bench binary in its `engine` child mode) that reads its inputs,
//! then times only the work: the heap, page faults and caches are as the CLI meets them, and no run
//! inherits the heap a larger one left (glibc's malloc adapts its thresholds to what was freed: an
//! in-process version of this bench, the 300k merges among the 100k ones, gave 11 for the 100k
//! merge / parse-only, where criterion, which runs the 300k group after the 100k one, gave 7.4).
//! All of a group's runs are interleaved, round after round (`support::interleaved`), and every ratio
//! is the median of the per-round ratios, of CPU time and (in brackets) of wall time. The work is
//! single-threaded and never waits, so its CPU time is what its wall time would be on an idle machine,
//! while a loaded one stretches long runs' wall time more than short ones' (one run: 100k / 1k = 128
//! in CPU time, 180 in wall time). On this shared machine a criterion run of the same functions
//! (`benches/engine.rs`) put the typical merge at 70 µs in one run and 177 µs in the next, and the
//! 3-way merge below the 2-way one.
//!
//! `cargo bench --bench ratios [-- typical|sizes]` prints the medians, then the table rows. It
//! measures; it never fails on a figure.

use std::path::{Path, PathBuf};
use std::time::Duration;

mod support;
use support::{
    cpu_ratio, engine_run, find, interleaved, paired_cpu_ratio, paired_ratio, row, selected, t,
    Case, Sample,
};

/// The generated sizes (appSettings keys, a quarter as many settings).
const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 300_000];

/// The sizes that also get a 3-way merge.
const THREE_WAY: [usize; 2] = [1_000, 100_000];

const PARSE: &str = "parse-only (roxmltree parses OLD and NEW)";
const TWO_WAY: &str = "the 2-way merge of the same OLD and NEW";

fn cmd(group: &str) -> String {
    format!("cargo bench --bench ratios -- {group}")
}

/// The typical 3-way User Portal triple: parse-only, merge, merge3.
fn typical() {
    let dir = Path::new(support::TYPICAL3);
    let mut cases = [
        Case::timed("parse-only", || engine_run("parse", dir)),
        Case::timed("merge", || engine_run("merge", dir)),
        Case::timed("merge3", || engine_run("merge3", dir)),
    ];
    let s = interleaved(5, 200, Duration::from_secs(20), &mut cases);
    support::print_samples("typical", &s);
    let f = |goal: &str, a: &Sample, b: &Sample, floor: &str| {
        row(1, goal, &cpu_ratio(a, b), &cmd("typical"), floor)
    };
    f("(merge / parse-only, typical pair)", &s[1], &s[0], PARSE);
    f("(`--base` / 2-way, typical)", &s[2], &s[1], TWO_WAY);
}

/// Names of one size's cases (`Case` names are `'static`).
fn names(keys: usize) -> [&'static str; 3] {
    match keys {
        1_000 => ["parse-1k", "merge-1k", "merge3-1k"],
        10_000 => ["parse-10k", "merge-10k", "merge3-10k"],
        100_000 => ["parse-100k", "merge-100k", "merge3-100k"],
        300_000 => ["parse-300k", "merge-300k", "merge3-300k"],
        _ => unreachable!("a size of SIZES"),
    }
}

/// Every generated size in one interleaved group, so that the linearity ratios are paired too.
fn sizes(scratch: &Path) {
    let dirs: Vec<(usize, PathBuf)> = SIZES
        .iter()
        .map(|&keys| {
            let dir = scratch.join(format!("keys-{keys}"));
            support::write_pair(&dir, keys);
            (keys, dir)
        })
        .collect();
    let mut cases = Vec::new();
    for (keys, dir) in &dirs {
        let [parse, merge, merge3] = names(*keys);
        cases.push(Case::timed(parse, move || engine_run("parse", dir)));
        cases.push(Case::timed(merge, move || engine_run("merge", dir)));
        if THREE_WAY.contains(keys) {
            cases.push(Case::timed(merge3, move || engine_run("merge3", dir)));
        }
    }
    let s = interleaved(1, 16, Duration::from_secs(150), &mut cases);
    support::print_samples("sizes", &s);
    let get = |n: &str| find(&s, n).expect("measured");
    for (keys, goal) in [
        (100_000, "merge ≤ 2.0× parse-only, 100k pair"),
        (1_000, "merge ≤ 2.5× parse-only, 1k pair"),
        (10_000, "(merge / parse-only, 10k pair)"),
        (300_000, "(merge / parse-only, 300k pair)"),
    ] {
        let [parse, merge, _] = names(keys);
        row(
            1,
            goal,
            &cpu_ratio(get(merge), get(parse)),
            &cmd("sizes"),
            PARSE,
        );
    }
    for (keys, goal) in [
        (100_000, "`--base` ≤ 1.5× 2-way, 100k pair"),
        (1_000, "(`--base` / 2-way, 1k pair)"),
    ] {
        let [_, merge, merge3] = names(keys);
        row(
            1,
            goal,
            &cpu_ratio(get(merge3), get(merge)),
            &cmd("sizes"),
            TWO_WAY,
        );
    }
    for (small, big, goal) in [
        (1_000, 100_000, "linear: time(100k) / time(1k) ≤ 100"),
        (100_000, 300_000, "linear: time(300k) / time(100k) ≤ 3.2"),
    ] {
        let ([ps, ms, _], [pb, mb, _]) = (names(small), names(big));
        let floor = format!(
            "parse-only's own ratio: CPU {:.1} (wall {:.1})",
            paired_cpu_ratio(get(pb), get(ps)),
            paired_ratio(get(pb), get(ps))
        );
        let figure = format!(
            "CPU {} / {} = **{:.1}** (wall {:.1})",
            t(get(mb).cpu_median()),
            t(get(ms).cpu_median()),
            paired_cpu_ratio(get(mb), get(ms)),
            paired_ratio(get(mb), get(ms))
        );
        row(5, goal, &figure, &cmd("sizes"), &floor);
    }
}

fn main() {
    support::run_child_mode();
    if !support::bench_mode() {
        return;
    }
    println!("load average {} (2 cores, shared)", support::load());
    if selected("typical") {
        typical();
    }
    if selected("sizes") {
        sizes(support::scratch().path());
    }
    println!("load average {} at the end", support::load());
}
