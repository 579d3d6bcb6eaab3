//! Batch, one case's inputs: reads an input file and turns a case's `args` flags into merge options.
//!
//! Owns how inputs are read — the size cap, folder/pipe/device refusals, links out of DIR — and the
//! check of `--*-vdir` values; `wcmigrate merge` reads its inputs, rules file and batch manifests
//! through it too. It decides nothing about a migration and writes nothing; which files make up a case
//! is `find`'s.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::merge::{Input, Options, Prefer};
use crate::output::{explain, open_inside, open_nonblocking, FileKey, OpenError};

/// Which files an input may be.
#[derive(Debug, Clone, Copy)]
pub enum Reach<'a> {
    /// Any file but a folder: `merge` accepts a pipe (`<(command)`).
    Any,
    /// A regular file only (links followed): a pipe or device would block or never end.
    Regular,
    /// A regular file that is inside this folder once links are resolved, opened without following
    /// a link out of it: a batch case's file under DIR.
    Inside(&'a Path),
}

/// Reads one input file, refusing folders and files larger than `max_size` bytes.
pub fn read_input(path: &Path, max_size: u64) -> Result<Input, Diagnostic> {
    read_file(path, max_size, Reach::Any).map(|(input, _)| input)
}

/// Reads one input file as `reach` allows, with the metadata of the file that was read (from the open
/// file: its mode, owner and identity are those of the bytes read).
pub fn read_file(
    path: &Path,
    max_size: u64,
    reach: Reach,
) -> Result<(Input, fs::Metadata), Diagnostic> {
    let name = path.display().to_string();
    let unreadable = |e: io::Error| {
        let (why, help) = explain(&e);
        Diagnostic::new(Code::Unreadable, format!("cannot read {name}: {why}"))
            .with_help(help.unwrap_or("check the path and that you may read the file"))
    };
    let folder = || {
        Diagnostic::new(
            Code::Unreadable,
            format!("{name} is a folder, not a web.config file"),
        )
        .with_help("give the path of the web.config file itself")
    };
    let not_regular = || {
        Diagnostic::new(Code::Unreadable, format!("{name} is not a regular file"))
            .with_help("give a plain file (not a pipe, device or socket)")
    };
    let (file, meta) = match reach {
        Reach::Any => {
            if fs::metadata(path).map_err(unreadable)?.is_dir() {
                return Err(folder());
            }
            let file = fs::File::open(path).map_err(unreadable)?;
            let meta = file.metadata().map_err(unreadable)?;
            (file, meta)
        }
        Reach::Regular => {
            let meta = fs::metadata(path).map_err(unreadable)?;
            if meta.is_dir() {
                return Err(folder());
            }
            if !meta.is_file() {
                return Err(not_regular());
            }
            open_nonblocking(path, true).map_err(unreadable)?
        }
        Reach::Inside(root) => match open_inside(root, path) {
            Ok(opened) => opened,
            Err(OpenError::Outside(real)) => return Err(escape(path, &real, "DIR", root)),
            Err(OpenError::NotRegular) if path.is_dir() => return Err(folder()),
            Err(OpenError::NotRegular) => return Err(not_regular()),
            Err(OpenError::Io(e)) => return Err(unreadable(e)),
        },
    };
    if meta.is_dir() {
        return Err(folder());
    }
    if !matches!(reach, Reach::Any) && !meta.is_file() {
        return Err(not_regular());
    }
    let too_large = |len: u64| {
        Diagnostic::new(
            Code::TooLarge,
            format!("{name} is {len} bytes, more than --max-size {max_size}"),
        )
        .with_help("real web.config files are far smaller; check the path, or raise --max-size")
    };
    if meta.len() > max_size {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > max_size {
        return Err(too_large(bytes.len() as u64));
    }
    let input = Input {
        name,
        bytes,
        dir: Some(match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }),
    };
    Ok((input, meta))
}

/// Reads a file of instructions (`--rules`, a batch manifest) like an input: a regular file of at
/// most `max_size` bytes, in UTF-8. `what` names it in errors ("rules file").
pub fn read_text(path: &Path, max_size: u64, what: &str) -> Result<String, Diagnostic> {
    let (input, _) = read_file(path, max_size, Reach::Regular).map_err(|mut d| {
        d.message = format!("{what}: {}", d.message);
        d
    })?;
    instructions_text(input.bytes).map_err(|offset| {
        Diagnostic::new(
            Code::Unreadable,
            format!(
                "{what}: {} is not UTF-8 text (invalid byte at offset {offset})",
                path.display(),
            ),
        )
        .with_help("save it as UTF-8")
    })
}

/// The text of a file of instructions (rules, manifest, a case's `args`) as an editor saved it:
/// UTF-8, with or without the byte-order mark Notepad writes, or UTF-16 with its byte-order mark
/// (Notepad's "Unicode"). The mark is not text: it is dropped. `Err` gives the offset of the first
/// byte that is not UTF-8.
pub fn instructions_text(bytes: Vec<u8>) -> Result<String, usize> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(&bytes) {
        if encoding != encoding_rs::UTF_8 {
            let (text, malformed) = encoding.decode_without_bom_handling(&bytes[bom..]);
            return if malformed {
                Err(bom)
            } else {
                Ok(text.into_owned())
            };
        }
    }
    let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            text.drain(..start);
            Ok(text)
        }
        Err(e) => Err(e.utf8_error().valid_up_to()),
    }
}

/// BASE against NEW, as read: the same file (one path, a hard link, a link to it) is refused (E016),
/// since a 3-way merge would take every change the vendor made in NEW for one to undo; another file
/// with the same bytes gets a warning (W211), since that is right only if the vendor changed nothing.
/// When OLD is that same file too there is nothing to undo (the merge gives the file back) and
/// nothing is said.
pub fn check_base(
    (base, base_meta): &(Input, fs::Metadata),
    (new, new_meta): &(Input, fs::Metadata),
    (old, old_meta): &(Input, fs::Metadata),
) -> Result<Option<Diagnostic>, Diagnostic> {
    let key = |input: &Input, meta| FileKey::of(Path::new(&input.name), meta);
    let same_file = |a: &Input, am, b: &Input, bm| {
        a.name == b.name || key(a, am).is_some_and(|k| Some(k) == key(b, bm))
    };
    if same_file(old, old_meta, new, new_meta) && same_file(base, base_meta, new, new_meta) {
        return Ok(None);
    }
    if same_file(base, base_meta, new, new_meta) {
        return Err(Diagnostic::new(
            Code::BaseIsNew,
            format!(
                "BASE {} is NEW's own file ({}): a 3-way merge would read every change the vendor made in NEW as one to undo, and revert it (security fixes included)",
                base.name, new.name
            ),
        )
        .with_help("give as BASE the pristine web.config the OLD version shipped (from its installer, or an untouched server)"));
    }
    if base.bytes == new.bytes {
        return Ok(Some(
            Diagnostic::new(
                Code::BaseEqualsNew,
                format!(
                    "BASE {} is byte-identical to NEW {}: every difference between OLD and NEW is treated as the admin's change and carried",
                    base.name, new.name
                ),
            )
            .with_help("this is right only if the new version changed nothing in this file; otherwise give as BASE the web.config the OLD version shipped"),
        ));
    }
    Ok(None)
}

/// The refusal of a path that leads out of the folder it must stay in.
pub(super) fn escape(path: &Path, target: &Path, what: &str, root: &Path) -> Diagnostic {
    Diagnostic::new(
        Code::UnsafePath,
        format!(
            "{} leads to {}, outside {what} ({}); batch does not follow links out of {what}",
            path.display(),
            target.display(),
            root.display()
        ),
    )
    .with_help("copy the files into the case folder instead of linking them, or list the case in a manifest")
}

/// The `--*-vdir` flags as overrides keyed by the remap rules' `option` names; an unusable value is
/// refused (E017, see [`check_vdir`]).
pub fn vdir_overrides(
    sdk: Option<&str>,
    portal: Option<&str>,
    mobile: Option<&str>,
) -> Result<BTreeMap<String, String>, Diagnostic> {
    [
        ("sdk-vdir", sdk),
        ("portal-vdir", portal),
        ("mobile-vdir", mobile),
    ]
    .into_iter()
    .filter_map(|(option, v)| v.map(|v| (option, v)))
    .map(|(option, v)| Ok((option.to_string(), vdir_value(option, v)?)))
    .collect()
}

/// A `--*-vdir` value as the remap rules use it, surrounding `/` and `\` trimmed (`/MfaSdk/` is
/// `MfaSdk`). It replaces one URL path segment byte for byte, so it is refused (with the reason) when
/// it is empty, `.` or `..` (this or the parent folder), or holds `/`, `\`, `?`, `#` or `%` (they
/// end, split or escape a segment: the URL would point elsewhere), whitespace, or a control or
/// bidirectional-formatting character.
pub fn check_vdir(value: &str) -> Result<String, String> {
    let v = value.trim_matches(['/', '\\']);
    let bidi = |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if v.is_empty() {
        return Err("it is empty".to_string());
    }
    if v == "." || v == ".." {
        return Err(format!("`{v}` means this or the parent folder in a URL"));
    }
    if let Some(c) = v
        .chars()
        .find(|c| matches!(c, '/' | '\\' | '?' | '#' | '%'))
    {
        return Err(format!(
            "it contains `{c}`, which would end, split or escape the URL's path segment"
        ));
    }
    if v.chars()
        .any(|c| c.is_whitespace() || c.is_control() || bidi(c))
    {
        return Err("it contains whitespace or a control character".to_string());
    }
    Ok(v.to_string())
}

fn vdir_value(option: &str, value: &str) -> Result<String, Diagnostic> {
    check_vdir(value).map_err(|why| {
        Diagnostic::new(
            Code::InvalidVdir,
            format!("--{option} \"{value}\" cannot be a virtual directory name: {why}"),
        )
        .with_help("give the virtual directory's name as IIS shows it, e.g. --sdk-vdir MultiFactorAuthWebServiceSdk")
    })
}

/// Applies a case's extra flags to the batch's options. An args file may hold `--sdk-vdir NAME`,
/// `--portal-vdir NAME`, `--mobile-vdir NAME` and `--prefer old|new` (also as `--flag=value`). An
/// unknown flag or value is E013, an unusable virtual directory E017.
pub fn apply_case_args(tokens: &[String], opts: &mut Options) -> Result<(), Diagnostic> {
    let invalid = |message: String| {
        Diagnostic::new(Code::InvalidBatch, message)
            .with_help("fix the case's args file (or the manifest's args list)")
    };
    let mut rest = tokens.iter();
    while let Some(token) = rest.next() {
        let (flag, inline) = match token.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (token.as_str(), None),
        };
        let known = matches!(
            flag,
            "--sdk-vdir" | "--portal-vdir" | "--mobile-vdir" | "--prefer"
        );
        if !known {
            return Err(invalid(format!(
                "unknown flag `{token}`: a case may set only --sdk-vdir, --portal-vdir, --mobile-vdir and --prefer"
            )));
        }
        let Some(value) = inline.or_else(|| rest.next().cloned()) else {
            return Err(invalid(format!("{flag} needs a value")));
        };
        if flag == "--prefer" {
            opts.prefer = match value.as_str() {
                "old" => Prefer::Old,
                "new" => Prefer::New,
                _ => return Err(invalid(format!("--prefer takes old or new, not `{value}`"))),
            };
        } else {
            let vdir = vdir_value(&flag[2..], &value)?;
            opts.vdirs.insert(flag[2..].to_string(), vdir);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn case_args_set_vdirs_and_prefer_and_refuse_anything_else() {
        let mut o = Options::default();
        apply_case_args(
            &tokens("--sdk-vdir /MfaSdk/ --prefer=old --mobile-vdir M"),
            &mut o,
        )
        .unwrap();
        assert_eq!(o.vdirs["sdk-vdir"], "MfaSdk");
        assert_eq!(o.vdirs["mobile-vdir"], "M");
        assert_eq!(o.prefer, Prefer::Old);
        let err = |s: &str| {
            apply_case_args(&tokens(s), &mut Options::default())
                .unwrap_err()
                .message
        };
        assert!(err("--rules x.toml").contains("unknown flag `--rules`"));
        assert!(err("--sdk-vdir").contains("needs a value"));
        assert!(err("--prefer both").contains("old or new"));
        assert!(err("MfaSdk").contains("unknown flag"));
    }

    #[test]
    fn instructions_are_read_with_or_without_a_byte_order_mark() {
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("--prefer old".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        for bytes in [
            b"--prefer old".to_vec(),
            b"\xEF\xBB\xBF--prefer old".to_vec(),
            utf16le,
        ] {
            assert_eq!(instructions_text(bytes).as_deref(), Ok("--prefer old"));
        }
        assert_eq!(instructions_text(b"ab\xFF".to_vec()), Err(2));
    }

    #[test]
    fn unusable_vdir_values_are_refused_and_slashes_around_a_name_are_trimmed() {
        assert_eq!(check_vdir("/MfaSdk/").as_deref(), Ok("MfaSdk"));
        assert_eq!(check_vdir("\\Mfa.Sdk-2_x\\").as_deref(), Ok("Mfa.Sdk-2_x"));
        for bad in [
            "",
            "/",
            "\\",
            "//",
            ".",
            "..",
            "/../",
            "a/b",
            "a\\b",
            "a?b",
            "a#b",
            "a%2Fb",
            "a b",
            "a\tb",
            " a",
            "a\nb",
            "a\u{1b}[31m",
            "a\u{202E}b",
            "a\u{a0}b",
        ] {
            assert!(check_vdir(bad).is_err(), "{bad:?} accepted");
        }
        let mut o = Options::default();
        let d = apply_case_args(&tokens("--sdk-vdir a?b"), &mut o).unwrap_err();
        assert_eq!(d.code, Code::InvalidVdir);
        assert!(o.vdirs.is_empty());
        let d = vdir_overrides(None, Some("#"), None).unwrap_err();
        assert!(
            d.message.starts_with("--portal-vdir \"#\" cannot"),
            "{}",
            d.message
        );
    }
}
