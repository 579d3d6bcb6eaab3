//! Files on disk: writing so that a reader sees the old file or the complete new one, never a mix;
//! opening a file without following links out of a folder.
//!
//! Owns atomic replacement (temp file in the same folder, then rename), backups, permissions and
//! [`open_inside`]. It knows nothing about configs and never decides what to write.

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

/// Opens `path` for reading and returns it with what it is (from the open file, not the path). On
/// unix it never blocks on a FIFO (O_NONBLOCK) and, with `follow` false, refuses a link as the last
/// component (O_NOFOLLOW).
pub fn open_nonblocking(path: &Path, follow: bool) -> io::Result<(fs::File, fs::Metadata)> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        let flags = if follow {
            OFlags::NONBLOCK
        } else {
            OFlags::NONBLOCK | OFlags::NOFOLLOW
        };
        options.custom_flags(flags.bits() as i32);
    }
    #[cfg(not(unix))]
    let _ = follow;
    let file = options.open(path)?;
    let meta = file.metadata()?;
    Ok((file, meta))
}

/// Why [`open_inside`] opened nothing.
#[derive(Debug)]
pub enum OpenError {
    /// Not there, not readable, or a link appeared on the way while it was opened.
    Io(io::Error),
    /// Links resolved, the path leads here, outside the folder.
    Outside(PathBuf),
    /// A folder, pipe, device or socket.
    NotRegular,
}

/// Opens `path` for reading if it is a regular file inside `root` once links are resolved: the real
/// path is checked to be inside the real `root`, then opened from `root` down without following any
/// link (unix: each folder, then the file, opened with O_NOFOLLOW relative to the one before), so a
/// link swapped in after the check is refused, not followed. A FIFO is neither opened nor waited on.
pub fn open_inside(root: &Path, path: &Path) -> Result<(fs::File, fs::Metadata), OpenError> {
    let root = fs::canonicalize(root).map_err(OpenError::Io)?;
    let real = fs::canonicalize(path).map_err(OpenError::Io)?;
    let Ok(rel) = real.strip_prefix(&root) else {
        return Err(OpenError::Outside(real));
    };
    if !fs::symlink_metadata(&real)
        .map_err(OpenError::Io)?
        .is_file()
    {
        return Err(OpenError::NotRegular);
    }
    let file = open_below(&root, rel).map_err(OpenError::Io)?;
    let meta = file.metadata().map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular);
    }
    Ok((file, meta))
}

#[cfg(unix)]
fn open_below(root: &Path, rel: &Path) -> io::Result<fs::File> {
    use rustix::fs::{open, openat, Mode, OFlags};
    use rustix::io::Errno;
    let no_follow = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let mut fd = open(
        root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let parts: Vec<_> = rel.components().collect();
    for (i, part) in parts.iter().enumerate() {
        let flags = if i + 1 == parts.len() {
            no_follow | OFlags::NONBLOCK
        } else {
            no_follow | OFlags::DIRECTORY
        };
        fd = openat(&fd, part.as_os_str(), flags, Mode::empty()).map_err(|e| match e {
            Errno::LOOP | Errno::NOTDIR => io::Error::other(
                "a link appeared on the way to it while it was being opened; it was not followed",
            ),
            e => e.into(),
        })?;
    }
    Ok(fs::File::from(fd))
}

#[cfg(not(unix))]
fn open_below(root: &Path, rel: &Path) -> io::Result<fs::File> {
    fs::File::open(root.join(rel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

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

    #[cfg(unix)]
    #[test]
    fn open_inside_follows_links_inside_and_refuses_links_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::write(root.join("sub/a.config"), "a").unwrap();
        fs::write(dir.path().join("outside.config"), "secret").unwrap();
        std::os::unix::fs::symlink("sub/a.config", root.join("in.config")).unwrap();
        std::os::unix::fs::symlink("../outside.config", root.join("out.config")).unwrap();
        std::os::unix::fs::symlink("..", root.join("up")).unwrap();
        let (mut f, _) = open_inside(&root, &root.join("in.config")).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        assert_eq!(s, "a");
        for p in ["out.config", "up/outside.config"] {
            assert!(
                matches!(
                    open_inside(&root, &root.join(p)),
                    Err(OpenError::Outside(_))
                ),
                "{p}"
            );
        }
        assert!(matches!(
            open_inside(&root, &root.join("sub")),
            Err(OpenError::NotRegular)
        ));
        // A link on the way is refused by the no-follow open itself, whatever the check saw.
        let e = open_below(&root, Path::new("in.config")).unwrap_err();
        assert!(e.to_string().contains("not followed"), "{e}");
    }
}
