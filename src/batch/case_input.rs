//! Batch, one case's inputs: reads an input file and turns a case's `args` flags into merge options.
//!
//! Owns the size cap and folder/pipe refusals on reading (`wcmigrate merge` reads through it too). It
//! decides nothing about a migration and writes nothing; which files make up a case is `find`'s.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::merge::{Input, Options, Prefer};

/// Reads one input file, refusing folders and files larger than `max_size` bytes.
pub fn read_input(path: &Path, max_size: u64) -> Result<Input, Diagnostic> {
    read_input_from(path, path, max_size, false)
}

/// Reads `from` as the input named `path` (they differ when `from` is the resolved form of `path`).
/// `regular_only` refuses pipes and devices, which `merge` accepts (`<(command)`) but which would
/// block a batch.
pub(super) fn read_input_from(
    path: &Path,
    from: &Path,
    max_size: u64,
    regular_only: bool,
) -> Result<Input, Diagnostic> {
    let name = path.display().to_string();
    let unreadable = |e: io::Error| {
        Diagnostic::new(Code::Unreadable, format!("cannot read {name}: {e}"))
            .with_help("check the path and that you may read the file")
    };
    let meta = fs::metadata(from).map_err(unreadable)?;
    if meta.is_dir() {
        return Err(Diagnostic::new(
            Code::Unreadable,
            format!("{name} is a folder, not a web.config file"),
        )
        .with_help("give the path of the web.config file itself"));
    }
    if regular_only && !meta.is_file() {
        return Err(
            Diagnostic::new(Code::Unreadable, format!("{name} is not a regular file"))
                .with_help("a case's files must be plain files (not pipes or devices)"),
        );
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
    fs::File::open(from)
        .and_then(|f| f.take(max_size.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > max_size {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(Input {
        name,
        bytes,
        dir: Some(match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }),
    })
}

/// The `--*-vdir` flags as overrides keyed by the remap rules' `option` names.
pub fn vdir_overrides(
    sdk: Option<&str>,
    portal: Option<&str>,
    mobile: Option<&str>,
) -> BTreeMap<String, String> {
    [
        ("sdk-vdir", sdk),
        ("portal-vdir", portal),
        ("mobile-vdir", mobile),
    ]
    .into_iter()
    .filter_map(|(option, v)| v.map(|v| (option.to_string(), trim_vdir(v))))
    .collect()
}

fn trim_vdir(name: &str) -> String {
    name.trim_matches(['/', '\\']).to_string()
}

/// Applies a case's extra flags to the batch's options. An args file may hold `--sdk-vdir NAME`,
/// `--portal-vdir NAME`, `--mobile-vdir NAME` and `--prefer old|new` (also as `--flag=value`).
pub fn apply_case_args(tokens: &[String], opts: &mut Options) -> Result<(), String> {
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
            return Err(format!(
                "unknown flag `{token}`: a case may set only --sdk-vdir, --portal-vdir, --mobile-vdir and --prefer"
            ));
        }
        let Some(value) = inline.or_else(|| rest.next().cloned()) else {
            return Err(format!("{flag} needs a value"));
        };
        if flag == "--prefer" {
            opts.prefer = match value.as_str() {
                "old" => Prefer::Old,
                "new" => Prefer::New,
                _ => return Err(format!("--prefer takes old or new, not `{value}`")),
            };
        } else {
            opts.vdirs.insert(flag[2..].to_string(), trim_vdir(&value));
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
        let err = |s: &str| apply_case_args(&tokens(s), &mut Options::default()).unwrap_err();
        assert!(err("--rules x.toml").contains("unknown flag `--rules`"));
        assert!(err("--sdk-vdir").contains("needs a value"));
        assert!(err("--prefer both").contains("old or new"));
        assert!(err("MfaSdk").contains("unknown flag"));
    }
}
