//! The `wcmigrate diff` command and merge's `--emit-xdt`: arguments, reading, which view to print, where
//! to write. The work is the library's (`wcmigrate::xdt::export`); this file only wires it to the
//! command line, with merge's conventions (atomic writes with the inputs' narrowest mode, exit 2 on an
//! error with nothing written).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use wcmigrate::batch::{self, read_file, Reach};
use wcmigrate::diag::{render_human, Diagnostic, HumanStyle, Sources};
use wcmigrate::output::{write_atomic, FileKey, Mode};
use wcmigrate::rules::Rules;
use wcmigrate::xdt::export::{self, render, DiffOptions};
use wcmigrate::{Input, Migration};

use super::args::{color_enabled, Color, Format};
use super::{fail, load_rules, refuse_output_over, write_failed};

#[derive(Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    Human,
    Json,
    Xdt,
}

#[derive(clap::Args)]
pub struct DiffArgs {
    /// The pristine web.config the installed version shipped.
    base: PathBuf,
    /// The admin's web.config: BASE with their customizations.
    old: PathBuf,
    /// human: each customization with its place in BASE and OLD; json: one document; xdt: an XDT
    /// transform that re-applies them to BASE or a newer vendor file. The human and json views mask
    /// secrets (unless --show-secrets); the xdt transform holds the real values, secrets included,
    /// since it is meant to be applied: keep it as private as the config.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    /// Write the output here (atomically, as a new file readable by no one the inputs do not allow)
    /// instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Rules file (TOML) whose [identity] and [secrets] tables to use instead of the built-in set.
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

fn options(rules: &Rules, show_secrets: bool) -> DiffOptions {
    DiffOptions {
        identity: rules.identity.clone(),
        secrets: rules.secrets.clone(),
        show_secrets,
    }
}

/// `wcmigrate diff BASE OLD`.
pub fn diff(args: &DiffArgs) -> ExitCode {
    let style = HumanStyle {
        color: color_enabled(args.color) && args.output.is_none(),
        show_secrets: args.show_secrets,
    };
    let format = match args.format {
        DiffFormat::Json => Format::Json,
        _ => Format::Human,
    };
    let mut pre = Sources::default();
    let rules = match load_rules(args.rules.as_deref(), args.max_size, &mut pre) {
        Ok((r, _)) => r,
        Err(d) => return fail(&[d], &pre, style, format),
    };
    let mut read = Vec::new();
    for p in [&args.base, &args.old] {
        match read_file(p, args.max_size, Reach::Any) {
            Ok(r) => read.push(r),
            Err(d) => return fail(&[d], &pre, style, format),
        }
    }
    if let Some(out) = &args.output {
        let named: Vec<(&str, &Path, Option<FileKey>)> = [("BASE", &args.base), ("OLD", &args.old)]
            .into_iter()
            .zip(&read)
            .map(|((what, path), (_, meta))| (what, path.as_path(), FileKey::of(path, meta)))
            .collect();
        if let Err(d) = refuse_output_over(out, "-o", &named, "") {
            return fail(&[d], &pre, style, format);
        }
    }
    let mode = Mode::narrowest(read.iter().map(|(_, meta)| Mode::of(meta)));
    let d = match export::diff(&read[0].0, &read[1].0, &options(&rules, args.show_secrets)) {
        Ok(d) => d,
        Err(f) => return fail(&f.diagnostics, &f.sources, style, format),
    };
    let text = match args.format {
        DiffFormat::Xdt => d.transform.clone(),
        DiffFormat::Json => {
            serde_json::to_string_pretty(&render::json(&d)).unwrap_or_default() + "\n"
        }
        DiffFormat::Human => render_human(&render::diagnostics(&d), &d.sources, style),
    };
    if let Some(out) = &args.output {
        if let Err(e) = write_atomic(out, text.as_bytes(), mode) {
            return fail(&[write_failed(out, e)], &d.sources, style, format);
        }
    } else {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(text.as_bytes());
        let _ = o.flush();
    }
    if !matches!(args.format, DiffFormat::Json) {
        if !matches!(args.format, DiffFormat::Human) || args.output.is_some() {
            eprint!("{}", render_human(&d.diagnostics, &d.sources, style));
        }
        let whereto = args
            .output
            .as_ref()
            .map_or(String::new(), |p| format!("; wrote {}", p.display()));
        eprintln!("wcmigrate: diff: {} customizations{whereto}", d.items.len());
    }
    ExitCode::SUCCESS
}

/// `merge --emit-xdt FILE`: the changes the merge made to NEW, as a transform that turns NEW into the
/// merged file, written atomically with `mode`.
pub fn emit_xdt(
    file: &Path,
    new: &Input,
    m: &Migration,
    rules: &Rules,
    mode: Mode,
) -> Result<usize, Diagnostic> {
    let f = export::migration(new, m, &options(rules, true))
        .map_err(|mut f| f.diagnostics.remove(0))?;
    write_atomic(file, f.transform.as_bytes(), mode).map_err(|e| write_failed(file, e))?;
    Ok(f.items.len())
}
