//! Faults while writing: the original is never damaged, the output is the old file or the complete new
//! one, and the error says what happened. Secrets stay out of every output unless asked for.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wcmigrate"));
    c.env_remove("NO_COLOR");
    c
}

const OLD: &str = r#"<configuration>
  <appSettings>
    <add key="WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD" value="Tr0ub4dor" />
    <add key="OVERRIDE_PHONE_APP_WEB_SERVICE_URL" value="https://svc:Url5ecret@mfa.contoso.com/PhoneFactorPhoneAppWebService/PfPaWs.asmx" />
    <add key="REPORTING_DB" value="Server=sql01;Database=pf;User Id=pf;Password=Db5ecret;" />
  </appSettings>
  <connectionStrings>
    <add name="audit" connectionString="Server=sql02;Password=Cs5ecret;" />
  </connectionStrings>
</configuration>
"#;

const NEW: &str = r#"<configuration>
  <appSettings>
    <add key="WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD" value="" />
    <add key="OVERRIDE_PHONE_APP_WEB_SERVICE_URL" value="" />
    <add key="REPORTING_DB" value="" />
  </appSettings>
  <connectionStrings>
    <add name="audit" connectionString="Server=sql02;Password=NewCs5ecret;" />
  </connectionStrings>
</configuration>
"#;

const SECRETS: [&str; 5] = [
    "Tr0ub4dor",
    "Url5ecret",
    "Db5ecret",
    "Cs5ecret",
    "NewCs5ecret",
];

fn setup() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("old.config"), OLD).unwrap();
    fs::write(d.path().join("new.config"), NEW).unwrap();
    d
}

fn leaked(text: &str) -> Vec<&'static str> {
    SECRETS
        .iter()
        .copied()
        .filter(|s| text.contains(s))
        .collect()
}

#[test]
fn no_secret_reaches_the_diff_the_diagnostics_or_the_reports() {
    let d = setup();
    for args in [
        &["--color", "never"][..],
        &["--format", "json"],
        &["--color", "always"],
    ] {
        let o = bin()
            .current_dir(d.path())
            .args(["merge", "old.config", "new.config"])
            .args(args)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(leaked(&all), Vec::<&str>::new(), "{args:?} leaked:\n{all}");
        assert!(all.contains("***"));
    }
    // The batch report and the diffs it writes.
    fs::create_dir(d.path().join("cases")).unwrap();
    fs::create_dir(d.path().join("cases/one")).unwrap();
    fs::copy(
        d.path().join("old.config"),
        d.path().join("cases/one/old.config"),
    )
    .unwrap();
    fs::copy(
        d.path().join("new.config"),
        d.path().join("cases/one/new.config"),
    )
    .unwrap();
    let o = bin()
        .current_dir(d.path())
        .args([
            "batch",
            "cases",
            "--out",
            "out",
            "--report",
            "report.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for f in ["report.json", "out/one/merged.diff"] {
        let text = fs::read_to_string(d.path().join(f)).unwrap();
        assert_eq!(leaked(&text), Vec::<&str>::new(), "{f} leaked");
    }
    let written = fs::read_to_string(d.path().join("out/one/merged.config")).unwrap();
    assert!(
        written.contains("value=\"Tr0ub4dor\"") && written.contains("Password=Db5ecret;"),
        "the file itself holds the real values"
    );
    // Asked for, they are shown.
    let o = bin()
        .current_dir(d.path())
        .args(["merge", "old.config", "new.config", "--show-secrets"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("Tr0ub4dor"));
}

#[test]
fn an_unwritable_folder_or_a_device_is_a_clear_error_and_nothing_changes() {
    let d = setup();
    for out in [
        "/proc/wcmigrate-test/out.config",
        "/dev/null",
        "missing-folder/out.config",
    ] {
        let o = bin()
            .current_dir(d.path())
            .args([
                "merge",
                "old.config",
                "new.config",
                "-o",
                out,
                "--color",
                "never",
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{out}: {err}");
        assert!(
            err.contains("E007") && err.contains("cannot write"),
            "{out}: {err}"
        );
    }
    assert_eq!(
        fs::read_to_string(d.path().join("new.config")).unwrap(),
        NEW
    );
    assert!(Path::new("/dev/null").exists());
}

#[test]
fn a_process_killed_while_writing_leaves_the_previous_output_whole() {
    // A file-size limit kills the process (SIGXFSZ) in the middle of writing its temporary file.
    let d = setup();
    let big_new = NEW.replace(
        "</appSettings>",
        &format!(
            "{}</appSettings>",
            "    <add key=\"PAD\" value=\"x\" />\n".repeat(20_000)
        ),
    );
    fs::write(d.path().join("new.config"), &big_new).unwrap();
    fs::write(d.path().join("out.config"), "previous output").unwrap();
    let status = Command::new("sh")
        .current_dir(d.path())
        .arg("-c")
        .arg(format!(
            "ulimit -f 64; exec {} merge old.config new.config -o out.config",
            env!("CARGO_BIN_EXE_wcmigrate")
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the size limit must stop the write");
    assert_eq!(
        fs::read_to_string(d.path().join("out.config")).unwrap(),
        "previous output"
    );
    assert_eq!(
        fs::read_to_string(d.path().join("new.config")).unwrap(),
        big_new
    );
}

#[test]
fn concurrent_runs_on_one_output_leave_one_complete_result() {
    let d = setup();
    let other_old = OLD.replace("Tr0ub4dor", "Other5ecret");
    fs::write(d.path().join("old2.config"), other_old).unwrap();
    let mut expected = Vec::new();
    for old in ["old.config", "old2.config"] {
        let out = format!("{old}.expected");
        assert!(bin()
            .current_dir(d.path())
            .args(["merge", old, "new.config", "-o", &out])
            .status()
            .unwrap()
            .success());
        expected.push(fs::read(d.path().join(out)).unwrap());
    }
    let children: Vec<_> = (0..8)
        .map(|i| {
            let old = if i % 2 == 0 {
                "old.config"
            } else {
                "old2.config"
            };
            bin()
                .current_dir(d.path())
                .args(["merge", old, "new.config", "-o", "shared.config"])
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let result = fs::read(d.path().join("shared.config")).unwrap();
    assert!(
        expected.contains(&result),
        "the output is one run's complete file, never a mix"
    );
    let leftovers: Vec<String> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".wcmigrate-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn a_new_output_gets_new_configs_permissions_not_world_readable_defaults() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let d = setup();
        fs::set_permissions(
            d.path().join("new.config"),
            fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        assert!(bin()
            .current_dir(d.path())
            .args(["merge", "old.config", "new.config", "-o", "out.config"])
            .status()
            .unwrap()
            .success());
        let mode = fs::metadata(d.path().join("out.config"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(
            mode, 0o600,
            "a file full of secrets is not made world-readable"
        );
    }
}

#[test]
fn new_changed_on_disk_during_the_run_is_detected_and_nothing_is_written() {
    // Another program edits NEW after wcmigrate read it and before it writes. The window is held open
    // by a FIFO the binary waits on there (WCMIGRATE_TEST_PAUSE_BEFORE_WRITE, see src/cli/merge.rs):
    // the edit lands inside it on every machine, fast or busy, with no sleep and no timing.
    let d = setup();
    let fifo = d.path().join("pause");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for flags in [&["--in-place"][..], &["-o", "out.config"]] {
        let child = bin()
            .current_dir(d.path())
            .args(["merge", "old.config", "new.config", "--color", "never"])
            .args(flags)
            .env("WCMIGRATE_TEST_PAUSE_BEFORE_WRITE", &fifo)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Opening the FIFO for writing returns once the binary is waiting in it, inputs read.
        let pause = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        let edited = NEW.replace("<appSettings>", "<appSettings><!-- edited -->");
        fs::write(d.path().join("new.config"), &edited).unwrap();
        drop(pause);
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains("E009"), "{err}");
        assert_eq!(
            fs::read_to_string(d.path().join("new.config")).unwrap(),
            edited,
            "the other program's edit stands"
        );
        assert!(
            !d.path().join("new.config.bak").exists() && !d.path().join("out.config").exists(),
            "{flags:?}: nothing was written, no backup either"
        );
        fs::write(d.path().join("new.config"), NEW).unwrap();
    }
}
