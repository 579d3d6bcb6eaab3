//! Batch: migrates every case under a folder, or listed in a JSON manifest, in parallel, and reports.
//!
//! Owns finding cases, running each one in isolation (a bad input, a refused path or a panic becomes
//! that case's failed record; the others still run), the mirrored output tree, the batch report schema
//! and its human summary. It decides nothing about a migration (that is `merge`'s), never follows a
//! symlink out of DIR, never writes outside OUTDIR, and holds the files of the cases in flight only:
//! each finished case is reduced to a small [`Record`] and handed on, in case order, to the caller.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use walkdir::WalkDir;

use crate::diag::{Code, Diagnostic, Severity, Sources};
use crate::diff;
use crate::merge::{Failure, Input, Migration, Options, Prefer};
use crate::output::write_atomic;
use crate::rules::Rules;

/// The files of a case folder.
pub const OLD: &str = "old.config";
pub const NEW: &str = "new.config";
pub const BASE: &str = "base.config";
/// One line of extra merge flags for a case (`--sdk-vdir`, `--portal-vdir`, `--mobile-vdir`, `--prefer`).
pub const ARGS: &str = "args";
/// The files each case gets under OUTDIR.
pub const MERGED: &str = "merged.config";
pub const MERGED_DIFF: &str = "merged.diff";

/// Cases run in chunks of this many per thread: each chunk's records are handed on in order before the
/// next starts, so memory holds at most one chunk of records whatever the size of the corpus.
const CHUNK_PER_THREAD: usize = 64;
/// The human summary lists at most this many failing cases, and as many with warnings or conflicts.
pub const LIST_LIMIT: usize = 20;
/// The default of `--max-size`: far above any real web.config.
pub use crate::merge::DEFAULT_MAX_SIZE;
/// Worker stack size: as large as a main thread's, so a deep document fails as it would in `merge`.
const STACK_SIZE: usize = 8 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Reading inputs (shared with `wcmigrate merge`)

/// Reads one input file, refusing folders and files larger than `max_size` bytes.
pub fn read_input(path: &Path, max_size: u64) -> Result<Input, Diagnostic> {
    read_input_from(path, path, max_size, false)
}

/// Reads `from` as the input named `path` (they differ when `from` is the resolved form of `path`).
/// `regular_only` refuses pipes and devices, which `merge` accepts (`<(command)`) but which would
/// block a batch.
fn read_input_from(
    path: &Path,
    from: &Path,
    max_size: u64,
    regular_only: bool,
) -> Result<Input, Diagnostic> {
    let name = path.display().to_string();
    let unreadable = |e: io::Error| {
        Diagnostic::new(Code::Unreadable, format!("cannot read {name}: {e}"))
            .with_help("check the path and that you may read the file")
    };
    let meta = fs::metadata(from).map_err(unreadable)?;
    if meta.is_dir() {
        return Err(Diagnostic::new(
            Code::Unreadable,
            format!("{name} is a folder, not a web.config file"),
        )
        .with_help("give the path of the web.config file itself"));
    }
    if regular_only && !meta.is_file() {
        return Err(
            Diagnostic::new(Code::Unreadable, format!("{name} is not a regular file"))
                .with_help("a case's files must be plain files (not pipes or devices)"),
        );
    }
    let too_large = |len: u64| {
        Diagnostic::new(
            Code::TooLarge,
            format!("{name} is {len} bytes, more than --max-size {max_size}"),
        )
        .with_help("real web.config files are far smaller; check the path, or raise --max-size")
    };
    if meta.len() > max_size {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    fs::File::open(from)
        .and_then(|f| f.take(max_size.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > max_size {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(Input {
        name,
        bytes,
        dir: Some(match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }),
    })
}

/// The `--*-vdir` flags as overrides keyed by the remap rules' `option` names.
pub fn vdir_overrides(
    sdk: Option<&str>,
    portal: Option<&str>,
    mobile: Option<&str>,
) -> BTreeMap<String, String> {
    [
        ("sdk-vdir", sdk),
        ("portal-vdir", portal),
        ("mobile-vdir", mobile),
    ]
    .into_iter()
    .filter_map(|(option, v)| v.map(|v| (option.to_string(), trim_vdir(v))))
    .collect()
}

fn trim_vdir(name: &str) -> String {
    name.trim_matches(['/', '\\']).to_string()
}

/// Applies a case's extra flags to the batch's options. An args file may hold `--sdk-vdir NAME`,
/// `--portal-vdir NAME`, `--mobile-vdir NAME` and `--prefer old|new` (also as `--flag=value`).
pub fn apply_case_args(tokens: &[String], opts: &mut Options) -> Result<(), String> {
    let mut rest = tokens.iter();
    while let Some(token) = rest.next() {
        let (flag, inline) = match token.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (token.as_str(), None),
        };
        let known = matches!(
            flag,
            "--sdk-vdir" | "--portal-vdir" | "--mobile-vdir" | "--prefer"
        );
        if !known {
            return Err(format!(
                "unknown flag `{token}`: a case may set only --sdk-vdir, --portal-vdir, --mobile-vdir and --prefer"
            ));
        }
        let Some(value) = inline.or_else(|| rest.next().cloned()) else {
            return Err(format!("{flag} needs a value"));
        };
        if flag == "--prefer" {
            opts.prefer = match value.as_str() {
                "old" => Prefer::Old,
                "new" => Prefer::New,
                _ => return Err(format!("--prefer takes old or new, not `{value}`")),
            };
        } else {
            opts.vdirs.insert(flag[2..].to_string(), trim_vdir(&value));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Finding cases

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
#[derive(Debug)]
pub struct Case {
    /// The folder's path relative to DIR with `/` (`.` for DIR itself), or the manifest's name.
    pub name: String,
    /// The case's folder under OUTDIR (plain relative components only).
    pub rel: PathBuf,
    pub files: Files,
}

/// Where a case's files are.
#[derive(Debug)]
pub enum Files {
    /// A folder DIR/rel holding old.config and new.config, and maybe base.config and args.
    Folder { base: bool, args: bool },
    /// A manifest entry (paths already resolved against the manifest's folder).
    Listed(Box<Listed>),
    /// Refused before running, with the reason.
    Refused(Box<Diagnostic>),
}

#[derive(Debug)]
pub struct Listed {
    pub old: PathBuf,
    pub new: PathBuf,
    pub base: Option<PathBuf>,
    pub args: Vec<String>,
}

/// Finds the cases of `source`: a folder is searched recursively for case folders; a file is read as a
/// JSON manifest.
pub fn find_cases(source: &Path) -> Result<Cases, Diagnostic> {
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
        read_manifest(source)?
    };
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

fn relative(path: &Path, dir: &Path) -> PathBuf {
    path.strip_prefix(dir).unwrap_or(path).to_path_buf()
}

/// The refusal of a path that leads out of the folder it must stay in.
fn escape(path: &Path, target: &Path, what: &str, root: &Path) -> Diagnostic {
    Diagnostic::new(
        Code::UnsafePath,
        format!(
            "{} leads to {}, outside {what} ({}); batch does not follow links out of {what}",
            path.display(),
            target.display(),
            root.display()
        ),
    )
    .with_help("copy the files into the case folder instead of linking them, or list the case in a manifest")
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

fn read_manifest(path: &Path) -> Result<Cases, Diagnostic> {
    let shown = path.display();
    let text = fs::read_to_string(path).map_err(|e| {
        Diagnostic::new(Code::Unreadable, format!("cannot read {shown}: {e}"))
            .with_help("give a folder of cases or a JSON manifest (UTF-8)")
    })?;
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

// ---------------------------------------------------------------------------------------------------
// Records and totals

/// What happened to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Changed,
    Unchanged,
    Failed,
    /// Not run: `--fail-fast` stopped the batch first.
    Skipped,
}

/// A diagnostic as a batch record keeps it: the message (secrets already masked by the engine unless
/// asked) and where its first label points.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDiagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl CaseDiagnostic {
    pub fn new(d: &Diagnostic, sources: &Sources) -> CaseDiagnostic {
        let json = d.to_json(sources);
        let at = json.labels.into_iter().next();
        CaseDiagnostic {
            code: json.code,
            name: json.name,
            severity: json.severity,
            message: json.message,
            help: json.help,
            file: at.as_ref().map(|l| l.file.clone()),
            line: at.as_ref().map(|l| l.line),
            column: at.map(|l| l.column),
        }
    }

    /// True for a 3-way conflict (any code whose name says so).
    pub fn is_conflict(&self) -> bool {
        self.name.contains("conflict")
    }
}

fn plain(d: &Diagnostic) -> CaseDiagnostic {
    CaseDiagnostic::new(d, &Sources::default())
}

/// The outcome of one case, as the report holds it.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub case: String,
    pub status: Status,
    pub changes: usize,
    pub changes_by_rule: BTreeMap<String, usize>,
    pub diagnostics: Vec<CaseDiagnostic>,
    /// The merged file written under OUTDIR, if any.
    pub output: Option<String>,
    /// The diff NEW -> merged written beside it (secrets masked unless --show-secrets).
    pub diff: Option<String>,
}

impl Record {
    fn empty(case: &Case, status: Status) -> Record {
        Record {
            case: case.name.clone(),
            status,
            changes: 0,
            changes_by_rule: BTreeMap::new(),
            diagnostics: Vec::new(),
            output: None,
            diff: None,
        }
    }

    fn failed(case: &Case, diagnostics: Vec<CaseDiagnostic>) -> Record {
        Record {
            diagnostics,
            ..Record::empty(case, Status::Failed)
        }
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// The diagnostic that explains a failure best: the first error, else the first diagnostic.
    pub fn first_error(&self) -> Option<&CaseDiagnostic> {
        self.diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
            .or(self.diagnostics.first())
    }
}

/// Counts of a whole batch.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub cases: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Changes over all cases.
    pub changes: usize,
    /// Diagnostics over all cases, by severity, and those that are 3-way conflicts.
    pub errors: usize,
    pub warnings: usize,
    pub conflicts: usize,
    pub notes: usize,
}

impl Totals {
    fn add(&mut self, r: &Record) {
        self.cases += 1;
        match r.status {
            Status::Changed => self.changed += 1,
            Status::Unchanged => self.unchanged += 1,
            Status::Failed => self.failed += 1,
            Status::Skipped => self.skipped += 1,
        }
        self.changes += r.changes;
        self.errors += r.count(Severity::Error);
        self.warnings += r.count(Severity::Warning);
        self.notes += r.count(Severity::Note);
        self.conflicts += r.diagnostics.iter().filter(|d| d.is_conflict()).count();
    }
}

/// A case the human summary names, with the diagnostic that explains it.
#[derive(Debug, Clone)]
pub struct Flagged {
    pub case: String,
    pub first: Option<CaseDiagnostic>,
}

/// What a run leaves for the summary: totals, the time taken (finding and running the cases), and the
/// first [`LIST_LIMIT`] failing and warned cases.
#[derive(Debug, Default)]
pub struct Summary {
    pub totals: Totals,
    pub elapsed: Duration,
    /// Cases with warnings (cases whose records have them), counted in full.
    pub warned_cases: usize,
    pub failed: Vec<Flagged>,
    pub warned: Vec<Flagged>,
}

impl Summary {
    fn add(&mut self, r: &Record) {
        self.totals.add(r);
        if r.status == Status::Failed && self.failed.len() < LIST_LIMIT {
            self.failed.push(Flagged {
                case: r.case.clone(),
                first: r.first_error().cloned(),
            });
        }
        let warning = r
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Warning || d.is_conflict());
        if let Some(w) = warning {
            self.warned_cases += 1;
            if self.warned.len() < LIST_LIMIT {
                self.warned.push(Flagged {
                    case: r.case.clone(),
                    first: Some(w.clone()),
                });
            }
        }
    }

    /// The exit code: 2 when a case failed, 1 when `deny_warnings` and a case has warnings or
    /// conflicts, else 0.
    pub fn exit_code(&self, deny_warnings: bool) -> u8 {
        if self.totals.failed > 0 {
            2
        } else if deny_warnings && self.warned_cases > 0 {
            1
        } else {
            0
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Running

/// Choices of one batch run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The options every case starts from (a case's args may change its vdirs and `prefer`);
    /// `show_secrets` also governs the diffs written under OUTDIR.
    pub merge: Options,
    /// Mirror the case tree here (merged.config and merged.diff per case); `None` is a dry run.
    pub out: Option<PathBuf>,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// Start no case after the first failure; those not run are reported as skipped.
    pub fail_fast: bool,
    /// Refuse inputs larger than this many bytes.
    pub max_size: u64,
}

impl Default for Settings {
    /// A dry run on one thread per core, every case run, the default `--max-size`.
    fn default() -> Settings {
        Settings {
            merge: Options::default(),
            out: None,
            jobs: 0,
            fail_fast: false,
            max_size: DEFAULT_MAX_SIZE,
        }
    }
}

/// OUTDIR as given (for the paths in the report) and as resolved (where files are written).
struct OutDir {
    given: PathBuf,
    real: PathBuf,
}

/// What runs one case: [`migrate`], or [`migrate3`] when the case has a BASE. Tests put a failing
/// engine here to check that a case's panic stays that case's.
type Engine = fn(Option<&Input>, &Input, &Input, &Rules, &Options) -> Result<Migration, Failure>;

/// The engine batch runs: [`crate::merge::run`] (3-way when the case has a BASE).
const ENGINE: Engine = crate::merge::run;

struct Runner<'a> {
    engine: Engine,
    cases: &'a Cases,
    rules: &'a Rules,
    settings: &'a Settings,
    out: Option<OutDir>,
    stop: AtomicBool,
}

/// Runs every case on `settings.jobs` threads. `progress` is called (from any thread) as each case
/// ends; `sink` gets every record in case order, whatever the number of threads. An error stops the
/// run: the thread pool or OUTDIR could not be set up, or `sink` failed.
pub fn run(
    cases: &Cases,
    rules: &Rules,
    settings: &Settings,
    progress: &(dyn Fn(&Record) + Sync),
    sink: &mut dyn FnMut(&Record) -> io::Result<()>,
) -> Result<Summary, Diagnostic> {
    run_with(ENGINE, cases, rules, settings, progress, sink)
}

fn run_with(
    engine: Engine,
    cases: &Cases,
    rules: &Rules,
    settings: &Settings,
    progress: &(dyn Fn(&Record) + Sync),
    sink: &mut dyn FnMut(&Record) -> io::Result<()>,
) -> Result<Summary, Diagnostic> {
    let start = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .stack_size(STACK_SIZE)
        .thread_name(|i| format!("wcmigrate-batch-{i}"))
        .build()
        .map_err(|e| {
            Diagnostic::new(
                Code::InvalidBatch,
                format!("cannot start worker threads: {e}"),
            )
            .with_help("try a smaller --jobs")
        })?;
    let out = settings.out.as_deref().map(prepare_out).transpose()?;
    install_panic_hook();
    let runner = Runner {
        engine,
        cases,
        rules,
        settings,
        out,
        stop: AtomicBool::new(false),
    };
    let mut summary = Summary::default();
    let chunk = pool.current_num_threads().max(1) * CHUNK_PER_THREAD;
    for part in cases.list.chunks(chunk) {
        let records: Vec<Record> = pool.install(|| {
            part.par_iter()
                .map(|case| {
                    let r = runner.run_case(case);
                    progress(&r);
                    r
                })
                .collect()
        });
        for r in &records {
            summary.add(r);
            sink(r).map_err(|e| {
                Diagnostic::new(Code::WriteFailed, format!("cannot write the report: {e}"))
                    .with_help("check the --report path, free space, and that stdout is not closed")
            })?;
        }
    }
    summary.elapsed = cases.elapsed + start.elapsed();
    Ok(summary)
}

/// Creates OUTDIR if needed and resolves it.
fn prepare_out(out: &Path) -> Result<OutDir, Diagnostic> {
    let failed = |e: io::Error| {
        Diagnostic::new(
            Code::WriteFailed,
            format!("cannot create --out {}: {e}", out.display()),
        )
        .with_help("check that the parent folder exists and is writable")
    };
    fs::create_dir_all(out).map_err(failed)?;
    Ok(OutDir {
        given: out.to_path_buf(),
        real: fs::canonicalize(out).map_err(failed)?,
    })
}

impl Runner<'_> {
    fn run_case(&self, case: &Case) -> Record {
        if self.settings.fail_fast && self.stop.load(Ordering::SeqCst) {
            return Record::empty(case, Status::Skipped);
        }
        let record = match catch_panic(|| self.try_case(case)) {
            Ok(Ok(r)) => r,
            Ok(Err(diags)) => Record::failed(case, diags),
            Err(message) => Record::failed(case, vec![plain(&internal_error(&message))]),
        };
        if record.status == Status::Failed {
            self.stop.store(true, Ordering::SeqCst);
        }
        record
    }

    /// The case folder (DIR/rel) for folder cases.
    fn folder(&self, case: &Case) -> PathBuf {
        self.cases.source.join(&case.rel)
    }

    fn try_case(&self, case: &Case) -> Result<Record, Vec<CaseDiagnostic>> {
        let fail = |d: Diagnostic| vec![plain(&d)];
        let (old, new, base, args) = match &case.files {
            Files::Refused(d) => return Err(fail((**d).clone())),
            Files::Listed(l) => (l.old.clone(), l.new.clone(), l.base.clone(), l.args.clone()),
            Files::Folder { base, args } => {
                let dir = self.folder(case);
                let args = if *args {
                    self.read_args(&dir.join(ARGS)).map_err(fail)?
                } else {
                    Vec::new()
                };
                (
                    dir.join(OLD),
                    dir.join(NEW),
                    base.then(|| dir.join(BASE)),
                    args,
                )
            }
        };
        let mut opts = self.settings.merge.clone();
        apply_case_args(&args, &mut opts).map_err(|e| {
            fail(
                Diagnostic::new(Code::InvalidBatch, format!("case {}: {e}", case.name))
                    .with_help("fix the case's args file (or the manifest's args list)"),
            )
        })?;
        let m = {
            let old = self.read(&old).map_err(fail)?;
            let new = self.read(&new).map_err(fail)?;
            let base = base.map(|b| self.read(&b)).transpose().map_err(fail)?;
            (self.engine)(base.as_ref(), &old, &new, self.rules, &opts).map_err(|f| {
                f.diagnostics
                    .iter()
                    .map(|d| CaseDiagnostic::new(d, &f.sources))
                    .collect::<Vec<_>>()
            })?
        };
        Ok(self.finish(case, &m, &new, opts.show_secrets))
    }

    /// Reads a case's args file: whitespace-separated flags.
    fn read_args(&self, path: &Path) -> Result<Vec<String>, Diagnostic> {
        let input = self.read(path)?;
        let text = String::from_utf8(input.bytes).map_err(|_| {
            Diagnostic::new(
                Code::InvalidBatch,
                format!("{} is not UTF-8 text", path.display()),
            )
            .with_help(
                "an args file is one line of flags, e.g. --sdk-vdir MultiFactorAuthWebServiceSdk",
            )
        })?;
        Ok(text.split_whitespace().map(String::from).collect())
    }

    /// Reads a case file, which must be a regular file. Under DIR, a link must lead inside DIR: the
    /// walk reached the case folder without following links, so only the file itself can be one.
    fn read(&self, path: &Path) -> Result<Input, Diagnostic> {
        let max = self.settings.max_size;
        let linked = || fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if let Some(root) = self.cases.root.as_ref().filter(|_| linked()) {
            // A dangling link fails to resolve: reading it below says why.
            if let Ok(real) = fs::canonicalize(path) {
                if !real.starts_with(root) {
                    return Err(escape(path, &real, "DIR", root));
                }
                return read_input_from(path, &real, max, true);
            }
        }
        read_input_from(path, path, max, true)
    }

    /// Reduces a migration to its record, writing its files under OUTDIR when asked.
    fn finish(&self, case: &Case, m: &Migration, new: &Path, show_secrets: bool) -> Record {
        let rendered = diff::unified(m, show_secrets);
        let mut diags = m.diagnostics.clone();
        diags.extend(rendered.notes(m));
        let mut by_rule = BTreeMap::new();
        for c in &m.changes {
            *by_rule.entry(c.rule.clone()).or_default() += 1;
        }
        let mut record = Record {
            case: case.name.clone(),
            status: if m.changed() {
                Status::Changed
            } else {
                Status::Unchanged
            },
            changes: m.changes.len(),
            changes_by_rule: by_rule,
            diagnostics: diags
                .iter()
                .map(|d| CaseDiagnostic::new(d, &m.sources))
                .collect(),
            output: None,
            diff: None,
        };
        if let Some(out) = &self.out {
            match write_case(out, &case.rel, &m.output, rendered.text.as_bytes(), new) {
                Ok((merged, diff)) => {
                    record.output = Some(merged);
                    record.diff = Some(diff);
                }
                Err(d) => {
                    record.status = Status::Failed;
                    record.diagnostics.insert(0, plain(&d));
                }
            }
        }
        record
    }
}

/// Writes a case's merged file and diff under OUTDIR/rel; returns their paths as shown in reports.
fn write_case(
    out: &OutDir,
    rel: &Path,
    merged: &[u8],
    diff: &[u8],
    like: &Path,
) -> Result<(String, String), Diagnostic> {
    let dir = case_dir_under(&out.real, rel)?;
    let shown = out.given.join(rel);
    let write = |name: &str, bytes: &[u8]| {
        let path = shown.join(name);
        match write_atomic(&dir.join(name), bytes, Some(like)) {
            Ok(()) => Ok(path.display().to_string()),
            Err(e) => Err(Diagnostic::new(
                Code::WriteFailed,
                format!("cannot write {}: {e}", path.display()),
            )
            .with_help("check that OUTDIR is writable and has free space")),
        }
    };
    Ok((write(MERGED, merged)?, write(MERGED_DIFF, diff)?))
}

/// Creates root/rel one folder at a time, refusing any part that is a link or not a folder, so that
/// nothing (not even a folder) is created outside root.
fn case_dir_under(root: &Path, rel: &Path) -> Result<PathBuf, Diagnostic> {
    let mut dir = root.to_path_buf();
    for c in rel.components() {
        let Component::Normal(part) = c else {
            return Err(Diagnostic::new(
                Code::UnsafePath,
                format!(
                    "case folder {} is not a plain relative path; nothing was written",
                    rel.display()
                ),
            ));
        };
        dir.push(part);
        let made = match fs::create_dir(&dir) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        };
        let real_folder = fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir());
        if let Err(e) = made {
            return Err(Diagnostic::new(
                Code::WriteFailed,
                format!("cannot create {}: {e}", dir.display()),
            )
            .with_help("check that OUTDIR is writable"));
        }
        if !real_folder {
            return Err(Diagnostic::new(
                Code::UnsafePath,
                format!(
                    "{} is a link or a file, not a folder; batch writes only into real folders under OUTDIR",
                    dir.display()
                ),
            )
            .with_help("remove it from OUTDIR, or use an empty OUTDIR"));
        }
    }
    Ok(dir)
}

fn internal_error(message: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InternalError,
        format!("the engine stopped unexpectedly on this case: {message}"),
    )
    .with_help("this is a bug in wcmigrate: please report it with the case's files (secrets removed); the other cases still ran")
}

// ---------------------------------------------------------------------------------------------------
// Panics: one case's panic becomes its failed record.

thread_local! {
    static IN_CASE: Cell<bool> = const { Cell::new(false) };
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs, once per process, a panic hook that records the message and place of a panic inside a
/// batch case instead of printing it; any other panic goes to the hook that was there before.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_CASE.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!(" (at {}:{})", l.file(), l.line()))
                    .unwrap_or_default();
                let text = format!("{}{at}", payload_text(info.payload()));
                PANIC.with(|p| *p.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Runs `f`, turning a panic into its message. `f` only reads shared data (rules, settings), so
/// nothing it could leave half-changed outlives it: asserting unwind safety is sound.
fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    IN_CASE.with(|c| c.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    IN_CASE.with(|c| c.set(false));
    result.map_err(|payload| {
        PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| payload_text(payload.as_ref()))
    })
}

// ---------------------------------------------------------------------------------------------------
// The JSON report

/// Writes the batch report as records arrive: one JSON document, one case per line.
///
/// `{"version": 1, "source", "rules", "cases": [...], "totals": {...}, "elapsed_ms"}`; only
/// `elapsed_ms` depends on the run's timing or thread count.
pub struct ReportWriter<W: Write> {
    out: W,
    first: bool,
}

pub const REPORT_VERSION: u32 = 1;

impl<W: Write> ReportWriter<W> {
    pub fn begin(mut out: W, source: &Path, rules: &str) -> io::Result<Self> {
        write!(
            out,
            "{{\n  \"version\": {REPORT_VERSION},\n  \"source\": {},\n  \"rules\": {},\n  \"cases\": [",
            serde_json::to_string(&source.display().to_string())?,
            serde_json::to_string(rules)?
        )?;
        Ok(ReportWriter { out, first: true })
    }

    pub fn case(&mut self, r: &Record) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"\n    " } else { b",\n    " })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, r)?;
        Ok(())
    }

    pub fn finish(mut self, summary: &Summary) -> io::Result<W> {
        write!(
            self.out,
            "\n  ],\n  \"totals\": {},\n  \"elapsed_ms\": {}\n}}\n",
            serde_json::to_string(&summary.totals)?,
            summary.elapsed.as_millis()
        )?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A file written as it grows and put in place whole at the end (or never, if dropped first): the
/// report of `--report FILE`. Like [`write_atomic`], it keeps the permissions of the file it replaces
/// and is private to the user when new.
pub struct PendingFile {
    path: PathBuf,
    tmp: BufWriter<tempfile::NamedTempFile>,
}

impl PendingFile {
    pub fn create(path: &Path) -> io::Result<PendingFile> {
        if path.is_dir() {
            return Err(io::Error::other(format!("{} is a folder", path.display())));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".wcmigrate-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        Ok(PendingFile {
            path: path.to_path_buf(),
            tmp: BufWriter::new(tmp),
        })
    }

    pub fn commit(self) -> io::Result<()> {
        let tmp = self.tmp.into_inner().map_err(|e| e.into_error())?;
        tmp.as_file().sync_all()?;
        if let Ok(m) = fs::metadata(&self.path) {
            tmp.as_file().set_permissions(m.permissions())?;
        }
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for PendingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

// ---------------------------------------------------------------------------------------------------
// The human summary

fn paint(text: &str, ansi: &str, color: bool) -> String {
    if color {
        format!("\x1b[{ansi}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// One line about a flagged case: its name, then its diagnostic's code, name, place and message.
fn flagged_line(f: &Flagged, color: bool) -> String {
    let Some(d) = &f.first else {
        return format!("  {}", f.case);
    };
    let ansi = match d.severity {
        Severity::Error => "31",
        Severity::Warning => "33",
        Severity::Note => "36",
    };
    let place = match (&d.file, d.line, d.column) {
        (Some(file), Some(l), Some(c)) => format!(" {file}:{l}:{c}:"),
        (Some(file), _, _) => format!(" {file}:"),
        _ => String::new(),
    };
    let message: String = d.message.split_whitespace().collect::<Vec<_>>().join(" ");
    format!(
        "  {}\n      {}{place} {message}",
        f.case,
        paint(&format!("{}({})", d.code, d.name), ansi, color)
    )
}

/// The summary printed on stderr after a human-format run over `source`.
pub fn render_summary(
    s: &Summary,
    source: &Path,
    out: Option<&Path>,
    deny_warnings: bool,
    color: bool,
) -> String {
    let t = &s.totals;
    let heads = [
        "cases",
        "changed",
        "unchanged",
        "failed",
        "skipped",
        "warnings",
        "conflicts",
        "errors",
        "time",
    ];
    let time = format!("{:.2}s", s.elapsed.as_secs_f64());
    let values = [
        t.cases.to_string(),
        t.changed.to_string(),
        t.unchanged.to_string(),
        t.failed.to_string(),
        t.skipped.to_string(),
        t.warnings.to_string(),
        t.conflicts.to_string(),
        t.errors.to_string(),
        time,
    ];
    let widths: Vec<usize> = heads
        .iter()
        .zip(&values)
        .map(|(h, v)| h.len().max(v.len()))
        .collect();
    let row = |cells: &[String]| {
        let cells: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        format!("  {}\n", cells.join("  "))
    };
    let mut text = format!("wcmigrate batch {}\n", source.display());
    text.push_str(&row(&heads.map(String::from)));
    text.push_str(&row(&values));
    let mut list = |title: &str, total: usize, flagged: &[Flagged]| {
        if total == 0 {
            return;
        }
        text.push_str(&format!("\n{title} ({total}):\n"));
        for f in flagged {
            text.push_str(&flagged_line(f, color));
            text.push('\n');
        }
        if total > flagged.len() {
            text.push_str(&format!(
                "  ... and {} more: see --report FILE\n",
                total - flagged.len()
            ));
        }
    };
    list("failed cases", t.failed, &s.failed);
    list(
        "cases with warnings or conflicts",
        s.warned_cases,
        &s.warned,
    );
    if deny_warnings && s.warned_cases > 0 && t.failed == 0 {
        text.push_str("\n--deny-warnings: exit code 1\n");
    }
    text.push('\n');
    text.push_str(&match out {
        Some(dir) => format!(
            "wrote merged.config and merged.diff for {} cases under {}\n",
            t.changed + t.unchanged,
            dir.display()
        ),
        None => "dry run: nothing written (use --out OUTDIR)\n".to_string(),
    });
    if t.skipped > 0 {
        text.push_str(&format!(
            "--fail-fast: {} cases were not run after the first failure\n",
            t.skipped
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn case_args_set_vdirs_and_prefer_and_refuse_anything_else() {
        let mut o = Options::default();
        apply_case_args(
            &tokens("--sdk-vdir /MfaSdk/ --prefer=old --mobile-vdir M"),
            &mut o,
        )
        .unwrap();
        assert_eq!(o.vdirs["sdk-vdir"], "MfaSdk");
        assert_eq!(o.vdirs["mobile-vdir"], "M");
        assert_eq!(o.prefer, Prefer::Old);
        let err = |s: &str| apply_case_args(&tokens(s), &mut Options::default()).unwrap_err();
        assert!(err("--rules x.toml").contains("unknown flag `--rules`"));
        assert!(err("--sdk-vdir").contains("needs a value"));
        assert!(err("--prefer both").contains("old or new"));
        assert!(err("MfaSdk").contains("unknown flag"));
    }

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
    fn a_panic_becomes_a_message_with_its_place() {
        install_panic_hook();
        let err = catch_panic(|| -> u8 { panic!("boom {}", 7) }).unwrap_err();
        assert!(err.starts_with("boom 7 (at src/batch.rs:"), "{err}");
        assert_eq!(catch_panic(|| 5), Ok(5));
    }

    #[test]
    fn a_panic_in_one_case_fails_that_case_only() {
        fn panics_on_a(
            base: Option<&Input>,
            old: &Input,
            new: &Input,
            rules: &Rules,
            opts: &Options,
        ) -> Result<Migration, Failure> {
            if Path::new(&old.name)
                .parent()
                .is_some_and(|p| p.ends_with("a"))
            {
                panic!("engine bug on {}", old.name);
            }
            ENGINE(base, old, new, rules, opts)
        }
        let dir = tempfile::tempdir().unwrap();
        let config = "<configuration><appSettings><add key=\"K\" value=\"1\"/></appSettings></configuration>";
        for case in ["a", "b"] {
            fs::create_dir(dir.path().join(case)).unwrap();
            fs::write(dir.path().join(case).join(OLD), config).unwrap();
            fs::write(dir.path().join(case).join(NEW), config.replace('1', "2")).unwrap();
        }
        let cases = find_cases(dir.path()).unwrap();
        let settings = Settings {
            jobs: 2,
            ..Settings::default()
        };
        let mut records = Vec::new();
        let summary = run_with(
            panics_on_a,
            &cases,
            &Rules::builtin(),
            &settings,
            &|_| {},
            &mut |r| {
                records.push(r.clone());
                Ok(())
            },
        )
        .unwrap();
        let got: Vec<(&str, Status)> = records
            .iter()
            .map(|r| (r.case.as_str(), r.status))
            .collect();
        assert_eq!(got, [("a", Status::Failed), ("b", Status::Changed)]);
        let d = &records[0].diagnostics[0];
        assert_eq!(d.code, "E014");
        assert!(
            d.message.contains("engine bug on") && d.message.contains("batch.rs"),
            "{}",
            d.message
        );
        assert_eq!(summary.exit_code(false), 2);
    }

    #[test]
    fn exit_code_follows_failures_then_warnings() {
        let mut s = Summary::default();
        assert_eq!(s.exit_code(true), 0);
        s.warned_cases = 1;
        assert_eq!((s.exit_code(false), s.exit_code(true)), (0, 1));
        s.totals.failed = 1;
        assert_eq!(s.exit_code(false), 2);
    }
}
