//! Batch, finding cases: walks DIR, or reads a JSON manifest, into the run's ordered list of cases.
//!
//! Owns case names and refusing links out of DIR, names that could leave OUTDIR and names Windows
//! cannot hold under it (as failed cases).
//! It never follows a symlink out of DIR and reads no case file: it only sees which ones exist.

use std::collections::hash_map::Entry as Slot;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use walkdir::WalkDir;

use super::case_input::{escape, read_text};
use crate::diag::{Code, Diagnostic};
use crate::merge::DEFAULT_MAX_SIZE;
use crate::winpath;

/// The files of a case folder.
pub const OLD: &str = "old.config";
pub const NEW: &str = "new.config";
pub const BASE: &str = "base.config";
/// One line of extra merge flags for a case (`--sdk-vdir`, `--portal-vdir`, `--mobile-vdir`, `--prefer`).
pub const ARGS: &str = "args";

/// The cases of one run, in the order they are reported.
#[derive(Debug)]
pub struct Cases {
    /// DIR or the manifest, as given.
    pub source: PathBuf,
    /// The canonical DIR that case files must stay in; `None` for a manifest, whose cases may be
    /// anywhere on disk.
    pub root: Option<PathBuf>,
    pub list: Vec<Case>,
    /// The time finding them took (part of the run's elapsed time).
    pub elapsed: Duration,
}

/// One case: its name in reports, where its output goes under OUTDIR, and where its files are.
#[derive(Debug, Clone)]
pub struct Case {
    /// The folder's path relative to DIR with `/` (`.` for DIR itself), or the manifest's name.
    pub name: String,
    /// The case's folder under OUTDIR (plain relative components only).
    pub rel: PathBuf,
    pub files: Files,
}

/// Where a case's files are.
#[derive(Debug, Clone)]
pub enum Files {
    /// A folder DIR/rel holding old.config and new.config, and maybe base.config and args.
    Folder { base: bool, args: bool },
    /// A manifest entry (paths already resolved against the manifest's folder).
    Listed(Box<Listed>),
    /// Refused before running, with the reason.
    Refused(Box<Diagnostic>),
}

#[derive(Debug, Clone)]
pub struct Listed {
    pub old: PathBuf,
    pub new: PathBuf,
    pub base: Option<PathBuf>,
    pub args: Vec<String>,
}

/// Finds the cases of `source`: a folder is searched recursively for case folders; a file is read as a
/// JSON manifest (at most the default `--max-size`).
pub fn find_cases(source: &Path) -> Result<Cases, Diagnostic> {
    find_cases_within(source, DEFAULT_MAX_SIZE)
}

/// [`find_cases`], reading a manifest like an input: a regular file of at most `max_size` bytes.
pub fn find_cases_within(source: &Path, max_size: u64) -> Result<Cases, Diagnostic> {
    let start = Instant::now();
    let meta = fs::metadata(source).map_err(|e| {
        Diagnostic::new(
            Code::Unreadable,
            format!("cannot read {}: {e}", source.display()),
        )
        .with_help(
            "give a folder of cases (each with old.config and new.config) or a JSON manifest",
        )
    })?;
    let mut cases = if meta.is_dir() {
        walk(source)?
    } else {
        read_manifest(source, max_size)?
    };
    refuse_windows_names(&mut cases.list);
    cases.elapsed = start.elapsed();
    if cases.list.is_empty() {
        return Err(Diagnostic::new(
            Code::InvalidBatch,
            format!("no cases found in {}", source.display()),
        )
        .with_help(
            "a case is a folder holding old.config and new.config (and optionally base.config and args)",
        ));
    }
    Ok(cases)
}

/// A relative path as a case name: `/`-separated, `.` for the folder itself.
fn case_name(rel: &Path) -> String {
    let parts: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn refused(name: String, rel: PathBuf, d: Diagnostic) -> Case {
    Case {
        name,
        rel,
        files: Files::Refused(Box::new(d)),
    }
}

/// Walks DIR without following links. A link to a folder outside DIR is reported as a refused case
/// (a link inside DIR is skipped: its target is visited where it is).
fn walk(dir: &Path) -> Result<Cases, Diagnostic> {
    let root = fs::canonicalize(dir).map_err(|e| {
        Diagnostic::new(
            Code::Unreadable,
            format!("cannot read {}: {e}", dir.display()),
        )
    })?;
    let mut list = Vec::new();
    for entry in WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) if e.depth() == 0 => {
                return Err(Diagnostic::new(
                    Code::Unreadable,
                    format!("cannot read {}: {e}", dir.display()),
                ))
            }
            Err(e) => {
                let rel = relative(e.path().unwrap_or(dir), dir);
                let d = Diagnostic::new(
                    Code::Unreadable,
                    format!(
                        "cannot search {}: {e}; cases inside it were not run",
                        case_name(&rel)
                    ),
                )
                .with_help("check that you may read the folder");
                list.push(refused(case_name(&rel), rel, d));
                continue;
            }
        };
        let path = entry.path();
        let rel = relative(path, dir);
        if entry.file_type().is_dir() {
            if exists(&path.join(OLD)) || exists(&path.join(NEW)) {
                list.push(Case {
                    name: case_name(&rel),
                    rel,
                    files: Files::Folder {
                        base: exists(&path.join(BASE)),
                        args: exists(&path.join(ARGS)),
                    },
                });
            }
        } else if entry.path_is_symlink() {
            if let Ok(target) = fs::canonicalize(path) {
                if target.is_dir() && !target.starts_with(&root) {
                    let d = escape(path, &target, "DIR", &root);
                    list.push(refused(case_name(&rel), rel, d));
                }
            }
        }
    }
    list.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(Cases {
        source: dir.to_path_buf(),
        root: Some(root),
        list,
        elapsed: Duration::ZERO,
    })
}

/// Refuses (E019) a case whose name Windows cannot hold as a folder under OUTDIR, and the second of two
/// whose names differ only in case, on every platform: an OUTDIR tree is often prepared on Linux and
/// copied to Windows servers, where the second case's files would overwrite the first's.
fn refuse_windows_names(list: &mut [Case]) {
    let mut seen: HashMap<String, String> = HashMap::new();
    for case in list.iter_mut() {
        if matches!(case.files, Files::Refused(_)) || case.rel.as_os_str().is_empty() {
            continue;
        }
        let refusal = match winpath::check_case_name(&case.name, &case.rel) {
            Err(d) => Some(d),
            Ok(()) => match seen.entry(winpath::fold(&case_name(&case.rel))) {
                Slot::Occupied(first) => Some(winpath::case_collision(&case.name, first.get())),
                Slot::Vacant(slot) => {
                    slot.insert(case.name.clone());
                    None
                }
            },
        };
        if let Some(d) = refusal {
            case.files = Files::Refused(Box::new(d));
        }
    }
}

fn relative(path: &Path, dir: &Path) -> PathBuf {
    path.strip_prefix(dir).unwrap_or(path).to_path_buf()
}

/// One case of a manifest: `{"name", "old", "new", "base"?, "args"?}`, paths relative to the manifest.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    old: PathBuf,
    new: PathBuf,
    #[serde(default)]
    base: Option<PathBuf>,
    #[serde(default)]
    args: Vec<String>,
}

fn read_manifest(path: &Path, max_size: u64) -> Result<Cases, Diagnostic> {
    let shown = path.display();
    let text = read_text(path, max_size, "batch manifest")?;
    let entries: Vec<Entry> = serde_json::from_str(&text).map_err(|e| {
        Diagnostic::new(
            Code::InvalidBatch,
            format!("{shown}:{}:{}: not a valid manifest: {e}", e.line(), e.column()),
        )
        .with_help(r#"a manifest is a JSON list of {"name": "...", "old": "path", "new": "path", "base": "path", "args": ["--sdk-vdir", "NAME"]}; base and args are optional"#)
    })?;
    let folder = path.parent().unwrap_or(Path::new(""));
    let mut seen = HashSet::new();
    let list = entries
        .into_iter()
        .map(|e| listed_case(e, folder, &mut seen))
        .collect();
    Ok(Cases {
        source: path.to_path_buf(),
        root: None,
        list,
        elapsed: Duration::ZERO,
    })
}

fn listed_case(e: Entry, folder: &Path, seen: &mut HashSet<PathBuf>) -> Case {
    let Some(rel) = plain_relative(&e.name) else {
        let d = Diagnostic::new(
            Code::UnsafePath,
            format!("case name `{}` is not a plain relative path, so its output could land outside OUTDIR", e.name),
        )
        .with_help("name cases like `site1/portal`: no `..`, no leading `/`, no drive letter");
        return refused(e.name, PathBuf::new(), d);
    };
    if !seen.insert(rel.clone()) {
        let d = Diagnostic::new(
            Code::InvalidBatch,
            format!("case name `{}` is used twice in the manifest", e.name),
        )
        .with_help("give each case its own name: it is the case's folder under OUTDIR");
        return refused(e.name, rel, d);
    }
    Case {
        name: case_name(&rel),
        rel,
        files: Files::Listed(Box::new(Listed {
            old: folder.join(e.old),
            new: folder.join(e.new),
            base: e.base.map(|b| folder.join(b)),
            args: e.args,
        })),
    }
}

/// `name` as a path made of plain components only (no `..`, root, drive or empty name).
fn plain_relative(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_names_are_case_folders() {
        assert_eq!(plain_relative("a/./b"), Some(PathBuf::from("a/b")));
        for bad in ["../x", "a/../../x", "/etc", "", ".", "a/.."] {
            assert_eq!(plain_relative(bad), None, "{bad}");
        }
        assert_eq!(case_name(Path::new("")), ".");
        assert_eq!(case_name(Path::new("a/b")), "a/b");
    }

    #[test]
    fn case_names_windows_cannot_hold_or_differing_only_in_case_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for case in ["Site1", "site1", "nul.x", "ok", "OK/sub"] {
            let folder = dir.path().join(case);
            fs::create_dir_all(&folder).unwrap();
            fs::write(folder.join(OLD), "<configuration/>").unwrap();
            fs::write(folder.join(NEW), "<configuration/>").unwrap();
        }
        let cases = find_cases(dir.path()).unwrap();
        let refused: Vec<(&str, String)> = cases
            .list
            .iter()
            .filter_map(|c| match &c.files {
                Files::Refused(d) => Some((c.name.as_str(), d.message.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert_eq!(refused[0].0, "nul.x");
        assert!(refused[0].1.contains("device name"), "{}", refused[0].1);
        assert_eq!(refused[1].0, "site1");
        assert!(
            refused[1].1.contains("`Site1` only in case"),
            "{}",
            refused[1].1
        );
        // `OK/sub` and `ok` are different folders, whatever the case.
        assert_eq!(cases.list.len(), 5);
    }
}
