//! The Windows binary, run under Wine: every corpus case byte for byte with Windows paths, `--in-place`
//! with its backup, `batch` with a JSON report, the exit-2 paths, and Windows' own path rules.
//!
//! `.ci/run` builds `wcmigrate.exe` (release, static CRT) and points `WCMIGRATE_WINDOWS_EXE` at it;
//! this harness builds the ProcessPrng shim Wine 8 needs (`tests/windows/bcryptprimitives.c`) with
//! the same mingw compiler and runs every trial. Without the .exe, Wine or mingw each trial shows
//! as ignored, and under `CI=true` as failed: a check that could not run never passes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use libtest_mimic::{Arguments, Failed, Trial};

/// What running the Windows binary needs, or why it cannot run here.
struct Wine {
    wine: PathBuf,
    /// A folder holding `wcmigrate.exe` and the shim DLL.
    bin: PathBuf,
    prefix: PathBuf,
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
    let prefix = scratch.join("prefix");
    Ok(Wine { wine, bin, prefix })
}

/// A Linux path as the Windows binary sees it under Wine (drive Z: is `/`).
fn win(p: &Path) -> String {
    format!("Z:{}", p.display()).replace('/', "\\")
}

impl Wine {
    fn run(&self, cwd: &Path, args: &[&str]) -> Output {
        Command::new(&self.wine)
            .arg(self.bin.join("wcmigrate.exe"))
            .args(args)
            .current_dir(cwd)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env("NO_COLOR", "1")
            .output()
            .expect("Wine runs")
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

fn in_place(w: &Wine, scratch: &Path) -> Result<(), Failed> {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-basic");
    let dir = scratch.join("in-place");
    fs::create_dir_all(&dir)?;
    fs::copy(case.join("old.config"), dir.join("old.config"))?;
    fs::copy(case.join("new.config"), dir.join("web.config"))?;
    let o = w.run(
        &dir,
        &[
            "merge",
            &win(&dir.join("old.config")),
            &win(&dir.join("web.config")),
            "--in-place",
        ],
    );
    check(o.status.code() == Some(0), || text(&o))?;
    check(
        fs::read(dir.join("web.config"))? == fs::read(case.join("expected.config"))?,
        || "--in-place wrote other bytes".into(),
    )?;
    check(
        fs::read(dir.join("web.config.bak"))? == fs::read(case.join("new.config"))?,
        || "the .bak is not NEW's original".into(),
    )
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
    add("in_place_keeps_a_backup".into(), Box::new(in_place));
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
    libtest_mimic::run(&args, trials).exit();
}
