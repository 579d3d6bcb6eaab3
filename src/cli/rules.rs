//! `wcmigrate rules`: lists the rules of a rules file (or the built-in set) and every diagnostic code.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use wcmigrate::batch;
use wcmigrate::diag::{visible, HumanStyle, Sources, CODES};
use wcmigrate::rules::DEFAULT_RULES;

use super::args::{color_enabled, Color, Format};
use super::{fail, load_rules};

pub fn run(path: Option<&Path>) -> ExitCode {
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
