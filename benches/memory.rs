//! Peak memory against the issue 16 budget (item 2; docs/PERFORMANCE.md), two ways:
//!
//! - **heap peak**, deterministic: a counting global allocator; the most bytes live at once during
//!   one run of parse-only (the floor), the 2-way merge and the 3-way merge, inputs' bytes included
//!   (they are copied into the `Input`s inside the measured span, as the CLI reads them);
//! - **max RSS**, what the issue names: the whole release binary `wcmigrate merge OLD NEW -o OUT`
//!   (and `--base BASE`), from `wait4`'s rusage of that child, against a parse-only child process.
//!
//! Budgets: 4 × (OLD + NEW) plus 16 MB for the 2-way merge of the 100k pair, and 5 × (BASE + OLD +
//! NEW) plus 16 MB with `--base`. `cargo bench --bench memory` prints the table rows; it measures and
//! never fails on a figure. Not a criterion bench: memory is counted, not sampled.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use std::process::Command;

use wcmigrate::{Input, Rules};

mod support;
use support::{mb, row};

/// The system allocator, counting the bytes live now and the most live since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is passed straight to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = System.alloc(l);
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(l);
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l);
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, size: usize) -> *mut u8 {
        let q = System.realloc(p, l, size);
        if !q.is_null() {
            if size >= l.size() {
                grew(size - l.size());
            } else {
                LIVE.fetch_sub(l.size() - size, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The most heap bytes live at once while `f` runs, above what was live before it.
fn heap_peak<T>(f: impl FnOnce() -> T) -> u64 {
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    std::hint::black_box(f());
    (PEAK.load(Relaxed) - before) as u64
}

/// "X (k× inputs; budget B)".
fn against(peak: u64, inputs: u64, factor: u64) -> String {
    let budget = factor * inputs + 16_000_000;
    format!(
        "**{}** = {:.1}× inputs (budget {factor}× {} + 16 MB = {})",
        mb(peak),
        peak as f64 / inputs as f64,
        mb(inputs),
        mb(budget)
    )
}

fn main() {
    support::run_child_mode();
    if !support::bench_mode() {
        return;
    }
    let rules = Rules::builtin();
    println!("load average {} (2 cores, shared)\n", support::load());
    let cmd = "cargo bench --bench memory";

    // Heap peak, in process: the typical triple, then the generated pairs.
    let typical = std::fs::read_to_string(format!("{}/old.config", support::TYPICAL3))
        .map(|old| support::gen::Pair {
            old,
            new: std::fs::read_to_string(format!("{}/new.config", support::TYPICAL3)).unwrap(),
            base: std::fs::read_to_string(format!("{}/base.config", support::TYPICAL3)).unwrap(),
        })
        .expect("the typical triple");
    let mut cases = vec![("typical".to_string(), typical)];
    for keys in [1_000, 100_000] {
        cases.push((format!("{}k", keys / 1000), support::gen::pair(keys)));
    }
    for (label, p) in &cases {
        let two = (p.old.len() + p.new.len()) as u64;
        let three = two + p.base.len() as u64;
        let input = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
        let parse = heap_peak(|| {
            let (o, n) = (p.old.as_bytes().to_vec(), p.new.as_bytes().to_vec());
            support::parse_only(&o, &n)
        });
        let merge2 = heap_peak(|| {
            let (o, n) = (input("old.config", &p.old), input("new.config", &p.new));
            support::merge(None, &o, &n, &rules).1
        });
        let merge3 = heap_peak(|| {
            let b = input("base.config", &p.base);
            let (o, n) = (input("old.config", &p.old), input("new.config", &p.new));
            support::merge(Some(&b), &o, &n, &rules).1
        });
        let floor = format!(
            "parse-only heap peak {} ({:.1}× inputs)",
            mb(parse),
            parse as f64 / two as f64
        );
        let (goal2, goal3) = if label == "100k" {
            (
                "heap peak ≤ 4× inputs + 16 MB, 100k pair".to_string(),
                "heap peak with `--base` ≤ 5× inputs + 16 MB, 100k pair".to_string(),
            )
        } else {
            (
                format!("(heap peak, {label} pair)"),
                format!("(heap peak with `--base`, {label})"),
            )
        };
        row(2, &goal2, &against(merge2, two, 4), cmd, &floor);
        row(2, &goal3, &against(merge3, three, 5), cmd, &floor);
    }

    // Max RSS of whole processes: the release binary on the 100k pair, against a parse-only process
    // (this bench binary in its `parse` child mode) and a hello-world one.
    let dir = support::scratch();
    let p = support::write_pair(dir.path(), 100_000);
    let two = (p.old.len() + p.new.len()) as u64;
    let three = two + p.base.len() as u64;
    let d = |f: &str| dir.path().join(f);
    let nothing = support::max_rss(&Command::new("true"));
    let hello = support::max_rss(&support::child("hello"));
    let parse = support::max_rss(&support::child(&format!("parse {}", dir.path().display())));
    let mut merge = support::wcmigrate(["merge"]);
    merge
        .arg(d("old.config"))
        .arg(d("new.config"))
        .arg("-o")
        .arg(d("out.config"));
    let rss2 = support::max_rss(&merge);
    let mut merge3 = support::wcmigrate(["merge"]);
    merge3
        .arg(d("old.config"))
        .arg(d("new.config"))
        .arg("--base")
        .arg(d("base.config"))
        .arg("-o")
        .arg(d("out.config"));
    let rss3 = support::max_rss(&merge3);
    let (Some(nothing), Some(hello), Some(parse), Some(rss2), Some(rss3)) =
        (nothing, hello, parse, rss2, rss3)
    else {
        println!("(max RSS skipped: wait4's rusage is read on Linux only)");
        return;
    };
    let floor = format!(
        "parse-only process {} ({:.1}× inputs); Rust hello-world {}; /bin/true {} (the launcher's share)",
        mb(parse),
        parse as f64 / two as f64,
        mb(hello),
        mb(nothing)
    );
    let rss_cmd = "cargo bench --bench memory";
    row(
        2,
        "peak RSS ≤ 4× inputs + 16 MB, 100k pair (`merge OLD NEW -o OUT`)",
        &against(rss2, two, 4),
        rss_cmd,
        &floor,
    );
    row(
        2,
        "peak RSS with `--base` ≤ 5× inputs + 16 MB, 100k pair",
        &against(rss3, three, 5),
        rss_cmd,
        &floor,
    );
}
