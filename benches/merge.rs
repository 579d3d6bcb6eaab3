//! Criterion benchmarks: one typical User Portal pair, merged and parsed only (the baseline).

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use wcmigrate::{migrate, Input, Options, Rules};

fn typical_pair() -> (Vec<u8>, Vec<u8>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/user-portal-basic");
    (
        std::fs::read(format!("{dir}/old.config")).unwrap(),
        std::fs::read(format!("{dir}/new.config")).unwrap(),
    )
}

fn bench_typical(c: &mut Criterion) {
    let (old, new) = typical_pair();
    let rules = Rules::builtin();
    let (old_in, new_in) = (
        Input::from_bytes("old.config", old.clone()),
        Input::from_bytes("new.config", new.clone()),
    );
    c.bench_function("typical/merge", |b| {
        b.iter(|| {
            migrate(
                black_box(&old_in),
                black_box(&new_in),
                &rules,
                &Options::default(),
            )
            .unwrap()
        })
    });
    let (old_s, new_s) = (
        String::from_utf8(old).unwrap(),
        String::from_utf8(new).unwrap(),
    );
    c.bench_function("typical/parse-only", |b| {
        b.iter(|| {
            let a = roxmltree::Document::parse(black_box(&old_s)).unwrap();
            let n = roxmltree::Document::parse(black_box(&new_s)).unwrap();
            (a.root().children().count(), n.root().children().count())
        })
    });
}

criterion_group!(benches, bench_typical);
criterion_main!(benches);
