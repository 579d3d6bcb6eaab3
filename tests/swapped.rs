//! Swapped or mixed-up inputs: `merge new.config old.config` used to revert every admin value to the
//! vendor's default and exit 0 without a word. OLD that looks newer than NEW is W240, with the
//! evidence; under `--check` it is refused (E041).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn corpus() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("new.config").is_file())
        .collect();
    v.sort();
    v
}

fn merge(old: &Path, new: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .args(["merge", "--color", "never"])
        .arg(old)
        .arg(new)
        .args(extra)
        .output()
        .unwrap()
}

/// Stderr with the renderer's line wrapping undone.
fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn swapped_corpus_files_are_named_with_the_evidence() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-basic");
    let (old, new) = (case.join("old.config"), case.join("new.config"));
    let o = merge(&new, &old, &[]);
    let e = err(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "a warning: the merge still runs\n{e}"
    );
    for needle in [
        "W240",
        "looks newer than NEW",
        "OLD has System.Design 4.0.0.0, NEW 2.0.0.0",
        "appSettings values set where OLD has a fresh install's empty or localhost default",
        "WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD",
    ] {
        assert!(e.contains(needle), "`{needle}` in:\n{e}");
    }
    assert!(
        !e.contains("Hunter") && !e.contains("mfa.contoso"),
        "no value is quoted:\n{e}"
    );
    // The right way round: not a word of it, in any corpus case.
    for case in corpus() {
        let base = case.join("base.config");
        let mut extra: Vec<String> = fs::read_to_string(case.join("args"))
            .map(|a| a.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        if base.is_file() {
            extra.extend(["--base".to_string(), base.display().to_string()]);
        }
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let o = merge(&case.join("old.config"), &case.join("new.config"), &extra);
        assert!(
            !err(&o).contains("W240"),
            "{}:\n{}",
            case.display(),
            err(&o)
        );
    }
}

#[test]
fn check_refuses_swapped_files() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-basic");
    let o = merge(
        &case.join("new.config"),
        &case.join("old.config"),
        &["--check"],
    );
    let e = err(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.starts_with("E041(swapped-inputs)"), "{e}");
    assert!(e.contains("W240") && e.contains("System.Design"), "{e}");
    // The right way round, --check answers as before.
    let o = merge(
        &case.join("old.config"),
        &case.join("new.config"),
        &["--check"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
}

fn pair(dir: &Path, old: &str, new: &str) -> (PathBuf, PathBuf) {
    let (o, n) = (dir.join("old.config"), dir.join("new.config"));
    fs::write(&o, old).unwrap();
    fs::write(&n, new).unwrap();
    (o, n)
}

#[test]
fn each_kind_of_evidence_is_named_on_its_own() {
    let d = tempfile::tempdir().unwrap();
    let framework = |v: &str| {
        format!("<configuration><system.web><compilation targetFramework=\"{v}\" /><httpRuntime targetFramework=\"{v}\" /></system.web></configuration>")
    };
    let (o, n) = pair(d.path(), &framework("4.8"), &framework("4.5.2"));
    let e = err(&merge(&o, &n, &[]));
    assert!(
        e.contains("W240") && e.contains("OLD has .NET Framework (targetFramework) 4.8, NEW 4.5.2"),
        "{e}"
    );
    let (o, n) = pair(d.path(), &framework("4.5.2"), &framework("4.8"));
    assert!(!err(&merge(&o, &n, &[])).contains("W240"));

    let redirect = |v: &str| {
        format!("<configuration><runtime><assemblyBinding xmlns=\"urn:schemas-microsoft-com:asm.v1\"><dependentAssembly><assemblyIdentity name=\"Newtonsoft.Json\" /><bindingRedirect oldVersion=\"0.0.0.0-{v}\" newVersion=\"{v}\" /></dependentAssembly></assemblyBinding></runtime></configuration>")
    };
    let (o, n) = pair(d.path(), &redirect("13.0.0.0"), &redirect("6.0.0.0"));
    let e = err(&merge(&o, &n, &[]));
    assert!(
        e.contains("OLD has Newtonsoft.Json (binding redirect) 13.0.0.0, NEW 6.0.0.0"),
        "{e}"
    );

    let app = |a: &str, b: &str| {
        format!("<configuration><appSettings><add key=\"SDK_URL\" value=\"{a}\" /><add key=\"SDK_PASSWORD\" value=\"{b}\" /></appSettings></configuration>")
    };
    let (o, n) = pair(
        d.path(),
        &app("http://localhost:4898/x.asmx", ""),
        &app("https://mfa.contoso.com/x.asmx", "S3cret!"),
    );
    let e = err(&merge(&o, &n, &[]));
    assert!(
        e.contains("NEW has 2 appSettings values set") && e.contains("SDK_URL, SDK_PASSWORD"),
        "{e}"
    );
    assert!(!e.contains("S3cret!"), "{e}");
    // One value alone is not evidence enough (a vendor may fill in one default).
    let (o, n) = pair(
        d.path(),
        &app("http://localhost:4898/x.asmx", "kept"),
        &app("https://mfa.contoso.com/x.asmx", "kept"),
    );
    assert!(!err(&merge(&o, &n, &[])).contains("W240"));
}

#[test]
fn a_swapped_batch_case_carries_the_warning() {
    let d = tempfile::tempdir().unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/user-portal-basic");
    let c = d.path().join("swapped");
    fs::create_dir(&c).unwrap();
    fs::copy(case.join("new.config"), c.join("old.config")).unwrap();
    fs::copy(case.join("old.config"), c.join("new.config")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .args(["batch", "--color", "never"])
        .arg(d.path())
        .output()
        .unwrap();
    assert!(err(&o).contains("W240(old-looks-newer)"), "{}", err(&o));
}
