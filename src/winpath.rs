//! Windows' rules for file names and paths, as pure functions of text: reserved device names (`CON`,
//! `NUL`, `COM1`...), trailing dots and spaces, characters Windows refuses, names equal but for case,
//! drive/UNC/`\\?\` roots and long paths, and a `file=`/`configSource=` value read as Windows reads it.
//!
//! Owns those rules and the diagnostics (E019) that refuse an output or a batch case name breaking
//! them. It never touches the file system and holds no Windows API: callers say whether the rules
//! apply ([`ON_WINDOWS`] for a file written on this machine; batch case names on every platform, since
//! an OUTDIR tree is often prepared on Linux and copied to the servers). `winfs` uses it to build the
//! paths it hands the Windows API.

use std::fmt;
use std::path::{Component, Path};

use crate::diag::{Code, Diagnostic};

/// True when this build runs on Windows, where outputs must be names Windows can hold.
pub const ON_WINDOWS: bool = cfg!(windows);

/// What Windows does not accept in one file or folder name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    /// A device name (`CON`, `NUL`, `COM1`...), with or without an extension, in any case: opening it
    /// opens the device, not a file.
    Reserved(String),
    /// A name ending in a dot or a space: Windows drops them, so the name means another file.
    TrailingDotOrSpace,
    /// A character no Windows file name may hold (`<>:"|?*`, control characters); `:` names an
    /// alternate data stream.
    Character(char),
    /// Nothing at all.
    Empty,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameProblem::Reserved(dev) => write!(
                f,
                "{dev} is a device name on Windows, with or without an extension: the device would be opened, not a file"
            ),
            NameProblem::TrailingDotOrSpace => f.write_str(
                "it ends with a dot or a space, which Windows drops: it would name another file",
            ),
            NameProblem::Character(':') => f.write_str(
                "it holds `:`, which on Windows names an alternate data stream or a drive",
            ),
            NameProblem::Character(c) => write!(
                f,
                "it holds {}, which no Windows file name may hold",
                crate::diag::visible(&format!("`{c}`"))
            ),
            NameProblem::Empty => f.write_str("it is empty"),
        }
    }
}

/// The device names of Windows (`CONIN$`, `CONOUT$` and the superscript digits of Windows 11 too).
const DEVICES: &[&str] = &["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];

/// The device `name` opens on Windows, if any: its part before the first dot, less trailing spaces,
/// compared without case (`nul.config`, `Com1 .txt`, `LPT9`).
pub fn reserved(name: &str) -> Option<String> {
    let stem = name.split('.').next().unwrap_or("").trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    if DEVICES.contains(&upper.as_str()) {
        return Some(upper);
    }
    let numbered = ["COM", "LPT"].iter().any(|p| {
        upper.strip_prefix(p).is_some_and(|n| {
            let mut chars = n.chars();
            matches!(
                (chars.next(), chars.next()),
                (Some('0'..='9' | '¹' | '²' | '³'), None)
            )
        })
    });
    numbered.then_some(upper)
}

/// Checks one file or folder name against Windows' rules.
pub fn check_name(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if let Some(c) = name
        .chars()
        .find(|&c| c < ' ' || matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*'))
    {
        return Err(NameProblem::Character(c));
    }
    if let Some(dev) = reserved(name) {
        return Err(NameProblem::Reserved(dev));
    }
    if name.ends_with(['.', ' ']) && name != "." && name != ".." {
        return Err(NameProblem::TrailingDotOrSpace);
    }
    Ok(())
}

/// `name` as Windows compares names: case folded, so `Site1` and `SITE1` are one folder. (NTFS
/// folds with its own upcase table; Unicode's simple upper case agrees with it on real names.)
pub fn fold(name: &str) -> String {
    name.chars().flat_map(char::to_uppercase).collect()
}

/// The first name of `path` (a plain relative path or a full one; the drive and root are skipped)
/// that Windows cannot hold, with the reason.
pub fn path_problem(path: &Path) -> Option<(String, NameProblem)> {
    path.components().find_map(|c| match c {
        Component::Normal(part) => {
            let part = part.to_string_lossy();
            check_name(&part).err().map(|p| (part.into_owned(), p))
        }
        _ => None,
    })
}

/// Refuses (E019) an output path Windows cannot hold, when `windows` (use [`ON_WINDOWS`]): writing to
/// `NUL.config` would write to the null device, `out.config.` to `out.config`. `what` names the
/// option (`-o`, `--report`, `--out`).
pub fn check_output(path: &Path, what: &str, windows: bool) -> Result<(), Diagnostic> {
    if !windows {
        return Ok(());
    }
    match path_problem(path) {
        None => Ok(()),
        Some((name, problem)) => Err(Diagnostic::new(
            Code::WindowsName,
            format!(
                "{what} {}: `{name}` cannot be a file or folder name on Windows: {problem}; nothing was written",
                path.display()
            ),
        )
        .with_help("choose another name, e.g. merged.config")),
    }
}

/// Refuses (E019) a batch case name Windows cannot hold as a folder under OUTDIR, on every platform.
pub fn check_case_name(name: &str, rel: &Path) -> Result<(), Diagnostic> {
    match path_problem(rel) {
        None => Ok(()),
        Some((part, problem)) => Err(Diagnostic::new(
            Code::WindowsName,
            format!(
                "case `{name}`: `{part}` cannot be a folder name on Windows: {problem}; the case was not run"
            ),
        )
        .with_help("rename the case folder (or the manifest's name); OUTDIR mirrors case names, and the tree must be usable on a Windows server")),
    }
}

/// Refuses (E019) the second of two batch cases whose names differ only in case: on Windows (and
/// wherever OUTDIR is copied to one) both would write the same folder, the second over the first.
pub fn case_collision(name: &str, first: &str) -> Diagnostic {
    Diagnostic::new(
        Code::WindowsName,
        format!(
            "case `{name}` differs from case `{first}` only in case: on Windows both would write the same folder under OUTDIR; the case was not run"
        ),
    )
    .with_help("rename one of them so that the names differ in more than case")
}

/// The part of a Windows path that names a drive or a share, and the rest: `C:\`, `\\server\share\`,
/// `\\?\C:\`, `\\?\UNC\server\share\`, `\\.\`. Forward slashes count as backslashes except after
/// `\\?\`, where Windows takes every character literally.
pub fn split_root(path: &str) -> (&str, &str) {
    let b = path.as_bytes();
    let sep = |i: usize| b.get(i).is_some_and(|&c| c == b'\\' || c == b'/');
    let drive =
        |i: usize| b.get(i).is_some_and(u8::is_ascii_alphabetic) && b.get(i + 1) == Some(&b':');
    // The end of `count` more separator-delimited parts starting at `from` (and the separator after).
    let parts_end = |from: usize, count: usize| {
        let mut i = from;
        for n in 0..count {
            while i < b.len() && !sep(i) {
                i += 1;
            }
            if i < b.len() && (n + 1 < count || sep(i)) {
                i += 1;
            }
        }
        i
    };
    let end = if path.starts_with(r"\\?\") || path.starts_with(r"\\.\") {
        let rest = &path[4..];
        if rest.len() >= 4 && rest[..4].eq_ignore_ascii_case(r"UNC\") {
            parts_end(8, 2)
        } else if drive(4) {
            4 + 2 + usize::from(sep(6))
        } else {
            4
        }
    } else if sep(0) && sep(1) {
        parts_end(2, 2)
    } else if drive(0) {
        2 + usize::from(sep(2))
    } else {
        usize::from(sep(0))
    };
    path.split_at(end.min(path.len()))
}

/// The longest path most Windows calls take without `\\?\` (MAX_PATH, 260, less a file name's 12
/// characters for a folder, as Rust's standard library counts).
const SHORT_PATH_LIMIT: usize = 248;

/// A full path (from `GetFullPathNameW`: drive or UNC, backslashes) as the Windows API takes it at
/// any length: past [`SHORT_PATH_LIMIT`] characters, with the `\\?\` (or `\\?\UNC\`) prefix that
/// lifts the 260-character limit. A path that has a prefix already is left as it is.
pub fn long_form(full: &str) -> String {
    if full.starts_with(r"\\?\") || full.starts_with(r"\\.\") {
        return full.to_string();
    }
    if full.encode_utf16().count() < SHORT_PATH_LIMIT {
        return full.to_string();
    }
    match full.strip_prefix(r"\\") {
        Some(unc) => format!(r"\\?\UNC\{unc}"),
        None => format!(r"\\?\{full}"),
    }
}

/// The folders and file a `file=`/`configSource=` value names below the config's folder, or why it is
/// not followed. On every platform: no root, drive, `:`, or `..` in either separator style. With
/// `windows`, also no name Windows reads as something else: a device (`file="CON"`), a trailing dot or
/// space (`x.config.` is `x.config`), a character Windows refuses.
pub fn external_parts(value: &str, windows: bool) -> Result<Vec<&str>, String> {
    let value = value.trim();
    let parts: Vec<&str> = value.split(['/', '\\']).collect();
    if value.starts_with(['/', '\\']) || Path::new(value).is_absolute() {
        return Err(
            "it is an absolute path; only a path inside the config's own folder is followed".into(),
        );
    }
    if value.contains(':') {
        return Err("it holds `:` (a drive or an alternate data stream); only a path inside the config's own folder is followed".into());
    }
    if parts.contains(&"..") {
        return Err(
            "it climbs out with `..`; only a path inside the config's own folder is followed"
                .into(),
        );
    }
    let parts: Vec<&str> = parts
        .into_iter()
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if windows {
        for part in &parts {
            check_name(part).map_err(|p| format!("`{part}`: {p}"))?;
        }
    }
    if parts.is_empty() {
        return Err("it names the config's folder, not a file".into());
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_are_reserved_with_any_extension_and_case() {
        for name in [
            "CON",
            "con",
            "Nul",
            "nul.config",
            "NUL.tar.gz",
            "aux.",
            "PRN ",
            "Com1",
            "COM9.txt",
            "lpt1",
            "LPT9.log",
            "com0",
            "COM¹",
            "lpt³.x",
            "CONIN$",
            "conout$.txt",
            "NUL .config",
        ] {
            assert!(reserved(name).is_some(), "{name}");
            assert!(
                matches!(check_name(name), Err(NameProblem::Reserved(_))),
                "{name}"
            );
        }
        for name in [
            "CONSOLE",
            "COM10",
            "LPT",
            "COM",
            "xcon",
            "nul_file",
            "con-1.config",
            "web.config",
            "COMA",
            "auxiliary.txt",
            ".con",
        ] {
            assert_eq!(reserved(name), None, "{name}");
        }
        assert_eq!(reserved("nul.config"), Some("NUL".into()));
    }

    #[test]
    fn trailing_dots_and_spaces_and_odd_characters_are_refused() {
        for name in ["web.config.", "out ", "x. .", "site..."] {
            assert_eq!(
                check_name(name),
                Err(NameProblem::TrailingDotOrSpace),
                "{name}"
            );
        }
        for (name, c) in [
            ("a:b", ':'),
            ("web.config:stream", ':'),
            ("a?b", '?'),
            ("a*", '*'),
            ("a|b", '|'),
            ("a\"b", '"'),
            ("a<b>", '<'),
            ("tab\there", '\t'),
            ("a\\b", '\\'),
        ] {
            assert_eq!(check_name(name), Err(NameProblem::Character(c)), "{name}");
        }
        assert_eq!(check_name(""), Err(NameProblem::Empty));
        for name in [
            "web.config",
            ".hidden",
            "my site",
            "café.config",
            ".",
            "..",
            "a.b.c",
        ] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
        let msg = NameProblem::Reserved("NUL".into()).to_string();
        assert!(msg.contains("device name"), "{msg}");
    }

    #[test]
    fn names_differing_only_in_case_fold_to_one() {
        assert_eq!(fold("Site1/Portal"), fold("SITE1/portal"));
        assert_eq!(fold("café"), fold("CAFÉ"));
        assert_ne!(fold("site1"), fold("site2"));
        let d = case_collision("Site", "site");
        assert_eq!(d.code, Code::WindowsName);
        assert!(d.message.contains("only in case"), "{}", d.message);
    }

    #[test]
    fn output_paths_are_checked_name_by_name_on_windows_only() {
        let bad = [
            ("CON.config", "CON.config"),
            ("out/nul", "nul"),
            ("out.config.", "out.config."),
            ("dir /merged.config", "dir "),
        ];
        for (path, name) in bad {
            let d = check_output(Path::new(path), "-o", true).unwrap_err();
            assert_eq!(d.code, Code::WindowsName);
            assert!(d.message.contains(&format!("`{name}`")), "{}", d.message);
            assert!(check_output(Path::new(path), "-o", false).is_ok(), "{path}");
        }
        for good in [
            "merged.config",
            "./out/merged.config",
            "../x/web.config",
            "/tmp/a b/c",
        ] {
            assert!(check_output(Path::new(good), "-o", true).is_ok(), "{good}");
        }
        assert!(check_case_name("site1/aux", Path::new("site1/aux")).is_err());
        assert!(check_case_name("Site1/portal", Path::new("Site1/portal")).is_ok());
    }

    #[test]
    fn drive_unc_and_verbatim_roots_are_split_off() {
        for (path, root, rest) in [
            (r"C:\inetpub\web.config", r"C:\", r"inetpub\web.config"),
            ("c:/inetpub/web.config", "c:/", "inetpub/web.config"),
            (r"C:web.config", "C:", "web.config"),
            (
                r"\\server\share\site\web.config",
                r"\\server\share\",
                r"site\web.config",
            ),
            (r"\\server\share", r"\\server\share", ""),
            (r"\\?\C:\long\web.config", r"\\?\C:\", r"long\web.config"),
            (
                r"\\?\UNC\server\share\x\web.config",
                r"\\?\UNC\server\share\",
                r"x\web.config",
            ),
            (r"\\.\pipe\x", r"\\.\", r"pipe\x"),
            (r"\temp\web.config", r"\", r"temp\web.config"),
            ("site/web.config", "", "site/web.config"),
            ("web.config", "", "web.config"),
        ] {
            assert_eq!(split_root(path), (root, rest), "{path}");
        }
    }

    #[test]
    fn long_paths_get_the_verbatim_prefix() {
        let deep = format!(r"C:\{}\web.config", vec!["d".repeat(60); 5].join(r"\"));
        assert!(deep.len() > 260);
        assert_eq!(long_form(&deep), format!(r"\\?\{deep}"));
        let unc = format!(r"\\server\share\{}", "x".repeat(300));
        assert_eq!(
            long_form(&unc),
            format!(r"\\?\UNC\server\share\{}", "x".repeat(300))
        );
        assert_eq!(long_form(r"C:\short\web.config"), r"C:\short\web.config");
        let verbatim = format!(r"\\?\C:\{}", "y".repeat(300));
        assert_eq!(long_form(&verbatim), verbatim);
    }

    #[test]
    fn external_values_follow_windows_rules_on_windows() {
        assert_eq!(
            external_parts(r"sub\extra.config", true),
            Ok(vec!["sub", "extra.config"])
        );
        assert_eq!(
            external_parts("./a//b.config", false),
            Ok(vec!["a", "b.config"])
        );
        for escape in [
            r"..\x.config",
            "a/../../x",
            r"\abs.config",
            "/etc/passwd",
            r"C:\x.config",
            "C:x.config",
            "x.config:stream",
            "x.config::$DATA",
            r"\\server\share\x.config",
            r"\\?\C:\x.config",
            ".",
            "",
        ] {
            assert!(external_parts(escape, false).is_err(), "{escape}");
            assert!(external_parts(escape, true).is_err(), "{escape}");
        }
        for windows_only in ["CON", "sub/nul.config", "x.config.", "dir./x.config", "a*b"] {
            assert!(
                external_parts(windows_only, false).is_ok(),
                "{windows_only}"
            );
            let why = external_parts(windows_only, true).unwrap_err();
            assert!(why.starts_with('`'), "{why}");
        }
    }
}
