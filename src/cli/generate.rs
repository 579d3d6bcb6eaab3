//! `wcmigrate completions SHELL` and `wcmigrate manpage`: shell completions (bash, zsh, fish,
//! PowerShell, elvish) and man pages rendered from the clap definition itself, so they always match
//! the arguments the binary accepts. Writes to standard output, or man pages into a folder.

use std::path::PathBuf;
use std::process::ExitCode;

use clap_complete::Shell;
use wcmigrate::diag::{HumanStyle, Sources};

use super::args::Format;
use super::inputs::to_stdout;
use super::{fail, write_failed};

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(clap::Args)]
pub struct ManpageArgs {
    /// Write one page per subcommand (wcmigrate.1, wcmigrate-merge.1, ...) into DIR instead of
    /// printing wcmigrate.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

fn style() -> HumanStyle {
    HumanStyle {
        color: false,
        show_secrets: false,
    }
}

/// Prints the completion script of `args.shell` for `cmd` (the whole command line).
pub fn completions(args: &CompletionsArgs, mut cmd: clap::Command) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "wcmigrate", &mut script);
    match to_stdout(&script) {
        Ok(()) => ExitCode::SUCCESS,
        Err(d) => fail(&[d], &Sources::default(), style(), Format::Human),
    }
}

/// Prints the man page of `cmd`, or writes one per subcommand into `--dir`.
pub fn manpage(args: &ManpageArgs, cmd: clap::Command) -> ExitCode {
    let written = match &args.dir {
        Some(dir) => clap_mangen::generate_to(cmd, dir).map_err(|e| write_failed(dir, e)),
        None => {
            let mut page = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut page) {
                Ok(()) => to_stdout(&page),
                Err(e) => Err(write_failed(std::path::Path::new("-"), e)),
            }
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(d) => fail(&[d], &Sources::default(), style(), Format::Human),
    }
}
