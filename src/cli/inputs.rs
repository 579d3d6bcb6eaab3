//! Reading `merge`'s inputs and writing its outputs as command-line tools do: a path, or `-` for
//! standard input (one input at most) and standard output; a write error is an error (exit 2), while a
//! reader that stopped reading (`| head`) is not.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use wcmigrate::batch::{read_file, Reach};
use wcmigrate::diag::{Code, Diagnostic};
use wcmigrate::output::{FileKey, Mode};
use wcmigrate::Input;

/// The name standard input goes by in messages, reports and diff headers.
pub const STDIN_NAME: &str = "<stdin>";

/// `-`: standard input or output.
pub fn is_dash(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// One input as read, with what the output checks need.
pub struct ReadInput {
    pub input: Input,
    /// The path it was read from; `None` for standard input.
    pub path: Option<PathBuf>,
    pub meta: fs::Metadata,
}

impl ReadInput {
    pub fn key(&self) -> Option<FileKey> {
        FileKey::of(self.path.as_deref().unwrap_or(Path::new("-")), &self.meta)
    }

    pub fn mode(&self) -> Mode {
        Mode::of(&self.meta)
    }

    /// The pair `check_base` and the batch code take.
    pub fn pair(&self) -> (Input, fs::Metadata) {
        (self.input.clone(), self.meta.clone())
    }
}

/// Reads `path`, or standard input for `-`, refusing folders and more than `max_size` bytes.
pub fn read(path: &Path, max_size: u64) -> Result<ReadInput, Diagnostic> {
    if !is_dash(path) {
        let (input, meta) = read_file(path, max_size, Reach::Any)?;
        return Ok(ReadInput {
            input,
            path: Some(path.to_path_buf()),
            meta,
        });
    }
    let failed = |e: io::Error| {
        Diagnostic::new(
            Code::Unreadable,
            format!("cannot read standard input: {e}"),
        )
        .with_help("pipe or redirect the web.config into wcmigrate, e.g. `wcmigrate merge old.config - < new.config`")
    };
    let file = stdin_file().map_err(failed)?;
    let meta = file.metadata().map_err(failed)?;
    let mut bytes = Vec::new();
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > max_size {
        return Err(Diagnostic::new(
            Code::TooLarge,
            format!("standard input holds more than --max-size {max_size} bytes"),
        )
        .with_help(
            "real web.config files are far smaller; check what is piped in, or raise --max-size",
        ));
    }
    Ok(ReadInput {
        input: Input {
            name: STDIN_NAME.to_string(),
            bytes,
            dir: None,
        },
        path: None,
        meta,
    })
}

/// Standard input as a file of its own (a duplicate of the descriptor): its metadata says what it is
/// (a pipe, or the file it was redirected from, which `-o` must then not overwrite).
fn stdin_file() -> io::Result<fs::File> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        Ok(fs::File::from(io::stdin().as_fd().try_clone_to_owned()?))
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::AsHandle;
        Ok(fs::File::from(
            io::stdin().as_handle().try_clone_to_owned()?,
        ))
    }
}

/// Writes `bytes` to standard output. A reader that went away (`| head`) is not an error: like
/// ripgrep, wcmigrate stops writing there and goes on; any other failure (a full disk behind
/// `> file`, `/dev/full`) is E007.
pub fn to_stdout(bytes: &[u8]) -> Result<(), Diagnostic> {
    with_stdout(|w| w.write_all(bytes))
}

/// Serializes `value` as pretty JSON and a line break to standard output, as it is made, through a
/// buffer (errors as [`to_stdout`]).
pub fn json_to_stdout<T: serde::Serialize>(value: &T) -> Result<(), Diagnostic> {
    with_stdout(|w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(io::Error::from)?;
        w.write_all(b"\n")
    })
}

/// Runs `write` on standard output through a buffer and flushes it (errors as [`to_stdout`]). After
/// a reader went away, `write` runs on to the end with its output dropped, so that what it returns
/// does not depend on when the reader stopped.
pub fn with_stdout<T>(
    write: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> Result<T, Diagnostic> {
    let mut out =
        io::BufWriter::with_capacity(1 << 16, Forgiving::broken_pipe(io::stdout().lock()));
    match write(&mut out).and_then(|v| out.flush().map(|()| v)) {
        Ok(v) => Ok(v),
        Err(e) => Err(Diagnostic::new(
            Code::WriteFailed,
            format!("cannot write to standard output: {e}"),
        )
        .with_help("check where standard output goes (a full disk, a closed file)")),
    }
}

/// Runs `write` on standard error through a buffer; write errors are ignored (the diagnostics that
/// follow would fail the same way), and `write` runs on to the end whatever happens.
pub fn with_stderr<T>(write: impl FnOnce(&mut dyn Write) -> io::Result<T>) -> io::Result<T> {
    let mut out = io::BufWriter::with_capacity(1 << 16, Forgiving::any(io::stderr().lock()));
    let v = write(&mut out)?;
    out.flush()?;
    Ok(v)
}

/// A writer that turns some write errors into "written": after the first, it drops what it is given.
struct Forgiving<W> {
    inner: W,
    all: bool,
    closed: bool,
}

impl<W> Forgiving<W> {
    /// Forgives a reader that went away (`EPIPE`).
    fn broken_pipe(inner: W) -> Self {
        Forgiving {
            inner,
            all: false,
            closed: false,
        }
    }

    /// Forgives every error.
    fn any(inner: W) -> Self {
        Forgiving {
            inner,
            all: true,
            closed: false,
        }
    }

    fn forgive<T>(&mut self, r: io::Result<T>, or: T) -> io::Result<T> {
        match r {
            Err(e) if self.all || e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(or)
            }
            r => r,
        }
    }
}

impl<W: Write> Write for Forgiving<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.forgive(r, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.forgive(r, ())
    }
}
