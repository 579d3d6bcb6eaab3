//! The `wcmigrate` command: parses arguments, calls the engine, picks a renderer, writes files.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

mod diff_cli;
mod refuse;
use refuse::{refuse_output_over, refuse_output_over_input};

use clap::{Parser, Subcommand, ValueEnum};
use wcmigrate::batch::{
    self, check_base, read_file, read_text, vdir_overrides, PendingFile, Reach, ReportWriter,
};
use wcmigrate::diag::{render_human, visible, Code, Diagnostic, HumanStyle, Sources, CODES};
use wcmigrate::output::{replace_in_place, write_atomic, FileKey, InPlaceError, Mode};
use wcmigrate::rules::{Rules, DEFAULT_RULES, DEFAULT_RULES_NAME};
use wcmigrate::{diff, report, winpath, Options, Prefer};

#[derive(Parser)]
#[command(
    name = "wcmigrate",
    version,
    about = "Migrate IIS web.config files from PhoneFactor Agent to Azure MFA Server, losslessly and by rules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Merge OLD (the backup of the old web.config) into NEW (the fresh install) and print the diff.
    Merge(MergeArgs),
    /// Migrate every case under DIR (folders holding old.config and new.config), or listed in a JSON
    /// manifest, in parallel; print a summary or a JSON report.
    Batch(BatchArgs),
    /// XDT transforms (Web.Release.config and the like), applied without touching other bytes.
    #[command(subcommand)]
    Xdt(XdtCommand),
    /// The admin's customizations of BASE (the pristine file) in OLD, by identity; --format xdt writes
    /// them as a transform that re-applies them.
    Diff(diff_cli::DiffArgs),
    /// List the rules and diagnostic codes.
    Rules {
        /// Rules file to list instead of the built-in set.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum XdtCommand {
    /// Apply TRANSFORM to SOURCE as Microsoft's XDT would, changing only the bytes the transforms
    /// touch; print the diff (dry run) or write the result.
    Apply {
        /// The web.config (or app.config) to transform.
        source: PathBuf,
        /// The transform, e.g. Web.Release.config.
        transform: PathBuf,
        /// Write the result here (atomically).
        #[arg(short = 'o', long = "output", value_name = "OUT", conflicts_with_all = ["in_place", "check"])]
        output: Option<PathBuf>,
        /// Rewrite SOURCE (atomically), keeping the original as SOURCE.bak.
        #[arg(long, conflicts_with = "check")]
        in_place: bool,
        /// With --in-place: overwrite an existing SOURCE.bak.
        #[arg(long, requires = "in_place")]
        force: bool,
        /// Write nothing; exit 1 when the transform would change SOURCE.
        #[arg(long)]
        check: bool,
        /// Warnings fail the run (exit 2, nothing written), as Octopus Deploy does by default.
        #[arg(long)]
        strict: bool,
        /// Output format: a unified diff on stdout and diagnostics on stderr, or one JSON report on stdout.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Print secret values (passwords, keys, connection strings) instead of ***.
        #[arg(long)]
        show_secrets: bool,
        /// Colour diagnostics: auto = only on a terminal and without NO_COLOR.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
        /// Refuse inputs larger than this many bytes.
        #[arg(long, value_name = "BYTES", default_value_t = batch::DEFAULT_MAX_SIZE)]
        max_size: u64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum PreferArg {
    Old,
    New,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct MergeArgs {
    /// The admin's backup of the old web.config.
    old: PathBuf,
    /// The web.config of the fresh install.
    new: PathBuf,
    /// The pristine web.config the old version shipped: enables the 3-way merge, which carries every
    /// default the admin changed.
    #[arg(long, value_name = "BASE")]
    base: Option<PathBuf>,
    /// Write the merged file here (atomically), as a new file readable by no one the inputs do not
    /// allow. OUT must not be OLD, BASE or NEW: to rewrite NEW, use --in-place.
    #[arg(short = 'o', long = "output", value_name = "OUT", conflicts_with_all = ["in_place", "check"])]
    output: Option<PathBuf>,
    /// Rewrite NEW (atomically), keeping the original as NEW.bak; both keep NEW's owner, group and
    /// permissions.
    #[arg(long, conflicts_with = "check")]
    in_place: bool,
    /// With --in-place: overwrite an existing NEW.bak.
    #[arg(long, requires = "in_place")]
    force: bool,
    /// Write nothing; exit 1 when NEW differs from what the merge would produce.
    #[arg(long)]
    check: bool,
    /// Output format: a unified diff on stdout and diagnostics on stderr, or one JSON report on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Also write the migration as an XDT transform that turns NEW into the merged file (atomically;
    /// it holds real values, secrets included).
    #[arg(long, value_name = "FILE")]
    emit_xdt: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(clap::Args)]
struct BatchArgs {
    /// A folder searched recursively for cases (each a folder with old.config and new.config, optional
    /// base.config and args), or a JSON manifest listing cases anywhere on disk.
    #[arg(value_name = "DIR")]
    source: PathBuf,
    /// Mirror the case tree here, writing <case>/merged.config and <case>/merged.diff (atomically).
    /// Without it, a dry run: nothing is written.
    #[arg(long, value_name = "OUTDIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Also write the JSON report to FILE (atomically), whatever --format says.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// human: a progress bar (on a terminal only), then a summary on stderr, nothing on stdout;
    /// json: the report on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Start no new case after the first failure; the cases not run are reported as skipped.
    #[arg(long)]
    fail_fast: bool,
    /// Exit 1 when a case has warnings or conflicts (and none failed).
    #[arg(long)]
    deny_warnings: bool,
    /// Fail a case still running after SECS seconds (E018) and go on with the others; 0: no bound.
    #[arg(long, value_name = "SECS", default_value_t = batch::DEFAULT_CASE_TIMEOUT.as_secs())]
    case_timeout: u64,
    #[command(flatten)]
    engine: EngineArgs,
}

/// The options `merge` and `batch` share.
#[derive(clap::Args)]
struct EngineArgs {
    /// Virtual directory of the Web Service SDK on the new server.
    #[arg(long, value_name = "NAME")]
    sdk_vdir: Option<String>,
    /// Virtual directory of the User Portal on the new server.
    #[arg(long, value_name = "NAME")]
    portal_vdir: Option<String>,
    /// Virtual directory of the Mobile App Web Service on the new server.
    #[arg(long, value_name = "NAME")]
    mobile_vdir: Option<String>,
    /// In a 3-way merge, which side wins where OLD and NEW both changed BASE.
    #[arg(long, value_enum, default_value_t = PreferArg::New)]
    prefer: PreferArg,
    /// Rules file (TOML) to use instead of the built-in set.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Print secret values (passwords, keys, connection strings) instead of ***.
    #[arg(long)]
    show_secrets: bool,
    /// Colour diagnostics: auto = only on a terminal and without NO_COLOR.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = batch::DEFAULT_MAX_SIZE)]
    max_size: u64,
}

impl EngineArgs {
    fn style(&self) -> HumanStyle {
        HumanStyle {
            color: color_enabled(self.color),
            show_secrets: self.show_secrets,
        }
    }

    /// The engine's options; an unusable `--*-vdir` value is refused (E017).
    fn options(&self) -> Result<Options, Diagnostic> {
        Ok(Options {
            vdirs: vdir_overrides(
                self.sdk_vdir.as_deref(),
                self.portal_vdir.as_deref(),
                self.mobile_vdir.as_deref(),
            )?,
            show_secrets: self.show_secrets,
            prefer: match self.prefer {
                PreferArg::Old => Prefer::Old,
                PreferArg::New => Prefer::New,
            },
            max_size: self.max_size,
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Merge(args) => merge(&args),
        Command::Batch(args) => run_batch(&args),
        Command::Xdt(cmd) => xdt(&cmd),
        Command::Diff(args) => diff_cli::diff(&args),
        Command::Rules { rules } => list_rules(rules.as_deref()),
    }
}

fn color_enabled(color: Color) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match color {
        _ if no_color => false,
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal(),
    }
}

/// Prints diagnostics and returns exit code 2.
fn fail(diags: &[Diagnostic], sources: &Sources, style: HumanStyle, format: Format) -> ExitCode {
    match format {
        Format::Human => eprint!("{}", render_human(diags, sources, style)),
        Format::Json => {
            let json: Vec<_> = diags.iter().map(|d| d.to_json(sources)).collect();
            let doc = serde_json::json!({ "ok": false, "diagnostics": json });
            // A closed stdout (`| head`) must not turn an error report into a panic.
            let _ = writeln!(
                std::io::stdout(),
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            );
        }
    }
    ExitCode::from(2)
}

/// Reads the rules like an input (a regular file of at most `max_size` bytes), or the built-in set.
fn load_rules(
    path: Option<&Path>,
    max_size: u64,
    sources: &mut Sources,
) -> Result<(Rules, String), Diagnostic> {
    match path {
        None => Ok((Rules::builtin(), DEFAULT_RULES_NAME.to_string())),
        Some(p) => {
            let name = p.display().to_string();
            let text = read_text(p, max_size, "rules file")?;
            let id = sources.add(&name, text.clone());
            Ok((Rules::parse(&text, id)?, name))
        }
    }
}

fn merge(args: &MergeArgs) -> ExitCode {
    let style = args.engine.style();
    let mut pre = Sources::default();
    let setup = load_rules(args.engine.rules.as_deref(), args.engine.max_size, &mut pre)
        .and_then(|rules| Ok((rules, args.engine.options()?)));
    let ((rules, rules_name), opts) = match setup {
        Ok(s) => s,
        Err(d) => return fail(&[d], &pre, style, args.format),
    };
    let mut read = Vec::new();
    for p in [&args.old, &args.new].into_iter().chain(args.base.as_ref()) {
        match read_file(p, args.engine.max_size, Reach::Any) {
            Ok(r) => read.push(r),
            Err(d) => return fail(&[d], &pre, style, args.format),
        }
    }
    let base_warning = match read.get(2).map(|base| check_base(base, &read[1], &read[0])) {
        Some(Err(d)) => return fail(&[d], &pre, style, args.format),
        Some(Ok(w)) => w,
        None => None,
    };
    // -o and --emit-xdt: a name Windows can hold, and never a file this run reads.
    for (out, flag) in [(&args.output, "-o"), (&args.emit_xdt, "--emit-xdt")] {
        let Some(out) = out else { continue };
        let windows_name = winpath::check_output(out, flag, winpath::ON_WINDOWS);
        if let Err(d) = windows_name.and_then(|()| refuse_output_over_input(out, args, &read)) {
            return fail(&[d], &pre, style, args.format);
        }
    }
    let new_key = FileKey::of(&args.new, &read[1].1);
    let mode = Mode::narrowest(read.iter().map(|(_, meta)| Mode::of(meta)));
    let inputs: Vec<_> = read.into_iter().map(|(input, _)| input).collect();
    let result = wcmigrate::merge::run(inputs.get(2), &inputs[0], &inputs[1], &rules, &opts);
    let m = match result {
        Ok(m) => m,
        Err(f) => return fail(&f.diagnostics, &f.sources, style, args.format),
    };
    let rendered = diff::unified(&m, opts.show_secrets);
    let mut diags: Vec<Diagnostic> = base_warning.into_iter().collect();
    diags.extend(m.diagnostics.iter().cloned());
    diags.extend(rendered.notes(&m));

    // Write first, so that a failed write is reported before anything claims success.
    let mut wrote: Option<PathBuf> = None;
    let mut write_err: Option<Diagnostic> = None;
    let original = &inputs[1].bytes;
    if let Some(out) = &args.output {
        if !unchanged_on_disk(&args.new, original) {
            write_err = Some(input_changed(&args.new));
        } else if let Err(e) = write_atomic(out, &m.output, mode) {
            write_err = Some(write_failed(out, e));
        } else {
            wrote = Some(out.clone());
        }
    } else if args.in_place && m.changed() {
        let replaced = match &new_key {
            Some(key) => replace_in_place(&args.new, key, original, &m.output, args.force),
            None => Err(InPlaceError::Changed),
        };
        match replaced {
            Ok(_) => wrote = Some(args.new.clone()),
            Err(e) => write_err = Some(in_place_failed(&args.new, e)),
        }
    }
    if let (None, Some(file)) = (&write_err, &args.emit_xdt) {
        write_err = diff_cli::emit_xdt(file, &inputs[1], &m, &rules, mode).err();
    }
    if let Some(e) = write_err {
        diags.insert(0, e);
        return fail(&diags, &m.sources, style, args.format);
    }

    match args.format {
        Format::Json => {
            let mut r = report::report(&m, &rules_name, &rendered);
            r.diagnostics = diags.iter().map(|d| d.to_json(&m.sources)).collect();
            r.totals = report::totals(r.changes.len(), &r.diagnostics);
            let mut out = std::io::stdout().lock();
            let _ = serde_json::to_writer_pretty(&mut out, &r);
            let _ = writeln!(out);
        }
        Format::Human => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(rendered.text.as_bytes());
            let _ = out.flush();
            eprint!("{}", render_human(&diags, &m.sources, style));
            eprintln!("{}", summary(&m, &diags, wrote.as_deref(), args.check));
        }
    }
    if args.check && m.changed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `wcmigrate xdt apply`: merge's conventions (diff on stdout, diagnostics on stderr, atomic writes,
/// exit 0 / 1 with --check / 2 on an error, when nothing is written).
fn xdt(cmd: &XdtCommand) -> ExitCode {
    let XdtCommand::Apply {
        source,
        transform,
        output,
        in_place,
        force,
        check,
        strict,
        format,
        show_secrets,
        color,
        max_size,
    } = cmd;
    let style = HumanStyle {
        color: color_enabled(*color),
        show_secrets: *show_secrets,
    };
    let pre = Sources::default();
    let mut read = Vec::new();
    for p in [source, transform] {
        match read_file(p, *max_size, Reach::Any) {
            Ok(r) => read.push(r),
            Err(d) => return fail(&[d], &pre, style, *format),
        }
    }
    if let Some(out) = output {
        let named: Vec<(&str, &Path, Option<FileKey>)> =
            [("SOURCE", source), ("TRANSFORM", transform)]
                .into_iter()
                .zip(&read)
                .map(|((what, path), (_, meta))| (what, path.as_path(), FileKey::of(path, meta)))
                .collect();
        if let Err(d) = refuse_output_over(out, &named, "SOURCE") {
            return fail(&[d], &pre, style, *format);
        }
    }
    let source_key = FileKey::of(source, &read[0].1);
    let mode = Mode::narrowest(read.iter().map(|(_, meta)| Mode::of(meta)));
    let inputs: Vec<_> = read.into_iter().map(|(input, _)| input).collect();
    let opts = wcmigrate::xdt::XdtOptions {
        show_secrets: *show_secrets,
        strict: *strict,
        ..Default::default()
    };
    let applied = match wcmigrate::xdt::apply(&inputs[0], &inputs[1], &opts) {
        Ok(a) => a,
        Err(f) => return fail(&f.diagnostics, &f.sources, style, *format),
    };
    let m = &applied.migration;
    let rendered = diff::unified(m, *show_secrets);
    let mut diags = m.diagnostics.clone();
    diags.extend(rendered.notes(m));
    let original = &inputs[0].bytes;
    let mut wrote: Option<&Path> = None;
    let mut write_err = None;
    if let Some(out) = output {
        if !unchanged_on_disk(source, original) {
            write_err = Some(input_changed(source));
        } else if let Err(e) = write_atomic(out, &m.output, mode) {
            write_err = Some(write_failed(out, e));
        } else {
            wrote = Some(out);
        }
    } else if *in_place && m.changed() {
        let replaced = match &source_key {
            Some(key) => replace_in_place(source, key, original, &m.output, *force),
            None => Err(InPlaceError::Changed),
        };
        match replaced {
            Ok(_) => wrote = Some(source),
            Err(e) => write_err = Some(in_place_failed(source, e)),
        }
    }
    if let Some(e) = write_err {
        diags.insert(0, e);
        return fail(&diags, &m.sources, style, *format);
    }
    match format {
        Format::Json => {
            let r = wcmigrate::xdt::report::report(&applied, &diags, &rendered);
            let mut out = std::io::stdout().lock();
            let _ = serde_json::to_writer_pretty(&mut out, &r);
            let _ = writeln!(out);
        }
        Format::Human => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(rendered.text.as_bytes());
            let _ = out.flush();
            eprint!("{}", render_human(&diags, &m.sources, style));
            let count = |s| diags.iter().filter(|d| d.severity() == s).count();
            let what = match (wrote, m.changed(), *check) {
                (_, false, _) => "the transform changes nothing".to_string(),
                (_, true, true) => "SOURCE would change (--check)".to_string(),
                (Some(p), true, _) => format!("wrote {}", p.display()),
                (None, true, _) => {
                    "dry run: nothing written (use -o OUT or --in-place)".to_string()
                }
            };
            eprintln!(
                "wcmigrate: xdt: {} transforms applied, {} changes, {} warnings, {} notes; {what}",
                applied.executed,
                m.changes.len(),
                count(wcmigrate::diag::Severity::Warning),
                count(wcmigrate::diag::Severity::Note),
            );
        }
    }
    if *check && m.changed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_batch(args: &BatchArgs) -> ExitCode {
    let style = args.engine.style();
    let mut pre = Sources::default();
    let max_size = args.engine.max_size;
    let setup = load_rules(args.engine.rules.as_deref(), max_size, &mut pre).and_then(|rules| {
        let options = args.engine.options()?;
        for (path, what) in [(&args.out, "--out"), (&args.report, "--report")] {
            path.as_deref().map_or(Ok(()), |p| {
                winpath::check_output(p, what, winpath::ON_WINDOWS)
            })?;
        }
        let cases = batch::find_cases_within(&args.source, max_size)?;
        let reports = Reports::open(args, &rules.1)?;
        Ok((rules.0, options, cases, reports))
    });
    let (rules, options, cases, mut reports) = match setup {
        Ok(s) => s,
        Err(d) => return fail(&[d], &pre, style, args.format),
    };
    let settings = batch::Settings {
        merge: options,
        out: args.out.clone(),
        jobs: args.jobs.map_or(0, usize::from),
        fail_fast: args.fail_fast,
        max_size,
        case_timeout: (args.case_timeout > 0).then(|| Duration::from_secs(args.case_timeout)),
    };
    let bar = progress_bar(args.format, cases.list.len());
    let result = batch::run(&cases, &rules, &settings, &|_| bar.inc(1), &mut |r| {
        reports.case(r)
    });
    bar.finish_and_clear();
    // Past this point stdout may hold part of a JSON report: a late error goes to stderr.
    let summary = match result.and_then(|s| reports.finish(&s).map(|()| s)) {
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
                style.color
            )
        );
    }
    ExitCode::from(summary.exit_code(args.deny_warnings))
}

/// Where the batch's JSON report goes: the --report file (put in place at the end) and/or stdout.
struct Reports<'a> {
    path: Option<&'a Path>,
    file: Option<ReportWriter<PendingFile>>,
    stdout: Option<ReportWriter<std::io::BufWriter<std::io::Stdout>>>,
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
        Ok(Reports { path, file, stdout })
    }

    fn case(&mut self, r: &batch::Record) -> std::io::Result<()> {
        if let Some(w) = &mut self.file {
            w.case(r)?;
        }
        if let Some(w) = &mut self.stdout {
            w.case(r)?;
        }
        Ok(())
    }

    fn finish(self, summary: &batch::Summary) -> Result<(), Diagnostic> {
        if let Some(w) = self.stdout {
            w.finish(summary).map_err(|e| report_failed(None, e))?;
        }
        if let Some(w) = self.file {
            // The report quotes the inputs (masked unless --show-secrets): no wider than any of them.
            let mode = summary.inputs_mode.unwrap_or(Mode::PRIVATE);
            w.finish(summary)
                .and_then(|f| f.commit(mode))
                .map_err(|e| report_failed(self.path, e))?;
        }
        Ok(())
    }
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
    Diagnostic::new(Code::WriteFailed, format!("cannot write {path}: {e}"))
        .with_help("check that the folder exists, is writable and has free space")
}

/// True when `path` still holds exactly `bytes` (reading at most one byte more).
fn unchanged_on_disk(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    let mut now = Vec::with_capacity(bytes.len());
    std::fs::File::open(path)
        .and_then(|f| f.take(bytes.len() as u64 + 1).read_to_end(&mut now))
        .is_ok_and(|_| now == bytes)
}

fn in_place_failed(new: &Path, e: InPlaceError) -> Diagnostic {
    match e {
        InPlaceError::BackupExists(bak) => Diagnostic::new(
            Code::BackupExists,
            format!(
                "{} already exists; --in-place will not overwrite an earlier backup",
                bak.display()
            ),
        )
        .with_help("move that backup somewhere safe, or add --force to replace it"),
        InPlaceError::Changed => input_changed(new),
        InPlaceError::Refused(why) => Diagnostic::new(
            Code::WriteFailed,
            format!("{why}; nothing was written (no backup either)"),
        )
        .with_help("run wcmigrate on the real file, as its owner or as an administrator"),
        InPlaceError::Io(path, e) => write_failed(&path, e),
    }
}

fn input_changed(new: &Path) -> Diagnostic {
    Diagnostic::new(
        Code::InputChanged,
        format!(
            "{} changed on disk while wcmigrate ran; nothing was written",
            new.display()
        ),
    )
    .with_help("run wcmigrate again once nothing else edits the file")
}

fn write_failed(path: &Path, e: std::io::Error) -> Diagnostic {
    let (why, help) = wcmigrate::output::explain(&e);
    Diagnostic::new(
        Code::WriteFailed,
        format!(
            "cannot write {}: {why}; nothing was changed",
            path.display()
        ),
    )
    .with_help(help.unwrap_or("check that the folder exists, is writable and has free space"))
}

fn summary(
    m: &wcmigrate::Migration,
    diags: &[Diagnostic],
    wrote: Option<&Path>,
    check: bool,
) -> String {
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &m.changes {
        *by_rule.entry(c.rule.as_str()).or_default() += 1;
    }
    let rules: Vec<String> = by_rule.iter().map(|(r, n)| format!("{r} x{n}")).collect();
    let warnings = diags
        .iter()
        .filter(|d| d.severity() == wcmigrate::diag::Severity::Warning)
        .count();
    let notes = diags
        .iter()
        .filter(|d| d.severity() == wcmigrate::diag::Severity::Note)
        .count();
    let what = match (wrote, m.changed(), check) {
        (_, false, _) => "NEW is already migrated; nothing to change".to_string(),
        (_, true, true) => "NEW needs migrating (--check)".to_string(),
        (Some(p), true, _) => format!("wrote {}", visible(&p.display().to_string())),
        (None, true, _) => "dry run: nothing written (use -o OUT or --in-place)".to_string(),
    };
    let changes = if rules.is_empty() {
        format!("{} changes", m.changes.len())
    } else {
        format!("{} changes ({})", m.changes.len(), rules.join(", "))
    };
    format!("wcmigrate: {changes}, {warnings} warnings, {notes} notes; {what}")
}

fn list_rules(path: Option<&Path>) -> ExitCode {
    let mut sources = Sources::default();
    let (rules, name) = match load_rules(path, batch::DEFAULT_MAX_SIZE, &mut sources) {
        Ok(r) => r,
        Err(d) => {
            return fail(
                &[d],
                &sources,
                HumanStyle {
                    color: color_enabled(Color::Auto),
                    show_secrets: false,
                },
                Format::Human,
            )
        }
    };
    let _ = DEFAULT_RULES;
    // A rules file is input: its names and summaries are shown, never obeyed (an ESC sequence).
    let mut listing = format!("Rules ({}):\n", visible(&name));
    for r in &rules.rules {
        listing.push_str(&format!(
            "  {}  {:<28} {}\n",
            r.code,
            visible(&r.name),
            visible(&r.summary)
        ));
    }
    listing.push_str("\nDiagnostics:\n");
    for c in CODES {
        listing.push_str(&format!("  {}  {:<28} {}\n", c.code, c.name, c.summary));
    }
    // `wcmigrate rules | head` closes stdout early: that is not an error worth a panic.
    let _ = std::io::stdout().write_all(listing.as_bytes());
    ExitCode::SUCCESS
}
