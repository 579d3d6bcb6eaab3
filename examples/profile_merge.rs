//! Runs one merge many times, for a profiler: `cargo build --release --example profile_merge` then
//! `valgrind --tool=callgrind target/release/examples/profile_merge DIR [N]` (DIR holds old.config,
//! new.config and optionally base.config). See docs/PERFORMANCE.md.

use wcmigrate::{migrate, migrate3, Input, Options, Rules};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: profile_merge DIR [N]");
        std::process::exit(2);
    };
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    // `parse` as a third argument: only parse both inputs, the floor a merge is compared against.
    if args.next().as_deref() == Some("parse") {
        let (o, n2) = (
            std::fs::read_to_string(format!("{dir}/old.config")).unwrap(),
            std::fs::read_to_string(format!("{dir}/new.config")).unwrap(),
        );
        let (a, b) = (
            roxmltree::Document::parse(&o).unwrap(),
            roxmltree::Document::parse(&n2).unwrap(),
        );
        println!(
            "{} nodes",
            a.descendants().count() + b.descendants().count()
        );
        let _ = n;
        return;
    }
    let read = |f: &str| {
        std::fs::read(format!("{dir}/{f}"))
            .ok()
            .map(|b| Input::from_bytes(f, b))
    };
    let (old, new) = (
        read("old.config").expect("old.config"),
        read("new.config").expect("new.config"),
    );
    let base = read("base.config");
    let rules = Rules::builtin();
    let mut changes = 0;
    for _ in 0..n {
        let m = match &base {
            Some(b) => migrate3(b, &old, &new, &rules, &Options::default()),
            None => migrate(&old, &new, &rules, &Options::default()),
        };
        changes += m.map(|m| m.changes.len()).unwrap_or(0);
    }
    println!("{n} merges, {changes} changes");
}
