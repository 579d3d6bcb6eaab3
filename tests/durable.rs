//! Crash semantics of what wcmigrate writes: every rename that puts a file in place is made durable —
//! a single merge, `--in-place`, `--diff` or `xdt apply` flushes the folder after its rename, so a crash
//! after wcmigrate returns cannot bring back the old file.
//!
//! The system calls are checked with strace (those trials show as ignored without it, and fail under
//! CI=true).

#[cfg(target_os = "linux")]
fn main() {
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(&args, strace::trials()).exit();
}

/// The renames and flushes are checked on Linux; Windows' writes are checked in tests/windows.rs.
#[cfg(not(target_os = "linux"))]
fn main() {}

/// The system calls, seen with strace: each trial shows as ignored without it (failed under CI=true).
#[cfg(target_os = "linux")]
mod strace {
    use std::fs;
    use std::path::Path;
    use std::process::Command;

    use libtest_mimic::{Failed, Trial};

    const OLD: &str = r#"<configuration>
  <appSettings>
    <add key="WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD" value="Tr0ub4dor" />
  </appSettings>
</configuration>
"#;
    const NEW: &str = r#"<configuration>
  <appSettings>
    <add key="WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD" value="" />
  </appSettings>
</configuration>
"#;
    const TRANSFORM: &str = r#"<configuration xmlns:xdt="http://schemas.microsoft.com/XML-Document-Transform">
  <appSettings>
    <add key="Added" value="1" xdt:Transform="Insert" />
  </appSettings>
</configuration>
"#;

    /// Why strace cannot trace here, if it cannot.
    fn unavailable() -> Option<String> {
        match Command::new("strace")
            .args(["-f", "-o", "/dev/null", "true"])
            .output()
        {
            Ok(o) if o.status.success() => None,
            Ok(o) => Some(format!(
                "strace cannot trace here: {}",
                String::from_utf8_lossy(&o.stderr)
            )),
            Err(e) => Some(format!(
                "strace is not installed ({e}): apt-get install strace"
            )),
        }
    }

    /// The flushes and renames of `wcmigrate args` run in `dir`, one call a line, file descriptors
    /// shown with their paths.
    fn traced(dir: &Path, args: &[&str]) -> Result<Vec<String>, Failed> {
        let trace = dir.join("strace.out");
        let o = Command::new("strace")
            .args(["-f", "-qq", "-y", "-e"])
            .arg("trace=fsync,fdatasync,syncfs,sync,rename,renameat,renameat2")
            .arg("-o")
            .arg(&trace)
            .arg(env!("CARGO_BIN_EXE_wcmigrate"))
            .args(args)
            .current_dir(dir)
            .env_remove("WCMIGRATE_TEST_STEPS")
            .output()?;
        if !o.status.success() {
            return Err(format!("{args:?}: {}", String::from_utf8_lossy(&o.stderr)).into());
        }
        let text = fs::read_to_string(&trace)?;
        fs::remove_file(&trace)?;
        Ok(text.lines().map(str::to_string).collect())
    }

    fn position(calls: &[String], what: &str, f: impl Fn(&str) -> bool) -> Result<usize, Failed> {
        calls
            .iter()
            .rposition(|c| f(c))
            .ok_or_else(|| format!("no {what} in:\n{}", calls.join("\n")).into())
    }

    /// The last rename to a path ending in `target` is followed by an fsync of folder `folder`.
    fn flushed_after_rename(calls: &[String], target: &str, folder: &Path) -> Result<(), Failed> {
        let renamed = position(calls, "rename", |c| {
            c.contains("rename") && c.contains(&format!("{target}\")")) && c.ends_with("= 0")
        })?;
        let fd = format!("<{}>)", folder.display());
        let synced = position(calls, "fsync of the folder", |c| {
            c.contains(" fsync(") && c.contains(&fd) && c.ends_with("= 0")
        })?;
        if synced < renamed {
            return Err(format!(
                "{folder:?} is flushed before the rename to {target}:\n{}",
                calls.join("\n")
            )
            .into());
        }
        Ok(())
    }

    fn setup() -> Result<(tempfile::TempDir, std::path::PathBuf), Failed> {
        let d = tempfile::tempdir()?;
        let real = fs::canonicalize(d.path())?;
        fs::create_dir(real.join("sub"))?;
        fs::write(real.join("old.config"), OLD)?;
        fs::write(real.join("new.config"), NEW)?;
        fs::write(real.join("Web.Release.config"), TRANSFORM)?;
        Ok((d, real))
    }

    fn each_single_write_flushes_its_folder_after_the_rename() -> Result<(), Failed> {
        let (_d, dir) = setup()?;
        let outs: [(&[&str], &str, &Path); 5] = [
            (
                &["merge", "old.config", "new.config", "-o", "sub/out.config"],
                "sub/out.config",
                &dir.join("sub"),
            ),
            (
                &["merge", "old.config", "new.config", "--in-place"],
                "new.config",
                &dir,
            ),
            (
                &[
                    "xdt",
                    "apply",
                    "new.config",
                    "Web.Release.config",
                    "-o",
                    "sub/xdt.config",
                ],
                "sub/xdt.config",
                &dir.join("sub"),
            ),
            (
                &[
                    "xdt",
                    "apply",
                    "new.config",
                    "Web.Release.config",
                    "--in-place",
                    "--force",
                ],
                "new.config",
                &dir,
            ),
            (
                &[
                    "merge",
                    "old.config",
                    "new.config",
                    "--diff",
                    "sub/out.diff",
                ],
                "sub/out.diff",
                &dir.join("sub"),
            ),
        ];
        for (args, target, folder) in outs {
            let calls = traced(&dir, args)?;
            flushed_after_rename(&calls, target, folder)
                .map_err(|e| format!("{args:?}: {}", e.message().unwrap_or_default()))?;
        }
        Ok(())
    }

    pub fn trials() -> Vec<Trial> {
        let why = unavailable();
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        type Check = fn() -> Result<(), Failed>;
        let checks: [(&str, Check); 1] = [(
            "strace::each_single_write_flushes_its_folder_after_the_rename",
            each_single_write_flushes_its_folder_after_the_rename,
        )];
        checks
            .into_iter()
            .map(|(name, f)| {
                let ignored = why.is_some() && !ci;
                let why = why.clone();
                Trial::test(name, move || match why {
                    Some(w) => Err(w.into()),
                    None => f(),
                })
                .with_ignored_flag(ignored)
            })
            .collect()
    }
}
