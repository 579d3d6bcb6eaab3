//! Batch, running: runs each case in isolation on a thread pool and writes its files under OUTDIR.
//!
//! Owns the runner, the per-case work (read, migrate, render) and the OUTDIR tree; `isolate` runs
//! the work so that a bad input, a panic or an endless case fails its case only. It decides nothing
//! about a migration (that is `merge`'s) and never writes outside OUTDIR.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::case_input::{apply_case_args, check_base, instructions_text, read_file, Reach};
use super::commit::{Outputs, StepHook};
use super::find::{Case, Cases, Files, ARGS, BASE, NEW, OLD};
use super::isolate::{isolated, Outcome, STACK_SIZE};
use super::record::{plain, CaseDiagnostic, Record, Status, Summary};
use crate::diag::{Code, Diagnostic};
use crate::diff;
use crate::merge::DEFAULT_MAX_SIZE;
use crate::merge::{Failure, Input, Migration, Options};
use crate::output::Mode;
use crate::rules::Rules;

/// The files each case gets under OUTDIR.
pub const MERGED: &str = "merged.config";
pub const MERGED_DIFF: &str = "merged.diff";

/// Cases run in chunks of this many per thread: each chunk's records are handed on in order before the
/// next starts, so memory holds at most one chunk of records whatever the size of the corpus.
const CHUNK_PER_THREAD: usize = 64;
/// The default of `--case-timeout`: a real case takes well under a second; the largest input
/// `--max-size` allows, seconds.
pub const DEFAULT_CASE_TIMEOUT: Duration = Duration::from_secs(120);

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
    /// Fail a case still running after this long (E018) and go on with the others; `None`: no bound.
    pub case_timeout: Option<Duration>,
    /// Called as each step of writing OUTDIR begins: tests only (`commit::Step`).
    pub step: Option<StepHook>,
}

impl Default for Settings {
    /// A dry run on one thread per core, every case run, the default `--max-size` and `--case-timeout`.
    fn default() -> Settings {
        Settings {
            merge: Options::default(),
            out: None,
            jobs: 0,
            fail_fast: false,
            max_size: DEFAULT_MAX_SIZE,
            case_timeout: Some(DEFAULT_CASE_TIMEOUT),
            step: None,
        }
    }
}

/// OUTDIR as given (for the paths in the report), and its files (written under OUTDIR resolved)
/// waiting for the run's commit.
struct OutDir {
    given: PathBuf,
    outputs: Outputs,
}

/// What runs one case: [`migrate`], or [`migrate3`] when the case has a BASE. Tests put a failing
/// engine here to check that a case's panic stays that case's.
type Engine = fn(Option<&Input>, &Input, &Input, &Rules, &Options) -> Result<Migration, Failure>;

/// The engine batch runs: [`crate::merge::run`] (3-way when the case has a BASE).
const ENGINE: Engine = crate::merge::run;

struct Runner<'a> {
    engine: Engine,
    cases: &'a Cases,
    rules: Arc<Rules>,
    settings: &'a Settings,
    out: Option<OutDir>,
    stop: AtomicBool,
    /// The narrowest mode of every input read so far: what the report file gets.
    read: Mutex<Option<Mode>>,
}

/// Runs every case on `settings.jobs` threads. `progress` is called (from any thread) as each case
/// ends; `sink` gets every record in case order, whatever the number of threads. With OUTDIR, the
/// cases' files are put in place together, durably, after the last record (`commit`): a record names
/// where its files will be. An error stops the run: the thread pool or OUTDIR could not be set up,
/// `sink` failed (nothing is then put in place), or the commit failed.
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
    let out = settings
        .out
        .as_deref()
        .map(|o| prepare_out(o, settings.step.clone()))
        .transpose()?;
    let mut runner = Runner {
        engine,
        cases,
        rules: Arc::new(rules.clone()),
        settings,
        out,
        stop: AtomicBool::new(false),
        read: Mutex::new(None),
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
    if let Some(out) = runner.out.take() {
        out.outputs.commit()?;
    }
    summary.elapsed = cases.elapsed + start.elapsed();
    summary.inputs_mode = *runner.read.lock().unwrap_or_else(|e| e.into_inner());
    Ok(summary)
}

/// Creates OUTDIR if needed, resolves it, and prepares the run's staging there.
fn prepare_out(out: &Path, step: Option<StepHook>) -> Result<OutDir, Diagnostic> {
    let failed = |e: io::Error| {
        Diagnostic::new(
            Code::WriteFailed,
            format!("cannot create --out {}: {e}", out.display()),
        )
        .with_help("check that the parent folder exists and is writable")
    };
    fs::create_dir_all(out).map_err(failed)?;
    let real = fs::canonicalize(out).map_err(failed)?;
    Ok(OutDir {
        given: out.to_path_buf(),
        outputs: Outputs::open(&real, step).map_err(failed)?,
    })
}

impl Runner<'_> {
    fn run_case(&self, case: &Case) -> Record {
        if self.settings.fail_fast && self.stop.load(Ordering::SeqCst) {
            return Record::empty(case, Status::Skipped);
        }
        let job = Job {
            engine: self.engine,
            rules: Arc::clone(&self.rules),
            opts: self.settings.merge.clone(),
            max_size: self.settings.max_size,
            root: self.cases.root.clone(),
            folder: self.cases.source.join(&case.rel),
            case: case.clone(),
        };
        let limit = self.settings.case_timeout;
        let record = match isolated(limit, move || job.work()) {
            Outcome::Done(worked) => {
                if let Some(mode) = worked.read {
                    let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
                    *read = Some(read.map_or(mode, |m| m.narrow(mode)));
                }
                match worked.result {
                    Ok(prepared) => self.write(case, prepared),
                    Err(diags) => Record::failed(case, diags),
                }
            }
            Outcome::Panicked(message) => {
                Record::failed(case, vec![plain(&internal_error(&message))])
            }
            Outcome::TimedOut => {
                Record::failed(case, vec![plain(&timed_out(limit.unwrap_or_default()))])
            }
            Outcome::NoThread(e) => Record::failed(
                case,
                vec![plain(
                    &Diagnostic::new(
                        Code::InvalidBatch,
                        format!("cannot start a thread for this case: {e}"),
                    )
                    .with_help("try a smaller --jobs"),
                )],
            ),
        };
        if record.status == Status::Failed {
            self.stop.store(true, Ordering::SeqCst);
        }
        record
    }

    /// Writes a prepared case's files under OUTDIR (if asked) and returns its record.
    fn write(&self, case: &Case, p: Prepared) -> Record {
        let mut record = p.record;
        if let Some(out) = &self.out {
            match write_case(out, &case.rel, &p.merged, &p.diff, p.mode) {
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

/// One case's work, with everything it needs owned: it may run on a thread that is abandoned.
struct Job {
    engine: Engine,
    rules: Arc<Rules>,
    opts: Options,
    max_size: u64,
    /// The canonical DIR (`None` for a manifest).
    root: Option<PathBuf>,
    /// DIR/rel, for a folder case.
    folder: PathBuf,
    case: Case,
}

/// What a case's work produced: the record and bytes to write, or why it failed; and the narrowest
/// mode of the inputs it read, failed or not (their text may appear in the report).
struct Worked {
    result: Result<Prepared, Vec<CaseDiagnostic>>,
    read: Option<Mode>,
}

/// A migrated case, nothing written yet.
struct Prepared {
    record: Record,
    merged: Vec<u8>,
    diff: Vec<u8>,
    /// The narrowest mode of the case's inputs: what its files under OUTDIR get.
    mode: Mode,
}

impl Job {
    fn work(self) -> Worked {
        let mut read = None;
        let result = self.try_work(&mut read);
        Worked { result, read }
    }

    fn try_work(&self, read: &mut Option<Mode>) -> Result<Prepared, Vec<CaseDiagnostic>> {
        let fail = |d: Diagnostic| vec![plain(&d)];
        let case = &self.case;
        let (old, new, base, args) = match &case.files {
            Files::Refused(d) => return Err(fail((**d).clone())),
            Files::Listed(l) => (l.old.clone(), l.new.clone(), l.base.clone(), l.args.clone()),
            Files::Folder { base, args } => {
                self.check_folder().map_err(fail)?;
                let dir = &self.folder;
                let args = if *args {
                    self.read_args(&dir.join(ARGS), read).map_err(fail)?
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
        let mut opts = self.opts.clone();
        apply_case_args(&args, &mut opts).map_err(|mut d| {
            d.message = format!("case {}: {}", case.name, d.message);
            fail(d)
        })?;
        let old = self.read(&old, read).map_err(fail)?;
        let new = self.read(&new, read).map_err(fail)?;
        let base = base
            .map(|b| self.read(&b, read))
            .transpose()
            .map_err(fail)?;
        let warning = match &base {
            Some(b) => check_base(b, &new, &old).map_err(fail)?,
            None => None,
        };
        let base = base.map(|(input, _)| input);
        let m = (self.engine)(base.as_ref(), &old.0, &new.0, &self.rules, &opts).map_err(|f| {
            f.diagnostics
                .iter()
                .map(|d| d.to_json(&f.sources))
                .collect::<Vec<_>>()
        })?;
        let mut p = prepare(case, &m, opts.show_secrets);
        p.mode = read.unwrap_or(Mode::PRIVATE);
        if let Some(w) = warning {
            p.record.diagnostics.insert(0, plain(&w));
        }
        Ok(p)
    }

    /// A folder case is read only where the walk found it: a case folder swapped for a link since
    /// (to anywhere, even inside DIR) is not followed.
    fn check_folder(&self) -> Result<(), Diagnostic> {
        let Some(root) = &self.root else {
            return Ok(());
        };
        let expected = root.join(&self.case.rel);
        match fs::canonicalize(&self.folder) {
            Ok(real) if real == expected => Ok(()),
            Ok(real) => Err(Diagnostic::new(
                Code::UnsafePath,
                format!(
                    "case folder {} now leads to {}: it was replaced by a link after DIR was searched; batch does not follow it",
                    self.folder.display(),
                    real.display()
                ),
            )
            .with_help("run again once nothing else changes DIR")),
            Err(e) => Err(Diagnostic::new(
                Code::Unreadable,
                format!("cannot read case folder {}: {e}", self.folder.display()),
            )),
        }
    }

    /// Reads a case's args file: whitespace-separated flags.
    fn read_args(&self, path: &Path, read: &mut Option<Mode>) -> Result<Vec<String>, Diagnostic> {
        let (input, _) = self.read(path, read)?;
        let text = instructions_text(input.bytes).map_err(|_| {
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

    /// Reads a case file, which must be a regular file. Under DIR it must be inside DIR once links are
    /// resolved, and is opened without following a link out of it.
    fn read(
        &self,
        path: &Path,
        read: &mut Option<Mode>,
    ) -> Result<(Input, fs::Metadata), Diagnostic> {
        let reach = match &self.root {
            Some(root) => Reach::Inside(root),
            None => Reach::Regular,
        };
        let (input, meta) = read_file(path, self.max_size, reach)?;
        let mode = Mode::of(&meta);
        *read = Some(read.map_or(mode, |m| m.narrow(mode)));
        Ok((input, meta))
    }
}

/// Reduces a migration to its record and the bytes to write under OUTDIR.
fn prepare(case: &Case, m: &Migration, show_secrets: bool) -> Prepared {
    let rendered = diff::unified(m, show_secrets);
    let mut diags = m.diagnostics.clone();
    diags.extend(rendered.notes(m));
    let mut by_rule = BTreeMap::new();
    for c in &m.changes {
        *by_rule.entry(c.rule.clone()).or_default() += 1;
    }
    let record = Record {
        case: case.name.clone(),
        status: if m.changed() {
            Status::Changed
        } else {
            Status::Unchanged
        },
        changes: m.changes.len(),
        changes_by_rule: by_rule,
        diagnostics: diags.iter().map(|d| d.to_json(&m.sources)).collect(),
        output: None,
        diff: None,
    };
    Prepared {
        record,
        merged: m.output.clone(),
        diff: rendered.text.into_bytes(),
        mode: Mode::PRIVATE,
    }
}

/// Writes a case's merged file and diff for OUTDIR/rel (staged for the run's commit); returns their
/// paths as shown in reports.
fn write_case(
    out: &OutDir,
    rel: &Path,
    merged: &[u8],
    diff: &[u8],
    mode: Mode,
) -> Result<(String, String), Diagnostic> {
    let shown = out.given.join(rel);
    let files = [(MERGED, merged), (MERGED_DIFF, diff)];
    out.outputs.case(rel, &shown, &files, mode)?;
    let path = |name: &str| shown.join(name).display().to_string();
    Ok((path(MERGED), path(MERGED_DIFF)))
}

fn internal_error(message: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InternalError,
        format!("the engine stopped unexpectedly on this case: {message}"),
    )
    .with_help("this is a bug in wcmigrate: please report it with the case's files (secrets removed); the other cases still ran")
}

fn timed_out(limit: Duration) -> Diagnostic {
    Diagnostic::new(
        Code::CaseTimeout,
        format!(
            "the case was still running after --case-timeout {}s; it was abandoned and nothing was written for it",
            limit.as_secs_f64()
        ),
    )
    .with_help("a real web.config merges in well under a second: check the case's files (or raise --case-timeout for inputs this large); the other cases still ran")
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::batch::find::find_cases;

    /// Runs cases `a` and `b` (each a changed pair) through `engine` on two threads.
    fn run_a_and_b(engine: Engine, settings: Settings) -> (Vec<Record>, Summary) {
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
            ..settings
        };
        let mut records = Vec::new();
        let summary = run_with(
            engine,
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
        (records, summary)
    }

    fn is_case_a(old: &Input) -> bool {
        Path::new(&old.name)
            .parent()
            .is_some_and(|p| p.ends_with("a"))
    }

    fn statuses(records: &[Record]) -> Vec<(&str, Status)> {
        records
            .iter()
            .map(|r| (r.case.as_str(), r.status))
            .collect()
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
            if is_case_a(old) {
                panic!("engine bug on {}", old.name);
            }
            ENGINE(base, old, new, rules, opts)
        }
        for case_timeout in [None, Some(Duration::from_secs(600))] {
            let settings = Settings {
                case_timeout,
                ..Settings::default()
            };
            let (records, summary) = run_a_and_b(panics_on_a, settings);
            assert_eq!(
                statuses(&records),
                [("a", Status::Failed), ("b", Status::Changed)]
            );
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

    #[test]
    fn a_case_that_never_ends_fails_with_case_timeout_and_the_others_run() {
        // The test hook: case a's engine never returns (it waits for a message nobody sends), so only
        // the time bound can end it; case b runs the real engine.
        fn never_ends_on_a(
            base: Option<&Input>,
            old: &Input,
            new: &Input,
            rules: &Rules,
            opts: &Options,
        ) -> Result<Migration, Failure> {
            if is_case_a(old) {
                loop {
                    std::thread::park();
                }
            }
            ENGINE(base, old, new, rules, opts)
        }
        let out = tempfile::tempdir().unwrap();
        let settings = Settings {
            case_timeout: Some(Duration::from_secs(2)),
            out: Some(out.path().to_path_buf()),
            ..Settings::default()
        };
        let (records, summary) = run_a_and_b(never_ends_on_a, settings);
        assert_eq!(
            statuses(&records),
            [("a", Status::Failed), ("b", Status::Changed)]
        );
        let d = &records[0].diagnostics[0];
        assert_eq!((d.code, d.name), ("E018", "case-timeout"));
        assert!(d.message.contains("--case-timeout 2s"), "{}", d.message);
        assert!(!out.path().join("a").exists(), "nothing written for a");
        assert!(out.path().join("b").join(MERGED).exists());
        assert_eq!(summary.exit_code(false), 2);
    }
}
