//! `wcmigrate merge`: one OLD and NEW (and BASE), the diff or the merged file, the diagnostics.
//! Reads the inputs, runs the engine, and writes where the arguments say; decides nothing about the
//! migration itself.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wcmigrate::batch::{check_base, read_file, Reach};
use wcmigrate::diag::{render_human, visible, Code, Diagnostic, Sources};
use wcmigrate::output::{replace_in_place, write_atomic, FileKey, InPlaceError, Mode};
use wcmigrate::{diff, report};

use super::args::{EngineArgs, Format};
use super::{fail, load_rules, write_failed};

#[derive(clap::Args)]
pub struct MergeArgs {
    /// The admin's backup of the old web.config.
    pub old: PathBuf,
    /// The web.config of the fresh install.
    pub new: PathBuf,
    /// The pristine web.config the old version shipped: enables the 3-way merge, which carries every
    /// default the admin changed.
    #[arg(long, value_name = "BASE")]
    pub base: Option<PathBuf>,
    /// Write the merged file here (atomically), as a new file readable by no one the inputs do not
    /// allow. OUT must not be OLD, BASE or NEW: to rewrite NEW, use --in-place.
    #[arg(short = 'o', long = "output", value_name = "OUT", conflicts_with_all = ["in_place", "check"])]
    pub output: Option<PathBuf>,
    /// Rewrite NEW (atomically), keeping the original as NEW.bak; both keep NEW's owner, group and
    /// permissions.
    #[arg(long, conflicts_with = "check")]
    pub in_place: bool,
    /// With --in-place: overwrite an existing NEW.bak.
    #[arg(long, requires = "in_place")]
    pub force: bool,
    /// Write nothing; exit 1 when NEW differs from what the merge would produce.
    #[arg(long)]
    pub check: bool,
    /// Output format: a unified diff on stdout and diagnostics on stderr, or one JSON report on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub engine: EngineArgs,
}

pub fn run(args: &MergeArgs) -> ExitCode {
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
    if let Some(out) = &args.output {
        if let Err(d) = refuse_output_over_input(out, args, &read) {
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

    pause_for_tests();
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

/// Refuses `-o` naming one of the files read (the same path, a hard link or a link to it): writing
/// would destroy it, and for OLD or BASE it is often the admin's only copy.
fn refuse_output_over_input(
    out: &Path,
    args: &MergeArgs,
    read: &[(wcmigrate::Input, std::fs::Metadata)],
) -> Result<(), Diagnostic> {
    let Some(out_key) = FileKey::at(out) else {
        return Ok(()); // nothing there yet: not an input
    };
    let mut named: Vec<(&str, &Path, Option<FileKey>)> = [("OLD", &args.old), ("NEW", &args.new)]
        .into_iter()
        .chain(args.base.as_ref().map(|b| ("BASE", b)))
        .zip(read)
        .map(|((what, path), (_, meta))| (what, path.as_path(), FileKey::of(path, meta)))
        .collect();
    if let Some(rules) = &args.engine.rules {
        named.push(("the --rules file", rules, FileKey::at(rules)));
    }
    let Some((what, path, _)) = named
        .into_iter()
        .find(|(_, _, k)| k.as_ref() == Some(&out_key))
    else {
        return Ok(());
    };
    let d = Diagnostic::new(
        Code::OutputIsInput,
        format!(
            "-o {} is {what} ({}): writing the merged file there would destroy it; nothing was written",
            out.display(),
            path.display()
        ),
    );
    Err(if what == "NEW" {
        d.with_help("to rewrite NEW itself, use --in-place: it keeps the original as NEW.bak")
    } else {
        d.with_help("write the merged file to a path of its own, e.g. -o merged.config")
    })
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
