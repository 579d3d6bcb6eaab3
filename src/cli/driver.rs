//! `wcmigrate merge-driver %O %A %B %P`: git's custom merge driver protocol for web.config. The
//! result goes to %A; the exit code is 0 for a clean merge and 1 with conflicts (git then marks the
//! file conflicted); conflict markers are never written into the XML: conflicts are reported on stderr
//! and theirs' side is kept, as the 3-way merge keeps NEW's.
//!
//! Which is which: BASE is %O (the common ancestor), OLD is %A (ours, the branch being merged into),
//! NEW is %B (theirs, the branch merged in). Every change ours made to the ancestor is carried into
//! theirs' text, which is the shape of the usual web.config merge: the site branch (ours) takes in a
//! new version from the vendor branch (theirs), and the site's customizations are carried, exactly
//! as `merge OLD NEW --base BASE` does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wcmigrate::batch::{read_file, Reach};
use wcmigrate::diag::{render_human, Code, Diagnostic, Severity, Sources};
use wcmigrate::output::{write_atomic, Mode};
use wcmigrate::rules::Rules;
use wcmigrate::Input;

use super::args::{color_enabled, Color, PreferArg};
use super::load_rules;

#[derive(clap::Args)]
pub struct DriverArgs {
    /// %O: the common ancestor's version (BASE).
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// %A: ours, the current branch's version (OLD). The result is written here.
    #[arg(value_name = "OURS")]
    pub ours: PathBuf,
    /// %B: theirs, the version merged in (NEW); its text is the result's, with ours' changes carried.
    #[arg(value_name = "THEIRS")]
    pub theirs: PathBuf,
    /// %P: the file's path in the repository, for messages (and `file=` references next to it).
    #[arg(value_name = "PATH")]
    pub path: Option<String>,
    /// Which side wins a conflict: new = theirs (the default), old = ours. Either way the file is
    /// reported as conflicted, for a person to check.
    #[arg(long, value_enum, value_name = "SIDE")]
    pub prefer: Option<PreferArg>,
    /// Rules file (TOML) instead of the built-in rules/git-merge.toml.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Colour diagnostics: auto = only on a terminal and without NO_COLOR.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = wcmigrate::batch::DEFAULT_MAX_SIZE)]
    pub max_size: u64,
}

/// What a merge left unresolved: a conflict, or a change of ours that could not be carried.
fn unresolved(d: &Diagnostic) -> bool {
    matches!(d.code, Code::Conflict | Code::NotEditable) || d.is_error()
}

pub fn run(args: &DriverArgs) -> ExitCode {
    let style = wcmigrate::diag::HumanStyle {
        color: color_enabled(args.color),
        show_secrets: false,
    };
    let shown = args
        .path
        .clone()
        .unwrap_or_else(|| "web.config".to_string());
    let report = |diags: &[Diagnostic], sources: &Sources| {
        let worth: Vec<Diagnostic> = diags
            .iter()
            .filter(|d| d.severity() != Severity::Note)
            .cloned()
            .collect();
        eprint!("{}", render_human(&worth, sources, style));
    };
    // Any error leaves %A as git gave it (ours) and exits 2: git marks the file conflicted.
    let stop = |d: Diagnostic, sources: &Sources| {
        report(&[d], sources);
        eprintln!("wcmigrate merge-driver: {shown}: not merged; ours is left as it was");
        ExitCode::from(2)
    };
    let mut pre = Sources::default();
    let rules = match &args.rules {
        Some(p) => load_rules(Some(p), args.max_size, &mut pre).map(|r| r.0),
        None => Ok(Rules::git_merge()),
    };
    let rules = match rules {
        Ok(r) => r,
        Err(d) => return stop(d, &pre),
    };
    let dir = args
        .path
        .as_deref()
        .and_then(|p| Path::new(p).parent())
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut inputs = Vec::new();
    for (p, side) in [
        (&args.base, "base"),
        (&args.ours, "ours"),
        (&args.theirs, "theirs"),
    ] {
        match read_file(p, args.max_size, Reach::Any) {
            Ok((input, meta)) => inputs.push((
                Input {
                    name: format!("{shown} ({side})"),
                    bytes: input.bytes,
                    dir: Some(dir.clone()),
                },
                meta,
            )),
            Err(d) => return stop(d, &pre),
        }
    }
    let (base, ours, theirs) = (&inputs[0].0, &inputs[1].0, &inputs[2].0);
    let mode = Mode::of(&inputs[1].1);
    // One side left the ancestor alone: the other side is the merge, byte for byte.
    let trivial = if ours.bytes == theirs.bytes || base.bytes == theirs.bytes {
        Some(&ours.bytes)
    } else if base.bytes == ours.bytes {
        Some(&theirs.bytes)
    } else {
        None
    };
    let (merged, diags, sources) = match trivial {
        Some(bytes) => (bytes.clone(), Vec::new(), Sources::default()),
        None => {
            let mut opts = wcmigrate::Options {
                max_size: args.max_size,
                ..wcmigrate::Options::default()
            };
            if let Some(p) = args.prefer {
                opts.prefer = p.into();
            }
            match wcmigrate::migrate3(base, ours, theirs, &rules, &opts) {
                Ok(m) => (m.output, m.diagnostics, m.sources),
                Err(f) => {
                    let first = f.diagnostics.last().cloned();
                    report(
                        &f.diagnostics[..f.diagnostics.len().saturating_sub(1)],
                        &f.sources,
                    );
                    return match first {
                        Some(d) => stop(d, &f.sources),
                        None => ExitCode::from(2),
                    };
                }
            }
        }
    };
    if let Err(e) = write_atomic(&args.ours, &merged, mode) {
        return stop(super::write_failed(&args.ours, e), &sources);
    }
    report(&diags, &sources);
    let open = diags.iter().filter(|d| unresolved(d)).count();
    if open == 0 {
        return ExitCode::SUCCESS;
    }
    let (kept, other) = match args.prefer {
        Some(PreferArg::Old) => ("ours", "theirs"),
        _ => ("theirs", "ours"),
    };
    eprintln!(
        "wcmigrate merge-driver: {shown}: {open} conflict(s) left for you (no markers in the file: {kept}' side is kept, {other}' is in the messages above); fix the file, then `git add {shown}`"
    );
    ExitCode::from(1)
}
