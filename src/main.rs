//! The `wcmigrate` command: the subcommands as clap sees them, and the dispatch to their modules in
//! `cli/` (arguments, which renderer, where to write). The engine is the library's.

mod cli;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use cli::batch::BatchArgs;
use cli::driver::DriverArgs;
use cli::generate::{CompletionsArgs, ManpageArgs};
use cli::help;
use cli::merge::MergeArgs;
use cli::rules::RulesArgs;

#[derive(Parser)]
#[command(
    name = "wcmigrate",
    version,
    about = help::ABOUT,
    long_about = help::LONG_ABOUT,
    after_long_help = help::MAIN_AFTER
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(about = help::MERGE_ABOUT, after_long_help = help::MERGE_AFTER)]
    Merge(MergeArgs),
    #[command(about = help::BATCH_ABOUT, after_long_help = help::BATCH_AFTER)]
    Batch(BatchArgs),
    /// XDT transforms (Web.Release.config and the like), applied without touching other bytes.
    #[command(subcommand)]
    Xdt(cli::xdt::XdtCommand),
    /// The admin's customizations of BASE (the pristine file) in OLD, by identity; --format xdt writes
    /// them as a transform that re-applies them.
    Diff(cli::diff::DiffArgs),
    #[command(about = help::RULES_ABOUT, after_long_help = help::RULES_AFTER)]
    Rules(RulesArgs),
    #[command(
        about = help::DRIVER_ABOUT,
        long_about = help::DRIVER_LONG_ABOUT,
        after_long_help = help::DRIVER_AFTER
    )]
    MergeDriver(DriverArgs),
    #[command(about = help::COMPLETIONS_ABOUT, after_long_help = help::COMPLETIONS_AFTER)]
    Completions(CompletionsArgs),
    #[command(about = help::MANPAGE_ABOUT, after_long_help = help::MANPAGE_AFTER)]
    Manpage(ManpageArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return cli::usage_error(e),
    };
    match cli.command {
        Command::Merge(args) => cli::merge::run(&args),
        Command::Batch(args) => cli::batch::run(&args),
        Command::Xdt(cmd) => cli::xdt::run(&cmd),
        Command::Diff(args) => cli::diff::diff(&args),
        Command::Rules(args) => cli::rules::run(&args),
        Command::MergeDriver(args) => cli::driver::run(&args),
        Command::Completions(args) => cli::generate::completions(&args, Cli::command()),
        Command::Manpage(args) => cli::generate::manpage(&args, Cli::command()),
    }
}
