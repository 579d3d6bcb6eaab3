//! Hostile inputs through the binary, as OLD, NEW and BASE: each ends with the exact behaviour asked of
//! it (a clear error with its code, exit 2, nothing written; or a correct result), within an
//! address-space limit, and never reads a file it was not given.
//!
//! No test here measures time: how fast a run is depends on the machine and its load, so a timed test
//! fails on a busy machine and proves nothing on a fast one. Where a bug used to make a run
//! quadratic, the test checks the result here and the work is counted where it is done (unit tests
//! of `diag::LineIndex` and `config::AppSettings`); the scaling itself is measured by `cargo bench
//! --bench scaling`. A FIFO that must not be read has a writer on the other end, so a run that opened
//! it would finish, and be caught, instead of hanging. Each run has a CPU-time ceiling (`ulimit -t`)
//! far above any correct run, so an endless loop fails instead of stopping the suite; it is not a
//! measurement, and a busy machine does not use up a process's CPU time.

#![cfg(unix)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

mod schema;

use assert_cmd::Command;

const OLD: &str = include_str!("../corpus/user-portal-basic/old.config");
const NEW: &str = include_str!("../corpus/user-portal-basic/new.config");

/// CPU seconds after which a run is killed: an endless loop, not a slow machine (see the top).
const CPU_CEILING_SECS: u32 = 900;
/// Address-space limit for one run (KiB): far above what a real web.config needs.
const MEMORY_KIB: u64 = 1024 * 1024;

/// Which input the hostile file stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Old,
    New,
    Base,
}

const SLOTS: [Slot; 3] = [Slot::Old, Slot::New, Slot::Base];

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("old.config"), OLD).unwrap();
        fs::write(dir.path().join("new.config"), NEW).unwrap();
        fs::write(dir.path().join("base.config"), NEW).unwrap();
        Case { dir }
    }

    /// A case whose `slot` file holds `bytes`.
    fn with(slot: Slot, bytes: &[u8]) -> Case {
        let c = Case::new();
        fs::write(c.path(slot.file()), bytes).unwrap();
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Every file in the folder with its bytes (sizes only for files over 1 MiB).
    fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                let meta = fs::symlink_metadata(e.path()).unwrap();
                let content = if meta.is_file() && meta.len() <= 1 << 20 {
                    fs::read(e.path()).unwrap()
                } else {
                    meta.len().to_le_bytes().to_vec()
                };
                (name, content)
            })
            .collect();
        v.sort();
        v
    }

    /// Runs `wcmigrate merge old.config new.config [--base base.config] EXTRA` under the limits.
    fn merge(&self, slot: Slot, extra: &[&str], memory_kib: u64) -> Output {
        let mut args = vec!["merge", "old.config", "new.config"];
        if slot == Slot::Base {
            args.extend(["--base", "base.config"]);
        }
        args.extend(extra);
        run(self.dir.path(), &args, memory_kib)
    }

    /// The run must fail with exit 2 and `code` plus every needle on stderr, print nothing on stdout,
    /// and leave the folder exactly as it was (no output, no temp file, inputs untouched).
    fn refuses(&self, slot: Slot, extra: &[&str], code: &str, needles: &[&str]) -> String {
        let before = self.snapshot();
        let mut args = extra.to_vec();
        args.extend(["-o", "out.config", "--color", "never"]);
        let o = self.merge(slot, &args, MEMORY_KIB);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{slot:?}: {err}");
        assert!(
            err.starts_with(code),
            "{slot:?}: expected {code} first in:\n{err}"
        );
        for n in needles {
            assert!(err.contains(n), "{slot:?}: expected `{n}` in:\n{err}");
        }
        assert!(o.stdout.is_empty(), "{slot:?}: stdout on exit 2");
        assert!(self.snapshot() == before, "{slot:?}: the folder changed");
        err
    }
}

impl Slot {
    fn file(self) -> &'static str {
        match self {
            Slot::Old => "old.config",
            Slot::New => "new.config",
            Slot::Base => "base.config",
        }
    }
}

/// Runs the binary in `dir` with an address-space limit and the CPU-time ceiling; a run killed by
/// either (or by a signal such as a stack overflow) fails the test.
fn run(dir: &Path, args: &[&str], memory_kib: u64) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("wcmigrate");
    let mut c = Command::new("sh");
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .arg("-c")
        .arg(format!(
            "ulimit -v {memory_kib} && ulimit -t {CPU_CEILING_SECS} && exec \"$0\" \"$@\""
        ))
        .arg(bin)
        .args(args);
    let o = c.output().unwrap();
    assert!(
        o.status.code().is_some(),
        "{args:?}: killed ({:?}); stderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
            .chars()
            .take(2000)
            .collect::<String>()
    );
    o
}

/// A FIFO with a writer waiting on its other end: a run that opens it reads `content` and goes on
/// (so the test sees what it did instead of hanging). [`Fifo::opened`] says whether anyone did.
struct Fifo {
    path: PathBuf,
    writer: Option<std::thread::JoinHandle<bool>>,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Fifo {
    fn new(path: &Path, content: &'static str) -> Fifo {
        assert!(std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap()
            .success());
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let (path, done) = (path.to_path_buf(), done.clone());
            // Opening for writing blocks until a reader opens it. A reader that is a run cannot get
            // past its read before this writer closes, so the flag is read while that run is still
            // going: deterministic, whatever the machine's speed. It serves every run that opens it.
            std::thread::spawn(move || {
                let mut opened = false;
                while let Ok(mut f) = fs::OpenOptions::new().write(true).open(&path) {
                    if done.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    opened = true;
                    let _ = f.write_all(content.as_bytes());
                }
                opened
            })
        };
        Fifo {
            path: path.to_path_buf(),
            writer: Some(writer),
            done,
        }
    }

    /// Whether a run opened the FIFO; call once every run that could have is over.
    fn opened(mut self) -> bool {
        self.release()
    }

    fn release(&mut self) -> bool {
        let Some(writer) = self.writer.take() else {
            return false;
        };
        self.done.store(true, std::sync::atomic::Ordering::SeqCst);
        // Release the writer if no run opened the FIFO (it is blocked in open).
        use std::os::unix::fs::OpenOptionsExt;
        let nonblocking = rustix::fs::OFlags::NONBLOCK.bits() as i32;
        let reader = fs::OpenOptions::new()
            .read(true)
            .custom_flags(nonblocking)
            .open(&self.path);
        let opened = writer.join().unwrap();
        drop(reader);
        opened
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        self.release();
    }
}

fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let mut b = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
    for u in text.encode_utf16() {
        b.extend(u.to_le_bytes());
    }
    b
}

// ---------------------------------------------------------------------------------------------------
// DTDs: entity bombs and external entities

/// "Billion laughs": ten levels of ten references, 10^9 `lol`s once expanded.
fn billion_laughs() -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE configuration [\n  <!ENTITY lol \"lol\">\n",
    );
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        s.push_str(&format!(
            "  <!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    s.push_str("]>\n<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"&lol9;\" />\n  </appSettings>\n</configuration>\n");
    s
}

#[test]
fn entity_expansion_bombs_are_refused_as_dtds() {
    for slot in SLOTS {
        let c = Case::with(slot, billion_laughs().as_bytes());
        let err = c.refuses(
            slot,
            &[],
            "E003",
            &[
                &format!(
                    "{} is not well-formed XML: XML with DTD detected",
                    slot.file()
                ),
                "remove the <!DOCTYPE ...> declaration",
            ],
        );
        assert!(!err.contains("lollollol"), "nothing was expanded");
    }
    // --in-place leaves NEW as it was and makes no backup.
    let c = Case::with(Slot::New, billion_laughs().as_bytes());
    let before = c.snapshot();
    let o = c.merge(Slot::New, &["--in-place"], MEMORY_KIB);
    assert_eq!(o.status.code(), Some(2));
    assert!(c.snapshot() == before, "NEW untouched, no NEW.bak");
    // The JSON report says the same on stdout, and nothing else.
    let c = Case::with(Slot::New, billion_laughs().as_bytes());
    let o = c.merge(Slot::New, &["--format", "json"], MEMORY_KIB);
    assert_eq!(o.status.code(), Some(2));
    let json = schema::merge_report(&o.stdout);
    assert_eq!(
        (&json["ok"], &json["exit_code"]),
        (&false.into(), &2.into())
    );
    assert_eq!(json["diagnostics"][0]["code"], "E003");
}

#[test]
fn external_entities_and_dtds_are_never_fetched_nor_read() {
    let c = Case::new();
    // A file whose content must never show, and a FIFO whose writer says whether a run opened it.
    let marker = "wcmigrate-hostile-marker-7f3a";
    fs::write(c.path("secret.txt"), marker).unwrap();
    let fifo = c.path("fifo");
    let watch = Fifo::new(&fifo, marker);
    let secret = c.path("secret.txt");
    let targets = [
        format!("file://{}", secret.display()),
        format!("file://{}", fifo.display()),
        fifo.display().to_string(),
        "file:///etc/passwd".to_string(),
        "http://127.0.0.1:9/x.dtd".to_string(),
    ];
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    let passwd_line = passwd.lines().next().unwrap_or("root:x:0:0:");
    for target in &targets {
        let docs = [
            // A general external entity used in a value.
            format!("<?xml version=\"1.0\"?>\n<!DOCTYPE configuration [<!ENTITY xxe SYSTEM \"{target}\">]>\n<configuration><appSettings><add key=\"A\" value=\"&xxe;\" /></appSettings></configuration>\n"),
            // A parameter entity, expanded inside the DTD itself.
            format!("<!DOCTYPE configuration [<!ENTITY % p SYSTEM \"{target}\"> %p;]><configuration/>"),
            // An external DTD subset.
            format!("<!DOCTYPE configuration SYSTEM \"{target}\"><configuration/>"),
        ];
        for doc in &docs {
            for slot in SLOTS {
                fs::write(c.path(slot.file()), doc).unwrap();
                let err = c.refuses(slot, &[], "E003", &["XML with DTD detected"]);
                assert!(!err.contains(marker) && !err.contains(passwd_line));
                fs::write(
                    c.path(slot.file()),
                    if slot == Slot::Old { OLD } else { NEW },
                )
                .unwrap();
            }
        }
    }
    // Without a DTD an entity reference is simply unknown.
    fs::write(
        c.path("new.config"),
        "<configuration><appSettings><add key=\"A\" value=\"&xxe;\" /></appSettings></configuration>",
    )
    .unwrap();
    c.refuses(Slot::New, &[], "E003", &["unknown entity reference"]);
    assert!(!watch.opened(), "a run opened the FIFO an entity named");
}

// ---------------------------------------------------------------------------------------------------
// Shape: nesting, attributes, keys

fn nested(depth: usize) -> String {
    format!(
        "<configuration>{}{}</configuration>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    )
}

#[test]
fn nesting_100000_deep_is_refused_without_overflowing_the_stack() {
    let deep = nested(100_000);
    for slot in SLOTS {
        let c = Case::with(slot, deep.as_bytes());
        c.refuses(
            slot,
            &[],
            "E003",
            &[
                &format!(
                    "{} cannot be read safely: elements are nested more than 256 levels deep",
                    slot.file()
                ),
                &format!("{}:1:", slot.file()),
            ],
        );
    }
    // The same file on every side: the review of differences walks both trees together (this used
    // to overflow the stack and abort).
    let c = Case::new();
    for slot in SLOTS {
        fs::write(c.path(slot.file()), &deep).unwrap();
    }
    c.refuses(
        Slot::Base,
        &[],
        "E003",
        &["nested more than 256 levels deep"],
    );
    // 255 levels below <configuration> are fine.
    let c = Case::with(Slot::New, nested(255).as_bytes());
    let o = c.merge(Slot::New, &[], MEMORY_KIB);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_million_attributes_on_one_element_are_refused_quickly() {
    let mut doc = String::from("<configuration>\n  <appSettings");
    for i in 0..1_000_000 {
        doc.push_str(&format!(" a{i}=\"v\""));
    }
    doc.push_str(" />\n</configuration>\n");
    for slot in SLOTS {
        let c = Case::with(slot, doc.as_bytes());
        let err = c.refuses(
            slot,
            &[],
            "E003",
            &[
                "cannot be read safely: an element has more than 256 attributes",
                &format!("{}:2:3", slot.file()),
            ],
        );
        assert!(err.len() < 10_000, "the 12 MB line is clipped, not printed");
    }
}

/// `depth` nested elements under <configuration>, each declaring `per` namespaces and carrying `per`
/// attributes in the namespaces declared so far.
fn namespaces(depth: usize, per: usize) -> String {
    let mut doc = String::from("<configuration>");
    for d in 0..depth {
        doc.push_str("<e");
        for i in 0..per {
            doc.push_str(&format!(" xmlns:p{d}_{i}=\"urn:{i}\" p{d}_{i}:a=\"v\""));
        }
        doc.push('>');
    }
    doc.push_str(&"</e>".repeat(depth));
    doc.push_str("</configuration>");
    doc
}

/// roxmltree copies the namespaces in scope for every element that declares one more and looks each
/// prefix up in them: 250 levels of 250 declarations (1 MB) took minutes of CPU inside the depth and
/// attribute limits. More than 64 declarations in scope are refused before roxmltree sees the file.
#[test]
fn nested_namespace_declarations_are_refused_before_parsing_turns_quadratic() {
    let wide = namespaces(250, 120);
    for slot in SLOTS {
        let c = Case::with(slot, wide.as_bytes());
        c.refuses(
            slot,
            &[],
            "E003",
            &[&format!(
                "{} cannot be read safely: more than 64 namespace declarations (xmlns) are in scope",
                slot.file()
            )],
        );
    }
    // Cumulative along the open elements: one declaration per level is refused at level 65 ...
    let c = Case::with(Slot::New, namespaces(70, 1).as_bytes());
    c.refuses(Slot::New, &[], "E003", &["namespace declarations"]);
    // ... while declarations that go out of scope with their element do not add up.
    let siblings = format!(
        "<configuration>{}</configuration>",
        (0..1000)
            .map(|i| format!("<e xmlns:p=\"urn:{i}\" p:a=\"v\"/>"))
            .collect::<String>()
    );
    let c = Case::with(Slot::New, siblings.as_bytes());
    let o = c.merge(Slot::New, &[], MEMORY_KIB);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // 64 in scope, 255 levels deep, each element with 250 prefixed attributes: accepted.
    let mut most = String::from("<configuration");
    for i in 0..64 {
        most.push_str(&format!(" xmlns:p{i}=\"urn:{i}\""));
    }
    most.push('>');
    for _ in 0..255 {
        most.push_str("<e");
        for i in 0..250 {
            most.push_str(&format!(" p{}:a{i}=\"v\"", i % 64));
        }
        most.push('>');
    }
    most.push_str(&"</e>".repeat(255));
    most.push_str("</configuration>");
    let c = Case::with(Slot::New, most.as_bytes());
    let o = c.merge(Slot::New, &[], MEMORY_KIB);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn attributes_roxmltree_cannot_place_are_refused_not_mangled() {
    // roxmltree keeps an attribute name's length in 16 bits and the `=` with its spaces in 8; past
    // that its value ranges are wrong (a 3-way edit then panicked or wrote a broken file).
    let base = "<configuration>\n  <system.web>\n    <pages validateRequest=\"true\" />\n  </system.web>\n</configuration>\n";
    let old = base.replace("true", "false");
    let wide = base.replace(
        "validateRequest=",
        &format!("validateRequest{}=", " ".repeat(300)),
    );
    let name = "é".repeat(40_000);
    let long = base.replace("validateRequest", &name);
    let long_old = old.replace("validateRequest", &name);
    for (o, n, b, needle) in [
        (
            old.as_str(),
            wide.as_str(),
            base,
            "more than 254 spaces surround an attribute's `=`",
        ),
        (
            long_old.as_str(),
            long.as_str(),
            long.as_str(),
            "an attribute name is longer than 65535 bytes",
        ),
    ] {
        let c = Case::new();
        fs::write(c.path("old.config"), o).unwrap();
        fs::write(c.path("new.config"), n).unwrap();
        fs::write(c.path("base.config"), b).unwrap();
        c.refuses(Slot::Base, &[], "E003", &[needle]);
        c.refuses(Slot::New, &[], "E003", &[needle]);
    }
}

fn million_keys(value: &str) -> String {
    let mut doc = String::with_capacity(40 << 20);
    doc.push_str("<?xml version=\"1.0\"?>\n<configuration>\n  <appSettings>\n");
    for i in 0..1_000_000 {
        doc.push_str(&format!("    <add key=\"KEY_{i}\" value=\"{value}\" />\n"));
    }
    doc.push_str("  </appSettings>\n</configuration>\n");
    doc
}

#[test]
fn a_million_keys_finish_and_succeed() {
    // 36 MB: OLD and NEW hold the same million keys, so NEW is already migrated, within 4 GiB of
    // address space. (About 5 s in a release build: `cargo bench --bench scaling` measures it.)
    let doc = million_keys("v");
    let c = Case::new();
    fs::write(c.path("old.config"), &doc).unwrap();
    fs::write(c.path("new.config"), &doc).unwrap();
    let o = c.merge(Slot::Old, &["--check", "--color", "never"], 4 * MEMORY_KIB);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("NEW is already migrated"), "{err}");
    assert!(o.stdout.is_empty());
}

/// Each change's line and column used to be found by scanning NEW from its start: 100,000 changed keys
/// took about a minute even in a release build (now one line index per file, diag::Sources::line_col).
/// Here: the result is right. The work per lookup is counted in `diag::sources`'s unit tests
/// (`a_lookup_scans_at_most_one_stride`); the time is measured by `cargo bench --bench scaling`.
#[test]
fn many_changed_keys_are_all_carried() {
    let doc = |value: &str| {
        let mut d = String::from("<configuration>\n  <appSettings>\n");
        for i in 0..100_000 {
            d.push_str(&format!("    <add key=\"KEY_{i}\" value=\"{value}\" />\n"));
        }
        d.push_str("  </appSettings>\n</configuration>\n");
        d
    };
    let c = Case::new();
    fs::write(c.path("old.config"), doc("old")).unwrap();
    fs::write(c.path("new.config"), doc("new")).unwrap();
    let o = c.merge(Slot::Old, &["-o", "out.config"], 2 * MEMORY_KIB);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        fs::read_to_string(c.path("out.config")).unwrap(),
        doc("old")
    );
}

/// Each `<clear/>` used to walk every appSettings slot ever added, tombstones included: 80,000
/// add/clear pairs (3 MB) took about a minute in a debug build (src/config.rs now compacts the slots).
/// Here: the run succeeds. The slots walked are counted in `config`'s unit tests
/// (`a_clear_walks_only_what_was_added_since_the_last_one`); `cargo bench --bench scaling` times it.
#[test]
fn repeated_clear_is_resolved() {
    let mut old = String::from("<configuration><appSettings>");
    for i in 0..80_000 {
        old.push_str(&format!("<add key=\"k{i}\" value=\"v\"/><clear/>"));
    }
    old.push_str("</appSettings></configuration>");
    let c = Case::with(Slot::Old, old.as_bytes());
    let o = c.merge(Slot::Old, &[], MEMORY_KIB);
    assert_eq!(o.status.code(), Some(0));
}

// ---------------------------------------------------------------------------------------------------
// Size

/// A sparse file of `len` bytes: costs no disk and no time to make.
fn sparse(path: &Path, len: u64) {
    fs::File::create(path).unwrap().set_len(len).unwrap();
}

#[test]
fn inputs_over_max_size_are_refused_before_they_are_read() {
    for slot in SLOTS {
        let c = Case::new();
        // Every input is under 3000 bytes but this one, padded with a comment.
        let padded = format!("{NEW}<!--{}-->", "x".repeat(3000));
        fs::write(c.path(slot.file()), &padded).unwrap();
        c.refuses(
            slot,
            &["--max-size", "3000"],
            "E011",
            &[&format!(
                "{} is {} bytes, more than --max-size 3000",
                slot.file(),
                padded.len()
            )],
        );
        // The default limit is 64 MiB: one byte over it is refused.
        sparse(&c.path(slot.file()), 64 * 1024 * 1024 + 1);
        c.refuses(
            slot,
            &[],
            "E011",
            &[&format!(
                "{} is 67108865 bytes, more than --max-size 67108864",
                slot.file()
            )],
        );
        // A 1 GiB input under a 256 MiB address-space limit: refused from its size alone.
        sparse(&c.path(slot.file()), 1 << 30);
        let before = c.snapshot();
        let o = c.merge(slot, &["-o", "out.config"], 256 * 1024);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr)
            .contains("is 1073741824 bytes, more than --max-size"));
        assert!(c.snapshot() == before);
    }
    // Exactly at the limit is fine.
    let c = Case::new();
    let len = fs::metadata(c.path("new.config"))
        .unwrap()
        .len()
        .max(OLD.len() as u64);
    let o = c.merge(Slot::New, &["--max-size", &len.to_string()], MEMORY_KIB);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn an_endless_input_is_cut_at_max_size() {
    // A link to /dev/zero has no size to check beforehand: reading stops one byte past the limit.
    for slot in SLOTS {
        let c = Case::new();
        fs::remove_file(c.path(slot.file())).unwrap();
        std::os::unix::fs::symlink("/dev/zero", c.path(slot.file())).unwrap();
        let before = c.snapshot();
        let o = c.merge(slot, &["-o", "out.config"], 512 * 1024);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!(
                "{} is 67108865 bytes, more than --max-size 67108864",
                slot.file()
            )),
            "{err}"
        );
        assert!(c.snapshot() == before);
    }
}

/// A `file=`/`configSource=` target used to be read whole with `std::fs::read`: a 1 GiB file was
/// loaded, a FIFO hung the run and a link to /dev/zero ate memory. Now only regular files within
/// --max-size are read; the others are named in a W202 warning and their values not migrated.
#[test]
fn external_files_are_bounded_like_inputs() {
    type Make = Box<dyn Fn(&Path) -> Option<Fifo>>;
    for (make, name) in [
        (
            Box::new(|p: &Path| {
                sparse(p, 1 << 30);
                None
            }) as Make,
            "big.config",
        ),
        (
            // A writer on the other end: a run that opened it would read an empty appSettings.
            Box::new(|p: &Path| Some(Fifo::new(p, "<appSettings/>"))),
            "fifo.config",
        ),
        (
            Box::new(|p: &Path| {
                std::os::unix::fs::symlink("/dev/zero", p).unwrap();
                None
            }),
            "zero.config",
        ),
    ] {
        let c = Case::new();
        let fifo = make(&c.path(name));
        fs::write(
            c.path("old.config"),
            format!("<configuration><appSettings file=\"{name}\"><add key=\"A\" value=\"1\"/></appSettings></configuration>"),
        )
        .unwrap();
        let o = c.merge(Slot::Old, &["--color", "never"], 512 * 1024);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("W202") && err.contains(name), "{err}");
        assert!(!fifo.is_some_and(Fifo::opened), "{name} was opened");
    }
}

/// `--rules` used to be read whole with `std::fs::read_to_string`: a FIFO hung the run and /dev/zero
/// ate memory. It is read like an input: a regular file within --max-size.
#[test]
fn a_rules_file_is_read_like_an_input() {
    let c = Case::new();
    let rules = include_str!("../rules/phonefactor-to-mfa.toml");
    std::os::unix::fs::symlink("/dev/zero", c.path("zero.toml")).unwrap();
    fs::create_dir(c.path("folder.toml")).unwrap();
    fs::write(c.path("big.toml"), format!("{rules}#{}", "x".repeat(4000))).unwrap();
    let big = format!(
        "rules file: big.toml is {} bytes, more than --max-size",
        rules.len() + 4001
    );
    c.refuses(
        Slot::Old,
        &["--rules", "zero.toml"],
        "E001",
        &["rules file: zero.toml is not a regular file"],
    );
    c.refuses(
        Slot::Old,
        &["--rules", "folder.toml"],
        "E001",
        &["rules file: folder.toml is a folder"],
    );
    let max = (rules.len() + 100).to_string();
    c.refuses(
        Slot::Old,
        &["--rules", "big.toml", "--max-size", &max],
        "E011",
        &[&big],
    );

    // A FIFO: whoever opens it for reading gets the built-in rules. wcmigrate must refuse it unopened.
    let fifo = Fifo::new(&c.path("fifo.toml"), rules);
    let o = c.merge(
        Slot::Old,
        &["--rules", "fifo.toml", "--color", "never"],
        MEMORY_KIB,
    );
    assert!(!fifo.opened(), "the rules FIFO was opened");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("E001") && err.contains("fifo.toml is not a regular file"),
        "{err}"
    );
    // `wcmigrate rules --rules` reads it the same way.
    let o = run(c.dir.path(), &["rules", "--rules", "zero.toml"], MEMORY_KIB);
    assert_eq!(o.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------------------
// Encodings and bytes

#[test]
fn invalid_utf8_is_refused_with_its_offset() {
    for slot in SLOTS {
        let mut bytes = NEW.as_bytes().to_vec();
        let at = NEW.find("value=\"\"").unwrap() + 7;
        bytes.splice(at..at, [0xC3, 0x28]);
        let c = Case::with(slot, &bytes);
        c.refuses(
            slot,
            &[],
            "E002",
            &[&format!(
                "{}: invalid UTF-8 byte sequence at byte {at}",
                slot.file()
            )],
        );
    }
}

#[test]
fn odd_length_utf16_is_refused() {
    for slot in SLOTS {
        let mut bytes = utf16le(NEW, true);
        bytes.push(b'\n');
        let last = bytes.len() - 1;
        let c = Case::with(slot, &bytes);
        c.refuses(
            slot,
            &[],
            "E002",
            &[&format!(
                "UTF-16 file with an odd number of bytes (truncated?) at byte {last}"
            )],
        );
    }
}

#[test]
fn nul_bytes_are_refused_in_utf8_and_utf16() {
    let doc = NEW.replacen("value=\"\"", "value=\"a\0b\"", 1);
    let (line, _) = doc
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains('\0'))
        .unwrap();
    for slot in SLOTS {
        for bytes in [doc.as_bytes().to_vec(), utf16le(&doc, true)] {
            let c = Case::with(slot, &bytes);
            c.refuses(
                slot,
                &[],
                "E003",
                &[
                    "a non-XML character '\\0' found",
                    &format!("{}:{}:", slot.file(), line + 1),
                ],
            );
        }
    }
}

#[test]
fn a_bom_contradicting_the_declaration_is_refused() {
    let declared = |enc: &str| {
        NEW.replacen(
            "<?xml version=\"1.0\"",
            &format!("<?xml version=\"1.0\" encoding=\"{enc}\""),
            1,
        )
    };
    assert!(declared("utf-8").contains("encoding=\"utf-8\""));
    let mut utf8_bom_says_16 = vec![0xEF, 0xBB, 0xBF];
    utf8_bom_says_16.extend(declared("utf-16").as_bytes());
    let utf16_bom_says_8 = utf16le(&declared("utf-8"), true);
    let mut be_bom_says_8 = vec![0xFE, 0xFF];
    for u in declared("utf-8").encode_utf16() {
        be_bom_says_8.extend(u.to_be_bytes());
    }
    for slot in SLOTS {
        for (bytes, says, stored) in [
            (&utf8_bom_says_16, "utf-16", "UTF-8"),
            (&utf16_bom_says_8, "utf-8", "UTF-16LE"),
            (&be_bom_says_8, "utf-8", "UTF-16BE"),
        ] {
            let c = Case::with(slot, bytes);
            c.refuses(
                slot,
                &[],
                "E002",
                &[
                    &format!("the XML declaration says encoding=\"{says}\""),
                    &format!("but the file is stored as {stored}"),
                ],
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Processing instructions and CDATA are kept byte for byte

#[test]
fn processing_instructions_and_cdata_are_kept_byte_for_byte() {
    let new = "<?xml version=\"1.0\"?>\r\n<?xml-stylesheet type=\"text/xsl\" href=\"a.xsl\"?>\r\n<configuration>\r\n  <appSettings>\r\n    <?wcmigrate keep me <exactly> & as I am?>\r\n    <add key=\"SSL_REQUIRED\" value=\"true\" />\r\n  </appSettings>\r\n  <applicationSettings>\r\n    <pfup.Properties.Settings>\r\n      <setting name=\"pfup_pfwssdk_PfWsSdk\" serializeAs=\"String\">\r\n        <value><![CDATA[http://localhost/<sdk>?a=1&b=2]]></value>\r\n      </setting>\r\n      <setting name=\"Banner\" serializeAs=\"String\">\r\n        <value>before<?pi inside a value?>after</value>\r\n      </setting>\r\n    </pfup.Properties.Settings>\r\n  </applicationSettings>\r\n</configuration>\r\n";
    let old = "<configuration>\n  <appSettings>\n    <add key=\"SSL_REQUIRED\" value=\"false\" />\n  </appSettings>\n  <applicationSettings>\n    <pfup.Properties.Settings>\n      <setting name=\"pfup_pfwssdk_PfWsSdk\" serializeAs=\"String\">\n        <value>https://mfa/PhoneFactorWebServiceSdk/PfWsSdk.asmx</value>\n      </setting>\n      <setting name=\"Banner\" serializeAs=\"String\">\n        <value><![CDATA[<b>Old</b>]]></value>\n      </setting>\n    </pfup.Properties.Settings>\n  </applicationSettings>\n</configuration>\n";
    for base in [false, true] {
        let c = Case::new();
        fs::write(c.path("old.config"), old).unwrap();
        fs::write(c.path("new.config"), new).unwrap();
        fs::write(c.path("base.config"), new).unwrap();
        let slot = if base { Slot::Base } else { Slot::Old };
        let o = c.merge(slot, &["-o", "out.config", "--color", "never"], MEMORY_KIB);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{err}");
        let out = fs::read_to_string(c.path("out.config")).unwrap();
        // The one plain value is migrated; every PI and CDATA section is exactly NEW's.
        let expected = new.replace(
            "<add key=\"SSL_REQUIRED\" value=\"true\" />",
            "<add key=\"SSL_REQUIRED\" value=\"false\" />",
        );
        assert_eq!(out, expected, "base: {base}\n{err}");
        // Each value it could not edit is named (W206), not silently skipped.
        assert!(err.contains("W206"), "{err}");
        assert!(
            err.contains("pfup_pfwssdk_PfWsSdk") && err.contains("Banner"),
            "{err}"
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// Fuzz findings and other reproducers, kept as files (see tests/regressions/README.md)

/// The fuzz targets' separator between OLD, NEW and BASE (fuzz/fuzz_targets/merge.rs).
const SEP: &[u8] = b"\xFF\x00SEP\x00\xFF";

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() < 2 {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + SEP.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

fn regression_files(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/regressions")
        .join(target);
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "in"));
    v.sort();
    v
}

#[test]
fn merge_regressions_exit_cleanly() {
    merge_regressions("merge");
}

/// Found by the `merge` fuzzer (round 2, 3-way). BASE has `<pages>` and `<customErrors>`; OLD changed
/// the theme and dropped `<customErrors>`; NEW lacks `<pages>`. The 3-way merge removed NEW's
/// `<customErrors>` line while the carry-attribute rule created `<pages theme>` right after that same
/// element: the insertion point lay inside the removed range, and `Edits::apply` dropped it (a change
/// reported but not written, so a second run wrote it) or panicked on its debug assertion. Now the
/// insertion starts on the next line (where the removal ends), and with a BASE the 3-way pass alone
/// decides whether `<pages>` exists: the theme rule needs it, so OLD's element comes back whole (a
/// conflict decided for OLD, W209).
#[test]
fn a_three_way_removal_keeps_the_insertion_after_it() {
    let c = Case::new();
    fs::write(
        c.path("base.config"),
        "<configuration>\n  <system.web>\n    <pages theme=\"Default\" />\n    <customErrors mode=\"Off\" />\n  </system.web>\n</configuration>\n",
    )
    .unwrap();
    fs::write(
        c.path("old.config"),
        "<configuration>\n  <system.web>\n    <pages theme=\"Contoso\" />\n  </system.web>\n</configuration>\n",
    )
    .unwrap();
    fs::write(
        c.path("new.config"),
        "<configuration>\n  <system.web>\n    <customErrors mode=\"Off\" />\n  </system.web>\n</configuration>\n",
    )
    .unwrap();
    let o = c.merge(
        Slot::Base,
        &["-o", "out.config", "--color", "never"],
        MEMORY_KIB,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("W209"), "{err}");
    let out = fs::read_to_string(c.path("out.config")).unwrap();
    assert_eq!(
        out,
        "<configuration>\n  <system.web>\n    <pages theme=\"Contoso\" />\n  </system.web>\n</configuration>\n"
    );
    fs::write(c.path("new.config"), &out).unwrap();
    let again = c.merge(Slot::Base, &["--check"], MEMORY_KIB);
    assert_eq!(again.status.code(), Some(0), "idempotent");
}

/// Found by the `merge` fuzzer (round 3, 3-way). BASE has `<pages theme>`; OLD changes the theme and
/// adds `<controls>` under it; NEW has no `<pages>`. The 3-way merge kept NEW's removal (a conflict),
/// then the carry-attribute rule created `<pages theme="Contoso" />`; on the next run that element
/// matched BASE's and OLD's `<controls>` was carried: not idempotent. Now with a BASE the
/// carry-attribute rule no longer creates elements: the 3-way pass brings OLD's whole element back.
#[test]
fn a_three_way_merge_with_a_created_element_is_idempotent() {
    let c = Case::new();
    fs::write(
        c.path("base.config"),
        "<configuration>\n  <system.web>\n    <pages theme=\"Default\" />\n  </system.web>\n</configuration>\n",
    )
    .unwrap();
    fs::write(
        c.path("old.config"),
        "<configuration>\n  <system.web>\n    <pages theme=\"Contoso\">\n      <controls>\n        <add tagPrefix=\"asp\" namespace=\"System.Web.UI\" />\n      </controls>\n    </pages>\n  </system.web>\n</configuration>\n",
    )
    .unwrap();
    fs::write(
        c.path("new.config"),
        "<configuration>\n  <system.web>\n    <globalization culture=\"auto\" />\n  </system.web>\n</configuration>\n",
    )
    .unwrap();
    let o = c.merge(Slot::Base, &["-o", "out.config"], MEMORY_KIB);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    fs::copy(c.path("out.config"), c.path("new.config")).unwrap();
    let again = c.merge(Slot::Base, &["--check", "--color", "never"], MEMORY_KIB);
    assert_eq!(
        again.status.code(),
        Some(0),
        "a second run changes the output:\n{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

/// Each file is OLD SEP NEW [SEP BASE]: the binary must exit 0 or 2 (never panic or be killed),
/// write nothing on 2, and on 0 write a file that merging again leaves identical.
fn merge_regressions(folder: &str) {
    for file in regression_files(folder) {
        let data = fs::read(&file).unwrap();
        let parts = split(&data);
        assert!(parts.len() >= 2, "{}: no separator", file.display());
        let c = Case::new();
        fs::write(c.path("old.config"), parts[0]).unwrap();
        fs::write(c.path("new.config"), parts[1]).unwrap();
        let slot = match parts.get(2) {
            Some(base) => {
                fs::write(c.path("base.config"), base).unwrap();
                Slot::Base
            }
            None => Slot::Old,
        };
        let o = c.merge(slot, &["-o", "out.config", "--color", "never"], MEMORY_KIB);
        let err = String::from_utf8_lossy(&o.stderr);
        match o.status.code() {
            Some(0) => {
                let out = fs::read(c.path("out.config")).unwrap();
                fs::write(c.path("new.config"), &out).unwrap();
                // Merged again, the output comes back unchanged. (Not `--check`: fuzzed files may
                // look swapped, W240, which `--check` refuses to judge.)
                let again = c.merge(
                    slot,
                    &["-o", "again.config", "--color", "never"],
                    MEMORY_KIB,
                );
                assert_eq!(
                    (again.status.code(), fs::read(c.path("again.config")).ok()),
                    (Some(0), Some(out)),
                    "{}: not idempotent:\n{}",
                    file.display(),
                    String::from_utf8_lossy(&again.stderr)
                );
            }
            Some(2) => assert!(!c.path("out.config").exists(), "{}", file.display()),
            other => panic!("{}: exit {other:?}\n{err}", file.display()),
        }
    }
}

#[test]
fn decode_regressions_round_trip() {
    for file in regression_files("decode") {
        let data = fs::read(&file).unwrap();
        if let Ok(d) = wcmigrate::text::decode(&data) {
            assert!(
                wcmigrate::text::encode(&d.text, d.encoding) == data,
                "{}",
                file.display()
            );
        }
    }
}

#[test]
fn rules_regressions_parse_or_fail_cleanly() {
    for file in regression_files("rules") {
        let c = Case::new();
        fs::copy(&file, c.path("rules.toml")).unwrap();
        let o = run(
            c.dir.path(),
            &["rules", "--rules", "rules.toml"],
            MEMORY_KIB,
        );
        assert!(
            matches!(o.status.code(), Some(0 | 2)),
            "{}: {:?}",
            file.display(),
            o.status
        );
        let _ = std::io::stdout().flush();
    }
}
