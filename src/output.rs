//! Files on disk: writing so that a reader sees the old file or the complete new one, never a mix, and
//! so that nobody gains access to a file wcmigrate writes; opening a file without following links out
//! of a folder.
//!
//! Owns atomic replacement (temp file in the same folder, then rename; on Windows `ReplaceFileW`
//! through `winfs` where the replaced file's ACL must survive), the `--in-place` backup, who may read
//! what is written ([`Mode`], [`replace_in_place`], [`put_in_place`]), file identity ([`FileKey`]),
//! "another program has it open" ([`in_use`]) and [`open_inside`]. It knows nothing about configs and
//! never decides what to write.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// The permission bits of a file wcmigrate creates: never wider than any input it draws from. A new
/// file gets the intersection of its inputs' modes ([`Mode::narrow`]), less setuid, setgid, sticky and
/// write for others ([`Mode::bits`]), and is owned by whoever runs wcmigrate. On Windows the file keeps
/// the ACL it inherits from its folder (the mode is only recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode(u32);

impl Mode {
    /// Read and write for the owner only: what a file gets when no input it draws from was read.
    pub const PRIVATE: Mode = Mode(0o600);

    /// The mode of a file that was read.
    pub fn of(meta: &fs::Metadata) -> Mode {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            Mode(meta.permissions().mode() & 0o7777)
        }
        #[cfg(not(unix))]
        {
            Mode(if meta.permissions().readonly() {
                0o444
            } else {
                0o666
            })
        }
    }

    /// What both allow.
    pub fn narrow(self, other: Mode) -> Mode {
        Mode(self.0 & other.0)
    }

    /// What every one of `modes` allows; [`Mode::PRIVATE`] when there is none.
    pub fn narrowest(modes: impl IntoIterator<Item = Mode>) -> Mode {
        modes
            .into_iter()
            .reduce(Mode::narrow)
            .unwrap_or(Mode::PRIVATE)
    }

    /// The bits a new file gets: these, without setuid, setgid, sticky and write for others.
    pub fn bits(self) -> u32 {
        self.0 & 0o775
    }
}

/// Which file a path leads to: device and inode on unix, volume and file index on Windows (a hard link
/// or a symlink to a file is that file), the canonical path elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKey(Key);

#[cfg(unix)]
type Key = (u64, u64);
#[cfg(windows)]
type Key = (u32, u64);
#[cfg(not(any(unix, windows)))]
type Key = PathBuf;

impl FileKey {
    /// The file `meta` describes, opened as `path`.
    pub fn of(path: &Path, meta: &fs::Metadata) -> Option<FileKey> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let _ = path;
            Some(FileKey((meta.dev(), meta.ino())))
        }
        #[cfg(windows)]
        {
            // std keeps the file index unstable: asked of the file itself.
            let _ = meta;
            crate::winfs::file_id(path).ok().map(FileKey)
        }
        #[cfg(not(any(unix, windows)))]
        {
            let _ = meta;
            fs::canonicalize(path).ok().map(FileKey)
        }
    }

    /// The file `path` leads to now, links followed; `None` when there is none.
    pub fn at(path: &Path) -> Option<FileKey> {
        fs::metadata(path).ok().and_then(|m| FileKey::of(path, &m))
    }
}

/// Refuses to replace anything but a regular file (or nothing): renaming over a device (/dev/full), a
/// pipe, a folder or a link would destroy it, whatever our permissions.
pub fn check_replaceable(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Err(io::Error::other(format!(
            "{} is a directory",
            path.display()
        ))),
        Ok(meta) if !meta.is_file() => Err(io::Error::other(format!(
            "{} is not a regular file; it will not be replaced",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// The folder `path` is in (`.` for a bare name).
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A temporary file in `path`'s folder, private to the user (unix: 0600) until it is put in place.
pub fn temp_beside(path: &Path) -> io::Result<NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".wcmigrate-")
        .suffix(".tmp")
        .tempfile_in(folder_of(path))
}

/// Makes the names in folder `dir` durable: a rename into it is in the folder's own data, which a
/// crash can lose (bringing back the old file, or no file) until the folder is flushed too. Unix: an
/// fsync of the folder; a file system that cannot flush a folder (EINVAL, some network and FUSE file
/// systems) has nothing more to give. Elsewhere nothing: on Windows [`put_in_place`] moves with
/// write-through.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use rustix::fs::{fsync, open, Mode, OFlags};
        use rustix::io::Errno;
        let fd = open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        match fsync(&fd) {
            Err(Errno::INVAL | Errno::NOTSUP) => Ok(()),
            other => Ok(other?),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// A failed [`sync_dir`] after a rename: the file is in place, but a crash could still undo that.
#[cfg(not(windows))]
fn not_durable(e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!("it was put in place, but its folder could not be flushed to disk, so a crash could undo that: {e}"),
    )
}

/// Gives a file we created `mode`'s [bits](Mode::bits) and drops any access list it inherited from its
/// folder (a default POSIX ACL could otherwise grant more than the inputs did).
pub fn set_new_access(file: &fs::File, mode: Mode) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // Nothing to drop (ENODATA) or no ACLs on this file system: either way no ACL grants more.
        let _ = rustix::fs::fremovexattr(file, "system.posix_acl_access");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(mode.bits()))?;
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically as a new file with `mode` ([`set_new_access`]), owned by whoever
/// runs wcmigrate: on unix nothing of what sat at `path` before (owner, mode, setuid bit, ACL) carries
/// over; on Windows see [`put_in_place`]. Only a regular file is replaced ([`check_replaceable`]).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Mode) -> io::Result<()> {
    check_replaceable(path)?;
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)?;
    set_new_access(tmp.as_file(), mode)?;
    tmp.as_file().sync_all()?;
    put_in_place(tmp, path)
}

/// Puts a complete, flushed temporary file (from [`temp_beside`]) at `path`: a rename, so the new
/// file keeps the access it was created with, then the folder flushed ([`sync_dir`]) so that a crash
/// after this returns cannot bring back the old file. On Windows the move is made with write-through
/// (`MOVEFILE_WRITE_THROUGH`); a regular file already at `path` that the user running wcmigrate or the
/// Administrators group owns (nobody else could have made it) is replaced with `ReplaceFileW` instead,
/// so it keeps its access list and attributes as the admin set them (`ReplaceFileW` has no
/// write-through: NTFS logs the swap atomically and commits its log by itself); one owned by anybody
/// else (it may have been planted with access of its own) is replaced by a fresh file that takes its
/// folder's inherited access list. On failure the temporary file is removed.
pub fn put_in_place(tmp: NamedTempFile, path: &Path) -> io::Result<()> {
    #[cfg(windows)]
    {
        let existing = fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
        let tmp = tmp.into_temp_path();
        if existing && crate::winfs::owned_by_us_or_administrators(path) {
            crate::winfs::replace(path, &tmp, None)?;
        } else {
            crate::winfs::move_through(&tmp, path)?;
        }
        // Its name is gone: nothing is left to remove.
        let _ = tmp.keep();
        Ok(())
    }
    #[cfg(not(windows))]
    {
        tmp.persist(path).map_err(|e| e.error)?;
        sync_dir(folder_of(path)).map_err(not_durable)
    }
}

/// True when `e` says another program has the file open and keeps others out (Windows: a sharing or
/// lock violation, as when IIS or an editor holds web.config).
pub fn in_use(e: &io::Error) -> bool {
    cfg!(windows) && matches!(e.raw_os_error(), Some(32 | 33))
}

/// What a failed read or write of a file says about it, and help when there is something the admin
/// can do: for a file [in use](in_use), close the program that holds it.
pub fn explain(e: &io::Error) -> (String, Option<&'static str>) {
    if in_use(e) {
        (
            "another program has it open (IIS, an editor, a backup or a virus scan) and keeps others out".to_string(),
            Some("close that program, or wait until it lets go of the file, and run wcmigrate again"),
        )
    } else {
        (e.to_string(), None)
    }
}

/// The backup path `--in-place` uses: `NEW.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// Why [`replace_in_place`] wrote nothing.
#[derive(Debug)]
pub enum InPlaceError {
    /// The backup exists and `force` was not given.
    BackupExists(PathBuf),
    /// The file at the path is no longer the one that was read: other bytes, or another file.
    Changed,
    /// The path or its backup is not something to replace (a link, not a regular file, a backup
    /// owned by another user), or the new file cannot keep the old one's owner: the reason.
    Refused(String),
    /// Preparing or putting a file in place failed.
    Io(PathBuf, io::Error),
}

/// Rewrites `path` with `bytes`, keeping what it held as `path.bak`. `key` and `read` are the file and
/// the bytes that were read as `path`: if it is no longer that file with those bytes, nothing is
/// written. Every check is made, and both files are prepared whole in the folder with the original's
/// owner, group and mode (and on Linux its extended attributes: POSIX ACLs, security labels), before
/// either is put in place, so a refusal leaves no backup behind. Returns the backup's path.
pub fn replace_in_place(
    path: &Path,
    key: &FileKey,
    read: &[u8],
    bytes: &[u8],
    force: bool,
) -> Result<PathBuf, InPlaceError> {
    let shown = path.display();
    let io_err = |p: &Path| {
        let p = p.to_path_buf();
        move |e| InPlaceError::Io(p, e)
    };
    let link = fs::symlink_metadata(path).map_err(io_err(path))?;
    if link.file_type().is_symlink() {
        return Err(InPlaceError::Refused(format!(
            "{shown} is a symbolic link; --in-place replaces only a regular file, not a link (give the path of the file it points to)"
        )));
    }
    if !link.is_file() {
        return Err(InPlaceError::Refused(format!(
            "{shown} is not a regular file; it will not be replaced"
        )));
    }
    let (mut original, meta) = open_nonblocking(path, false).map_err(io_err(path))?;
    let mut now = Vec::with_capacity(read.len());
    (&mut original)
        .take(read.len() as u64 + 1)
        .read_to_end(&mut now)
        .map_err(io_err(path))?;
    if FileKey::of(path, &meta).as_ref() != Some(key) || now != read {
        return Err(InPlaceError::Changed);
    }
    let bak = backup_path(path);
    match fs::symlink_metadata(&bak) {
        Ok(_) if !force => return Err(InPlaceError::BackupExists(bak)),
        Ok(m) if !m.is_file() => {
            return Err(InPlaceError::Refused(format!(
                "{} is a link or not a regular file; --force replaces only a regular backup file",
                bak.display()
            )))
        }
        Ok(m) if !owned_by_us(&m) => {
            return Err(InPlaceError::Refused(format!(
                "{} belongs to another user; --force replaces only a backup of yours",
                bak.display()
            )))
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(InPlaceError::Io(bak, e)),
    }
    #[cfg(windows)]
    {
        drop(original);
        windows_in_place(path, key, bytes, bak, force)
    }
    #[cfg(not(windows))]
    {
        let prepare = |content: &[u8]| -> Result<NamedTempFile, InPlaceError> {
            let mut tmp = temp_beside(path).map_err(io_err(path))?;
            tmp.write_all(content).map_err(io_err(tmp.path()))?;
            keep_access(&original, &meta, tmp.as_file()).map_err(|e| {
                InPlaceError::Refused(format!(
                    "the new {shown} cannot keep the original's owner, group and permissions ({e}); run wcmigrate as {shown}'s owner or as an administrator"
                ))
            })?;
            tmp.as_file().sync_all().map_err(io_err(tmp.path()))?;
            Ok(tmp)
        };
        let bak_tmp = prepare(read)?;
        let out_tmp = prepare(bytes)?;
        // A last look: nothing renamed another file (or a link) into place while the copies were made.
        let same = fs::symlink_metadata(path).is_ok_and(|m| {
            !m.file_type().is_symlink() && FileKey::of(path, &m).as_ref() == Some(key)
        });
        if !same {
            return Err(InPlaceError::Changed);
        }
        let made_bak = if force {
            bak_tmp
                .persist(&bak)
                .map_err(|e| InPlaceError::Io(bak.clone(), e.error))
        } else {
            bak_tmp
                .persist_noclobber(&bak)
                .map_err(|e| match e.error.kind() {
                    io::ErrorKind::AlreadyExists => InPlaceError::BackupExists(bak.clone()),
                    _ => InPlaceError::Io(bak.clone(), e.error),
                })
        };
        made_bak?;
        if let Err(e) = out_tmp.persist(path) {
            if !force {
                // The backup holds NEW's unchanged bytes: removing it keeps a rerun possible.
                let _ = fs::remove_file(&bak);
            }
            return Err(InPlaceError::Io(path.to_path_buf(), e.error));
        }
        // Both renames are in the one folder: one flush makes them survive a crash.
        sync_dir(folder_of(path))
            .map_err(|e| InPlaceError::Io(path.to_path_buf(), not_durable(e)))?;
        Ok(bak)
    }
}

/// The end of [`replace_in_place`] on Windows, once every check passed: the merged bytes are prepared
/// in a temporary file with NEW's owner, then `ReplaceFileW` moves NEW itself to NEW.bak (the backup
/// is the original file: its access list, owner and attributes are untouched) and the temporary file
/// to NEW, which takes NEW's access list and attributes ([`crate::winfs::replace`]).
#[cfg(windows)]
fn windows_in_place(
    path: &Path,
    key: &FileKey,
    bytes: &[u8],
    bak: PathBuf,
    force: bool,
) -> Result<PathBuf, InPlaceError> {
    let shown = path.display();
    let io_err = |p: &Path| {
        let p = p.to_path_buf();
        move |e| InPlaceError::Io(p, e)
    };
    let mut tmp = temp_beside(path).map_err(io_err(path))?;
    tmp.write_all(bytes).map_err(io_err(tmp.path()))?;
    tmp.as_file().sync_all().map_err(io_err(tmp.path()))?;
    // Closed here: ReplaceFileW opens the replacement without sharing. Removed on drop until kept.
    let tmp = tmp.into_temp_path();
    crate::winfs::copy_owner(path, &tmp).map_err(|e| {
        InPlaceError::Refused(format!(
            "the new {shown} cannot keep the original's owner ({e}); run wcmigrate as {shown}'s owner or as an administrator"
        ))
    })?;
    let same = fs::symlink_metadata(path)
        .is_ok_and(|m| !m.file_type().is_symlink() && FileKey::of(path, &m).as_ref() == Some(key));
    if !same {
        return Err(InPlaceError::Changed);
    }
    let exists = |e: &io::Error| matches!(e.raw_os_error(), Some(80 | 183));
    let mut done = crate::winfs::replace(path, &tmp, Some(&bak));
    match &done {
        Err(e) if exists(e) && !force => return Err(InPlaceError::BackupExists(bak)),
        Err(e) if exists(e) => {
            fs::remove_file(&bak).map_err(io_err(&bak))?;
            done = crate::winfs::replace(path, &tmp, Some(&bak));
        }
        _ => {}
    }
    done.map_err(io_err(path))?;
    let _ = tmp.keep();
    Ok(bak)
}

/// True when the current user owns the file `meta` describes (always true where there are no owners).
fn owned_by_us(meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.uid() == rustix::process::geteuid().as_raw()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        true
    }
}

/// Gives `to` the owner, group and mode of `from` (described by `meta`), and on Linux its extended
/// attributes. Owner first: changing it may clear setuid bits that the mode then restores.
#[cfg(not(windows))]
fn keep_access(from: &fs::File, meta: &fs::Metadata, to: &fs::File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
        fchown(to, Some(meta.uid()), Some(meta.gid()))?;
        #[cfg(target_os = "linux")]
        copy_xattrs(from, to)?;
        to.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    }
    #[cfg(not(unix))]
    {
        let _ = (from, meta, to);
    }
    Ok(())
}

/// Copies every extended attribute of `from` to `to`. An access list (`system.posix_acl_*`) that cannot
/// be copied is an error: the copy would grant different access. Others (security labels, `trusted.*`)
/// need privileges wcmigrate may not have and are copied where allowed.
#[cfg(target_os = "linux")]
fn copy_xattrs(from: &fs::File, to: &fs::File) -> io::Result<()> {
    use rustix::fs::{fgetxattr, fgetxattr_query, flistxattr, flistxattr_query, fsetxattr};
    let len = match flistxattr_query(from) {
        Ok(len) => len,
        Err(rustix::io::Errno::OPNOTSUPP) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut names = vec![0u8; len];
    let len = flistxattr(from, &mut names[..])?;
    for name in names[..len.min(names.len())].split(|&b| b == 0) {
        if name.is_empty() {
            continue;
        }
        let acl = name.starts_with(b"system.posix_acl");
        let Ok(size) = fgetxattr_query(from, name) else {
            continue;
        };
        let mut value = vec![0u8; size];
        let Ok(got) = fgetxattr(from, name, &mut value[..]) else {
            continue;
        };
        let set = fsetxattr(
            to,
            name,
            &value[..got.min(size)],
            rustix::fs::XattrFlags::empty(),
        );
        match set {
            Err(e) if acl => return Err(e.into()),
            _ => {}
        }
    }
    Ok(())
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

    #[test]
    fn replaces_atomically_as_a_new_file_of_the_given_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("web.config");
        fs::write(&p, b"old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o4777)).unwrap();
        }
        write_atomic(&p, b"new", Mode(0o640)).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o7777;
            assert_eq!(mode, 0o640, "not the replaced file's 4777");
        }
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp file left behind");
        assert!(write_atomic(dir.path(), b"x", Mode::PRIVATE).is_err());
        #[cfg(unix)]
        {
            let e = write_atomic(Path::new("/dev/null"), b"x", Mode::PRIVATE).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
            std::os::unix::fs::symlink(&p, dir.path().join("link")).unwrap();
            assert!(
                write_atomic(&dir.path().join("link"), b"x", Mode::PRIVATE).is_err(),
                "a link is not replaced"
            );
        }
        assert_eq!(backup_path(&p), dir.path().join("web.config.bak"));
    }

    #[test]
    fn a_new_file_is_never_setuid_nor_world_writable_nor_wider_than_an_input() {
        assert_eq!(Mode(0o4777).bits(), 0o775);
        assert_eq!(Mode(0o2666).bits(), 0o664);
        assert_eq!(Mode(0o644).narrow(Mode(0o600)).bits(), 0o600);
        assert_eq!(
            Mode::narrowest([Mode(0o644), Mode(0o664), Mode(0o640)]),
            Mode(0o640)
        );
        assert_eq!(Mode::narrowest([]), Mode::PRIVATE);
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
