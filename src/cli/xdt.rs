//! `wcmigrate xdt apply`: reads SOURCE and TRANSFORM like merge's inputs, applies the transform with
//! the library's XDT engine and writes as merge does (E015 for an output naming an input, atomic
//! writes with the narrowed mode, --in-place with SOURCE.bak). It decides nothing about a transform.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wcmigrate::batch::{self, read_file, Reach};
use wcmigrate::diag::{render_human, HumanStyle, Sources};
use wcmigrate::diff;
use wcmigrate::output::{replace_in_place, write_atomic, FileKey, InPlaceError, Mode};

use super::args::{color_enabled, Color, Format};
use super::merge::{in_place_failed, input_changed, unchanged_on_disk};
use super::{fail, refuse_output_over, write_failed};

#[derive(clap::Subcommand)]
pub enum XdtCommand {
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

/// `wcmigrate xdt apply`: merge's conventions (diff on stdout, diagnostics on stderr, atomic writes,
/// exit 0 / 1 with --check / 2 on an error, when nothing is written).
pub fn run(cmd: &XdtCommand) -> ExitCode {
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
        if let Err(d) = refuse_output_over(out, "-o", &named, "SOURCE") {
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
            // Through a buffer: straight to the line-buffered stdout it was one write per line.
            let _ = super::inputs::json_to_stdout(&r);
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
