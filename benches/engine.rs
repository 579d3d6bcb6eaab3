//! The engine in process, with criterion's statistics, for working on the code (docs/PERFORMANCE.md):
//! for the typical 3-way User Portal triple and the generated pairs at 1k, 10k, 100k and 300k keys,
//! parse-only (roxmltree parsing both inputs), the 2-way merge and, at the typical size, 1k and 100k,
//! the 3-way merge (`--base`). A merge is what `wcmigrate merge` does before writing: the migration and
//! its unified diff.
//!
//! `cargo bench --bench engine [-- FILTER]`, e.g. `-- keys-100000/merge`; `--save-baseline NAME` and
//! `--baseline NAME` compare two versions of the code. Criterion measures one function after another,
//! so on a shared machine its times of two functions can be minutes and loads apart: the table's
//! ratios come from `benches/ratios.rs`, which interleaves the same work.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use wcmigrate::{Input, Rules};

mod support;

/// Generated sizes (appSettings keys; a quarter as many settings): 1k is a large real web.config,
/// 100k a 22 MB pair, 300k the linearity check's 3x.
const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 300_000];

/// Sizes that also get a 3-way merge.
const THREE_WAY: [usize; 2] = [1_000, 100_000];

fn group_name(keys: usize) -> String {
    format!("keys-{keys}")
}

/// Sets the group's measurement time for `f` from one timed run of it (which also warms it up): long
/// enough for criterion's samples, no longer, so that its warnings stay quiet and the run short.
fn fit<T>(g: &mut Group, large: bool, mut f: impl FnMut() -> T) {
    let start = Instant::now();
    black_box(f());
    let one = start.elapsed();
    // Flat sampling of 10 samples takes 10 iterations; linear sampling of 30 takes 465.
    let needed = if large { one * 11 } else { one * 500 };
    g.measurement_time(needed.max(Duration::from_secs(2)));
}

type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Parse-only, merge and (if `three_way`) the 3-way merge of one triple, in one group, back to back.
fn trio(c: &mut Criterion, name: &str, (base, old, new): &(Input, Input, Input), three_way: bool) {
    let rules = Rules::builtin();
    let bytes = old.bytes.len() + new.bytes.len();
    let large = bytes > 1_000_000;
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes as u64));
    if large {
        // Up to seconds per iteration: one iteration per sample, the fewest samples criterion takes.
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(100));
    } else {
        g.sample_size(30).warm_up_time(Duration::from_millis(500));
    }
    let parse = || support::parse_only(black_box(&old.bytes), black_box(&new.bytes));
    let merge = || support::merge(None, black_box(old), black_box(new), &rules).1;
    let merge3 = || support::merge(Some(base), black_box(old), black_box(new), &rules).1;
    // Criterion skips what a filter leaves out, so time the one run only when it is selected.
    let id = |f: &str| format!("{name}/{f}");
    if support::selected_by_criterion_filter(&id("parse-only")) {
        fit(&mut g, large, parse);
    }
    g.bench_function("parse-only", |b| b.iter(parse));
    if support::selected_by_criterion_filter(&id("merge")) {
        fit(&mut g, large, merge);
    }
    g.bench_function("merge", |b| b.iter(merge));
    if three_way {
        if support::selected_by_criterion_filter(&id("merge3")) {
            fit(&mut g, large, merge3);
        }
        g.bench_function("merge3", |b| b.iter(merge3));
    }
    g.finish();
}

fn read(dir: &str, file: &str) -> Input {
    Input::from_bytes(
        file,
        std::fs::read(format!("{dir}/{file}")).expect("corpus file"),
    )
}

fn main() {
    support::run_child_mode();
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
}
