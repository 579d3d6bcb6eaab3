//! `wcmigrate batch`: every case under a folder or in a manifest, the summary table or the JSON
//! report. Runs the library's batch and decides where its report goes; nothing about a migration.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wcmigrate::batch::{self, PendingFile, ReportWriter, Step, StepHook};
use wcmigrate::diag::{io_reason, visible, Code, Diagnostic, Severity, Sources};
use wcmigrate::output::Mode;

use super::args::{EngineArgs, Format, PreferArg};
use super::inputs::to_stdout;
use super::{fail, load_rules};

#[derive(clap::Args)]
pub struct BatchArgs {
    /// A folder searched recursively for cases (each a folder with old.config and new.config, optional
    /// base.config and args), or a JSON manifest listing cases anywhere on disk.
    #[arg(value_name = "DIR")]
    pub source: PathBuf,
    /// Mirror the case tree here, writing <case>/merged.config and <case>/merged.diff: staged as the
    /// cases finish, then put in place together and flushed to disk once (each output complete or
    /// absent, whenever the batch stops). Without it, a dry run: nothing is written.
    #[arg(long, value_name = "OUTDIR")]
    pub out: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Also write the JSON report to FILE (atomically, once the outputs are in place), whatever
    /// --format says.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// human: a progress bar (on a terminal only), then a summary on stderr, nothing on stdout;
    /// json: the report on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Start no new case after the first failure; the cases not run are reported as skipped.
    #[arg(long)]
    pub fail_fast: bool,
    /// Exit 1 when a case has warnings or conflicts (and none failed).
    #[arg(long)]
    pub deny_warnings: bool,
    /// Which side wins a 3-way conflict, in the cases with a base.config (a case's args may say
    /// otherwise).
    #[arg(long, value_enum, value_name = "SIDE")]
    pub prefer: Option<PreferArg>,
    /// Fail a case still running after SECS seconds (E018) and go on with the others; 0: no bound.
    #[arg(long, value_name = "SECS", default_value_t = batch::DEFAULT_CASE_TIMEOUT.as_secs())]
    pub case_timeout: u64,
    #[command(flatten)]
    pub engine: EngineArgs,
}

pub fn run(args: &BatchArgs) -> ExitCode {
    let style = args.engine.style();
    let mut pre = Sources::default();
    let max_size = args.engine.max_size;
    let setup = load_rules(args.engine.rules.as_deref(), max_size, &mut pre).and_then(|rules| {
        let mut options = args.engine.options()?;
        if let Some(p) = args.prefer {
            options.prefer = p.into();
        }
        for (path, what) in [(&args.out, "--out"), (&args.report, "--report")] {
            if let Some(p) = path.as_deref() {
                wcmigrate::winpath::check_output(p, what, wcmigrate::winpath::ON_WINDOWS)?;
            }
        }
        let cases = batch::find_cases_within(&args.source, max_size)?;
        let mut reports = Reports::open(args, &rules.1)?;
        reports.step = test_steps();
        Ok((rules.0, options, cases, reports))
    });
    let (rules, options, cases, mut reports) = match setup {
        Ok(s) => s,
        Err(d) if args.format == Format::Json => return fail_json(&args.source, &d, &pre),
        Err(d) => return fail(&[d], &pre, style, args.format),
    };
    let settings = batch::Settings {
        merge: options,
        out: args.out.clone(),
        jobs: args.jobs.map_or(0, usize::from),
        fail_fast: args.fail_fast,
        max_size,
        case_timeout: (args.case_timeout > 0).then(|| Duration::from_secs(args.case_timeout)),
        step: reports.step.clone(),
    };
    let bar = progress_bar(args.format, cases.list.len());
    let verbose = args.engine.verbose && args.format == Format::Human;
    let result = batch::run(&cases, &rules, &settings, &|_| bar.inc(1), &mut |r| {
        if verbose {
            bar.suspend(|| eprintln!("{}", case_line(r)));
        }
        reports.case(r)
    });
    bar.finish_and_clear();
    // Past this point stdout may hold part of a JSON report: a late error goes to stderr.
    let finish = |s: batch::Summary| {
        let code = s.exit_code(args.deny_warnings);
        reports.finish(&s, code).map(|()| s)
    };
    let summary = match result.and_then(finish) {
        Ok(s) => s,
        Err(d) => return fail(&[d], &pre, style, Format::Human),
    };
    if let Format::Human = args.format {
        eprint!(
            "{}",
            batch::render_summary(
                &summary,
                &args.source,
                args.out.as_deref(),
                args.deny_warnings,
                style.color,
                args.engine.quiet,
            )
        );
    }
    ExitCode::from(summary.exit_code(args.deny_warnings))
}

/// Where the batch's JSON report goes: the --report file (put in place at the end, after OUTDIR's
/// commit, so that it never names an output that is not in place) and/or stdout.
struct Reports<'a> {
    path: Option<&'a Path>,
    file: Option<ReportWriter<PendingFile>>,
    stdout: Option<ReportWriter<std::io::BufWriter<std::io::Stdout>>>,
    /// The test hook ([`test_steps`]), which also sees the report put in place.
    step: Option<StepHook>,
}

impl<'a> Reports<'a> {
    fn open(args: &'a BatchArgs, rules_name: &str) -> Result<Reports<'a>, Diagnostic> {
        let path = args.report.as_deref();
        let failed = |e| report_failed(path, e);
        let file = match path {
            Some(p) => Some(
                PendingFile::create(p)
                    .and_then(|f| ReportWriter::begin(f, &args.source, rules_name))
                    .map_err(failed)?,
            ),
            None => None,
        };
        let stdout = match args.format {
            Format::Json => Some(
                ReportWriter::begin(
                    std::io::BufWriter::new(std::io::stdout()),
                    &args.source,
                    rules_name,
                )
                .map_err(failed)?,
            ),
            Format::Human => None,
        };
        Ok(Reports {
            path,
            file,
            stdout,
            step: None,
        })
    }

    fn case(&mut self, r: &batch::Record) -> std::io::Result<()> {
        if let Some(w) = &mut self.file {
            w.case(r)?;
        }
        if let Some(w) = &mut self.stdout {
            match w.case(r) {
                // The reader stopped reading (`| head`): the cases still run and write their files.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => self.stdout = None,
                other => other?,
            }
        }
        Ok(())
    }

    fn finish(self, summary: &batch::Summary, exit_code: u8) -> Result<(), Diagnostic> {
        if let Some(w) = self.stdout {
            match w.finish(summary, exit_code) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(report_failed(None, e))
                }
                _ => {}
            }
        }
        if let Some(w) = self.file {
            // The report quotes the inputs (masked unless --show-secrets): no wider than any of them.
            let mode = summary.inputs_mode.unwrap_or(Mode::PRIVATE);
            if let Some(h) = &self.step {
                (h.0)(Step::Report);
            }
            w.finish(summary, exit_code)
                .and_then(|f| f.commit(mode))
                .map_err(|e| report_failed(self.path, e))?;
        }
        Ok(())
    }
}

/// For tests only (tests/durable.rs): `WCMIGRATE_TEST_STEPS` shows the steps of writing OUTDIR and the
/// report as they begin, numbered from 1, each as a line `wcmigrate-test-step N NAME` on stderr:
/// `trace` only prints them; `kill:K` also kills the process (SIGKILL; elsewhere an abort) as step K
/// begins, so no clean-up runs; `pause:K:FIFO` writes step K's line into FIFO and waits there for
/// the test to kill the process itself. Kill points are chosen by count, never by time.
fn test_steps() -> Option<StepHook> {
    let spec = std::env::var("WCMIGRATE_TEST_STEPS").ok()?;
    let mut parts = spec.splitn(3, ':');
    let action = parts.next().unwrap_or_default().to_string();
    let stop = parts.next().and_then(|k| k.parse::<usize>().ok());
    let fifo = parts.next().map(PathBuf::from);
    // One step at a time, so that the trace holds every step before K, in their order, when K stops
    // the process (from any thread); steps taken after that are not begun.
    let count = Mutex::new(0usize);
    Some(StepHook(Arc::new(move |step: Step| {
        // Held to the end: through the kill, or the pause.
        let mut taken = count.lock().unwrap_or_else(|e| e.into_inner());
        *taken += 1;
        let n = *taken;
        let line = format!("wcmigrate-test-step {n} {}\n", step.name());
        eprint!("{line}");
        if Some(n) != stop {
            return;
        }
        match (action.as_str(), &fifo) {
            ("kill", _) => {
                #[cfg(unix)]
                let _ = rustix::process::kill_process(
                    rustix::process::getpid(),
                    rustix::process::Signal::KILL,
                );
                std::process::abort();
            }
            ("pause", Some(fifo)) => {
                let _ = std::fs::write(fifo, &line);
                loop {
                    std::thread::park();
                }
            }
            _ => {}
        }
    })))
}

/// A batch that could not start, under `--format json`: its report is one summary line saying why.
fn fail_json(source: &Path, d: &Diagnostic, sources: &Sources) -> ExitCode {
    let source = source.display().to_string();
    let line = batch::SummaryLine::failure(&source, "", vec![d.to_json(sources)]);
    let mut text = serde_json::to_string(&line).unwrap_or_default();
    text.push('\n');
    if let Err(d) = to_stdout(text.as_bytes()) {
        eprintln!("{}: {}", d.code, d.message);
    }
    ExitCode::from(2)
}

/// One finished case (`-v`): its name, status, changes and warnings.
fn case_line(r: &batch::Record) -> String {
    let warnings = r
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    format!(
        "  {:<9} {}  ({} changes, {warnings} warnings)",
        r.status.as_str(),
        visible(&r.case),
        r.changes
    )
}

/// A progress bar on stderr for a human on a terminal; hidden otherwise.
fn progress_bar(format: Format, len: usize) -> indicatif::ProgressBar {
    if !matches!(format, Format::Human) || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} cases  {elapsed_precise} (eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}

fn report_failed(path: Option<&Path>, e: std::io::Error) -> Diagnostic {
    let path = path.map_or("the report to stdout".to_string(), |p| {
        p.display().to_string()
    });
    Diagnostic::new(
        Code::WriteFailed,
        format!("cannot write {path}: {}", io_reason(&e)),
    )
    .with_help("check that the folder exists, is writable and has free space")
}
