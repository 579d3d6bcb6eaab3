//! The Windows binary, run under Wine: every corpus case byte for byte with Windows paths, `--in-place`
//! with its backup, `batch` with a JSON report, the exit-2 paths, and Windows' own file semantics:
//! attributes kept by `--in-place`, a file another program holds open, names Windows cannot hold,
//! `\\?\` and long paths, `file=` with Windows rules.
//!
//! `.ci/run` builds `wcmigrate.exe` (release, static CRT) and points `WCMIGRATE_WINDOWS_EXE` at it;
//! this harness builds the ProcessPrng shim Wine 8 needs (`tests/windows/bcryptprimitives.c`) and a
//! helper that reads and sets attributes and holds files open (`tests/windows/wintool.c`) with the
//! same mingw compiler, and runs every trial against one Wine server kept up for the whole run (a
//! run then costs a fraction of a second instead of a Wine start). Without the .exe, Wine or mingw
//! each trial shows as ignored, and under `CI=true` as failed: a check that could not run never
//! passes. Access lists and owners are not checked here: Wine does not enforce or keep them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use libtest_mimic::{Arguments, Failed, Trial};

/// What running the Windows binary needs, or why it cannot run here.
struct Wine {
    wine: PathBuf,
    /// A folder holding `wcmigrate.exe` and the shim DLL.
    bin: PathBuf,
    prefix: PathBuf,
    /// Kept up for the whole run (`wineserver -p`), stopped at the end (`wineserver -k`).
    server: Option<PathBuf>,
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

fn setup(scratch: &Path) -> Result<Wine, String> {
    let exe = std::env::var_os("WCMIGRATE_WINDOWS_EXE")
        .map(PathBuf::from)
        .ok_or("WCMIGRATE_WINDOWS_EXE is not set (.ci/run builds wcmigrate.exe and sets it)")?;
    if !exe.is_file() {
        return Err(format!("{} is not there", exe.display()));
    }
    let wine = std::env::var_os("WCMIGRATE_WINE")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/lib/wine/wine64")).filter(|p| p.is_file()))
        .or_else(|| which("wine64"))
        .or_else(|| which("wine"))
        .ok_or("Wine is not installed (apt-get install wine64)")?;
    let gcc = which("x86_64-w64-mingw32-gcc")
        .ok_or("mingw is not installed (apt-get install gcc-mingw-w64-x86-64)")?;
    let bin = scratch.join("bin");
    fs::create_dir_all(&bin).map_err(|e| e.to_string())?;
    fs::copy(&exe, bin.join("wcmigrate.exe")).map_err(|e| e.to_string())?;
    let shim = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/windows/bcryptprimitives.c");
    let built = Command::new(&gcc)
        .args(["-shared", "-o"])
        .arg(bin.join("bcryptprimitives.dll"))
        .arg(&shim)
        .arg("-ladvapi32")
        .status()
        .map_err(|e| e.to_string())?;
    if !built.success() {
        return Err("the ProcessPrng shim did not build".into());
    }
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/windows/wintool.c");
    let built = Command::new(&gcc)
        .args(["-municode", "-O2", "-o"])
        .arg(bin.join("wintool.exe"))
        .arg(&tool)
        .status()
        .map_err(|e| e.to_string())?;
    if !built.success() {
        return Err("tests/windows/wintool.c did not build".into());
    }
    let prefix = scratch.join("prefix");
    let server = wine
        .parent()
        .map(|d| d.join("wineserver"))
        .filter(|p| p.is_file())
        .or_else(|| which("wineserver"));
    let w = Wine {
        wine,
        bin,
        prefix,
        server,
    };
    w.start();
    Ok(w)
}

/// A Linux path as the Windows binary sees it under Wine (drive Z: is `/`).
fn win(p: &Path) -> String {
    format!("Z:{}", p.display()).replace('/', "\\")
}

impl Wine {
    fn command(&self, exe: &str, cwd: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(&self.wine);
        c.arg(self.bin.join(exe))
            .args(args)
            .current_dir(cwd)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env("NO_COLOR", "1");
        c
    }

    fn run(&self, cwd: &Path, args: &[&str]) -> Output {
        self.tool("wcmigrate.exe", cwd, args)
    }

    /// Runs a Windows program. Wine itself sometimes loses its server on this loaded machine ("wine
    /// client error: ... Connection reset by peer"): that says nothing about the program, so the
    /// server is started again and the program run once more.
    fn tool(&self, exe: &str, cwd: &Path, args: &[&str]) -> Output {
        let o = self.command(exe, cwd, args).output().expect("Wine runs");
        if String::from_utf8_lossy(&o.stderr).contains("wine client error") {
            self.start();
            return self.command(exe, cwd, args).output().expect("Wine runs");
        }
        o
    }

    /// Starts this prefix's Wine server for the whole run and creates the prefix, with no pipe of ours
    /// handed to the programs Wine starts in the background (they would hold a trial's output open).
    fn start(&self) {
        if let Some(server) = &self.server {
            let _ = Command::new(server)
                .arg("-p")
                .env("WINEPREFIX", &self.prefix)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self
            .command("wintool.exe", &self.bin, &["get"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    fn stop(&self) {
        if let Some(server) = &self.server {
            let _ = Command::new(server)
                .arg("-k")
                .env("WINEPREFIX", &self.prefix)
                .status();
        }
    }

    /// The attributes of `file` as Windows reports them (`FILE_ATTRIBUTE_*`), `None` if it is not there.
    fn attributes(&self, files: &[&Path]) -> Vec<Option<u32>> {
        let names: Vec<String> = files.iter().map(|f| win(f)).collect();
        let refs: Vec<&str> = std::iter::once("get")
            .chain(names.iter().map(String::as_str))
            .collect();
        let o = self.tool("wintool.exe", &self.bin, &refs);
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| {
                l.strip_prefix("0x")
                    .and_then(|l| l.split(' ').next())
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
            })
            .collect()
    }
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failed> {
    if ok {
        Ok(())
    } else {
        Err(what().into())
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn corpus() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> =
        fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("expected.config").is_file())
            .collect();
    cases.sort();
    cases
}

/// One corpus case with Windows paths: `-o` writes the expected bytes.
fn corpus_case(w: &Wine, case: &Path, scratch: &Path) -> Result<(), Failed> {
    let out = scratch.join(format!(
        "{}.out.config",
        case.file_name().unwrap().to_string_lossy()
    ));
    let mut args = vec![
        "merge".to_string(),
        win(&case.join("old.config")),
        win(&case.join("new.config")),
    ];
    if case.join("base.config").is_file() {
        args.push("--base".into());
        args.push(win(&case.join("base.config")));
    }
    if let Ok(extra) = fs::read_to_string(case.join("args")) {
        args.extend(extra.split_whitespace().map(str::to_string));
    }
    args.push("-o".into());
    args.push(win(&out));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = w.run(scratch, &refs);
    check(o.status.code() == Some(0), || text(&o))?;
    let got = fs::read(&out)?;
    let want = fs::read(case.join("expected.config"))?;
    check(got == want, || {
        format!("{}: the Windows binary wrote other bytes", case.display())
    })
}

const READ_ONLY: u32 = 0x1;
const HIDDEN: u32 = 0x2;

/// `--in-place` keeps a backup, and the new NEW and the backup keep NEW's attributes (read-only and
/// hidden here), which a rename would not give a new file.
fn in_place(w: &Wine, scratch: &Path) -> Result<(), Failed> {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-basic");
    let dir = scratch.join("in-place");
    fs::create_dir_all(&dir)?;
    fs::copy(case.join("old.config"), dir.join("old.config"))?;
    fs::copy(case.join("new.config"), dir.join("web.config"))?;
    let new = dir.join("web.config");
    let set = w.tool(
        "wintool.exe",
        &dir,
        &["set", &format!("{:x}", READ_ONLY | HIDDEN), &win(&new)],
    );
    check(set.status.success(), || text(&set))?;
    let o = w.run(
        &dir,
        &[
            "merge",
            &win(&dir.join("old.config")),
            &win(&new),
            "--in-place",
        ],
    );
    check(o.status.code() == Some(0), || text(&o))?;
    check(
        fs::read(&new)? == fs::read(case.join("expected.config"))?,
        || "--in-place wrote other bytes".into(),
    )?;
    check(
        fs::read(dir.join("web.config.bak"))? == fs::read(case.join("new.config"))?,
        || "the .bak is not NEW's original".into(),
    )?;
    let bak = dir.join("web.config.bak");
    let attrs = w.attributes(&[&new, &bak]);
    check(
        attrs
            .iter()
            .all(|a| a.is_some_and(|a| a & (READ_ONLY | HIDDEN) == READ_ONLY | HIDDEN)),
        || format!("read-only and hidden not kept: {attrs:x?} (web.config, web.config.bak)"),
    )?;
    check(
        files_in(&dir)? == ["old.config", "web.config", "web.config.bak"],
        || format!("left behind: {:?}", files_in(&dir).unwrap_or_default()),
    )
}

/// The names in `dir`, sorted.
fn files_in(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}

/// A program holding files open, started under Wine; released (and waited for) on drop.
struct Holder {
    child: Child,
}

impl Holder {
    /// Holds each `(sharing, file)` open (`none`: nobody else may open it; `read`: others may read,
    /// not write, rename or delete) until dropped.
    fn hold(w: &Wine, dir: &Path, files: &[(&str, &Path)]) -> Result<Holder, Failed> {
        let specs: Vec<String> = files
            .iter()
            .map(|(share, f)| format!("{share}:{}", win(f)))
            .collect();
        let mut args = vec!["lock".to_string(), "-".to_string(), "-".to_string()];
        args.extend(specs);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = w
            .command("wintool.exe", dir, &refs)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        // A handshake: the helper prints `ready` once it holds the files (or exits: end of file).
        let mut line = String::new();
        let out = child.stdout.take().ok_or("no pipe to the helper")?;
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)?;
        let holder = Holder { child };
        if !line.starts_with("ready") {
            return Err("the helper never held the files".into());
        }
        Ok(holder)
    }
}

impl Drop for Holder {
    /// Closing the helper's standard input lets go of the files; then it ends.
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// A NEW or OUT another program holds open (as IIS or an editor may): exit 2 with a message naming
/// the file and saying to close the program; nothing written, no .bak, no temporary file.
fn locked_files(w: &Wine, scratch: &Path) -> Result<(), Failed> {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-basic");
    let dir = scratch.join("locked");
    fs::create_dir_all(&dir)?;
    fs::copy(case.join("old.config"), dir.join("old.config"))?;
    for name in ["unshared.config", "shared.config", "out.config"] {
        fs::copy(case.join("new.config"), dir.join(name))?;
    }
    let before = files_in(&dir)?;
    let (unshared, shared, out) = (
        dir.join("unshared.config"),
        dir.join("shared.config"),
        dir.join("out.config"),
    );
    let holder = Holder::hold(
        w,
        &dir,
        &[("none", &unshared), ("read", &shared), ("read", &out)],
    )?;
    let old = win(&dir.join("old.config"));
    let other = win(&dir.join("other.config"));
    let runs: [(&Path, [&str; 2], &Path, &str); 4] = [
        (&unshared, ["--in-place", ""], &unshared, "E001"),
        (&unshared, ["-o", &other], &unshared, "E001"),
        (&shared, ["--in-place", ""], &shared, "E007"),
        (&shared, ["-o", &win(&out)], &out, "E007"),
    ];
    for (new, flags, held, code) in runs {
        let new = win(new);
        let mut args = vec!["merge", &old, &new];
        args.extend(flags.iter().filter(|f| !f.is_empty()));
        let o = w.run(&dir, &args);
        let err = String::from_utf8_lossy(&o.stderr).replace('\n', " ");
        let named = format!("{}: another program has it open", win(held));
        check(
            o.status.code() == Some(2)
                && err.contains(code)
                && err.contains(&named)
                && err.contains("close that program"),
            || format!("{args:?}: {}", text(&o)),
        )?;
    }
    drop(holder);
    check(files_in(&dir)? == before, || {
        format!(
            "written or left behind: {:?}",
            files_in(&dir).unwrap_or_default()
        )
    })?;
    for f in [&unshared, &shared, &out] {
        check(fs::read(f)? == fs::read(case.join("new.config"))?, || {
            format!("{} changed", f.display())
        })?;
    }
    Ok(())
}

/// Outputs and batch case names Windows cannot hold are refused (E019): `-o` a device name, a
/// `--report` device name, case names that are a device, end in a dot, or differ from another only in
/// case; `-o` naming NEW in other case is NEW (E015).
fn windows_names(w: &Wine, scratch: &Path) -> Result<(), Failed> {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-basic");
    let dir = scratch.join("names");
    fs::create_dir_all(&dir)?;
    let (old, new) = (case.join("old.config"), case.join("new.config"));
    let o = w.run(
        &dir,
        &[
            "merge",
            &win(&old),
            &win(&new),
            "-o",
            &win(&dir.join("nul.config")),
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr).replace('\n', " ");
    check(
        o.status.code() == Some(2) && err.contains("E019") && err.contains("`nul.config`"),
        || text(&o),
    )?;
    // A name differing from NEW's only in case is NEW on Windows: refused as an input (E015).
    fs::copy(&new, dir.join("new.config"))?;
    let o = w.run(
        &dir,
        &[
            "merge",
            &win(&old),
            &win(&dir.join("new.config")),
            "-o",
            &win(&dir.join("NEW.CONFIG")),
        ],
    );
    check(
        o.status.code() == Some(2) && String::from_utf8_lossy(&o.stderr).contains("E015"),
        || text(&o),
    )?;
    let manifest = dir.join("cases.json");
    let entry =
        |name: &str| serde_json::json!({"name": name, "old": old.to_str(), "new": new.to_str()});
    let mut entries = vec![entry("Site")];
    entries.extend(["site", "COM1", "portal."].map(entry));
    // The manifest's paths are Linux paths: Wine maps `/x` to `Z:\x` for the Windows binary.
    let list = serde_json::to_string(&entries)?.replace('/', "\\\\");
    fs::write(&manifest, list)?;
    let out = dir.join("out");
    let report = dir.join("report.json");
    let o = w.run(
        &dir,
        &[
            "batch",
            &win(&manifest),
            "--out",
            &win(&out),
            "--report",
            &win(&dir.join("aux.json")),
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr).replace('\n', " ");
    check(
        o.status.code() == Some(2) && err.contains("E019") && err.contains("`aux.json`"),
        || text(&o),
    )?;
    check(!out.exists(), || {
        "--out was created although the run was refused".into()
    })?;
    let o = w.run(
        &dir,
        &[
            "batch",
            &win(&manifest),
            "--out",
            &win(&out),
            "--report",
            &win(&report),
        ],
    );
    check(o.status.code() == Some(2), || text(&o))?;
    let report = fs::read_to_string(&report)?;
    let mut refused = Vec::new();
    for line in report.lines().filter(|l| l.contains("\"case\"")) {
        let r: serde_json::Value = serde_json::from_str(line.trim().trim_end_matches(','))?;
        if r["diagnostics"][0]["code"] == "E019" {
            refused.push(r["case"].as_str().unwrap_or("").to_string());
        }
    }
    check(refused == ["site", "COM1", "portal."], || {
        format!("report:\n{report}")
    })?;
    check(files_in(&out)? == ["Site"], || {
        format!("OUTDIR holds {:?}", files_in(&out).unwrap_or_default())
    })
}

/// `\\?\` paths for inputs and output, an output and an `--in-place` NEW past 260 characters: the
/// right bytes, the backup and no temporary file beside them, and diff headers without the prefix.
fn long_paths(w: &Wine, scratch: &Path) -> Result<(), Failed> {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-basic");
    let dir = scratch.join("long");
    let deep = (0..6).fold(dir.clone(), |p, i| p.join(format!("{i}{}", "d".repeat(50))));
    fs::create_dir_all(&deep)?;
    fs::copy(case.join("old.config"), dir.join("old.config"))?;
    fs::copy(case.join("new.config"), dir.join("new.config"))?;
    let out = deep.join("out.config");
    check(win(&out).len() > 260, || "the path is not long".into())?;
    let verbatim = |p: &Path| format!(r"\\?\{}", win(p));
    let o = w.run(
        &dir,
        &[
            "merge",
            &verbatim(&dir.join("old.config")),
            &verbatim(&dir.join("new.config")),
            "-o",
            &verbatim(&out),
        ],
    );
    check(o.status.code() == Some(0), || text(&o))?;
    check(
        fs::read(&out)? == fs::read(case.join("expected.config"))?,
        || "-o to a long \\\\?\\ path wrote other bytes".into(),
    )?;
    let header = format!("diff --git a{}", dir.join("new.config").display());
    let stdout = String::from_utf8_lossy(&o.stdout);
    check(stdout.starts_with(&header), || {
        format!("header: {}", stdout.lines().next().unwrap_or(""))
    })?;
    fs::copy(case.join("new.config"), deep.join("web.config"))?;
    let new = deep.join("web.config");
    let o = w.run(
        &dir,
        &[
            "merge",
            &win(&dir.join("old.config")),
            &win(&new),
            "--in-place",
        ],
    );
    check(o.status.code() == Some(0), || text(&o))?;
    check(
        fs::read(&new)? == fs::read(case.join("expected.config"))?,
        || "--in-place on a long path wrote other bytes".into(),
    )?;
    check(
        files_in(&deep)? == ["out.config", "web.config", "web.config.bak"],
        || format!("beside them: {:?}", files_in(&deep).unwrap_or_default()),
    )
}

/// `file=` with a backslash is followed as on Windows; one ending in a dot (which Windows would read
/// as another name) is not (W202), and its values are not migrated.
fn external_files(w: &Wine, scratch: &Path) -> Result<(), Failed> {
    let case =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-external-appsettings");
    let dir = scratch.join("externals");
    fs::create_dir_all(dir.join("sub"))?;
    let old = fs::read_to_string(case.join("old.config"))?;
    fs::copy(
        case.join("pfsecrets.config"),
        dir.join("sub/pfsecrets.config"),
    )?;
    fs::copy(case.join("new.config"), dir.join("new.config"))?;
    for (value, ok) in [
        (r"sub\pfsecrets.config", true),
        (r"sub\pfsecrets.config.", false),
    ] {
        let old = old.replace(r#"file="pfsecrets.config""#, &format!(r#"file="{value}""#));
        fs::write(dir.join("old.config"), old)?;
        let out = dir.join("out.config");
        let o = w.run(
            &dir,
            &[
                "merge",
                &win(&dir.join("old.config")),
                &win(&dir.join("new.config")),
                "-o",
                &win(&out),
            ],
        );
        let err = String::from_utf8_lossy(&o.stderr).replace('\n', " ");
        check(o.status.code() == Some(0), || text(&o))?;
        let same = fs::read(&out)? == fs::read(case.join("expected.config"))?;
        if ok {
            check(same && err.contains("N304"), || {
                format!("{value}: {}", text(&o))
            })?;
        } else {
            check(
                !same && err.contains("W202") && err.contains("ends with a dot"),
                || format!("{value}: {}", text(&o)),
            )?;
        }
    }
    Ok(())
}

fn batch(w: &Wine, scratch: &Path) -> Result<(), Failed> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let out = scratch.join("batch-out");
    let report = scratch.join("report.json");
    let o = w.run(
        scratch,
        &[
            "batch",
            &win(&folder),
            "--out",
            &win(&out),
            "--report",
            &win(&report),
        ],
    );
    check(o.status.code() == Some(0), || text(&o))?;
    let report = fs::read_to_string(&report)?;
    let cases = corpus();
    check(report.lines().count() >= cases.len(), || {
        format!("report:\n{report}")
    })?;
    for case in cases {
        let name = case.file_name().unwrap();
        let merged = out.join(name).join("merged.config");
        let want = fs::read(case.join("expected.config"))?;
        if fs::read(&merged).ok().as_deref() != Some(&want[..])
            && want != fs::read(case.join("new.config"))?
        {
            return Err(format!("batch wrote other bytes for {}", merged.display()).into());
        }
    }
    Ok(())
}

fn exit_two(w: &Wine, scratch: &Path) -> Result<(), Failed> {
    let dir = scratch.join("errors");
    fs::create_dir_all(&dir)?;
    fs::write(dir.join("new.config"), "<configuration/>")?;
    fs::write(
        dir.join("bad.config"),
        "<configuration><appSettings></configuration>",
    )?;
    for (input, code) in [("nope.config", "E001"), ("bad.config", "E003")] {
        let o = w.run(
            &dir,
            &[
                "merge",
                &win(&dir.join(input)),
                &win(&dir.join("new.config")),
                "-o",
                "out.config",
            ],
        );
        check(o.status.code() == Some(2), || text(&o))?;
        check(String::from_utf8_lossy(&o.stderr).contains(code), || {
            text(&o)
        })?;
    }
    check(!dir.join("out.config").exists(), || {
        "an output was written".into()
    })
}

/// One trial's body: it gets the Wine setup and a scratch folder.
type Check = Box<dyn Fn(&Wine, &Path) -> Result<(), Failed> + Send + Sync>;

fn main() {
    let args = Arguments::from_args();
    let scratch = tempfile::tempdir().expect("a temp folder");
    let wine = setup(scratch.path());
    let ci = std::env::var_os("CI").is_some_and(|v| v == "true");
    let mut trials = Vec::new();
    let cases = corpus();
    let wine = std::sync::Arc::new(wine);
    let dir = std::sync::Arc::new(scratch.path().to_path_buf());
    let mut add = |name: String, f: Check| {
        let (wine, dir) = (wine.clone(), dir.clone());
        let ignored = wine.is_err() && !ci;
        trials.push(
            Trial::test(name, move || match wine.as_ref() {
                Ok(w) => f(w, &dir),
                Err(why) => Err(format!("cannot run the Windows binary: {why}").into()),
            })
            .with_ignored_flag(ignored),
        );
    };
    for case in cases {
        let name = format!("corpus::{}", case.file_name().unwrap().to_string_lossy());
        add(name, Box::new(move |w, d| corpus_case(w, &case, d)));
    }
    add(
        "in_place_keeps_a_backup_and_the_file_s_attributes".into(),
        Box::new(in_place),
    );
    add(
        "a_file_another_program_holds_gives_a_clear_error_and_nothing_is_written".into(),
        Box::new(locked_files),
    );
    add(
        "outputs_and_case_names_windows_cannot_hold_are_refused".into(),
        Box::new(windows_names),
    );
    add(
        "verbatim_and_long_paths_work_for_inputs_and_outputs".into(),
        Box::new(long_paths),
    );
    add(
        "file_references_follow_windows_rules".into(),
        Box::new(external_files),
    );
    add(
        "batch_over_the_corpus_with_a_json_report".into(),
        Box::new(batch),
    );
    add(
        "missing_and_malformed_inputs_exit_2".into(),
        Box::new(exit_two),
    );
    if let Err(why) = wine.as_ref() {
        eprintln!("windows: trials ignored: {why}");
    }
    // Wine's server is shared: one trial at a time keeps its start-up cost paid once.
    let mut args = args;
    args.test_threads = Some(1);
    let conclusion = libtest_mimic::run(&args, trials);
    if let Ok(w) = wine.as_ref() {
        w.stop();
    }
    conclusion.exit();
}
