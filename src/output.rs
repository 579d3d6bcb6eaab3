//! Output: writing files so that a reader sees the old file or the complete new one, never a mix.
//!
//! Owns atomic replacement (temp file in the same folder, then rename), backups and permissions. It
//! knows nothing about configs.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically. The file gets the permissions of the file it replaces, or of
/// `like` when `path` is new; the temporary file is private to the user until then.
pub fn write_atomic(path: &Path, bytes: &[u8], like: Option<&Path>) -> io::Result<()> {
    // Only a regular file is ever replaced: renaming over a device (/dev/full), a pipe or a folder
    // would destroy it, whatever our permissions.
    if let Ok(meta) = fs::symlink_metadata(path) {
        if meta.is_dir() {
            return Err(io::Error::other(format!(
                "{} is a directory",
                path.display()
            )));
        }
        if !meta.is_file() {
            return Err(io::Error::other(format!(
                "{} is not a regular file; it will not be replaced",
                path.display()
            )));
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".wcmigrate-")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    let perms = fs::metadata(path)
        .or_else(|e| like.map_or(Err(e), fs::metadata))
        .map(|m| m.permissions());
    if let Ok(perms) = perms {
        tmp.as_file().set_permissions(perms)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The backup path `--in-place` uses: `NEW.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_atomically_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("web.config");
        fs::write(&p, b"old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomic(&p, b"new", None).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp file left behind");
        assert!(write_atomic(dir.path(), b"x", None).is_err());
        #[cfg(unix)]
        {
            let e = write_atomic(Path::new("/dev/null"), b"x", None).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
            std::os::unix::fs::symlink(&p, dir.path().join("link")).unwrap();
            assert!(
                write_atomic(&dir.path().join("link"), b"x", None).is_err(),
                "a link is not replaced"
            );
        }
        assert_eq!(backup_path(&p), dir.path().join("web.config.bak"));
    }
}
