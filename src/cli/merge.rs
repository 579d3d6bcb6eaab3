//! `wcmigrate merge`: one OLD and NEW (and BASE), the diff or the merged file, the diagnostics.
//! Reads the inputs, runs the engine, and writes where the arguments say; decides nothing about the
//! migration itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wcmigrate::batch::check_base;
use wcmigrate::diag::{render_human, visible, Code, Diagnostic, Severity, Sources};
use wcmigrate::diff::{DiffInfo, RenderedDiff};
use wcmigrate::output::{replace_in_place, write_atomic, FileKey, InPlaceError, Mode};
use wcmigrate::{diff, report, winpath, Input, Migration};

use super::args::{EngineArgs, Format, PreferArg};
use super::inputs::{self, is_dash, to_stdout, with_stderr, with_stdout, ReadInput};
use super::{fail, load_rules, write_failed};

#[derive(clap::Args)]
#[command(
    long_about = "Merge OLD (the backup of the old web.config) into NEW (the fresh install) \
and print the diff.\n\nOLD's customized values are carried into NEW as the rules say (appSettings, \
applicationSettings, virtual directories in URLs, the portal theme); with --base, every change the \
admin made to the old version's pristine file is carried too (a 3-way merge by element identity). \
NEW's bytes are kept wherever nothing changes."
)]
pub struct MergeArgs {
    /// The admin's backup of the old web.config (`-` reads it from standard input).
    pub old: PathBuf,
    /// The web.config of the fresh install (`-` reads it from standard input).
    pub new: PathBuf,
    /// The pristine web.config the old version shipped: enables the 3-way merge, which carries every
    /// default the admin changed (`-` reads it from standard input).
    #[arg(long, value_name = "BASE")]
    pub base: Option<PathBuf>,
    /// Write the merged file here (atomically), as a new file readable by no one the inputs do not
    /// allow; `-o -` writes it to standard output (the diff then goes to stderr, or to --diff FILE).
    /// OUT must not be OLD, BASE or NEW: to rewrite NEW, use --in-place.
    #[arg(short = 'o', long = "output", value_name = "OUT", conflicts_with_all = ["in_place", "check"])]
    pub output: Option<PathBuf>,
    /// Write the diff NEW -> merged to FILE (atomically) instead of standard output; `-` is standard
    /// output.
    #[arg(long, value_name = "FILE")]
    pub diff: Option<PathBuf>,
    /// Also write the migration as an XDT transform that turns NEW into the merged file (atomically;
    /// it holds real values, secrets included).
    #[arg(long, value_name = "FILE")]
    pub emit_xdt: Option<PathBuf>,
    /// Rewrite NEW (atomically), keeping the original as NEW.bak; both keep NEW's owner, group and
    /// permissions.
    #[arg(long, conflicts_with = "check")]
    pub in_place: bool,
    /// With --in-place: overwrite an existing NEW.bak.
    #[arg(long, requires = "in_place")]
    pub force: bool,
    /// Write nothing; exit 1 when NEW differs from what the merge would produce. Refused (E041) when
    /// OLD looks newer than NEW (W240): a check of swapped files would pass or fail for nothing.
    #[arg(long)]
    pub check: bool,
    /// With --base: which side wins where OLD and NEW both changed BASE differently.
    #[arg(long, value_enum, requires = "base", value_name = "SIDE")]
    pub prefer: Option<PreferArg>,
    /// Output format: a unified diff on stdout and diagnostics on stderr, or one JSON report on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// What a merge left to report: the migration, the diagnostics to show, where it wrote.
struct Done {
    m: Migration,
    rules_name: String,
    /// The diff's text, when it went into the JSON report or a `--diff` file (else it was written to
    /// standard output or error as it was made).
    rendered: Option<RenderedDiff>,
    diags: Vec<Diagnostic>,
    wrote: Option<PathBuf>,
}

/// A merge that stopped: its diagnostics and the files they point into. Exit 2.
struct Stopped {
    diags: Vec<Diagnostic>,
    sources: Sources,
}

impl From<Diagnostic> for Stopped {
    fn from(d: Diagnostic) -> Stopped {
        Stopped {
            diags: vec![d],
            sources: Sources::default(),
        }
    }
}

pub fn run(args: &MergeArgs) -> ExitCode {
    let style = args.engine.style();
    let done = match usage(args).and_then(|()| merge(args)) {
        Ok(done) => done,
        Err(s) => return fail(&s.diags, &s.sources, style, args.format),
    };
    let Done {
        m,
        rules_name,
        rendered,
        diags,
        wrote,
    } = done;
    let exit_code = if args.check && m.changed() { 1 } else { 0 };
    let shown = |d: &&Diagnostic| !(args.engine.quiet && d.severity() == Severity::Note);
    let shown: Vec<Diagnostic> = diags.iter().filter(shown).cloned().collect();
    let printed = match args.format {
        Format::Json => {
            let json = diags.iter().map(|d| d.to_json(&m.sources)).collect();
            let written = wrote.as_ref().map(|p| p.display().to_string());
            let rendered = rendered.unwrap_or_else(|| diff::unified(&m, args.engine.show_secrets));
            let r = report::report(&m, &rules_name, rendered, json, written, exit_code);
            inputs::json_to_stdout(&r)
        }
        Format::Human => {
            eprint!("{}", render_human(&shown, &m.sources, style));
            if args.engine.verbose {
                eprint!("{}", changes_list(&m));
            }
            if !args.engine.quiet {
                eprintln!("{}", summary(&m, &diags, wrote.as_deref(), args.check));
            }
            Ok(())
        }
    };
    if let Err(d) = printed {
        return fail(&[d], &m.sources, style, Format::Human);
    }
    // Everything is written and flushed, and the process ends on return: the OS takes the memory
    // back at once, where freeing a 100,000-change migration piece by piece took 6% of the run.
    std::mem::forget((m, diags, shown));
    ExitCode::from(exit_code)
}

/// Argument errors clap cannot see, named as clap names its own (exit 2).
fn usage(args: &MergeArgs) -> Result<(), Stopped> {
    let inputs = [Some(&args.old), Some(&args.new), args.base.as_ref()];
    let dashes = inputs.iter().flatten().filter(|p| is_dash(p)).count();
    let problem = if dashes > 1 {
        Some("only one of OLD, NEW and --base can be `-` (standard input)")
    } else if args.in_place && is_dash(&args.new) {
        Some("--in-place rewrites NEW's file, and NEW is `-` (standard input): use -o OUT")
    } else if args.output.as_deref().is_some_and(is_dash) && args.format == Format::Json {
        Some(
            "-o - writes the merged file to standard output, where --format json writes the report",
        )
    } else if args.diff.as_deref().is_some_and(is_dash) && args.format == Format::Json {
        Some("--diff - writes the diff to standard output, where --format json writes the report")
    } else if args.output.as_deref().is_some_and(is_dash)
        && args.diff.as_deref().is_some_and(is_dash)
    {
        Some("-o - and --diff - both want standard output")
    } else if args.output.is_some() && args.output == args.diff {
        Some("-o and --diff name the same file")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(
            Diagnostic::new(Code::InvalidArguments, format!("invalid arguments: {p}"))
                .with_help("see `wcmigrate merge --help`")
                .into(),
        ),
    }
}

/// Reads, merges and writes; everything that can stop the run is a [`Stopped`].
fn merge(args: &MergeArgs) -> Result<Done, Stopped> {
    let mut pre = Sources::default();
    let stop = |pre: &Sources| {
        let pre = pre.clone();
        move |d: Diagnostic| Stopped {
            diags: vec![d],
            sources: pre,
        }
    };
    let (rules, rules_name) =
        load_rules(args.engine.rules.as_deref(), args.engine.max_size, &mut pre)
            .map_err(stop(&pre))?;
    let mut opts = args.engine.options().map_err(stop(&pre))?;
    if let Some(p) = args.prefer {
        opts.prefer = p.into();
    }
    let mut read = Vec::new();
    for p in [&args.old, &args.new].into_iter().chain(args.base.as_ref()) {
        read.push(inputs::read(p, args.engine.max_size).map_err(stop(&pre))?);
    }
    let base_warning = match read.get(2) {
        Some(base) => {
            check_base(&base.pair(), &read[1].pair(), &read[0].pair()).map_err(stop(&pre))?
        }
        None => None,
    };
    // Outputs: a name Windows can hold (on Windows), and never a file this run reads.
    let outputs = [
        (&args.output, "-o"),
        (&args.diff, "--diff"),
        (&args.emit_xdt, "--emit-xdt"),
    ];
    for (out, what) in outputs {
        if let Some(out) = out.as_deref().filter(|p| !is_dash(p)) {
            winpath::check_output(out, what, winpath::ON_WINDOWS).map_err(stop(&pre))?;
            refuse_output_over_input(out, what, args, &read).map_err(stop(&pre))?;
        }
    }
    let mode = Mode::narrowest(read.iter().map(ReadInput::mode));
    let new_key = read[1].key();
    // OLD's and BASE's bytes go to the engine, which frees them once decoded (one copy of each
    // input); NEW's stay here for the check that it did not change on disk.
    let mut give = |i: usize| {
        read.get_mut(i).map(|r| {
            let bytes = std::mem::take(&mut r.input.bytes);
            Input::from_bytes(r.input.name.clone(), bytes).with_dir(r.input.dir.clone())
        })
    };
    let (base_in, old_in) = (give(2), give(0).expect("OLD was read"));
    let result = wcmigrate::merge::run_owned(base_in, old_in, read[1].input.clone(), &rules, &opts);
    let m = result.map_err(|f| Stopped {
        diags: f.diagnostics,
        sources: f.sources,
    })?;
    if args.check {
        refuse_swapped_check(&m)?;
    }
    // The diff's text is kept only for the JSON report and a `--diff` file; on standard output or
    // error it is written as it is made (and its notes are known once it is).
    let keep_text =
        args.format == Format::Json || args.diff.as_deref().is_some_and(|p| !is_dash(p));
    let rendered = keep_text.then(|| diff::unified(&m, opts.show_secrets));
    let mut diags: Vec<Diagnostic> = base_warning.into_iter().collect();
    diags.extend(m.diagnostics.iter().cloned());
    if let Some(r) = &rendered {
        diags.extend(r.notes(&m));
    }

    pause_for_tests();
    // Write first, so that a failed write is reported before anything claims success.
    let original = &read[1].input.bytes;
    let new_path = read[1].path.as_deref();
    let to = Written {
        mode,
        new_key,
        original,
        new_path,
        show_secrets: opts.show_secrets,
    };
    let mut written = write(args, &m, rendered.as_ref(), &to);
    if let (Ok(_), Some(file)) = (&written, &args.emit_xdt) {
        if let Err(e) = super::diff::emit_xdt(file, &read[1].input, &m, &rules, mode) {
            written = Err(e);
        }
    }
    let wrote = match written {
        Ok((w, streamed)) => {
            // Appended where the notes of a kept text are: after the engine's diagnostics.
            if let Some(info) = streamed {
                diags.extend(info.notes(&m));
            }
            w
        }
        Err(e) => {
            // Nothing was written: the notes on what would have been are noise now.
            diags.retain(|d| d.severity() != Severity::Note);
            diags.insert(0, e);
            return Err(Stopped {
                diags,
                sources: m.sources,
            });
        }
    };
    Ok(Done {
        m,
        rules_name,
        rendered,
        diags,
        wrote,
    })
}

/// `--check` answers "is NEW migrated?", which means nothing for swapped or mixed-up files: W240
/// there stops the run (E041), with the evidence.
fn refuse_swapped_check(m: &Migration) -> Result<(), Stopped> {
    let Some(w) = m.diagnostics.iter().find(|d| d.code == Code::OldLooksNewer) else {
        return Ok(());
    };
    let refusal = Diagnostic::new(
        Code::SwappedInputs,
        "--check refused: OLD looks newer than NEW (W240 below), so whether NEW \"needs migrating\" would mean nothing",
    )
    .with_help("check that OLD is the old install's backup and NEW the fresh install's file, in that order");
    Err(Stopped {
        diags: vec![refusal, w.clone()],
        sources: m.sources.clone(),
    })
}

/// What writing needs besides the migration: the outputs' mode, and NEW as it was read.
struct Written<'a> {
    mode: Mode,
    new_key: Option<FileKey>,
    original: &'a [u8],
    new_path: Option<&'a Path>,
    show_secrets: bool,
}

/// Writes the merged file (`-o`, `--in-place`) and the diff (`--diff`, standard output or stderr),
/// and says where the merged file went, and what the diff was like when it was written as it was
/// made (`rendered` is `None`).
fn write(
    args: &MergeArgs,
    m: &Migration,
    rendered: Option<&RenderedDiff>,
    to: &Written,
) -> Result<(Option<PathBuf>, Option<DiffInfo>), Diagnostic> {
    let (mode, original) = (to.mode, to.original);
    let changed_under_us = || to.new_path.is_some_and(|p| !unchanged_on_disk(p, original));
    let mut wrote = None;
    match &args.output {
        Some(out) if is_dash(out) => {
            to_stdout(&m.output)?;
            wrote = Some(out.clone());
        }
        Some(out) => {
            if changed_under_us() {
                return Err(input_changed(&args.new));
            }
            write_atomic(out, &m.output, mode).map_err(|e| write_failed(out, e))?;
            wrote = Some(out.clone());
        }
        None if args.in_place && m.changed() => {
            let replaced = match &to.new_key {
                Some(key) => replace_in_place(&args.new, key, original, &m.output, args.force),
                None => Err(InPlaceError::Changed),
            };
            replaced.map_err(|e| in_place_failed(&args.new, e))?;
            wrote = Some(args.new.clone());
        }
        None => {}
    }
    let streamed = match (&args.diff, rendered) {
        (Some(file), Some(r)) if !is_dash(file) => {
            write_atomic(file, r.text.as_bytes(), mode).map_err(|e| write_failed(file, e))?;
            None
        }
        // The JSON report holds the diff.
        _ if args.format == Format::Json => None,
        // `-o -` took standard output: the diff goes with the diagnostics.
        (None, _) if args.output.as_deref().is_some_and(is_dash) => {
            let info = with_stderr(|w| diff::write_unified(m, to.show_secrets, w));
            // Standard error failing changes nothing; the notes still say what the diff was like.
            Some(info.unwrap_or_else(|_| diff::unified(m, to.show_secrets).info()))
        }
        _ => Some(with_stdout(|w| diff::write_unified(m, to.show_secrets, w))?),
    };
    Ok((wrote, streamed))
}

/// Every change, one line each (`-v`): rule, place in NEW, before -> after (masked as the engine
/// masked them).
fn changes_list(m: &Migration) -> String {
    let mut out = String::new();
    for c in &m.changes {
        let before = c
            .before
            .as_deref()
            .map_or("(absent)".to_string(), |b| format!("\"{}\"", visible(b)));
        out.push_str(&format!(
            "  {} {}:{}:{} {}: {before} -> \"{}\"\n",
            c.rule,
            visible(&m.sources.get(m.new).name),
            c.line,
            c.column,
            visible(&c.path),
            visible(&c.after)
        ));
    }
    out
}

/// Refuses `-o` naming one of the files read (the same path, a hard link or a link to it): writing
/// would destroy it, and for OLD or BASE it is often the admin's only copy.
fn refuse_output_over_input(
    out: &Path,
    flag: &str,
    args: &MergeArgs,
    read: &[ReadInput],
) -> Result<(), Diagnostic> {
    let mut named: Vec<(&str, &Path, Option<FileKey>)> = [("OLD", &args.old), ("NEW", &args.new)]
        .into_iter()
        .chain(args.base.as_ref().map(|b| ("BASE", b)))
        .zip(read)
        .map(|((what, path), r)| (what, path.as_path(), r.key()))
        .collect();
    if let Some(rules) = &args.engine.rules {
        named.push(("the --rules file", rules, FileKey::at(rules)));
    }
    super::refuse_output_over(out, flag, &named, "NEW")
}

/// For tests only: with `WCMIGRATE_TEST_PAUSE_BEFORE_WRITE=FIFO`, a merge that has read its inputs
/// waits until a writer opens and closes FIFO before it checks NEW and writes. tests/faults.rs edits
/// NEW in that window: the race the E009 check exists for, made deterministic instead of timed.
fn pause_for_tests() {
    if let Some(fifo) = std::env::var_os("WCMIGRATE_TEST_PAUSE_BEFORE_WRITE") {
        let _ = std::fs::read(fifo);
    }
}

/// True when `path` still holds exactly `bytes` (reading at most one byte more).
pub(super) fn unchanged_on_disk(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    let mut now = Vec::with_capacity(bytes.len());
    std::fs::File::open(path)
        .and_then(|f| f.take(bytes.len() as u64 + 1).read_to_end(&mut now))
        .is_ok_and(|_| now == bytes)
}

pub(super) fn in_place_failed(new: &Path, e: InPlaceError) -> Diagnostic {
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

pub(super) fn input_changed(new: &Path) -> Diagnostic {
    Diagnostic::new(
        Code::InputChanged,
        format!(
            "{} changed on disk while wcmigrate ran; nothing was written",
            new.display()
        ),
    )
    .with_help("run wcmigrate again once nothing else edits the file")
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
