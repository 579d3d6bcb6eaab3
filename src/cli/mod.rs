//! The command line's subcommands, one module each (`merge`, `batch`, `rules`), and what they share:
//! the rules file, the report of a failure, the diagnostics of a failed write. Part of the binary, not
//! the library: it reads arguments and decides what to print and where to write; the engine decides
//! everything about a migration.

pub mod args;
pub mod batch;
pub mod diff;
pub mod driver;
pub mod generate;
pub mod help;
pub mod inputs;
pub mod merge;
pub mod rules;
pub mod xdt;

use std::path::Path;
use std::process::ExitCode;

use wcmigrate::batch::read_text;
use wcmigrate::diag::{io_reason, render_human, Code, Diagnostic, HumanStyle, Sources};
use wcmigrate::report::Report;
use wcmigrate::rules::{Rules, DEFAULT_RULES_NAME};

use args::Format;

/// Prints diagnostics and returns exit code 2.
pub fn fail(
    diags: &[Diagnostic],
    sources: &Sources,
    style: HumanStyle,
    format: Format,
) -> ExitCode {
    match format {
        Format::Human => eprint!("{}", render_human(diags, sources, style)),
        Format::Json => {
            let json: Vec<_> = diags.iter().map(|d| d.to_json(sources)).collect();
            // The run already failed: a failure to say so on stdout changes nothing but stderr.
            if let Err(d) = inputs::json_to_stdout(&Report::failure(json)) {
                eprint!("{}", render_human(&[d], sources, style));
            }
        }
    }
    ExitCode::from(2)
}

/// A command line clap refused (or `--help`, `--version`): clap's own text and exit code, except
/// that a run asking for `--format json` gets its failure as the JSON report (E040), like every other
/// failure.
pub fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let informational = matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    let words: Vec<String> = std::env::args().collect();
    let json = words
        .windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || words.iter().any(|w| w == "--format=json");
    if informational || !json {
        e.exit()
    }
    let message = e.render().to_string();
    let message = message.trim().trim_start_matches("error: ");
    let d = Diagnostic::new(
        Code::InvalidArguments,
        format!("invalid arguments: {message}"),
    )
    .with_help("see `wcmigrate --help`");
    fail(
        &[d],
        &Sources::default(),
        HumanStyle {
            color: false,
            show_secrets: false,
        },
        Format::Json,
    )
}

/// Reads the rules like an input (a regular file of at most `max_size` bytes), or the built-in set.
pub fn load_rules(
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

pub fn write_failed(path: &Path, e: std::io::Error) -> Diagnostic {
    // "Another program has it open" (Windows) says more than the OS's words.
    let (why, help) = wcmigrate::output::explain(&e);
    let why = if help.is_some() { why } else { io_reason(&e) };
    Diagnostic::new(
        Code::WriteFailed,
        format!(
            "cannot write {}: {why}; nothing was changed",
            path.display()
        ),
    )
    .with_help(help.unwrap_or("check that the folder exists, is writable and has free space"))
}

/// E015 when `out`, given as `flag`, is one of the `named` files read (same file identity: one path,
/// a hard link or a link to it): writing there would destroy it, and for OLD or BASE it is often the
/// admin's only copy. `rewritten` names the input `--in-place` rewrites, for the help.
pub fn refuse_output_over(
    out: &Path,
    flag: &str,
    named: &[(&str, &Path, Option<wcmigrate::output::FileKey>)],
    rewritten: &str,
) -> Result<(), Diagnostic> {
    let Some(out_key) = wcmigrate::output::FileKey::at(out) else {
        return Ok(()); // nothing there yet: not an input
    };
    let Some((what, path, _)) = named.iter().find(|(_, _, k)| k.as_ref() == Some(&out_key)) else {
        return Ok(());
    };
    let d = Diagnostic::new(
        Code::OutputIsInput,
        format!(
            "{flag} {} is {what} ({}): writing there would destroy it; nothing was written",
            out.display(),
            path.display()
        ),
    );
    Err(if *what == rewritten {
        d.with_help(format!(
            "to rewrite {rewritten} itself, use --in-place: it keeps the original as {rewritten}.bak"
        ))
    } else {
        d.with_help("write the result to a path of its own, e.g. -o merged.config")
    })
}
