//! `wcmigrate rules`: lists the rules of a rules file (or the built-in set) and every diagnostic code,
//! or prints the built-in rules file (`--dump`).

use std::path::PathBuf;
use std::process::ExitCode;

use wcmigrate::batch;
use wcmigrate::diag::{visible, HumanStyle, Sources, CODES};
use wcmigrate::rules::DEFAULT_RULES;

use super::args::{color_enabled, Color, Format};
use super::inputs::to_stdout;
use super::{fail, load_rules};

fn style() -> HumanStyle {
    HumanStyle {
        color: color_enabled(Color::Auto),
        show_secrets: false,
    }
}

#[derive(clap::Args)]
pub struct RulesArgs {
    /// Rules file to list instead of the built-in set.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Print the built-in rules file itself (TOML), to copy, edit and pass with --rules.
    #[arg(long, conflicts_with = "rules")]
    pub dump: bool,
}

pub fn run(args: &RulesArgs) -> ExitCode {
    if args.dump {
        return match to_stdout(DEFAULT_RULES.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(d) => fail(&[d], &Sources::default(), style(), Format::Human),
        };
    }
    let path = args.rules.as_deref();
    let mut sources = Sources::default();
    let (rules, name) = match load_rules(path, batch::DEFAULT_MAX_SIZE, &mut sources) {
        Ok(r) => r,
        Err(d) => return fail(&[d], &sources, style(), Format::Human),
    };
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
    // `wcmigrate rules | head` closes stdout early: not an error; `> /dev/full` is.
    match to_stdout(listing.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(d) => fail(&[d], &Sources::default(), style(), Format::Human),
    }
}
