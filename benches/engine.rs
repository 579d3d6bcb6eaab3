//! The engine's time against its floor, in process (issue 16, items 1 and 5; docs/PERFORMANCE.md):
//! for the typical 3-way User Portal triple and the generated pairs at 1k, 10k, 100k and 300k keys,
//! parse-only (roxmltree parsing both inputs), the 2-way merge and, at the typical size, 1k and 100k,
//! the 3-way merge (`--base`). A merge is what `wcmigrate merge` does before writing: the migration and
//! its unified diff. Each group is measured back to back, so its ratios come from one run.
//!
//! `cargo bench --bench engine [-- FILTER]`. After criterion's report it prints the table rows (merge /
//! parse-only, 3-way / 2-way, time(100k)/time(1k), time(300k)/time(100k)) of what this run measured.
//! It measures; it never fails on a figure.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use wcmigrate::{Input, Rules};

mod support;
use support::{median, row, t};

/// Generated sizes (appSettings keys; a quarter as many settings): 1k is a large real web.config,
/// 100k a 22 MB pair, 300k the linearity check's 3x.
const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 300_000];

/// Sizes that also get a 3-way merge.
const THREE_WAY: [usize; 2] = [1_000, 100_000];

fn group_name(keys: usize) -> String {
    format!("keys-{keys}")
}

/// Parse-only, merge and (if `base`) the 3-way merge of one triple, in one group.
fn trio(c: &mut Criterion, name: &str, (base, old, new): &(Input, Input, Input), three_way: bool) {
    let rules = Rules::builtin();
    let bytes = old.bytes.len() + new.bytes.len();
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes as u64));
    if bytes > 1_000_000 {
        // Seconds per iteration: one iteration per sample, the fewest samples criterion takes.
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(5));
    } else {
        g.sample_size(30)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
    }
    g.bench_function("parse-only", |b| {
        b.iter(|| support::parse_only(black_box(&old.bytes), black_box(&new.bytes)))
    });
    g.bench_function("merge", |b| {
        b.iter(|| support::merge(None, black_box(old), black_box(new), &rules).1)
    });
    if three_way {
        g.bench_function("merge3", |b| {
            b.iter(|| support::merge(Some(base), black_box(old), black_box(new), &rules).1)
        });
    }
    g.finish();
}

fn read(dir: &str, file: &str) -> Input {
    Input::from_bytes(
        file,
        std::fs::read(format!("{dir}/{file}")).expect("corpus file"),
    )
}

/// The rows of the table this run measured (a filtered run prints fewer).
fn rows(since: std::time::SystemTime) {
    let m = |g: &str, f: &str| median(g, f, since);
    let cmd = |filter: &str| format!("cargo bench --bench engine -- {filter}");
    let mut printed = false;
    let mut ratio_row =
        |goal: &str, limit: &str, group: &str, num: &str, den: &str, floor: &str| {
            if let (Some(a), Some(b)) = (m(group, num), m(group, den)) {
                let figure = format!("{} / {} = **{:.2}** (goal {limit})", t(a), t(b), a / b);
                row(1, goal, &figure, &cmd(&format!("'{group}/'")), floor);
                printed = true;
            }
        };
    let parse = "parse-only (roxmltree parses OLD and NEW)";
    let k100 = group_name(100_000);
    let k1 = group_name(1_000);
    ratio_row(
        "merge ≤ 2.0× parse-only, 100k pair",
        "≤ 2.0",
        &k100,
        "merge",
        "parse-only",
        parse,
    );
    ratio_row(
        "merge ≤ 2.5× parse-only, 1k pair",
        "≤ 2.5",
        &k1,
        "merge",
        "parse-only",
        parse,
    );
    for keys in [10_000, 300_000] {
        let g = group_name(keys);
        let goal = format!("(merge / parse-only, {}k pair)", keys / 1000);
        ratio_row(&goal, "—", &g, "merge", "parse-only", parse);
    }
    ratio_row(
        "(merge / parse-only, typical pair)",
        "—",
        "typical",
        "merge",
        "parse-only",
        parse,
    );
    let two = "the 2-way merge of the same OLD and NEW";
    ratio_row(
        "`--base` ≤ 1.5× 2-way, 100k",
        "≤ 1.5",
        &k100,
        "merge3",
        "merge",
        two,
    );
    ratio_row(
        "(`--base` / 2-way, 1k)",
        "≤ 1.5",
        &k1,
        "merge3",
        "merge",
        two,
    );
    ratio_row(
        "(`--base` / 2-way, typical)",
        "≤ 1.5",
        "typical",
        "merge3",
        "merge",
        two,
    );
    for ((small, big), limit) in [((1_000, 100_000), 100.0), ((100_000, 300_000), 3.2)] {
        let (gs, gb) = (group_name(small), group_name(big));
        if let (Some(a), Some(b)) = (m(&gb, "merge"), m(&gs, "merge")) {
            let floor = match (m(&gb, "parse-only"), m(&gs, "parse-only")) {
                (Some(pa), Some(pb)) => format!("parse-only's own ratio: {:.1}", pa / pb),
                _ => "parse-only's own ratio (not measured)".into(),
            };
            let figure = format!("{} / {} = **{:.1}** (goal ≤ {limit})", t(a), t(b), a / b);
            let goal = format!("linear: time({}k) / time({}k)", big / 1000, small / 1000);
            row(5, &goal, &figure, &cmd(&format!("'{gs}/|{gb}/'")), &floor);
            printed = true;
        }
    }
    if !printed {
        println!("(no engine figure measured in this run)");
    }
}

fn main() {
    support::run_child_mode();
    let since = support::started();
    let mut c = Criterion::default().without_plots().configure_from_args();
    let typical = (
        read(support::TYPICAL3, "base.config"),
        read(support::TYPICAL3, "old.config"),
        read(support::TYPICAL3, "new.config"),
    );
    trio(&mut c, "typical", &typical, true);
    for keys in SIZES {
        let p = support::gen::pair(keys);
        trio(
            &mut c,
            &group_name(keys),
            &support::inputs(&p),
            THREE_WAY.contains(&keys),
        );
    }
    c.final_summary();
    if support::bench_mode() {
        println!("\nload average {} (2 cores, shared)", support::load());
        rows(since);
    }
}
