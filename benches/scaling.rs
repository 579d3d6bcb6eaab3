//! Scaling measurements moved out of the tests (a timed test fails on a busy machine and proves nothing
//! on a fast one): for each input that once made a run quadratic, the time at n, 2n and 4n and the
//! ratio of each step, which stays near 2 while the work is linear and nears 4 when it is quadratic.
//!
//! `cargo bench --bench scaling` (release build). It prints a table and exits 0: it is a measurement
//! for a person or a CI log, not a gate. The tests count the same work instead (`diag::sources` and
//! `config` unit tests) and check the results (`tests/hostile.rs`).

use std::time::{Duration, Instant};

use wcmigrate::{migrate, Input, Options, Rules};

/// appSettings with `n` keys, every value `value`: OLD and NEW differ in every key.
fn changed_keys(n: usize, value: &str) -> String {
    let mut d = String::from("<configuration>\n  <appSettings>\n");
    for i in 0..n {
        d.push_str(&format!("    <add key=\"KEY_{i}\" value=\"{value}\" />\n"));
    }
    d.push_str("  </appSettings>\n</configuration>\n");
    d
}

/// `n` add/clear pairs in OLD's appSettings.
fn add_clear(n: usize) -> String {
    let mut d = String::from("<configuration><appSettings>");
    for i in 0..n {
        d.push_str(&format!("<add key=\"k{i}\" value=\"v\"/><clear/>"));
    }
    d.push_str("</appSettings></configuration>");
    d
}

/// The best of `runs` merges of OLD into NEW.
fn time(old: &str, new: &str, runs: usize) -> Duration {
    let rules = Rules::builtin();
    let (old, new) = (
        Input::from_bytes("old.config", old.as_bytes().to_vec()),
        Input::from_bytes("new.config", new.as_bytes().to_vec()),
    );
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            let m = migrate(&old, &new, &rules, &Options::default()).expect("merges");
            std::hint::black_box(m.output.len());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn series(name: &str, sizes: [usize; 3], pair: impl Fn(usize) -> (String, String)) {
    println!("{name}");
    let mut last: Option<Duration> = None;
    for n in sizes {
        let (old, new) = pair(n);
        let t = time(&old, &new, 3);
        let ratio = last.map_or(String::new(), |l| {
            format!("  x{:.2}", t.as_secs_f64() / l.as_secs_f64().max(1e-9))
        });
        println!("  n = {n:>7}  {:>9.1} ms{ratio}", t.as_secs_f64() * 1e3);
        last = Some(t);
    }
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench` absent: measure nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("time per merge at n, 2n, 4n (best of 3); a step ratio near 2 is linear, near 4 quadratic\n");
    series(
        "changed keys (line and column of each change)",
        [25_000, 50_000, 100_000],
        |n| (changed_keys(n, "old"), changed_keys(n, "new")),
    );
    series(
        "add/clear pairs in OLD (each <clear/>)",
        [20_000, 40_000, 80_000],
        |n| {
            (
                add_clear(n),
                "<configuration><appSettings/></configuration>".into(),
            )
        },
    );
    series(
        "identical keys in OLD and NEW (nothing to change)",
        [250_000, 500_000, 1_000_000],
        |n| (changed_keys(n, "v"), changed_keys(n, "v")),
    );
}
