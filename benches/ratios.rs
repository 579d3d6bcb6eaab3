//! The engine's figures against their floors, in process (issue 16, items 1 and 5; docs/PERFORMANCE.md):
//! merge / parse-only (roxmltree parsing both inputs) at 1k, 10k, 100k and 300k keys and on the
//! typical triple, `--base` / 2-way, and the linearity ratios time(100k)/time(1k) and
//! time(300k)/time(100k), with parse-only's own beside them. A merge is what `wcmigrate merge` does
//! before writing: the migration and its unified diff.
//!
//! All of one group's work runs interleaved, round after round (`support::interleaved`; short runs
//! repeated to take ~100 ms), and every ratio is the median of the per-round ratios, of wall time and
//! (in brackets) of CPU time, which other programs on the machine do not stretch: on this shared
//! machine a criterion run of the same functions (`benches/engine.rs`) put the typical merge at 70 µs
//! in one run and 177 µs in the next, and the 3-way merge below the 2-way one.
//!
//! `cargo bench --bench ratios [-- typical|sizes]` prints the medians, then the table rows. It
//! measures; it never fails on a figure.

use std::hint::black_box;
use std::time::Duration;

use wcmigrate::{Input, Rules};

mod support;
use support::{find, interleaved, paired_ratio, ratio, row, selected, t, Case, Sample};

/// The generated sizes (appSettings keys, a quarter as many settings), with the repetitions that
/// make each run of a case take about 100 ms or more.
const SIZES: [(usize, u32); 4] = [(1_000, 40), (10_000, 4), (100_000, 1), (300_000, 1)];

/// The sizes that also get a 3-way merge.
const THREE_WAY: [usize; 2] = [1_000, 100_000];

const PARSE: &str = "parse-only (roxmltree parses OLD and NEW)";
const TWO_WAY: &str = "the 2-way merge of the same OLD and NEW";

fn cmd(group: &str) -> String {
    format!("cargo bench --bench ratios -- {group}")
}

fn read(dir: &str, file: &str) -> Input {
    Input::from_bytes(
        file,
        std::fs::read(format!("{dir}/{file}")).expect("corpus file"),
    )
}

/// The typical 3-way User Portal triple: parse-only, merge, merge3.
fn typical(rules: &Rules) {
    let dir = support::TYPICAL3;
    let (base, old, new) = (
        read(dir, "base.config"),
        read(dir, "old.config"),
        read(dir, "new.config"),
    );
    let mut cases = [
        Case::new("parse-only", || {
            black_box(support::parse_only(&old.bytes, &new.bytes));
        })
        .reps(2000),
        Case::new("merge", || {
            black_box(support::merge(None, &old, &new, rules).1);
        })
        .reps(500),
        Case::new("merge3", || {
            black_box(support::merge(Some(&base), &old, &new, rules).1);
        })
        .reps(500),
    ];
    let s = interleaved(2, 60, Duration::from_secs(15), &mut cases);
    support::print_samples("typical", &s);
    let f = |goal: &str, a: &Sample, b: &Sample, floor: &str| {
        row(1, goal, &ratio(a, b), &cmd("typical"), floor)
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
fn sizes(rules: &Rules) {
    let triples: Vec<(usize, u32, (Input, Input, Input))> = SIZES
        .iter()
        .map(|&(keys, reps)| (keys, reps, support::inputs(&support::gen::pair(keys))))
        .collect();
    let mut cases = Vec::new();
    for (keys, reps, (base, old, new)) in &triples {
        let [parse, merge, merge3] = names(*keys);
        cases.push(
            Case::new(parse, move || {
                black_box(support::parse_only(&old.bytes, &new.bytes));
            })
            .reps(*reps),
        );
        cases.push(
            Case::new(merge, move || {
                black_box(support::merge(None, old, new, rules).1);
            })
            .reps(*reps),
        );
        if THREE_WAY.contains(keys) {
            cases.push(
                Case::new(merge3, move || {
                    black_box(support::merge(Some(base), old, new, rules).1);
                })
                .reps(*reps),
            );
        }
    }
    let s = interleaved(1, 8, Duration::from_secs(90), &mut cases);
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
            &ratio(get(merge), get(parse)),
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
            &ratio(get(merge3), get(merge)),
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
            "parse-only's own ratio: {:.1} (CPU {:.1})",
            paired_ratio(get(pb), get(ps)),
            support::paired_cpu_ratio(get(pb), get(ps))
        );
        let figure = format!(
            "{} / {} = **{:.1}** (CPU {:.1})",
            t(get(mb).median()),
            t(get(ms).median()),
            paired_ratio(get(mb), get(ms)),
            support::paired_cpu_ratio(get(mb), get(ms))
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
    let rules = Rules::builtin();
    if selected("typical") {
        typical(&rules);
    }
    if selected("sizes") {
        sizes(&rules);
    }
    println!("load average {} at the end", support::load());
}
