//! Batch, running: runs each case in isolation on a thread pool and writes its files under OUTDIR.
//!
//! Owns the runner, panic catching (a bad input or panic fails its case only) and the OUTDIR tree. It
//! decides nothing about a migration (that is `merge`'s) and never writes outside OUTDIR.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::Instant;

use rayon::prelude::*;

use super::case_input::{apply_case_args, read_input_from};
use super::find::{escape, Case, Cases, Files, ARGS, BASE, NEW, OLD};
use super::record::{plain, CaseDiagnostic, Record, Status, Summary};
use crate::diag::{Code, Diagnostic};
use crate::diff;
use crate::merge::DEFAULT_MAX_SIZE;
use crate::merge::{Failure, Input, Migration, Options};
use crate::output::write_atomic;
use crate::rules::Rules;

/// The files each case gets under OUTDIR.
pub const MERGED: &str = "merged.config";
pub const MERGED_DIFF: &str = "merged.diff";

/// Cases run in chunks of this many per thread: each chunk's records are handed on in order before the
/// next starts, so memory holds at most one chunk of records whatever the size of the corpus.
const CHUNK_PER_THREAD: usize = 64;
/// Worker stack size: as large as a main thread's, so a deep document fails as it would in `merge`.
const STACK_SIZE: usize = 8 * 1024 * 1024;

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
        apply_case_args(&args, &mut opts).map_err(|mut d| {
            d.message = format!("case {}: {}", case.name, d.message);
            fail(d)
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::batch::find::find_cases;

    #[test]
    fn a_panic_becomes_a_message_with_its_place() {
        install_panic_hook();
        let err = catch_panic(|| -> u8 { panic!("boom {}", 7) }).unwrap_err();
        assert!(err.starts_with("boom 7 (at src/batch/run.rs:"), "{err}");
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
            d.message.contains("engine bug on") && d.message.contains("batch/run.rs"),
            "{}",
            d.message
        );
        assert_eq!(summary.exit_code(false), 2);
    }
}
