//! Writes a generated pair (base.config, old.config, new.config) for measurements:
//! `cargo run --release --example gen_pair -- DIR KEYS` (KEYS appSettings keys, KEYS/4 settings;
//! 100000 keys make a ~10 MB NEW). See docs/PERFORMANCE.md.

#[path = "../benches/support/gen.rs"]
mod gen;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(keys)) = (
        args.next(),
        args.next().and_then(|k| k.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gen_pair DIR KEYS");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).expect("create DIR");
    let p = gen::pair(keys);
    for (name, text) in [
        ("base.config", &p.base),
        ("old.config", &p.old),
        ("new.config", &p.new),
    ] {
        std::fs::write(dir.join(name), text).expect("write");
    }
    println!(
        "{}: NEW {} bytes, OLD {} bytes",
        dir.display(),
        p.new.len(),
        p.old.len()
    );
}
