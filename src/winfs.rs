//! Windows file operations Rust's standard library lacks, through the Windows API (`windows-sys`):
//! replacing a file so that it keeps its access list (DACL) and attributes (`ReplaceFileW`), with its
//! owner copied first; reading and setting attributes (hidden, read-only...); who owns a file.
//!
//! Compiled on Windows only. Owns the unsafe calls and turning their errors into `io::Error`s; paths
//! reach the API in their long form (`winpath::long_form`), so a path past 260 characters works. It
//! decides nothing: `output` says when a file is replaced and what it keeps.

use std::ffi::c_void;
use std::fs;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::AsRawHandle;
use std::path::Path;
use std::ptr::{null, null_mut};

use windows_sys::Win32::Foundation::{
    CloseHandle, LocalFree, ERROR_SUCCESS, ERROR_UNABLE_TO_MOVE_REPLACEMENT_2, HANDLE, LUID,
};
use windows_sys::Win32::Security::Authorization::{
    GetNamedSecurityInfoW, SetNamedSecurityInfoW, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    AdjustTokenPrivileges, EqualSid, GetTokenInformation, IsWellKnownSid, LookupPrivilegeValueW,
    TokenUser, WinBuiltinAdministratorsSid, LUID_AND_ATTRIBUTES, OWNER_SECURITY_INFORMATION, PSID,
    SE_PRIVILEGE_ENABLED, SE_RESTORE_NAME, TOKEN_ADJUST_PRIVILEGES, TOKEN_PRIVILEGES, TOKEN_QUERY,
    TOKEN_USER,
};
use windows_sys::Win32::Storage::FileSystem::{
    GetFileAttributesW, GetFileInformationByHandle, MoveFileExW, ReplaceFileW, SetFileAttributesW,
    BY_HANDLE_FILE_INFORMATION, DELETE, FILE_ATTRIBUTE_ARCHIVE, FILE_ATTRIBUTE_HIDDEN,
    FILE_ATTRIBUTE_NORMAL, FILE_ATTRIBUTE_NOT_CONTENT_INDEXED, FILE_ATTRIBUTE_READONLY,
    FILE_ATTRIBUTE_SYSTEM, FILE_FLAG_BACKUP_SEMANTICS, FILE_READ_ATTRIBUTES, FILE_SHARE_DELETE,
    FILE_SHARE_READ, FILE_SHARE_WRITE, INVALID_FILE_ATTRIBUTES, MOVEFILE_REPLACE_EXISTING,
    MOVEFILE_WRITE_THROUGH,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

use crate::winpath;

/// The attributes a replacement takes from the file it replaces: what describes the file, not its
/// storage (compression and encryption `ReplaceFileW` carries itself).
const KEPT: u32 = FILE_ATTRIBUTE_READONLY
    | FILE_ATTRIBUTE_HIDDEN
    | FILE_ATTRIBUTE_SYSTEM
    | FILE_ATTRIBUTE_ARCHIVE
    | FILE_ATTRIBUTE_NOT_CONTENT_INDEXED;

/// `path` as the Windows API takes it: full, in its long form past 260 characters, NUL-terminated.
fn wide(path: &Path) -> io::Result<Vec<u16>> {
    let full = std::path::absolute(path)?;
    let long = match full.to_str() {
        Some(s) => winpath::long_form(s).into(),
        None => full.into_os_string(),
    };
    Ok(long.encode_wide().chain([0]).collect())
}

fn check(ok: i32) -> io::Result<()> {
    if ok != 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The attributes of `path` (`FILE_ATTRIBUTE_*`).
pub fn attributes(path: &Path) -> io::Result<u32> {
    let p = wide(path)?;
    // SAFETY: `p` is a NUL-terminated wide string that outlives the call.
    let a = unsafe { GetFileAttributesW(p.as_ptr()) };
    if a == INVALID_FILE_ATTRIBUTES {
        return Err(io::Error::last_os_error());
    }
    Ok(a)
}

/// Which file `path` leads to (links followed): its volume's serial number and its file index, the
/// same for every hard link to it. Asks only for its attributes, which a program holding the file
/// without sharing does not refuse.
pub fn file_id(path: &Path) -> io::Result<(u32, u64)> {
    let file = fs::OpenOptions::new()
        .access_mode(FILE_READ_ATTRIBUTES)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(path)?;
    // SAFETY: an all-zero BY_HANDLE_FILE_INFORMATION is valid; the handle is open for the call.
    let mut info: BY_HANDLE_FILE_INFORMATION = unsafe { std::mem::zeroed() };
    check(unsafe { GetFileInformationByHandle(file.as_raw_handle(), &mut info) })?;
    let index = (u64::from(info.nFileIndexHigh) << 32) | u64::from(info.nFileIndexLow);
    Ok((info.dwVolumeSerialNumber, index))
}

/// Sets the [kept](KEPT) attributes of `path` to those of `attrs`.
pub fn set_attributes(path: &Path, attrs: u32) -> io::Result<()> {
    let p = wide(path)?;
    let a = match attrs & KEPT {
        0 => FILE_ATTRIBUTE_NORMAL,
        a => a,
    };
    // SAFETY: as in `attributes`.
    check(unsafe { SetFileAttributesW(p.as_ptr(), a) })
}

/// Replaces `replaced` with `replacement` (a file wcmigrate prepared in the same folder) so that the
/// result keeps `replaced`'s access list (DACL), attributes and creation time: `ReplaceFileW`, which
/// moves the original to `backup` when given (the backup is the original file itself, ACL, owner and
/// all). A read-only `replaced` is made writable for the moment of the swap and read-only again after.
/// On failure `replaced` is as it was: `ReplaceFileW` leaves the names as they were, and when it has
/// already moved the original to `backup` but cannot move the replacement in, the original is moved
/// back.
pub fn replace(replaced: &Path, replacement: &Path, backup: Option<&Path>) -> io::Result<()> {
    // ReplaceFileW needs to delete `replaced`: a program holding it without FILE_SHARE_DELETE makes it
    // fail, and Wine's then leaves a temporary file of its own behind. Asked first, with nothing done.
    fs::OpenOptions::new()
        .access_mode(DELETE | FILE_READ_ATTRIBUTES)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
        .open(replaced)?;
    let attrs = attributes(replaced)?;
    set_attributes(replacement, attrs & !FILE_ATTRIBUTE_READONLY)?;
    let read_only = attrs & FILE_ATTRIBUTE_READONLY != 0;
    if read_only {
        set_attributes(replaced, attrs & !FILE_ATTRIBUTE_READONLY)?;
    }
    let (to, from) = (wide(replaced)?, wide(replacement)?);
    let bak = backup.map(wide).transpose()?;
    // SAFETY: NUL-terminated wide strings that outlive the call; the reserved pointers are null.
    let done = check(unsafe {
        ReplaceFileW(
            to.as_ptr(),
            from.as_ptr(),
            bak.as_ref().map_or(null(), |b| b.as_ptr()),
            0,
            null(),
            null(),
        )
    });
    if let Err(e) = done {
        if e.raw_os_error() == Some(ERROR_UNABLE_TO_MOVE_REPLACEMENT_2 as i32) {
            if let Some(b) = &bak {
                // SAFETY: as above.
                unsafe { MoveFileExW(b.as_ptr(), to.as_ptr(), MOVEFILE_REPLACE_EXISTING) };
            }
        }
        if read_only {
            let _ = set_attributes(replaced, attrs);
        }
        return Err(e);
    }
    // Wine merges no attributes; Windows does. Either way both files end with the original's.
    let _ = set_attributes(replaced, attrs);
    if let Some(b) = backup {
        let _ = set_attributes(b, attrs);
    }
    Ok(())
}

/// Moves `from` (a complete file wcmigrate prepared in the same folder) to `to`, replacing what is
/// there, with write-through: `MoveFileExW` returns once the move is on disk, so a crash after it
/// cannot bring back the old name. The temporary attribute the file was created with is cleared
/// first: the result is an ordinary file.
pub fn move_through(from: &Path, to: &Path) -> io::Result<()> {
    let (f, t) = (wide(from)?, wide(to)?);
    // SAFETY: NUL-terminated wide strings that outlive the calls.
    check(unsafe { SetFileAttributesW(f.as_ptr(), FILE_ATTRIBUTE_NORMAL) })?;
    check(unsafe {
        MoveFileExW(
            f.as_ptr(),
            t.as_ptr(),
            MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH,
        )
    })
}

/// A security descriptor from `GetNamedSecurityInfoW` with the owner it points into.
struct Owner {
    sid: PSID,
    descriptor: *mut c_void,
}

impl Owner {
    fn of(path: &Path) -> io::Result<Owner> {
        let p = wide(path)?;
        let mut owner = Owner {
            sid: null_mut(),
            descriptor: null_mut(),
        };
        // SAFETY: `p` outlives the call; the out-pointers are valid; the descriptor is freed on drop.
        let e = unsafe {
            GetNamedSecurityInfoW(
                p.as_ptr(),
                SE_FILE_OBJECT,
                OWNER_SECURITY_INFORMATION,
                &mut owner.sid,
                null_mut(),
                null_mut(),
                null_mut(),
                &mut owner.descriptor,
            )
        };
        if e != ERROR_SUCCESS || owner.sid.is_null() {
            return Err(io::Error::from_raw_os_error(e as i32));
        }
        Ok(owner)
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        // SAFETY: allocated by GetNamedSecurityInfoW with LocalAlloc; freed once.
        unsafe { LocalFree(self.descriptor) };
    }
}

/// The access token of this process, closed on drop.
struct Token(HANDLE);

impl Token {
    fn open(access: u32) -> io::Result<Token> {
        let mut h: HANDLE = null_mut();
        // SAFETY: the pseudo-handle of this process; `h` is a valid out-pointer.
        check(unsafe { OpenProcessToken(GetCurrentProcess(), access, &mut h) })?;
        Ok(Token(h))
    }

    /// Turns on SeRestorePrivilege, which lets an administrator give a file any owner.
    fn enable_restore(&self) -> io::Result<()> {
        let mut luid = LUID {
            LowPart: 0,
            HighPart: 0,
        };
        // SAFETY: a constant wide string and a valid out-pointer.
        check(unsafe { LookupPrivilegeValueW(null(), SE_RESTORE_NAME, &mut luid) })?;
        let state = TOKEN_PRIVILEGES {
            PrivilegeCount: 1,
            Privileges: [LUID_AND_ATTRIBUTES {
                Luid: luid,
                Attributes: SE_PRIVILEGE_ENABLED,
            }],
        };
        // SAFETY: the token was opened with TOKEN_ADJUST_PRIVILEGES; no previous state is asked for.
        check(unsafe { AdjustTokenPrivileges(self.0, 0, &state, 0, null_mut(), null_mut()) })?;
        // AdjustTokenPrivileges succeeds without enabling a privilege the token lacks.
        match io::Error::last_os_error().raw_os_error() {
            Some(0) => Ok(()),
            _ => Err(io::Error::last_os_error()),
        }
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        // SAFETY: opened by OpenProcessToken; closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// True when `path` is owned by the user running wcmigrate or by the Administrators group (what an
/// elevated administrator's files are owned by): nobody else could have made it.
pub fn owned_by_us_or_administrators(path: &Path) -> bool {
    let Ok(owner) = Owner::of(path) else {
        return false;
    };
    // SAFETY: `owner.sid` points into a live descriptor.
    if unsafe { IsWellKnownSid(owner.sid, WinBuiltinAdministratorsSid) } != 0 {
        return true;
    }
    let Ok(token) = Token::open(TOKEN_QUERY) else {
        return false;
    };
    let mut buf = vec![0u64; 64];
    let mut len = 0u32;
    // SAFETY: a writable, 8-byte-aligned buffer of the size given.
    let got = unsafe {
        GetTokenInformation(
            token.0,
            TokenUser,
            buf.as_mut_ptr().cast(),
            (buf.len() * 8) as u32,
            &mut len,
        )
    };
    if got == 0 {
        return false;
    }
    // SAFETY: GetTokenInformation filled the buffer with a TOKEN_USER whose SID lies inside it.
    let user = unsafe { &*buf.as_ptr().cast::<TOKEN_USER>() };
    // SAFETY: both SIDs are valid for the call.
    unsafe { EqualSid(owner.sid, user.User.Sid) != 0 }
}

/// Gives `to` the owner of `from`, when it differs. Setting another owner than oneself takes
/// SeRestorePrivilege, which an elevated administrator holds: it is turned on for this process and
/// the call tried again.
pub fn copy_owner(from: &Path, to: &Path) -> io::Result<()> {
    let (want, now) = (Owner::of(from)?, Owner::of(to)?);
    // SAFETY: both SIDs point into live descriptors.
    if unsafe { EqualSid(want.sid, now.sid) } != 0 {
        return Ok(());
    }
    let p = wide(to)?;
    let set = || {
        // SAFETY: `p` outlives the call and `want.sid` its descriptor; no group or ACL is set.
        let e = unsafe {
            SetNamedSecurityInfoW(
                p.as_ptr(),
                SE_FILE_OBJECT,
                OWNER_SECURITY_INFORMATION,
                want.sid,
                null_mut(),
                null(),
                null(),
            )
        };
        match e {
            ERROR_SUCCESS => Ok(()),
            e => Err(io::Error::from_raw_os_error(e as i32)),
        }
    };
    set().or_else(|first| {
        Token::open(TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY)
            .and_then(|t| t.enable_restore())
            .map_err(|_| first)?;
        set()
    })
}
