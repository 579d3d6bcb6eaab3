//! Crash semantics of what wcmigrate writes: a batch with `--out` killed at any step of writing leaves
//! every output complete (this run's, or what was there before) or absent, litter only in its staging
//! folder, and a rerun that completes; and every rename that puts a file in place is made durable —
//! the batch flushes its data once before any rename and the names once after the last, a single
//! merge, `--in-place` or `xdt apply` flushes the folder after its rename.
//!
//! Kill points are chosen by count, never by time: `WCMIGRATE_TEST_STEPS` (src/cli/batch.rs) numbers
//! the steps of writing as they begin, and kills the process at step K (SIGKILL to itself), or pauses
//! it there and says so through a FIFO for the test to send the SIGKILL. The system calls are checked
//! with strace (those trials show as ignored without it, and fail under CI=true).

#[cfg(target_os = "linux")]
fn main() {
    linux::main()
}

/// The staging folder and its syscalls are Linux's; Windows' writes are checked in tests/windows.rs.
#[cfg(not(target_os = "linux"))]
fn main() {}

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::BTreeMap;
    use std::fs;
    use std::os::unix::process::ExitStatusExt;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};

    use libtest_mimic::{Arguments, Failed, Trial};

    const CASES: usize = 24;
    const STAGING: &str = ".wcmigrate-staging-";

    fn bin() -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wcmigrate"));
        c.env_remove("NO_COLOR").env_remove("WCMIGRATE_TEST_STEPS");
        c
    }

    fn corpus(name: &str) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        fs::read_to_string(root.join("corpus/user-portal-basic").join(name)).unwrap()
    }

    /// `CASES` typical pairs under `root/cases` (`tag` varies OLD's values), as benches/merge.rs
    /// makes them: two levels of folders.
    fn cases(root: &Path, folder: &str, tag: &str) {
        let (old, new) = (corpus("old.config"), corpus("new.config"));
        for i in 0..CASES {
            let case = root.join(folder).join(format!("{:02}/{i:03}", i % 5));
            fs::create_dir_all(&case).unwrap();
            fs::write(
                case.join("old.config"),
                old.replace("svc-pfportal", &format!("svc-{tag}-{i}")),
            )
            .unwrap();
            fs::write(case.join("new.config"), &new).unwrap();
        }
    }

    /// Every file below `dir`, by path relative to it.
    fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            let Ok(entries) = fs::read_dir(&d) else {
                continue;
            };
            for e in entries {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    out.insert(
                        p.strip_prefix(dir).unwrap().to_path_buf(),
                        fs::read(&p).unwrap(),
                    );
                }
            }
        }
        out
    }

    /// `batch cases --out OUT --report REPORT --jobs 2` in `root`, with `steps` as the test hook.
    fn batch(root: &Path, out: &str, steps: Option<&str>) -> Command {
        let mut c = bin();
        c.current_dir(root)
            .args(["batch", "cases", "--jobs", "2", "--out", out, "--report"])
            .arg(format!("{out}.report.ndjson"));
        if let Some(s) = steps {
            c.env("WCMIGRATE_TEST_STEPS", s);
        }
        c
    }

    fn ok(o: &Output) -> Result<(), Failed> {
        if o.status.success() {
            Ok(())
        } else {
            Err(format!(
                "exit {:?}: {}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
            )
            .into())
        }
    }

    /// The steps a run took, in order, from its `trace` lines on stderr.
    fn steps(stderr: &[u8]) -> Vec<String> {
        String::from_utf8_lossy(stderr)
            .lines()
            .filter_map(|l| l.strip_prefix("wcmigrate-test-step "))
            .map(|l| l.split_once(' ').unwrap().1.to_string())
            .collect()
    }

    /// What the tests compare against: an uninterrupted run's OUTDIR, one made earlier from other
    /// inputs (what a rerun replaces), and the steps of writing into a fresh OUTDIR (each new top
    /// folder renamed into place whole) and into the earlier one (each file renamed over its old
    /// version).
    struct World {
        root: tempfile::TempDir,
        reference: BTreeMap<PathBuf, Vec<u8>>,
        previous: BTreeMap<PathBuf, Vec<u8>>,
        fresh_steps: Vec<String>,
        rerun_steps: Vec<String>,
    }

    impl World {
        fn steps(&self, previous: bool) -> &[String] {
            if previous {
                &self.rerun_steps
            } else {
                &self.fresh_steps
            }
        }
    }

    fn world() -> World {
        let root = tempfile::tempdir().unwrap();
        cases(root.path(), "cases", "now");
        let fresh = batch(root.path(), "reference", Some("trace"))
            .output()
            .unwrap();
        ok(&fresh).unwrap();
        // Other inputs, same case names: an OUTDIR as an earlier run left it.
        cases(root.path(), "earlier", "before");
        let o = bin()
            .current_dir(root.path())
            .args(["batch", "earlier", "--out", "previous"])
            .output()
            .unwrap();
        ok(&o).unwrap();
        let mut w = World {
            reference: snapshot(&root.path().join("reference")),
            previous: snapshot(&root.path().join("previous")),
            fresh_steps: steps(&fresh.stderr),
            rerun_steps: Vec::new(),
            root,
        };
        assert_eq!(w.reference.len(), CASES * 2);
        assert!(w.reference.iter().all(|(p, b)| w.previous[p] != *b));
        outdir(&w, "rerun", true);
        let rerun = batch(w.root.path(), "rerun", Some("trace"))
            .output()
            .unwrap();
        ok(&rerun).unwrap();
        w.rerun_steps = steps(&rerun.stderr);
        w
    }

    /// OUTDIR after a run stopped as step `k` began, `done` the steps before it: every output this run's, the earlier
    /// one's (`previous`) or absent, and this run's are the first ones in path order (the order of the
    /// renames): none before the first rename, all once the renames are done, and with `previous`
    /// exactly as many as renames were made; anything else only inside a staging folder; no report.
    fn check_stopped(w: &World, out: &str, done: &[String], previous: bool) -> Result<(), Failed> {
        let k = done.len() + 1;
        let dir = w.root.path().join(out);
        let renamed = done.iter().filter(|s| *s == "rename").count();
        let mut found = snapshot(&dir);
        found.retain(|path, _| {
            let top = path
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            !top.starts_with(STAGING)
        });
        for path in found.keys() {
            if !w.reference.contains_key(path) {
                return Err(format!("step {k}: litter at {}", path.display()).into());
            }
        }
        let mut new = Vec::new();
        for (path, reference) in &w.reference {
            let now = found.get(path);
            let earlier = w.previous.get(path).filter(|_| previous);
            if now == Some(reference) {
                new.push(true);
            } else if now.is_none() && !previous || now.is_some() && now == earlier {
                new.push(false);
            } else {
                let what = now.map_or("absent".to_string(), |b| format!("{} bytes", b.len()));
                return Err(format!(
                    "step {k}: {} is neither this run's file, the earlier one nor absent: {what}",
                    path.display()
                )
                .into());
            }
        }
        let n = new.iter().filter(|x| **x).count();
        if new[..n].iter().any(|x| !x) {
            return Err(
                format!("step {k}: this run's outputs are not the first in path order").into(),
            );
        }
        let all_renamed = done.iter().any(|s| s == "sync-names");
        let expected = match (renamed, all_renamed, previous) {
            (0, _, _) => Some(0),
            (_, true, _) => Some(new.len()),
            (r, false, true) => Some(r),
            _ => None,
        };
        if expected.is_some_and(|e| e != n) {
            return Err(
                format!("step {k}: {n} outputs are this run's after {renamed} renames").into(),
            );
        }
        if w.root.path().join(format!("{out}.report.ndjson")).exists() {
            return Err(format!("step {k}: the report is in place before the run finished").into());
        }
        Ok(())
    }

    /// A rerun after the kill completes, writes exactly an uninterrupted run's OUTDIR (the killed run's
    /// staging folder removed) and its report.
    fn check_rerun(w: &World, out: &str) -> Result<(), Failed> {
        ok(&batch(w.root.path(), out, None).output().unwrap())?;
        if snapshot(&w.root.path().join(out)) != w.reference {
            return Err(
                format!("{out}: a rerun does not give an uninterrupted run's files").into(),
            );
        }
        let report = fs::read_to_string(w.root.path().join(format!("{out}.report.ndjson")))?;
        if !report
            .lines()
            .last()
            .is_some_and(|l| l.contains("\"summary\""))
        {
            return Err("the rerun's report is incomplete".into());
        }
        Ok(())
    }

    /// A fresh OUTDIR, or a copy of the earlier run's.
    fn outdir(w: &World, name: &str, previous: bool) {
        let dir = w.root.path().join(name);
        for (path, bytes) in w.previous.iter().filter(|_| previous) {
            fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
            fs::write(dir.join(path), bytes).unwrap();
        }
    }

    fn the_steps_flush_the_data_before_any_rename_and_the_names_after_the_last(
        w: &World,
    ) -> Result<(), Failed> {
        for (s, renames) in [(&w.fresh_steps, 5), (&w.rerun_steps, CASES * 2)] {
            let first = |name: &str| s.iter().position(|x| x == name).unwrap();
            let last = |name: &str| s.iter().rposition(|x| x == name).unwrap();
            assert_eq!(s.iter().filter(|x| *x == "written").count(), CASES * 2);
            // A fresh OUTDIR takes its five top folders whole; the earlier one each file.
            assert_eq!(s.iter().filter(|x| *x == "rename").count(), renames);
            assert!(last("written") < first("sync-data"));
            assert!(first("sync-data") == last("sync-data") && last("sync-data") < first("rename"));
            assert!(
                last("rename") < first("sync-names") && first("sync-names") == last("sync-names")
            );
            assert_eq!(
                &s[s.len() - 2..],
                ["clean", "report"],
                "the report after the commit"
            );
        }
        Ok(())
    }

    /// Step numbers to stop at: every `every`th step of the commit, its first and last ones, and a
    /// seeded choice of the writes before it.
    fn kill_points(steps: &[String], every: usize, seed: u64) -> Vec<usize> {
        let commit = steps.iter().position(|s| s == "sync-data").unwrap() + 1;
        let mut ks: Vec<usize> = (commit..=steps.len()).step_by(every).collect();
        ks.extend([
            commit,
            commit + 1,
            steps.len() - 2,
            steps.len() - 1,
            steps.len(),
        ]);
        let mut seed = seed;
        for _ in 0..6 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            ks.push(1 + (seed % commit as u64) as usize);
        }
        ks.sort_unstable();
        ks.dedup();
        ks
    }

    fn a_batch_killed_at_any_step_leaves_each_output_complete_or_absent(
        w: &World,
    ) -> Result<(), Failed> {
        for previous in [false, true] {
            let steps = w.steps(previous);
            for k in kill_points(steps, if previous { 4 } else { 1 }, 0x5eed_cafe) {
                let out = format!("killed-{k}-{previous}");
                outdir(w, &out, previous);
                let o = batch(w.root.path(), &out, Some(&format!("kill:{k}")))
                    .output()
                    .unwrap();
                assert_eq!(o.status.signal(), Some(9), "step {k}: {:?}", o.status);
                let seen = self::steps(&o.stderr);
                assert_eq!(seen.len(), k, "killed as step {k} began");
                // The writes of two threads interleave as they will; the commit is one thread's.
                let commit = steps.iter().position(|s| s == "sync-data").unwrap() + 1;
                if k >= commit {
                    assert_eq!(seen[k - 1], steps[k - 1], "step {k}");
                } else {
                    assert!(
                        ["write", "written"].contains(&seen[k - 1].as_str()),
                        "step {k}"
                    );
                }
                check_stopped(w, &out, &seen[..k - 1], previous)?;
                check_rerun(w, &out)?;
            }
        }
        Ok(())
    }

    fn a_batch_sent_sigkill_while_writing_or_renaming_leaves_each_output_complete_or_absent(
        w: &World,
    ) -> Result<(), Failed> {
        let fifo = w.root.path().join("paused");
        assert!(Command::new("mkfifo").arg(&fifo).status()?.success());
        for previous in [false, true] {
            let steps = w.steps(previous);
            let renames: Vec<usize> = (0..steps.len())
                .filter(|&i| steps[i] == "rename")
                .map(|i| i + 1)
                .collect();
            let written = steps.iter().position(|s| s == "written").unwrap() + 1;
            let middle = renames[renames.len() / 2];
            for k in [written + 6, renames[0], middle, *renames.last().unwrap()] {
                let out = format!("sigkill-{k}-{previous}");
                outdir(w, &out, previous);
                let spec = format!("pause:{k}:{}", fifo.display());
                let mut child = batch(w.root.path(), &out, Some(&spec))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()?;
                // Returns once the batch has reached step k and said so; it then waits for the kill.
                let said = fs::read_to_string(&fifo)?;
                assert!(
                    said.starts_with(&format!("wcmigrate-test-step {k} ")),
                    "{said}"
                );
                child.kill()?;
                assert_eq!(child.wait()?.signal(), Some(9));
                check_stopped(w, &out, &steps[..k - 1], previous)?;
                check_rerun(w, &out)?;
            }
        }
        Ok(())
    }

    pub fn main() {
        let args = Arguments::from_args();
        let w = std::sync::Arc::new(world());
        type Check = fn(&World) -> Result<(), Failed>;
        let checks: [(&str, Check); 3] = [
            (
                "the_steps_flush_the_data_before_any_rename_and_the_names_after_the_last",
                the_steps_flush_the_data_before_any_rename_and_the_names_after_the_last,
            ),
            (
                "a_batch_killed_at_any_step_leaves_each_output_complete_or_absent",
                a_batch_killed_at_any_step_leaves_each_output_complete_or_absent,
            ),
            (
                "a_batch_sent_sigkill_while_writing_or_renaming_leaves_each_output_complete_or_absent",
                a_batch_sent_sigkill_while_writing_or_renaming_leaves_each_output_complete_or_absent,
            ),
        ];
        let mut trials: Vec<Trial> = checks
            .into_iter()
            .map(|(name, f)| {
                let w = w.clone();
                Trial::test(name, move || f(&w))
            })
            .collect();
        trials.extend(super::strace::trials());
        libtest_mimic::run(&args, trials).exit();
    }
}

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

    fn a_batch_flushes_once_before_the_renames_and_once_after_not_per_file() -> Result<(), Failed> {
        let (_d, dir) = setup()?;
        for i in 0..5 {
            let case = dir.join(format!("cases/c{i}"));
            fs::create_dir_all(&case)?;
            fs::write(
                case.join("old.config"),
                OLD.replace("Tr0ub4dor", &format!("pw{i}")),
            )?;
            fs::write(case.join("new.config"), NEW)?;
        }
        let args = [
            "batch",
            "cases",
            "--jobs",
            "2",
            "--out",
            "out",
            "--report",
            "sub/report.ndjson",
        ];
        let calls = traced(&dir, &args)?;
        let all = calls.join("\n");
        let syncfs: Vec<usize> = (0..calls.len())
            .filter(|&i| calls[i].contains(" syncfs("))
            .collect();
        // A fresh OUTDIR: each case's folder is renamed into place whole.
        let out = format!("\"{}/out/", dir.display());
        let renames: Vec<usize> = (0..calls.len())
            .filter(|&i| calls[i].contains("rename") && calls[i].contains(&out))
            .collect();
        let fsyncs = calls
            .iter()
            .filter(|c| c.contains(" fsync(") || c.contains(" fdatasync("))
            .count();
        assert_eq!(syncfs.len(), 2, "{all}");
        assert_eq!(renames.len(), 5, "{all}");
        assert!(
            syncfs[0] < renames[0] && *renames.last().unwrap() < syncfs[1],
            "{all}"
        );
        // The report's own file and folder: nothing per output.
        assert_eq!(fsyncs, 2, "{all}");
        flushed_after_rename(&calls, "sub/report.ndjson", &dir.join("sub"))?;
        assert!(
            position(&calls, "report", |c| c.contains("sub/report.ndjson"))? > syncfs[1],
            "{all}"
        );
        Ok(())
    }

    pub fn trials() -> Vec<Trial> {
        let why = unavailable();
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        type Check = fn() -> Result<(), Failed>;
        let checks: [(&str, Check); 2] = [
            (
                "strace::each_single_write_flushes_its_folder_after_the_rename",
                each_single_write_flushes_its_folder_after_the_rename,
            ),
            (
                "strace::a_batch_flushes_once_before_the_renames_and_once_after_not_per_file",
                a_batch_flushes_once_before_the_renames_and_once_after_not_per_file,
            ),
        ];
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
