//! Criterion benchmarks (see docs/PERFORMANCE.md): a typical User Portal pair, a generated ~10 MB pair,
//! the generator at 1x/10x/100x, parse-only baselines, and the 3-way merge of both.

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use std::hint::black_box;
use std::time::Duration;
use wcmigrate::{migrate, migrate3, Input, Options, Rules};

#[path = "gen.rs"]
mod gen;

fn inputs(base: &str, old: &str, new: &str) -> (Input, Input, Input) {
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    (
        i("base.config", base),
        i("old.config", old),
        i("new.config", new),
    )
}

fn read(case: &str, file: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/corpus/{case}/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Parsing both inputs with roxmltree (from bytes, as merge does): the floor merge is measured against.
fn parse_only(old: &Input, new: &Input) -> usize {
    let a = std::str::from_utf8(&old.bytes).unwrap();
    let b = std::str::from_utf8(&new.bytes).unwrap();
    let x = roxmltree::Document::parse(a).unwrap();
    let y = roxmltree::Document::parse(b).unwrap();
    x.descendants().count() + y.descendants().count()
}

/// Parse-only, 2-way merge and 3-way merge of one triple, in one group (so ratios come from one run).
fn trio(g: &mut BenchmarkGroup<WallTime>, (base, old, new): &(Input, Input, Input)) {
    let rules = Rules::builtin();
    let opts = Options::default();
    g.throughput(Throughput::Bytes(
        (old.bytes.len() + new.bytes.len()) as u64,
    ));
    g.bench_function("parse-only", |b| {
        b.iter(|| parse_only(black_box(old), black_box(new)))
    });
    g.bench_function("merge", |b| {
        b.iter(|| migrate(black_box(old), black_box(new), &rules, &opts).unwrap())
    });
    g.bench_function("merge3", |b| {
        b.iter(|| {
            migrate3(
                black_box(base),
                black_box(old),
                black_box(new),
                &rules,
                &opts,
            )
            .unwrap()
        })
    });
}

/// (a), (d), (f): the shipped User Portal pair (~5 KB each), with the 3-way case's BASE.
fn typical(c: &mut Criterion) {
    let triple = inputs(
        &read("3way-user-portal", "base.config"),
        &read("3way-user-portal", "old.config"),
        &read("3way-user-portal", "new.config"),
    );
    let mut g = c.benchmark_group("typical");
    trio(&mut g, &triple);
    g.finish();
}

/// (b), (d), (f): a generated pair, NEW ~10 MB with 100,000 appSettings keys and 25,000 settings.
fn large(c: &mut Criterion) {
    let p = gen::pair(100_000);
    let mut g = c.benchmark_group("large");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    trio(&mut g, &inputs(&p.base, &p.old, &p.new));
    g.finish();
}

fn scaling(c: &mut Criterion) {
    let rules = Rules::builtin();
    let mut g = c.benchmark_group("scaling");
    g.sample_size(10);
    for (label, keys) in [("1x", 1_000), ("10x", 10_000), ("100x", 100_000)] {
        let p = gen::pair(keys);
        let (_, old, new) = inputs(&p.base, &p.old, &p.new);
        g.throughput(Throughput::Bytes(
            (old.bytes.len() + new.bytes.len()) as u64,
        ));
        g.bench_with_input(
            BenchmarkId::new("merge", label),
            &(old, new),
            |b, (old, new)| {
                b.iter(|| {
                    migrate(black_box(old), black_box(new), &rules, &Options::default()).unwrap()
                })
            },
        );
    }
    g.finish();
}

/// (e) A dry-run batch over 10,000 typical pairs (the shipped User Portal case with varied values) on
/// two threads, as `wcmigrate batch DIR --jobs 2` runs it.
fn batch(c: &mut Criterion) {
    let rules = Rules::builtin();
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (
        read("user-portal-basic", "old.config"),
        read("user-portal-basic", "new.config"),
    );
    for i in 0..10_000 {
        let case = dir.path().join(format!("{:02}/{i:05}", i % 100));
        std::fs::create_dir_all(&case).unwrap();
        std::fs::write(
            case.join("old.config"),
            old.replace("svc-pfportal", &format!("svc-{i}")),
        )
        .unwrap();
        std::fs::write(case.join("new.config"), &new).unwrap();
    }
    let settings = wcmigrate::batch::Settings {
        jobs: 2,
        ..Default::default()
    };
    let mut g = c.benchmark_group("batch");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("10k-pairs-2-threads", |b| {
        b.iter(|| {
            let cases = wcmigrate::batch::find_cases(dir.path()).unwrap();
            let summary =
                wcmigrate::batch::run(&cases, &rules, &settings, &|_| {}, &mut |_| Ok(())).unwrap();
            black_box(summary)
        })
    });
    g.finish();
}

criterion_group!(benches, typical, large, scaling, batch);
criterion_main!(benches);
