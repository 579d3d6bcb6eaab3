//! Tidy: the code base's shape promises, checked by reading the source tree.
//!
//! In the spirit of rust-analyzer's tidy tests: nothing here runs the engine; the tests read `src/` and
//! fail with a list of what to fix.
//!
//! 1. No file under `src/` is over 800 lines: a module that long owns too much and should be split.
//! 2. Every file under `src/` opens with a `//!` comment that says what the module owns.
//! 3. The library's modules do not import each other in a circle: neither the top-level modules nor the
//!    submodules of any one module. A parent naming its own children (a re-export) or a child reaching
//!    up to its parent is how modules are built, not a cycle.
//!
//! Check 3 runs a small hand-written scanner (std only) that handles this code base's style, not all
//! of Rust. The self-tests at the bottom keep it honest, so that the check cannot pass by finding
//! nothing:
//! - comments (line, doc and nested block), string literals (plain, byte, raw) and char literals are
//!   blanked out first, so a `crate::x` in prose or in a message is not an edge;
//! - `#[cfg(test)] mod tests { ... }` blocks (one per file, at its end, in this code base) are dropped:
//!   tests may reach anywhere;
//! - edges come from `use` trees (grouped ones too) and from paths in code that start with `crate::`,
//!   `super::`, `self::` or a child module's name, resolved against the file's module; a path through
//!   a name a module imports (`crate::Prefer`, which `lib.rs` re-exports from `merge`) is followed to
//!   the module the item lives in;
//! - not handled, because this code base does not do it: reaching a third module through a glob import
//!   (`use super::*`, then a name the parent imported), paths inside string literals (e.g.
//!   `#[serde(with = "...")]`), `#[path]` attributes, inline modules other than the tests block.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The most lines a source file may have.
const MAX_LINES: usize = 800;

// ------------------------------------------------------------------------------------------------
// The checks
// ------------------------------------------------------------------------------------------------

#[test]
fn no_source_file_is_over_800_lines() {
    let files = source_files();
    assert!(!files.is_empty(), "found no .rs file under src/");
    let mut offenders: Vec<(usize, &str)> = files
        .iter()
        .map(|(path, text)| (text.lines().count(), path.as_str()))
        .filter(|&(lines, _)| lines > MAX_LINES)
        .collect();
    offenders.sort_by(|a, b| b.cmp(a));
    let list: Vec<String> = offenders
        .iter()
        .map(|(lines, path)| format!("  {path}: {lines} lines"))
        .collect();
    assert!(
        list.is_empty(),
        "{} file(s) under src/ are over {MAX_LINES} lines; split each by what it owns:\n{}\n",
        list.len(),
        list.join("\n")
    );
}

#[test]
fn every_module_says_what_it_owns() {
    let files = source_files();
    assert!(!files.is_empty(), "found no .rs file under src/");
    let missing: Vec<String> = files
        .iter()
        .filter(|(_, text)| !opens_with_module_doc(text))
        .map(|(path, _)| format!("  {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "{} file(s) under src/ do not open with a `//!` comment saying what the module owns:\n{}\n",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn modules_do_not_import_each_other_in_a_circle() {
    let files = source_files();
    // A literal or comment read wrong would blank out code (or keep prose): brackets then stop
    // balancing. Fail loudly rather than scan a wrong picture.
    for (path, text) in &files {
        assert!(
            brackets_balance(&strip_comments_and_strings(text)),
            "the scanner misread {path}: its code's brackets do not balance once comments and literals \
             are blanked; the scanner is broken, not the code base"
        );
    }
    let graph = module_graph(&files);
    // Captured by the test harness and shown when the test fails.
    println!("{}", graph.describe());
    assert!(
        graph.modules.len() >= 10 && graph.edges.len() >= 10,
        "the scanner found only {} modules and {} edges under src/: the scanner is broken, not the \
         code base\n{}",
        graph.modules.len(),
        graph.edges.len(),
        graph.describe()
    );
    let cycles = cycles(&graph);
    if cycles.is_empty() {
        return;
    }
    let mut msg = format!(
        "the library's modules import each other in a circle; {} cycle(s):\n",
        cycles.len()
    );
    let mut hops = BTreeSet::new();
    for cycle in &cycles {
        msg += &format!("  {}\n", show_cycle(&cycle.nodes));
        hops.extend(cycle.hops.iter().cloned());
    }
    msg += "the imports on these cycles (cut one on every cycle), each with the first place it is made:\n";
    for hop in hops {
        msg += &format!("  {hop}\n");
    }
    panic!("{msg}");
}

// ------------------------------------------------------------------------------------------------
// Reading the tree
// ------------------------------------------------------------------------------------------------

/// Every `(`, `[` and `{` is closed by its own kind, in order.
fn brackets_balance(code: &str) -> bool {
    let mut open = Vec::new();
    for c in code.chars() {
        let opener = match c {
            '(' | '[' | '{' => {
                open.push(c);
                continue;
            }
            ')' => '(',
            ']' => '[',
            '}' => '{',
            _ => continue,
        };
        if open.pop() != Some(opener) {
            return false;
        }
    }
    open.is_empty()
}

/// Every `.rs` file under `src/`: (path relative to the crate, with `/` separators; text), sorted.
fn source_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    collect_rs(&root.join("src"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let rel: Vec<String> = path
                .strip_prefix(root)
                .expect("found under the crate")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let rel = rel.join("/");
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
            (rel, text)
        })
        .collect()
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The first line that is not blank starts with `//!`.
fn opens_with_module_doc(text: &str) -> bool {
    text.lines()
        .find(|line| !line.trim().is_empty())
        .is_some_and(|line| line.starts_with("//!"))
}

// ------------------------------------------------------------------------------------------------
// The scanner, step 1: blank out what is not code
// ------------------------------------------------------------------------------------------------

/// `src` with every comment (doc comments too), string literal and char literal replaced by spaces.
/// Newlines stay, so byte offsets and line numbers still match `src`.
fn strip_comments_and_strings(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    while i < b.len() {
        match literal_or_comment_end(b, i) {
            Some(end) => {
                for byte in &mut out[i..end] {
                    if *byte != b'\n' {
                        *byte = b' ';
                    }
                }
                i = end;
            }
            None => i += 1,
        }
    }
    // Every blanked stretch starts and ends at an ASCII delimiter, so only whole characters go.
    String::from_utf8(out).expect("whole characters blanked")
}

/// If a comment or a string or char literal starts at `b[i]`, the offset just past its end.
fn literal_or_comment_end(b: &[u8], i: usize) -> Option<usize> {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    match b[i] {
        // `//`, `///`, `//!`: to the end of the line.
        b'/' if at(i + 1) == b'/' => Some(
            b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p),
        ),
        // `/* ... */`, which nest in Rust.
        b'/' if at(i + 1) == b'*' => {
            let (mut depth, mut k) = (0, i);
            while k < b.len() {
                if b[k..].starts_with(b"/*") {
                    depth += 1;
                    k += 2;
                } else if b[k..].starts_with(b"*/") {
                    depth -= 1;
                    k += 2;
                    if depth == 0 {
                        return Some(k);
                    }
                } else {
                    k += 1;
                }
            }
            Some(b.len())
        }
        // `"..."` (also the tail of `b"..."`), with backslash escapes.
        b'"' => {
            let mut k = i + 1;
            while k < b.len() {
                match b[k] {
                    b'\\' => k += 2,
                    b'"' => return Some(k + 1),
                    _ => k += 1,
                }
            }
            Some(b.len())
        }
        // `r"..."`, `r#"..."#` (also after `b` or `c`): no escapes; ends at `"` and as many `#`.
        b'r' if starts_word(b, i) => {
            let mut j = i + 1;
            while at(j) == b'#' {
                j += 1;
            }
            if at(j) != b'"' {
                return None; // `r`, `r#ident` or an identifier starting with r
            }
            let hashes = j - i - 1;
            let mut k = j + 1;
            while k < b.len() {
                let closes = b
                    .get(k + 1..k + 1 + hashes)
                    .is_some_and(|s| s.iter().all(|&c| c == b'#'));
                if b[k] == b'"' && closes {
                    return Some(k + 1 + hashes);
                }
                k += 1;
            }
            Some(b.len())
        }
        // `'x'`, `'\''`, `'\u{..}'` (also after `b`). A `'` not closed right after one character
        // is a lifetime or a label, which is code.
        b'\'' => {
            if at(i + 1) == b'\\' {
                let mut k = i + 3; // past the quote, the backslash and the escaped character
                while k < b.len() && b[k] != b'\'' && b[k] != b'\n' {
                    k += 1;
                }
                return Some((k + 1).min(b.len()));
            }
            let len = utf8_len(at(i + 1));
            (at(i + 1) != 0 && at(i + 1 + len) == b'\'').then_some(i + 2 + len)
        }
        _ => None,
    }
}

/// `b[i]` starts a word, or follows a lone `b` or `c` prefix (`br"..."`, `cr"..."`).
fn starts_word(b: &[u8], i: usize) -> bool {
    match i.checked_sub(1).map(|p| b[p]) {
        None => true,
        Some(b'b' | b'c') => i < 2 || !is_ident_byte(b[i - 2]),
        Some(p) => !is_ident_byte(p),
    }
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0..=0x7f => 1,
        0x80..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

// ------------------------------------------------------------------------------------------------
// The scanner, step 2: tokens, without the tests block
// ------------------------------------------------------------------------------------------------

/// A word (identifier, keyword or number), `::`, or one punctuation character, with its line.
#[derive(Clone, Debug)]
struct Tok {
    text: String,
    line: usize,
}

/// Splits code (already stripped) into tokens; whitespace separates and is dropped.
fn tokenize(code: &str) -> Vec<Tok> {
    let b = code.as_bytes();
    let (mut out, mut i, mut line) = (Vec::new(), 0, 1);
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            line += usize::from(b[i] == b'\n');
            i += 1;
            continue;
        }
        let start = i;
        if is_ident_byte(b[i]) {
            while i < b.len() && is_ident_byte(b[i]) {
                i += 1;
            }
        } else if b[i..].starts_with(b"::") {
            i += 2;
        } else {
            i += 1;
        }
        out.push(Tok {
            text: code[start..i].to_string(),
            line,
        });
    }
    out
}

fn is(toks: &[Tok], i: usize, text: &str) -> bool {
    toks.get(i).is_some_and(|t| t.text == text)
}

fn is_ident(toks: &[Tok], i: usize) -> bool {
    toks.get(i)
        .is_some_and(|t| t.text.starts_with(|c: char| c.is_alphabetic() || c == '_'))
}

/// The index of the bracket that closes the one at `open` (or the last token if none does).
fn closing(toks: &[Tok], open: usize, (l, r): (&str, &str)) -> usize {
    let mut depth = 0;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if t.text == l {
            depth += 1;
        } else if t.text == r {
            depth -= 1;
            if depth == 0 {
                return k;
            }
        }
    }
    toks.len().saturating_sub(1)
}

/// A file's code as tokens, without its `#[cfg(test)] mod NAME { ... }` blocks; and the names of the
/// child modules declared test-only with `#[cfg(test)] mod NAME;`.
fn code_tokens(text: &str) -> (Vec<Tok>, Vec<String>) {
    let all = tokenize(&strip_comments_and_strings(text));
    let (mut out, mut test_only, mut i) = (Vec::new(), Vec::new(), 0);
    while i < all.len() {
        let cfg_test = ["#", "[", "cfg", "(", "test", ")", "]"];
        if cfg_test.iter().enumerate().all(|(k, t)| is(&all, i + k, t)) {
            let mut j = i + cfg_test.len();
            // Other attributes and a visibility may sit between the attribute and `mod`.
            while is(&all, j, "#") && is(&all, j + 1, "[") {
                j = closing(&all, j + 1, ("[", "]")) + 1;
            }
            if is(&all, j, "pub") {
                j += 1;
                if is(&all, j, "(") {
                    j = closing(&all, j, ("(", ")")) + 1;
                }
            }
            if is(&all, j, "mod") && is_ident(&all, j + 1) {
                if is(&all, j + 2, "{") {
                    i = closing(&all, j + 2, ("{", "}")) + 1;
                    continue;
                }
                if is(&all, j + 2, ";") {
                    test_only.push(all[j + 1].text.clone());
                    i = j + 3;
                    continue;
                }
            }
        }
        out.push(all[i].clone());
        i += 1;
    }
    (out, test_only)
}

/// The child modules a file declares from other files: `mod NAME;`.
fn declared_modules(toks: &[Tok]) -> Vec<String> {
    (0..toks.len())
        .filter(|&i| is(toks, i, "mod") && is_ident(toks, i + 1) && is(toks, i + 2, ";"))
        .map(|i| toks[i + 1].text.clone())
        .collect()
}

// ------------------------------------------------------------------------------------------------
// The scanner, step 3: the paths a module names
// ------------------------------------------------------------------------------------------------

/// One name a `use` declaration brings in: the path as written (`[crate, merge, Prefer]`), and the
/// name it binds (`None` for a glob).
#[derive(Clone, Debug)]
struct UseItem {
    path: Vec<String>,
    binding: Option<String>,
}

/// What one module's code names: its `use` items, and every path as written with its line (the
/// `use` items' paths included), in source order.
#[derive(Default)]
struct Scan {
    imports: Vec<UseItem>,
    paths: Vec<(Vec<String>, usize)>,
}

/// Collects `use` trees and paths starting with `crate`, `super`, `self` or a child module's name.
fn scan(toks: &[Tok], children: &BTreeSet<String>) -> Scan {
    let mut found = Scan::default();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i].text;
        // `use TREE;` (`use<'a>` in a bound is not a declaration).
        if t == "use" && (is_ident(toks, i + 1) || is(toks, i + 1, "{") || is(toks, i + 1, "::")) {
            let mut pos = i + 1;
            let mut items = Vec::new();
            use_tree(toks, &mut pos, &[], &mut items);
            for (item, line) in items {
                let mut path = item.path.clone();
                if item.binding.is_none() {
                    path.pop(); // the `*`
                }
                found.paths.push((path, line));
                found.imports.push(item);
            }
            while pos < toks.len() && toks[pos].text != ";" {
                pos += 1;
            }
            i = pos + 1;
            continue;
        }
        // A path in code: `crate::x::f()`, `super::Y`, `threeway::run()`. Not the middle of a
        // longer path, and not a visibility (`pub(in crate::x)`).
        let starts_path = matches!(t.as_str(), "crate" | "super" | "self") || children.contains(t);
        let middle = i > 0 && (is(toks, i - 1, "::") || is(toks, i - 1, "in"));
        if starts_path && !middle && is(toks, i + 1, "::") {
            let mut path = vec![t.clone()];
            let mut pos = i + 1;
            while is(toks, pos, "::") && is_ident(toks, pos + 1) {
                path.push(toks[pos + 1].text.clone());
                pos += 2;
            }
            found.paths.push((path, toks[i].line));
            i = pos;
            continue;
        }
        i += 1;
    }
    found
}

/// Parses one use tree at `toks[*pos]` (after `use`, or inside `{ }`), under `prefix`:
/// `a::b`, `a::b as c`, `a::{tree, tree}`, `a::*`, `a::{self, b}`, `::a`.
fn use_tree(toks: &[Tok], pos: &mut usize, prefix: &[String], out: &mut Vec<(UseItem, usize)>) {
    let mut path = prefix.to_vec();
    if is(toks, *pos, "::") {
        *pos += 1; // `use ::std::x`
    }
    loop {
        let Some(tok) = toks.get(*pos) else { return };
        let line = tok.line;
        match tok.text.as_str() {
            "{" => {
                *pos += 1;
                loop {
                    if is(toks, *pos, "}") {
                        *pos += 1;
                        return;
                    }
                    let before = *pos;
                    use_tree(toks, pos, &path, out);
                    if is(toks, *pos, ",") {
                        *pos += 1;
                    } else if *pos == before || !is(toks, *pos, "}") {
                        return; // not this code base's style; the caller skips to `;`
                    }
                }
            }
            "*" => {
                *pos += 1;
                path.push("*".to_string());
                out.push((
                    UseItem {
                        path,
                        binding: None,
                    },
                    line,
                ));
                return;
            }
            _ if is_ident(toks, *pos) => {
                path.push(tok.text.clone());
                *pos += 1;
                if is(toks, *pos, "::") {
                    *pos += 1;
                    continue;
                }
                // A leaf: `X`, `X as Y`, or `self` (the prefix itself).
                if tok.text == "self" {
                    path.pop();
                }
                let mut binding = path.last().cloned();
                if is(toks, *pos, "as") && is_ident(toks, *pos + 1) {
                    let alias = &toks[*pos + 1].text;
                    binding = (alias != "_").then(|| alias.clone());
                    *pos += 2;
                }
                out.push((UseItem { path, binding }, line));
                return;
            }
            _ => return,
        }
    }
}

// ------------------------------------------------------------------------------------------------
// The scanner, step 4: the module graph
// ------------------------------------------------------------------------------------------------

/// A module's path from the crate root: `[]` is `lib.rs`, `[merge, threeway]` is `merge::threeway`.
type ModPath = Vec<String>;

/// How deep a chain of imports (`crate::Prefer` -> `merge::Prefer`) is followed.
const MAX_HOPS: usize = 8;

/// The library's modules and which module names which.
#[derive(Default)]
struct Graph {
    modules: BTreeSet<ModPath>,
    /// (A, B): module A names module B; the value is the first place it does (`src/a.rs:12`).
    edges: BTreeMap<(ModPath, ModPath), String>,
}

impl Graph {
    fn describe(&self) -> String {
        let mut s = format!(
            "module graph: {} modules, {} edges\n",
            self.modules.len(),
            self.edges.len()
        );
        for m in &self.modules {
            let to: Vec<String> = self
                .edges
                .keys()
                .filter(|(a, _)| a == m)
                .map(|(_, b)| show(b))
                .collect();
            s += &format!(
                "  {} -> {}\n",
                show(m),
                if to.is_empty() {
                    "-".to_string()
                } else {
                    to.join(", ")
                }
            );
        }
        s
    }
}

fn show(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

fn child(parent: &[String], name: &str) -> ModPath {
    let mut m = parent.to_vec();
    m.push(name.to_string());
    m
}

/// The module a library file holds, or `None` if it is not a library file: `src/lib.rs` is the crate
/// root, `src/a.rs` and `src/a/mod.rs` are `a`, `src/a/b.rs` is `a::b`. `src/main.rs` and `src/bin/`
/// are the binary.
fn module_path(file: &str) -> Option<ModPath> {
    let rel = file.strip_prefix("src/")?.strip_suffix(".rs")?;
    if rel == "main" || rel.starts_with("bin/") {
        return None;
    }
    if rel == "lib" {
        return Some(Vec::new());
    }
    let mut path: ModPath = rel.split('/').map(str::to_string).collect();
    if path.last().is_some_and(|s| s == "mod") {
        path.pop();
    }
    Some(path)
}

/// Resolves paths as written in one module to the module they lead to.
struct Resolver<'a> {
    modules: &'a BTreeSet<ModPath>,
    imports: BTreeMap<ModPath, Vec<UseItem>>,
}

impl Resolver<'_> {
    /// What `name` means in `module` if `module` imports it.
    fn import(&self, module: &[String], name: &str) -> Option<&UseItem> {
        let items = self.imports.get(module)?;
        items.iter().find(|u| u.binding.as_deref() == Some(name))
    }

    /// `raw`, written in `module`, as a path from the crate root; `None` if it leads out of the crate
    /// (`std::`, `serde::`) or to a local item that is not a module path.
    fn absolute(&self, module: &[String], raw: &[String], hops: usize) -> Option<Vec<String>> {
        let (first, mut rest) = raw.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => module.to_vec(),
            "super" => module[..module.len().checked_sub(1)?].to_vec(),
            name if self.modules.contains(&child(module, name)) => child(module, name),
            // A name this module imports: `use crate::diag; use diag::Code;`.
            name if hops < MAX_HOPS => {
                let item = self.import(module, name)?;
                self.absolute(module, &item.path, hops + 1)?
            }
            _ => return None,
        };
        while let Some((seg, tail)) = rest.split_first() {
            if seg != "super" {
                break;
            }
            base.pop()?; // `super::super::x`
            rest = tail;
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The module an absolute path leads to: its longest prefix that is a module, after following
    /// the imports it goes through (`crate::Prefer` is `merge::Prefer` because `lib.rs` imports it).
    fn module_of(&self, abs: &[String], hops: usize) -> ModPath {
        let mut cur = Vec::new();
        for (i, seg) in abs.iter().enumerate() {
            let next = child(&cur, seg);
            if self.modules.contains(&next) {
                cur = next;
                continue;
            }
            // `seg` is an item of `cur`, or a name `cur` imports: then follow the import.
            if hops < MAX_HOPS {
                let target = self
                    .import(&cur, seg)
                    .and_then(|item| self.absolute(&cur, &item.path, hops + 1));
                if let Some(mut target) = target {
                    target.extend_from_slice(&abs[i + 1..]);
                    return self.module_of(&target, hops + 1);
                }
            }
            break;
        }
        cur
    }
}

/// Builds the library's module graph from its files (path relative to the crate, text).
fn module_graph(files: &[(String, String)]) -> Graph {
    // The binary is another crate: `src/main.rs`, `src/bin/`, and the modules `main.rs` declares.
    let binary: Vec<String> = files
        .iter()
        .filter(|(path, _)| path == "src/main.rs")
        .flat_map(|(_, text)| declared_modules(&code_tokens(text).0))
        .collect();
    let mut sources: BTreeMap<ModPath, (&str, Vec<Tok>)> = BTreeMap::new();
    let mut test_only: Vec<ModPath> = Vec::new();
    for (file, text) in files {
        let Some(module) = module_path(file) else {
            continue;
        };
        if module.first().is_some_and(|top| binary.contains(top)) {
            continue;
        }
        let (toks, tests) = code_tokens(text);
        test_only.extend(tests.iter().map(|t| child(&module, t)));
        sources.insert(module, (file.as_str(), toks));
    }
    sources.retain(|m, _| !test_only.iter().any(|t| m.starts_with(t)));

    let mut graph = Graph {
        modules: sources.keys().cloned().collect(),
        ..Graph::default()
    };
    let mut scans = BTreeMap::new();
    for (module, (_, toks)) in &sources {
        let children: BTreeSet<String> = graph
            .modules
            .iter()
            .filter(|m| m.len() == module.len() + 1 && m.starts_with(module))
            .map(|m| m[module.len()].clone())
            .collect();
        scans.insert(module.clone(), scan(toks, &children));
    }
    let resolver = Resolver {
        modules: &graph.modules,
        imports: scans
            .iter()
            .map(|(m, s)| (m.clone(), s.imports.clone()))
            .collect(),
    };
    let mut edges = BTreeMap::new();
    for (module, found) in &scans {
        for (raw, line) in &found.paths {
            let Some(abs) = resolver.absolute(module, raw, 0) else {
                continue;
            };
            let target = resolver.module_of(&abs, 0);
            if &target != module {
                let file = sources[module].0;
                edges
                    .entry((module.clone(), target))
                    .or_insert_with(|| format!("{file}:{line}"));
            }
        }
    }
    graph.edges = edges;
    graph
}

// ------------------------------------------------------------------------------------------------
// Cycles
// ------------------------------------------------------------------------------------------------

/// A circle of modules that are children of one parent (the crate root for top-level modules).
struct Cycle {
    /// The modules in order, the first one again at the end.
    nodes: Vec<ModPath>,
    /// Each step as `a -> b   src/a.rs:3`, with the modules that make it when they sit deeper.
    hops: Vec<String>,
}

fn show_cycle(nodes: &[ModPath]) -> String {
    nodes
        .iter()
        .map(|m| show(m))
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// Every cycle among siblings: the top-level modules, and the children of any one module.
fn cycles(g: &Graph) -> Vec<Cycle> {
    let mut found = Vec::new();
    for parent in &g.modules {
        let edges = sibling_edges(g, parent);
        let mut cycles = elementary_cycles(edges.keys());
        cycles.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
        for nodes in cycles {
            let hops = nodes
                .windows(2)
                .map(|w| {
                    format!(
                        "{} -> {}   {}",
                        show(&w[0]),
                        show(&w[1]),
                        edges[&(w[0].clone(), w[1].clone())]
                    )
                })
                .collect();
            found.push(Cycle { nodes, hops });
        }
    }
    found
}

/// The edges among `parent`'s children, where each module below a child counts as that child.
/// Edges that touch `parent` itself or leave its subtree are left out: a parent naming its children
/// and a child naming its parent are how modules are built, not cycles.
fn sibling_edges(g: &Graph, parent: &[String]) -> BTreeMap<(ModPath, ModPath), String> {
    let depth = parent.len() + 1;
    let mut out = BTreeMap::new();
    for ((from, to), at) in &g.edges {
        let below = |m: &ModPath| m.len() >= depth && m.starts_with(parent);
        if !below(from) || !below(to) || from[..depth] == to[..depth] {
            continue;
        }
        let (a, b) = (from[..depth].to_vec(), to[..depth].to_vec());
        let deeper = if (&a, &b) == (from, to) {
            String::new()
        } else {
            format!(" ({} -> {})", show(from), show(to))
        };
        out.entry((a, b)).or_insert_with(|| format!("{at}{deeper}"));
    }
    out
}

/// Most cycles reported at once.
const MAX_CYCLES: usize = 100;

/// Every elementary cycle, each once: it starts (and ends) at its smallest node.
fn elementary_cycles<'a>(edges: impl Iterator<Item = &'a (ModPath, ModPath)>) -> Vec<Vec<ModPath>> {
    let mut next: BTreeMap<&ModPath, Vec<&ModPath>> = BTreeMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
    }
    let mut found = Vec::new();
    for &start in next.keys() {
        walk(&next, &mut vec![start], &mut found);
    }
    found
}

/// Extends `path` by every node larger than its start, recording a cycle whenever it closes.
fn walk<'a>(
    next: &BTreeMap<&'a ModPath, Vec<&'a ModPath>>,
    path: &mut Vec<&'a ModPath>,
    found: &mut Vec<Vec<ModPath>>,
) {
    let (start, last) = (path[0], path[path.len() - 1]);
    for &n in next.get(last).into_iter().flatten() {
        if found.len() >= MAX_CYCLES {
            return;
        }
        if n == start {
            found.push(path.iter().chain([&start]).map(|m| (*m).clone()).collect());
        } else if n > start && !path.contains(&n) {
            path.push(n);
            walk(next, path, found);
            path.pop();
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Self-tests of the scanner, on small in-memory crates
// ------------------------------------------------------------------------------------------------

mod self_tests {
    use super::*;

    fn graph(files: &[(&str, &str)]) -> Graph {
        let files: Vec<(String, String)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        module_graph(&files)
    }

    fn edges(g: &Graph) -> Vec<String> {
        g.edges
            .keys()
            .map(|(a, b)| format!("{} -> {}", show(a), show(b)))
            .collect()
    }

    fn cycle_list(g: &Graph) -> Vec<String> {
        cycles(g).iter().map(|c| show_cycle(&c.nodes)).collect()
    }

    fn m(path: &str) -> ModPath {
        path.split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn files_map_to_module_paths() {
        assert_eq!(module_path("src/lib.rs"), Some(m("")));
        assert_eq!(module_path("src/merge.rs"), Some(m("merge")));
        assert_eq!(module_path("src/merge/mod.rs"), Some(m("merge")));
        assert_eq!(
            module_path("src/merge/threeway.rs"),
            Some(m("merge::threeway"))
        );
        assert_eq!(
            module_path("src/merge/actions/mod.rs"),
            Some(m("merge::actions"))
        );
        assert_eq!(
            module_path("src/merge/actions/copy.rs"),
            Some(m("merge::actions::copy"))
        );
        assert_eq!(module_path("src/main.rs"), None);
        assert_eq!(module_path("src/bin/tool.rs"), None);
    }

    #[test]
    fn a_cycle_is_found_through_grouped_uses_code_paths_and_super() {
        let g = graph(&[
            (
                "src/lib.rs",
                "//! Root.\npub mod a;\npub mod b;\npub mod c;\n",
            ),
            (
                "src/a.rs",
                "//! A.\nuse crate::{b::{B1, B2}};\npub struct A;\n",
            ),
            (
                "src/b.rs",
                "//! B.\npub fn f() -> u8 {\n    crate::c::g()\n}\n",
            ),
            (
                "src/c.rs",
                "//! C.\nuse super::a::A;\npub fn g() -> u8 { 0 }\n",
            ),
        ]);
        assert_eq!(edges(&g), ["a -> b", "b -> c", "c -> a"]);
        assert_eq!(cycle_list(&g), ["a -> b -> c -> a"]);
        assert_eq!(
            cycles(&g)[0].hops,
            [
                "a -> b   src/a.rs:2",
                "b -> c   src/b.rs:3",
                "c -> a   src/c.rs:2"
            ]
        );
    }

    /// Every `crate::a` / `super::a` in `c.rs` but the last line is prose, a literal or a test.
    const C_WITHOUT_REAL_EDGE_TO_A: &str = r####"//! C: mentions crate::a::A only in prose.
/// See [`crate::a::A`] and super::a::A.
pub fn c<'a>(x: &'a str) -> &'a str {
    // crate::a::A
    /* crate::a::A /* nested */ crate::a::A */
    let q = '"';
    let s = "crate::a::A \" super::a::A";
    let r = r#"crate::a::"A""#;
    let t = b'\'';
    let u = br"crate::a::A";
    'outer: loop { break 'outer; }
    x
}
use crate::d::D;

#[cfg(test)]
mod tests {
    use crate::a::A;
    #[test]
    fn t() {
        let _ = super::super::a::A;
    }
}
"####;

    #[test]
    fn comments_strings_and_tests_are_not_edges_and_a_graph_without_cycles_passes() {
        let stripped = strip_comments_and_strings(C_WITHOUT_REAL_EDGE_TO_A);
        assert!(brackets_balance(&stripped));
        assert!(
            !brackets_balance("fn f() { let s = \"}\"; }"),
            "the check itself must see a stray closing brace"
        );
        assert_eq!(stripped.len(), C_WITHOUT_REAL_EDGE_TO_A.len());
        assert_eq!(
            stripped.lines().count(),
            C_WITHOUT_REAL_EDGE_TO_A.lines().count()
        );
        assert!(
            stripped.contains("use crate::d::D;"),
            "code after the literals is kept:\n{stripped}"
        );
        assert!(
            stripped.contains("'outer: loop"),
            "labels are code:\n{stripped}"
        );
        let g = graph(&[
            (
                "src/lib.rs",
                "//! Root.\npub mod a;\npub mod b;\npub mod c;\npub mod d;\n",
            ),
            ("src/a.rs", "//! A.\nuse crate::b::B;\n"),
            ("src/b.rs", "//! B.\npub fn f() { crate::c::c(\"\"); }\n"),
            ("src/c.rs", C_WITHOUT_REAL_EDGE_TO_A),
            ("src/d.rs", "//! D.\npub struct D;\n"),
        ]);
        assert_eq!(edges(&g), ["a -> b", "b -> c", "c -> d"]);
        assert!(cycle_list(&g).is_empty());
    }

    #[test]
    fn a_reexport_is_followed_to_the_module_that_owns_the_item() {
        let g = graph(&[
            (
                "src/lib.rs",
                "//! Root.\npub mod a;\npub mod b;\npub use a::{Prefer, Other as Renamed};\n",
            ),
            ("src/a.rs", "//! A.\nuse crate::b::B;\npub enum Prefer {}\n"),
            ("src/b.rs", "//! B.\npub struct B(crate::Prefer);\n"),
        ]);
        assert_eq!(edges(&g), ["crate -> a", "a -> b", "b -> a"]);
        assert_eq!(cycle_list(&g), ["a -> b -> a"]);
    }

    #[test]
    fn siblings_in_a_cycle_count_but_a_parent_and_its_children_do_not() {
        let parent = "//! M.\nmod a;\nmod b;\npub use a::A;\npub use b::B;\npub struct Helper;\n";
        let lib = ("src/lib.rs", "//! Root.\npub mod m;\n");
        // `a` reaches `b` through the parent's re-export; `b` reaches `a` directly.
        let g = graph(&[
            lib,
            ("src/m/mod.rs", parent),
            (
                "src/m/a.rs",
                "//! A.\nuse super::{B, Helper};\npub struct A;\n",
            ),
            ("src/m/b.rs", "//! B.\npub struct B(crate::m::a::A);\n"),
        ]);
        assert_eq!(
            edges(&g),
            [
                "m -> m::a",
                "m -> m::b",
                "m::a -> m",
                "m::a -> m::b",
                "m::b -> m::a"
            ]
        );
        assert_eq!(cycle_list(&g), ["m::a -> m::b -> m::a"]);
        // Without `b -> a`, parent and children naming each other is fine.
        let g = graph(&[
            lib,
            ("src/m/mod.rs", parent),
            (
                "src/m/a.rs",
                "//! A.\nuse super::{B, Helper};\npub struct A;\n",
            ),
            (
                "src/m/b.rs",
                "//! B.\npub struct B(super::super::m::Helper);\n",
            ),
        ]);
        assert_eq!(
            edges(&g),
            [
                "m -> m::a",
                "m -> m::b",
                "m::a -> m",
                "m::a -> m::b",
                "m::b -> m"
            ]
        );
        assert!(cycle_list(&g).is_empty());
    }

    #[test]
    fn deeper_modules_count_as_the_sibling_they_sit_in() {
        let g = graph(&[
            ("src/lib.rs", "//! Root.\npub mod m;\npub mod n;\n"),
            ("src/m.rs", "//! M.\npub mod deep;\n"),
            ("src/m/deep.rs", "//! Deep.\nuse crate::n::N;\n"),
            (
                "src/n.rs",
                "//! N.\npub struct N;\npub fn f() { crate::m::deep::g() }\n",
            ),
        ]);
        assert_eq!(cycle_list(&g), ["m -> n -> m"]);
        assert_eq!(
            cycles(&g)[0].hops[0],
            "m -> n   src/m/deep.rs:2 (m::deep -> n)"
        );
    }

    #[test]
    fn the_binary_is_not_part_of_the_library() {
        let g = graph(&[
            ("src/lib.rs", "//! Root.\npub mod a;\n"),
            ("src/a.rs", "//! A.\npub struct A;\n"),
            ("src/main.rs", "//! Bin.\nmod cli;\nuse wcmigrate::a::A;\n"),
            ("src/cli.rs", "//! Cli.\nuse crate::a;\n"),
        ]);
        assert_eq!(g.modules, BTreeSet::from([m(""), m("a")]));
        assert!(edges(&g).is_empty());
    }
}
