//! The command line's refusal to write over an input: `-o`, `--emit-xdt` or an xdt output naming a
//! file the run reads (same path, hard link or symlink: same file identity) is E015, before anything
//! is computed. It decides nothing about a migration and writes nothing.

use std::path::Path;

use wcmigrate::diag::{Code, Diagnostic};
use wcmigrate::output::FileKey;

use crate::MergeArgs;

/// Refuses `-o` naming one of the files read (the same path, a hard link or a link to it): writing
/// would destroy it, and for OLD or BASE it is often the admin's only copy.
pub fn refuse_output_over_input(
    out: &Path,
    args: &MergeArgs,
    read: &[(wcmigrate::Input, std::fs::Metadata)],
) -> Result<(), Diagnostic> {
    let mut named: Vec<(&str, &Path, Option<FileKey>)> = [("OLD", &args.old), ("NEW", &args.new)]
        .into_iter()
        .chain(args.base.as_ref().map(|b| ("BASE", b)))
        .zip(read)
        .map(|((what, path), (_, meta))| (what, path.as_path(), FileKey::of(path, meta)))
        .collect();
    if let Some(rules) = &args.engine.rules {
        named.push(("the --rules file", rules, FileKey::at(rules)));
    }
    refuse_output_over(out, &named, "NEW")
}

/// E015 when `out` is one of the `named` files read (same device and inode, or path); `rewritten`
/// names the input `--in-place` rewrites, for the help.
pub fn refuse_output_over(
    out: &Path,
    named: &[(&str, &Path, Option<FileKey>)],
    rewritten: &str,
) -> Result<(), Diagnostic> {
    let Some(out_key) = FileKey::at(out) else {
        return Ok(()); // nothing there yet: not an input
    };
    let Some((what, path, _)) = named.iter().find(|(_, _, k)| k.as_ref() == Some(&out_key)) else {
        return Ok(());
    };
    let d = Diagnostic::new(
        Code::OutputIsInput,
        format!(
            "-o {} is {what} ({}): writing the result there would destroy it; nothing was written",
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
