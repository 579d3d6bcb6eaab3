//! Batch, writing OUTDIR: one durable commit for the whole run instead of a flush per file. On Linux,
//! as each case finishes its files are written, unflushed, into a staging folder inside OUTDIR (the
//! same file system): mirroring the case tree where OUTDIR lacks the case's folder, at the staging
//! folder's top where OUTDIR has it. After the last case one `syncfs` puts them all on disk, then each
//! staged folder that OUTDIR lacks is renamed into place whole (a fresh OUTDIR takes a handful of
//! renames) and each other file is renamed over its old version; a second `syncfs` makes the new
//! names durable. Whenever the process is killed or the
//! machine stops, each output is complete (this run's, or what was there before) or absent, never
//! part of a file, and anything left over is inside the staging folder, which the next run removes.
//!
//! Owns the staging folder (its name, lock, clean-up, and removing one a killed run left), the order
//! of the commit and the [`Step`]s a test hook sees, and the check that no part of a case's place in
//! OUTDIR is a link. Elsewhere (Windows) each file is put in place at once with
//! `output::write_atomic` (flushed, moved with write-through). It decides nothing about which files a
//! case gets (that is `run`'s) and writes nothing outside OUTDIR.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Code, Diagnostic};
use crate::output::{explain, Mode};

/// A step of writing OUTDIR and the report, as a [`StepHook`] sees it begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A case's file was created (staged; elsewhere beside its place), still empty.
    Write,
    /// A case's file was written whole; not flushed yet.
    Written,
    /// Every staged file is about to be flushed to disk (one `syncfs`).
    SyncData,
    /// A staged folder or file is about to be renamed to its place.
    Rename,
    /// The renames are about to be flushed to disk (one `syncfs`).
    SyncNames,
    /// The staging folder, empty now, is about to be removed.
    Clean,
    /// The `--report` file is about to be put in place, after the commit (the CLI's step).
    Report,
}

impl Step {
    /// The step as a test trace spells it.
    pub fn name(self) -> &'static str {
        match self {
            Step::Write => "write",
            Step::Written => "written",
            Step::SyncData => "sync-data",
            Step::Rename => "rename",
            Step::SyncNames => "sync-names",
            Step::Clean => "clean",
            Step::Report => "report",
        }
    }
}

/// Called as each [`Step`] begins, from whichever thread takes it. For tests: the CLI's
/// `WCMIGRATE_TEST_STEPS` kills or pauses the process at a chosen step to prove the crash semantics.
#[derive(Clone)]
pub struct StepHook(pub Arc<dyn Fn(Step) + Send + Sync>);

impl fmt::Debug for StepHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StepHook")
    }
}

fn at(hook: &Option<StepHook>, step: Step) {
    if let Some(h) = hook {
        (h.0)(step);
    }
}

/// Where the files of a run with `--out` go until they are in place.
pub(super) struct Outputs {
    /// OUTDIR, resolved.
    out: PathBuf,
    hook: Option<StepHook>,
    #[cfg(target_os = "linux")]
    staging: linux::Staging,
}

impl Outputs {
    /// Prepares writing under `out` (OUTDIR, resolved): on Linux, removes a staging folder a killed run
    /// left and creates this run's.
    pub(super) fn open(out: &Path, hook: Option<StepHook>) -> io::Result<Outputs> {
        Ok(Outputs {
            #[cfg(target_os = "linux")]
            staging: linux::Staging::open(out)?,
            out: out.to_path_buf(),
            hook,
        })
    }

    /// Writes one case's `files` (name and bytes) for OUTDIR/`rel` as new files of `mode`: on Linux
    /// staged until [`Outputs::commit`], all of them or none (a failure removes what was staged for
    /// the case); elsewhere each put in place at once. `shown` is OUTDIR/rel as the report names it.
    /// Refused (E012) when a part of OUTDIR/rel is a link or a file.
    pub(super) fn case(
        &self,
        rel: &Path,
        shown: &Path,
        files: &[(&'static str, &[u8])],
        mode: Mode,
    ) -> Result<(), Diagnostic> {
        let failed = |name: &str, e: io::Error| {
            let (why, help) = explain(&e);
            Diagnostic::new(
                Code::WriteFailed,
                format!("cannot write {}: {why}", shown.join(name).display()),
            )
            .with_help(help.unwrap_or("check that OUTDIR is writable and has free space"))
        };
        #[cfg(target_os = "linux")]
        {
            let there = check_under(&self.out, rel)?;
            self.staging
                .case(&self.out, rel, there, files, mode, &self.hook)
                .map_err(|(name, e)| failed(name, e))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let dir = case_dir_under(&self.out, rel)?;
            for &(name, bytes) in files {
                at(&self.hook, Step::Write);
                crate::output::write_atomic(&dir.join(name), bytes, mode)
                    .map_err(|e| failed(name, e))?;
                at(&self.hook, Step::Written);
            }
            Ok(())
        }
    }

    /// Puts every staged file in place durably: flushed, renamed, names flushed. A rename that fails
    /// does not stop the others; the error says how many outputs were not put in place.
    pub(super) fn commit(self) -> Result<(), Diagnostic> {
        #[cfg(target_os = "linux")]
        {
            self.staging.commit(&self.out, &self.hook)
        }
        #[cfg(not(target_os = "linux"))]
        {
            Ok(())
        }
    }
}

/// The parts of `rel` as plain names, or E012 for anything else (`..`, a root).
fn plain_parts(rel: &Path) -> Result<Vec<&std::ffi::OsStr>, Diagnostic> {
    rel.components()
        .map(|c| match c {
            Component::Normal(part) => Ok(part),
            _ => Err(Diagnostic::new(
                Code::UnsafePath,
                format!(
                    "case folder {} is not a plain relative path; nothing was written",
                    rel.display()
                ),
            )),
        })
        .collect()
}

/// E012: `dir`, a part of a case's place under OUTDIR, is a link or a file.
fn not_a_folder(dir: &Path) -> Diagnostic {
    Diagnostic::new(
        Code::UnsafePath,
        format!(
            "{} is a link or a file, not a folder; batch writes only into real folders under OUTDIR",
            dir.display()
        ),
    )
    .with_help("remove it from OUTDIR, or use an empty OUTDIR")
}

/// Checks the parts of root/rel that exist: each must be a real folder (not a link), so that nothing
/// is ever written through a link out of OUTDIR. True when root/rel exists.
#[cfg(target_os = "linux")]
fn check_under(root: &Path, rel: &Path) -> Result<bool, Diagnostic> {
    let mut dir = root.to_path_buf();
    for part in plain_parts(rel)? {
        dir.push(part);
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(not_a_folder(&dir)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(Diagnostic::new(
                    Code::WriteFailed,
                    format!("cannot write into {}: {e}", dir.display()),
                ))
            }
        }
    }
    Ok(true)
}

/// Creates root/rel one folder at a time, refusing any part that is a link or not a folder, so that
/// nothing (not even a folder) is created outside root.
#[cfg(not(target_os = "linux"))]
fn case_dir_under(root: &Path, rel: &Path) -> Result<PathBuf, Diagnostic> {
    let mut dir = root.to_path_buf();
    for part in plain_parts(rel)? {
        dir.push(part);
        let made = match fs::create_dir(&dir) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        };
        let real_folder = fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir());
        if let Err(e) = made {
            return Err(Diagnostic::new(
                Code::WriteFailed,
                format!("cannot create {}: {e}", dir.display()),
            )
            .with_help("check that OUTDIR is writable"));
        }
        if !real_folder {
            return Err(not_a_folder(&dir));
        }
    }
    Ok(dir)
}

/// The first part of root/rel that does not exist (relative to root), `None` when all do; an error
/// when one is a link or a file.
#[cfg(target_os = "linux")]
fn first_missing(root: &Path, rel: &Path) -> io::Result<Option<PathBuf>> {
    let mut prefix = PathBuf::new();
    for part in rel.components() {
        prefix.push(part);
        match fs::symlink_metadata(root.join(&prefix)) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(io::Error::other(
                    "a link or a file, not a folder, is on its way",
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Some(prefix)),
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashSet;
    use std::fs;
    use std::io::{self, Write};
    use std::os::fd::OwnedFd;
    use std::os::unix::fs::MetadataExt;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Condvar, Mutex};
    use std::thread::JoinHandle;

    use rustix::fs::renameat_with;
    use rustix::fs::{fgetxattr_query, flock, fstat, mkdirat, open, openat, renameat, syncfs};
    use rustix::fs::{AtFlags, FlockOperation, Mode as Bits, OFlags, RenameFlags, CWD};
    use rustix::io::Errno;

    use super::{at, first_missing, Step, StepHook};
    use crate::diag::{Code, Diagnostic};
    use crate::output::{check_replaceable, explain, set_new_access, Mode};

    /// The staging folder's name in OUTDIR, before a random part.
    pub const PREFIX: &str = ".wcmigrate-staging-";
    /// A file in a staging folder whose run held its lock: what marks a folder as ours to remove.
    const MARK: &str = ".wcmigrate-staging";
    /// Files staged between two early flushes: the commit's own flush then has little left to write.
    const FLUSH_EVERY: usize = 2048;

    /// This run's staging folder, locked (`flock`) while the run lives, so that another run into the
    /// same OUTDIR tells it from a killed run's; removed when dropped.
    pub struct Staging {
        path: PathBuf,
        fd: OwnedFd,
        staged: Mutex<Vec<Entry>>,
        /// The folders made in it so far.
        made: Mutex<HashSet<PathBuf>>,
        /// Numbers the cases staged flat.
        next: AtomicU64,
        /// The process's umask, when known: a file created with a mode it does not narrow has that
        /// mode exactly, with no chmod.
        umask: Option<u32>,
        /// The staging folder has no default access list, so the files made in it have none to drop.
        no_default_acl: bool,
        flusher: Flusher,
    }

    /// Flushes the staged files to disk in the background as they accumulate (`syncfs` every
    /// [`FLUSH_EVERY`] files), while the cases still run. Only an early start: nothing relies on it,
    /// the commit flushes everything again.
    struct Flusher {
        state: Arc<(Mutex<FlushState>, Condvar)>,
        thread: Option<JoinHandle<()>>,
    }

    #[derive(Default)]
    struct FlushState {
        pending: usize,
        done: bool,
        /// What a background flush reported: a write-back error is reported once per open folder,
        /// so the commit's own flush might not see it again.
        error: Option<io::Error>,
    }

    impl Flusher {
        fn start(staging: &OwnedFd) -> io::Result<Flusher> {
            let fd = staging.try_clone()?;
            let state = Arc::new((Mutex::new(FlushState::default()), Condvar::new()));
            let shared = Arc::clone(&state);
            let thread = std::thread::Builder::new()
                .name("wcmigrate-flush".into())
                .spawn(move || {
                    let (lock, wake) = &*shared;
                    let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
                    loop {
                        while s.pending < FLUSH_EVERY && !s.done {
                            s = wake.wait(s).unwrap_or_else(|e| e.into_inner());
                        }
                        if s.done {
                            return;
                        }
                        s.pending = 0;
                        drop(s);
                        let flushed = syncfs(&fd);
                        s = lock.lock().unwrap_or_else(|e| e.into_inner());
                        if let Err(e) = flushed {
                            s.error.get_or_insert(e.into());
                        }
                    }
                })?;
            Ok(Flusher {
                state,
                thread: Some(thread),
            })
        }

        fn staged(&self, files: usize) {
            let (lock, wake) = &*self.state;
            let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
            s.pending += files;
            if s.pending >= FLUSH_EVERY {
                wake.notify_one();
            }
        }

        /// Stops the thread (after the flush it is in, if any); the first error it met.
        fn stop(&mut self) -> Option<io::Error> {
            let (lock, wake) = &*self.state;
            lock.lock().unwrap_or_else(|e| e.into_inner()).done = true;
            wake.notify_one();
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
            let error = lock.lock().unwrap_or_else(|e| e.into_inner()).error.take();
            error
        }
    }

    /// One case's staged files, for OUTDIR/rel/name: `rel/name` in the staging folder, so that a
    /// folder OUTDIR lacks moves in whole; or, when OUTDIR/rel exists already, `{seq}-{name}` at the
    /// staging folder's top (`flat`), so that no folder is made for files renamed one by one.
    struct Entry {
        rel: PathBuf,
        names: Vec<&'static str>,
        flat: Option<u64>,
    }

    impl Entry {
        fn staged(&self, name: &str) -> PathBuf {
            match self.flat {
                Some(seq) => PathBuf::from(format!("{seq:06}-{name}")),
                None => self.rel.join(name),
            }
        }
    }

    fn dir_flags() -> OFlags {
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
    }

    impl Staging {
        pub fn open(out: &Path) -> io::Result<Staging> {
            remove_stale(out);
            let path = tempfile::Builder::new()
                .prefix(PREFIX)
                .tempdir_in(out)?
                .keep();
            let locked = || -> io::Result<(OwnedFd, Flusher)> {
                // Opened without following a link, and checked to be the folder we just made: every
                // file is then made relative to it, whatever happens to its name in OUTDIR.
                let fd = open(&path, dir_flags(), Bits::empty())?;
                if fstat(&fd)?.st_uid != rustix::process::geteuid().as_raw() {
                    return Err(io::Error::other(
                        "another user replaced the staging folder as it was made",
                    ));
                }
                // Without the lock (a file system without flock) there is no mark either: another run
                // can then never take this folder for a killed run's.
                if flock(&fd, FlockOperation::NonBlockingLockExclusive).is_ok() {
                    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC;
                    openat(&fd, MARK, flags, Bits::from_raw_mode(0o600))?;
                }
                let flusher = Flusher::start(&fd)?;
                Ok((fd, flusher))
            };
            match locked() {
                Ok((fd, flusher)) => Ok(Staging {
                    flusher,
                    no_default_acl: matches!(
                        fgetxattr_query(&fd, "system.posix_acl_default"),
                        Err(Errno::NODATA | Errno::NOTSUP)
                    ),
                    umask: umask(),
                    path,
                    fd,
                    staged: Mutex::new(Vec::new()),
                    made: Mutex::new(HashSet::new()),
                    next: AtomicU64::new(0),
                }),
                Err(e) => {
                    let _ = fs::remove_dir_all(&path);
                    Err(e)
                }
            }
        }

        /// Stages `files` for OUTDIR/rel (`there`: that folder exists already).
        pub fn case(
            &self,
            out: &Path,
            rel: &Path,
            there: bool,
            files: &[(&'static str, &[u8])],
            mode: Mode,
            hook: &Option<StepHook>,
        ) -> Result<(), (&'static str, io::Error)> {
            let entry = Entry {
                rel: rel.to_path_buf(),
                names: files.iter().map(|f| f.0).collect(),
                flat: there.then(|| self.next.fetch_add(1, Ordering::Relaxed)),
            };
            let mut folder = PathBuf::new();
            for part in rel.components().filter(|_| !there) {
                folder.push(part);
                let made = || self.made.lock().unwrap_or_else(|e| e.into_inner());
                if made().contains(&folder) {
                    continue;
                }
                // Not under the lock: the other workers make their folders meanwhile.
                match mkdirat(&self.fd, &folder, Bits::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => made().insert(folder.clone()),
                    Err(e) => return Err((files[0].0, e.into())),
                };
            }
            for (i, &(name, bytes)) in files.iter().enumerate() {
                // Refused now (a folder, a link, a device at the place), the case fails, not the commit.
                let place = out.join(rel).join(name);
                let staged = (if there {
                    check_replaceable(&place)
                } else {
                    Ok(())
                })
                .and_then(|()| self.stage(&entry.staged(name), bytes, mode, hook));
                if let Err(e) = staged {
                    for &(done, _) in &files[..=i] {
                        let _ = unlinkat(&self.fd, &entry.staged(done));
                    }
                    return Err((name, e));
                }
            }
            self.staged
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(entry);
            self.flusher.staged(files.len());
            Ok(())
        }

        /// Writes `bytes` as the new file `staged` in the staging folder; not flushed.
        fn stage(
            &self,
            staged: &Path,
            bytes: &[u8],
            mode: Mode,
            hook: &Option<StepHook>,
        ) -> io::Result<()> {
            let flags =
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            // Made with its final mode when the umask keeps it whole: nobody else can reach into
            // the staging folder meanwhile.
            let exact = self.umask.is_some_and(|u| u & mode.bits() == 0);
            let bits = if exact { mode.bits() } else { 0o600 };
            let fd = openat(&self.fd, staged, flags, Bits::from_raw_mode(bits))?;
            let mut file = fs::File::from(fd);
            at(hook, Step::Write);
            file.write_all(bytes)?;
            if !(exact && self.no_default_acl) {
                set_new_access(&file, mode)?;
            }
            at(hook, Step::Written);
            Ok(())
        }

        pub fn commit(mut self, out: &Path, hook: &Option<StepHook>) -> Result<(), Diagnostic> {
            let early = self.flusher.stop();
            let mut staged =
                std::mem::take(&mut *self.staged.lock().unwrap_or_else(|e| e.into_inner()));
            // In path order: a folder moved whole is followed by every case inside it.
            staged.sort_by(|a, b| a.rel.cmp(&b.rel));
            let total: usize = staged.iter().map(|e| e.names.len()).sum();
            // Every staged file on disk before any name points to it: a rename that survives a crash
            // always brings complete files.
            at(hook, Step::SyncData);
            if let Err(e) = early.map_or_else(|| syncfs(&self.fd).map_err(io::Error::from), Err) {
                return Err(failed(format!(
                    "cannot flush the {total} staged outputs to disk: {e}; none was put in place"
                )));
            }
            let mut moved: Option<PathBuf> = None;
            let mut missed: Option<(usize, PathBuf, io::Error)> = None;
            let mut miss = |n: usize, place: PathBuf, e: io::Error| match &mut missed {
                Some((count, _, _)) => *count += n,
                None => missed = Some((n, place, e)),
            };
            for entry in &staged {
                let inside_moved = moved.as_ref().is_some_and(|m| entry.rel.starts_with(m));
                if inside_moved && entry.flat.is_none() {
                    continue;
                }
                let missing = match entry.flat {
                    // Its folder was there when it was staged: its files go one by one.
                    Some(_) => Ok(None),
                    None => first_missing(out, &entry.rel),
                };
                match missing {
                    // OUTDIR lacks this folder: the staged one, with every case inside, moves whole.
                    Ok(Some(folder)) => {
                        at(hook, Step::Rename);
                        match move_new(&self.fd, &folder, &out.join(&folder)) {
                            Ok(()) => moved = Some(folder),
                            Err(e) => miss(entry.names.len(), out.join(&folder), e),
                        }
                    }
                    Ok(None) => {
                        for name in &entry.names {
                            at(hook, Step::Rename);
                            let place = out.join(&entry.rel).join(name);
                            let renamed = check_replaceable(&place).and_then(|()| {
                                renameat(&self.fd, entry.staged(name), CWD, &place)
                                    .map_err(io::Error::from)
                            });
                            if let Err(e) = renamed {
                                miss(1, place, e);
                            }
                        }
                    }
                    Err(e) => miss(entry.names.len(), out.join(&entry.rel), e),
                }
            }
            // The new names on disk, in every folder at once.
            at(hook, Step::SyncNames);
            let synced = syncfs(&self.fd);
            at(hook, Step::Clean);
            drop(self);
            if let Some((n, place, e)) = missed {
                let (why, _) = explain(&e);
                return Err(failed(format!(
                    "{n} of the {total} outputs could not be put in place, the first at {}: {why}",
                    place.display()
                )));
            }
            synced.map_err(|e| {
                failed(format!(
                    "the {total} outputs are in place, but flushing them to disk failed, so a crash could undo that: {e}"
                ))
            })
        }
    }

    /// Renames the staged folder `rel` to `place`, which must not exist (`RENAME_NOREPLACE`: a folder
    /// that appeared there since it was checked is not replaced).
    fn move_new(staging: &OwnedFd, rel: &Path, place: &Path) -> io::Result<()> {
        match renameat_with(staging, rel, CWD, place, RenameFlags::NOREPLACE) {
            // A file system without RENAME_NOREPLACE: checked again just before.
            Err(Errno::INVAL) if !place.exists() => Ok(renameat(staging, rel, CWD, place)?),
            other => Ok(other?),
        }
    }

    /// The process's umask, from /proc (reading it with umask(2) would change it for a moment).
    fn umask() -> Option<u32> {
        let status = fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
        u32::from_str_radix(line.trim(), 8).ok()
    }

    fn unlinkat(staging: &OwnedFd, rel: &Path) -> io::Result<()> {
        Ok(rustix::fs::unlinkat(staging, rel, AtFlags::empty())?)
    }

    fn failed(message: String) -> Diagnostic {
        Diagnostic::new(Code::WriteFailed, message)
            .with_help("check that OUTDIR is writable and has free space, and run the batch again")
    }

    impl Drop for Staging {
        /// Removes the staging folder (still holding its lock): empty after a commit but for the
        /// folders of cases put in place file by file; otherwise the files of a run that stopped
        /// before its commit, none of them in place.
        fn drop(&mut self) {
            self.flusher.stop();
            let _ = fs::remove_dir_all(&self.path);
        }
    }

    /// Removes the staging folders in `out` that killed runs left: ours by name, owner and mark, and
    /// no longer locked by a living run. Nothing in them was ever in place.
    fn remove_stale(out: &Path) {
        let Ok(entries) = fs::read_dir(out) else {
            return;
        };
        let me = rustix::process::geteuid().as_raw();
        for entry in entries.flatten() {
            if !entry.file_name().to_string_lossy().starts_with(PREFIX) {
                continue;
            }
            let path = entry.path();
            let ours = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir() && m.uid() == me)
                && fs::symlink_metadata(path.join(MARK)).is_ok_and(|m| m.is_file());
            if !ours {
                continue;
            }
            let Ok(fd) = open(&path, dir_flags(), Bits::empty()) else {
                continue;
            };
            if flock(&fd, FlockOperation::NonBlockingLockExclusive).is_ok() {
                let _ = fs::remove_dir_all(&path);
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn staged_files_are_in_place_only_after_the_commit_and_nothing_is_left() {
        let out = tempfile::tempdir().unwrap();
        let old = out.path().join("old");
        fs::create_dir(&old).unwrap();
        fs::write(old.join("a"), "before").unwrap();
        let steps = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = Arc::clone(&steps);
        let hook = StepHook(Arc::new(move |s| seen.lock().unwrap().push(s.name())));
        let outputs = Outputs::open(out.path(), Some(hook)).unwrap();
        let two: [(&str, &[u8]); 2] = [("a", b"new a"), ("b", b"new b")];
        let shown = Path::new("shown");
        outputs
            .case(Path::new("old"), shown, &two, Mode::PRIVATE)
            .unwrap();
        outputs
            .case(Path::new("new/x"), shown, &two, Mode::PRIVATE)
            .unwrap();
        outputs
            .case(Path::new("new/y"), shown, &two, Mode::PRIVATE)
            .unwrap();
        assert_eq!(fs::read(old.join("a")).unwrap(), b"before");
        assert!(!old.join("b").exists() && !out.path().join("new").exists());
        // A folder where a file goes, or a link on the way, fails that case only.
        fs::create_dir_all(out.path().join("other/b")).unwrap();
        let e = outputs
            .case(Path::new("other"), shown, &two, Mode::PRIVATE)
            .unwrap_err();
        assert!(e.message.contains("shown/b"), "{}", e.message);
        std::os::unix::fs::symlink("/", out.path().join("link")).unwrap();
        let e = outputs
            .case(Path::new("link/z"), shown, &two, Mode::PRIVATE)
            .unwrap_err();
        assert_eq!(e.code, Code::UnsafePath);
        outputs.commit().unwrap();
        for dir in ["old", "new/x", "new/y"] {
            let dir = out.path().join(dir);
            assert_eq!(fs::read(dir.join("a")).unwrap(), b"new a");
            assert_eq!(fs::read(dir.join("b")).unwrap(), b"new b");
        }
        assert!(!out.path().join("other/a").exists());
        assert_eq!(
            names(out.path()),
            ["link", "new", "old", "other"],
            "no staging folder left"
        );
        // `new` moved whole, with both cases in it; `old/a` and `old/b` one by one.
        let steps = steps.lock().unwrap();
        assert_eq!(
            steps.iter().filter(|s| **s == "written").count(),
            7,
            "with other's a"
        );
        assert_eq!(
            steps[steps.len() - 6..],
            [
                "sync-data",
                "rename",
                "rename",
                "rename",
                "sync-names",
                "clean"
            ]
        );
    }

    #[test]
    fn a_killed_run_s_staging_folder_is_removed_and_a_living_one_is_not() {
        let out = tempfile::tempdir().unwrap();
        let living = Outputs::open(out.path(), None).unwrap();
        // A killed run's: marked, unlocked. A folder someone else named so: unmarked.
        let stale = out.path().join(format!("{}dead", linux::PREFIX));
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join(".wcmigrate-staging"), "").unwrap();
        fs::write(stale.join("merged.config"), "partial").unwrap();
        let foreign = out.path().join(format!("{}case", linux::PREFIX));
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("merged.config"), "a case's output").unwrap();
        let second = Outputs::open(out.path(), None).unwrap();
        assert!(!stale.exists(), "the killed run's folder is removed");
        assert!(
            foreign.join("merged.config").exists(),
            "an unmarked one is not ours"
        );
        let staging_folders = || {
            fs::read_dir(out.path())
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .path()
                        .join(".wcmigrate-staging")
                        .exists()
                })
                .count()
        };
        assert_eq!(staging_folders(), 2, "the living run's folder stays");
        drop(second);
        living.commit().unwrap();
        assert_eq!(staging_folders(), 0);
    }
}
