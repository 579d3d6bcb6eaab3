//! Shell completions and man pages are generated from the clap definition: each builds, is
//! well-formed for its shell or for roff, and knows every subcommand and the newer flags.

use std::fs;
use std::process::{Command, Output};

fn wcmigrate(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

const SUBCOMMANDS: [&str; 6] = [
    "merge",
    "batch",
    "rules",
    "merge-driver",
    "completions",
    "manpage",
];

fn which(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn completions_build_for_every_shell_and_know_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = String::from_utf8(wcmigrate(&["completions", shell]).stdout).unwrap();
        // Flags as each shell spells them (fish: `-l quiet`).
        for needle in SUBCOMMANDS
            .iter()
            .chain(&["diff", "quiet", "prefer", "show-secrets"])
        {
            assert!(script.contains(needle), "{shell}: no {needle}");
        }
    }
    // The bash script is valid bash (bash is on every machine that runs these tests).
    let bash = wcmigrate(&["completions", "bash"]).stdout;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wcmigrate.bash");
    fs::write(&file, &bash).unwrap();
    let check = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // So are the others, where their shell is installed.
    for (shell, exe) in [("zsh", "zsh"), ("fish", "fish"), ("powershell", "pwsh")] {
        if !which(exe) {
            continue;
        }
        let script = wcmigrate(&["completions", shell]).stdout;
        let file = dir.path().join(format!("wcmigrate.{shell}"));
        fs::write(&file, script).unwrap();
        let check = match exe {
            "pwsh" => Command::new(exe)
                .args(["-NoProfile", "-Command"])
                .arg(format!(
                    "$null = [System.Management.Automation.Language.Parser]::ParseFile('{}', [ref]$null, [ref]$e); if ($e) {{ exit 1 }}",
                    file.display()
                ))
                .output(),
            _ => Command::new(exe).arg("-n").arg(&file).output(),
        }
        .unwrap();
        assert!(
            check.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    // An unknown shell is an argument error, named.
    let o = Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .args(["completions", "cmd.exe"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_pages_build_for_the_command_and_each_subcommand() {
    let page = String::from_utf8(wcmigrate(&["manpage"]).stdout)
        .unwrap()
        .replace("\\-", "-");
    assert!(page.contains(".TH wcmigrate 1"), "{page}");
    for sub in SUBCOMMANDS {
        assert!(page.contains(sub), "the main page lists {sub}");
    }
    let dir = tempfile::tempdir().unwrap();
    wcmigrate(&["manpage", "--dir", dir.path().to_str().unwrap()]);
    for sub in SUBCOMMANDS {
        let file = dir.path().join(format!("wcmigrate-{sub}.1"));
        let roff = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .replace("\\-", "-");
        assert!(roff.contains(&format!(".TH wcmigrate-{sub} 1")), "{roff}");
        // The long help's examples and exit codes are in the page too.
        assert!(roff.contains("Exit status"), "{sub}: {roff}");
        if which("man") {
            let shown = Command::new("man")
                .arg("-l")
                .arg(&file)
                .env("MANPAGER", "cat")
                .env("MANWIDTH", "100")
                .output()
                .unwrap();
            assert!(
                shown.status.success(),
                "{sub}: {}",
                String::from_utf8_lossy(&shown.stderr)
            );
            assert!(String::from_utf8_lossy(&shown.stdout).contains("SYNOPSIS"));
        }
    }
}
