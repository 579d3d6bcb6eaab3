//! The options more than one subcommand takes: output format, colour, `--prefer`, and the engine's
//! options (`EngineArgs`). Only clap definitions and their translation into the engine's `Options`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::ValueEnum;
use wcmigrate::batch::{self, vdir_overrides};
use wcmigrate::diag::{Diagnostic, HumanStyle};
use wcmigrate::{Options, Prefer};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PreferArg {
    Old,
    New,
}

impl From<PreferArg> for Prefer {
    fn from(p: PreferArg) -> Prefer {
        match p {
            PreferArg::Old => Prefer::Old,
            PreferArg::New => Prefer::New,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// The options `merge` and `batch` share.
#[derive(clap::Args)]
pub struct EngineArgs {
    /// Virtual directory of the Web Service SDK on the new server.
    #[arg(long, value_name = "NAME")]
    pub sdk_vdir: Option<String>,
    /// Virtual directory of the User Portal on the new server.
    #[arg(long, value_name = "NAME")]
    pub portal_vdir: Option<String>,
    /// Virtual directory of the Mobile App Web Service on the new server.
    #[arg(long, value_name = "NAME")]
    pub mobile_vdir: Option<String>,
    /// Rules file (TOML) to use instead of the built-in set.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Print secret values (passwords, keys, connection strings) instead of ***.
    #[arg(long)]
    pub show_secrets: bool,
    /// Colour diagnostics: auto = only on a terminal and without NO_COLOR.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = batch::DEFAULT_MAX_SIZE)]
    pub max_size: u64,
    /// Print errors and warnings only: no notes, no closing summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also list every change made (rule, place, before and after; secrets masked).
    #[arg(short, long)]
    pub verbose: bool,
}

impl EngineArgs {
    pub fn style(&self) -> HumanStyle {
        HumanStyle {
            color: color_enabled(self.color),
            show_secrets: self.show_secrets,
        }
    }

    /// The engine's options; an unusable `--*-vdir` value is refused (E017).
    pub fn options(&self) -> Result<Options, Diagnostic> {
        Ok(Options {
            vdirs: vdir_overrides(
                self.sdk_vdir.as_deref(),
                self.portal_vdir.as_deref(),
                self.mobile_vdir.as_deref(),
            )?,
            show_secrets: self.show_secrets,
            prefer: Prefer::New,
            max_size: self.max_size,
        })
    }
}

/// Whether to colour stderr: an explicit `--color always|never` wins; `auto` colours a terminal
/// unless NO_COLOR is set to something (no-color.org: a flag the user gives beats the variable).
pub fn color_enabled(color: Color) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => !no_color && std::io::stderr().is_terminal(),
    }
}
