//! The `wcmigrate` command: the subcommands as clap sees them, and the dispatch to their modules in
//! `cli/` (arguments, which renderer, where to write). The engine is the library's.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli::batch::BatchArgs;
use cli::merge::MergeArgs;

#[derive(Parser)]
#[command(
    name = "wcmigrate",
    version,
    about = "Migrate IIS web.config files from PhoneFactor Agent to Azure MFA Server, losslessly and by rules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Merge OLD (the backup of the old web.config) into NEW (the fresh install) and print the diff.
    Merge(MergeArgs),
    /// Migrate every case under DIR (folders holding old.config and new.config), or listed in a JSON
    /// manifest, in parallel; print a summary or a JSON report.
    Batch(BatchArgs),
    /// List the rules and diagnostic codes.
    Rules {
        /// Rules file to list instead of the built-in set.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Merge(args) => cli::merge::run(&args),
        Command::Batch(args) => cli::batch::run(&args),
        Command::Rules { rules } => cli::rules::run(rules.as_deref()),
    }
}
