//! Secrets never reach what is printed or reported, in any mode, in any form real web.configs carry
//! them; the written file holds them all. Each secret value below is a unique token `SECn`, so a
//! leak names the form that leaked.

use std::fs;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// One form a secret takes: the markup that holds it in OLD (with `{}` where the value goes) and in
/// NEW/BASE (the vendor's default, without the secret).
struct Form {
    what: &'static str,
    /// Where it sits: a section under `<configuration>`.
    old: &'static str,
    default: &'static str,
}

const FORMS: &[Form] = &[
    Form {
        what: "appSettings PASSWORD key",
        old: r#"<appSettings><add key="SDK_PASSWORD" value="{}" /><add key="SmtpPass" value="{}x" /><add key="PfxPassphrase" value="{}y" /><add key="Storage" value="DefaultEndpointsProtocol=https;AccountName=a;AccountKey={}z;EndpointSuffix=core.windows.net" /><add key="Bus" value="Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=R;SharedAccessKey={}w" /><add key="Blob" value="https://a.blob.core.windows.net/c?sv=2019-02-02&amp;sig={}v&amp;se=2030" /><add key="Func" value="https://f.azurewebsites.net/api/x?code={}u" /><add key="Redis" value="cache.redis.cache.windows.net:6380,password={}t,ssl=True" /><add key="Quoted" value="Server=x;Password='a;{}s';Database=d" /><add key="DQuoted" value="Server=x;Password=&quot;a;{}r&quot;;Database=d" /><add key="Odbc" value="Driver={SQL};Pwd={a;{}q};Dbq=x" /><add key="Amp" value="Server=x;Password=p&amp;{}p;Database=d" /></appSettings>"#,
        default: r#"<appSettings><add key="SDK_PASSWORD" value="" /><add key="SmtpPass" value="" /><add key="PfxPassphrase" value="" /><add key="Storage" value="" /><add key="Bus" value="" /><add key="Blob" value="" /><add key="Func" value="" /><add key="Redis" value="" /><add key="Quoted" value="" /><add key="DQuoted" value="" /><add key="Odbc" value="" /><add key="Amp" value="" /></appSettings>"#,
    },
    Form {
        what: "connection strings and session state",
        old: r#"<connectionStrings><add name="db" connectionString="Data Source=s;User Id=sa;Password={}" /></connectionStrings><system.web><sessionState mode="SQLServer" sqlConnectionString="data source=s;password={}a" stateConnectionString="tcpip=127.0.0.1:42424;password={}b" /><machineKey validationKey="{}c" decryptionKey="{}d" /></system.web>"#,
        default: r#"<connectionStrings><add name="db" connectionString="Data Source=s" /></connectionStrings><system.web><sessionState mode="InProc" /><machineKey validationKey="AutoGenerate" decryptionKey="AutoGenerate" /></system.web>"#,
    },
    Form {
        what: "Redis provider, WCF endpoint, log4net, custom sections",
        old: r#"<system.web><caching><outputCache><providers><add name="MyRedis" type="R" accessKey="{}" /></providers></outputCache></caching></system.web><system.serviceModel><client><endpoint name="e" address="https://svc:{}e@host/svc.svc" /></client></system.serviceModel><log4net><appender name="smtp"><password value="{}f" /><username>u</username><secret>{}g</secret></appender></log4net><myApp><add key="DbPassword" value="{}h" /></myApp>"#,
        default: r#"<system.web><caching><outputCache><providers><add name="MyRedis" type="R" accessKey="" /></providers></outputCache></caching></system.web><system.serviceModel><client><endpoint name="e" address="https://host/svc.svc" /></client></system.serviceModel><log4net><appender name="smtp"><password value="" /><username>u</username><secret>x</secret></appender></log4net><myApp><add key="DbPassword" value="" /></myApp>"#,
    },
];

fn doc(body: &str) -> String {
    format!("<?xml version=\"1.0\"?>\n<configuration>\n  {body}\n</configuration>\n")
}

/// OLD with every form's secrets (`SEC<form><suffix>`), and the vendor's default of every form.
fn files() -> (String, String, Vec<String>) {
    let mut old = String::new();
    let mut new = String::new();
    let mut tokens = Vec::new();
    for (i, f) in FORMS.iter().enumerate() {
        let token = format!("SEC{i}");
        old.push_str(&f.old.replace("{}", &token));
        new.push_str(f.default);
        tokens.push(token);
    }
    (doc(&old), doc(&new), tokens)
}

fn wcmigrate(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("wcmigrate")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap()
}

fn printed(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Fails naming every token that reached the output.
fn assert_masked(what: &str, out: &str, tokens: &[String]) {
    let leaked: Vec<String> = tokens
        .iter()
        .filter(|t| out.contains(t.as_str()))
        .map(|t| {
            let form = t[3..].parse::<usize>().ok().and_then(|i| FORMS.get(i));
            format!("{t} ({})", form.map_or("extra", |f| f.what))
        })
        .collect();
    assert!(
        leaked.is_empty(),
        "{what}: secrets {leaked:?} were printed:\n{out}"
    );
}

fn setup(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn two_way_prints_no_secret_in_any_format_and_writes_them_all() {
    let (old, new, tokens) = files();
    let dir = setup(&[("old.config", &old), ("new.config", &new)]);
    for format in ["human", "json"] {
        let o = wcmigrate(
            dir.path(),
            &["merge", "old.config", "new.config", "--format", format],
        );
        assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
        assert_masked(&format!("2-way {format}"), &printed(&o), &tokens);
    }
    let o = wcmigrate(
        dir.path(),
        &["merge", "old.config", "new.config", "-o", "out.config"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_masked("2-way -o", &printed(&o), &tokens);
    let written = fs::read_to_string(dir.path().join("out.config")).unwrap();
    assert!(written.contains("SEC0x") && written.contains("p&amp;SEC0p"));
    let o = wcmigrate(
        dir.path(),
        &["merge", "old.config", "new.config", "--show-secrets"],
    );
    assert!(printed(&o).contains("SEC0"), "--show-secrets shows them");
}

#[test]
fn three_way_reports_mask_carried_elements_decisions_and_base() {
    let (old, new, tokens) = files();
    // BASE = the vendor's old default and OLD the admin's secrets: everything is carried. Then BASE
    // holds the secrets too (an untouched live server), OLD changed elsewhere, NEW differs: every
    // snippet pointing into BASE is masked.
    let old_changed = old.replace("mode=\"SQLServer\"", "mode=\"StateServer\"");
    let scenarios = [
        ("secrets carried", &new, &old),
        ("secrets in BASE", &old, &old_changed),
    ];
    for (what, base, old) in scenarios {
        let dir = setup(&[
            ("base.config", base),
            ("old.config", old),
            ("new.config", &new),
        ]);
        for format in ["human", "json"] {
            let args = [
                "merge",
                "old.config",
                "new.config",
                "--base",
                "base.config",
                "--format",
                format,
            ];
            let o = wcmigrate(dir.path(), &args);
            assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
            assert_masked(&format!("3-way, {what}, {format}"), &printed(&o), &tokens);
        }
    }
}

#[test]
fn a_failed_run_masks_the_snippet_of_a_file_that_does_not_parse() {
    let (old, new, tokens) = files();
    let broken = old.replace(
        "</configuration>",
        "<add key=\"X_PASSWORD\" value=\"SEC9\" <oops\n",
    );
    let mut tokens = tokens;
    tokens.push("SEC9".into());
    for (o_name, n_name) in [("bad.config", "new.config"), ("old.config", "bad.config")] {
        let dir = setup(&[
            ("old.config", &old),
            ("new.config", &new),
            ("bad.config", &broken),
        ]);
        for format in ["human", "json"] {
            let o = wcmigrate(dir.path(), &["merge", o_name, n_name, "--format", format]);
            assert_eq!(o.status.code(), Some(2));
            assert_masked(&format!("failed run {format}"), &printed(&o), &tokens);
        }
    }
}

#[test]
fn files_that_appsettings_point_to_are_masked_too() {
    let old = doc(r#"<appSettings file="more.config"><add key="A" value="1" /></appSettings>"#);
    let more = r#"<appSettings><add key="DbPassword" value="SEC1" /><add key="DbPassword" value="SEC2" /><add key="Cs" value="Server=x;Pwd=SEC3" /></appSettings>"#;
    let new = doc(
        r#"<appSettings><add key="A" value="" /><add key="DbPassword" value="" /></appSettings>"#,
    );
    let dir = setup(&[
        ("old.config", &old),
        ("more.config", more),
        ("new.config", &new),
    ]);
    let tokens: Vec<String> = ["SEC1", "SEC2", "SEC3"].map(String::from).to_vec();
    for format in ["human", "json"] {
        let o = wcmigrate(
            dir.path(),
            &["merge", "old.config", "new.config", "--format", format],
        );
        assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
        let out = printed(&o);
        assert!(out.contains("W201") || out.contains("duplicate"), "{out}");
        assert_masked(&format!("external file {format}"), &out, &tokens);
    }
}

#[test]
fn batch_reports_and_diffs_are_masked() {
    let (old, new, tokens) = files();
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("cases/site1");
    fs::create_dir_all(&case).unwrap();
    fs::write(case.join("old.config"), &old).unwrap();
    fs::write(case.join("new.config"), &new).unwrap();
    fs::write(case.join("base.config"), &new).unwrap();
    for format in ["human", "json"] {
        let o = wcmigrate(
            dir.path(),
            &[
                "batch",
                "cases",
                "--format",
                format,
                "--out",
                &format!("out-{format}"),
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
        assert_masked(&format!("batch {format}"), &printed(&o), &tokens);
        let out = dir.path().join(format!("out-{format}/site1"));
        let diff = fs::read_to_string(out.join("merged.diff")).unwrap();
        assert_masked("batch diff", &diff, &tokens);
        let merged = fs::read_to_string(out.join("merged.config")).unwrap();
        assert!(
            merged.contains("SEC0x"),
            "the written file holds the secrets"
        );
    }
}

#[test]
fn a_masked_diff_is_refused_by_patch_and_git_apply_and_leaves_new_untouched() {
    let (old, new, _) = files();
    // Two hunks far apart: the first without a secret, the second with one.
    let filler: String = (0..20).map(|i| format!("  <!-- line {i} -->\n")).collect();
    let old = old.replace(
        "<configuration>\n",
        &format!("<configuration>\n  <system.webServer><a v=\"2\" /></system.webServer>\n{filler}"),
    );
    let new = new.replace(
        "<configuration>\n",
        &format!("<configuration>\n  <system.webServer><a v=\"1\" /></system.webServer>\n{filler}"),
    );
    let base = new.clone();
    let dir = setup(&[
        ("base.config", &base),
        ("old.config", &old),
        ("new.config", &new),
    ]);
    let args = ["merge", "old.config", "new.config", "--base", "base.config"];
    let o = wcmigrate(dir.path(), &args);
    let masked = o.stdout;
    assert!(String::from_utf8_lossy(&masked).contains("***"));
    fs::write(dir.path().join("masked.diff"), &masked).unwrap();
    let patch = std::process::Command::new("patch")
        .current_dir(dir.path())
        .args(["-p1", "-i", "masked.diff"])
        .output()
        .expect("GNU patch is installed (.ci/run installs it)");
    assert_ne!(
        patch.status.code(),
        Some(0),
        "patch must refuse a masked diff"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("new.config")).unwrap(),
        new
    );
    let git = std::process::Command::new("git")
        .current_dir(dir.path())
        .args(["apply", "masked.diff"])
        .output()
        .expect("git is installed");
    assert_ne!(
        git.status.code(),
        Some(0),
        "git apply must refuse a masked diff"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("new.config")).unwrap(),
        new
    );
    // With --show-secrets the diff applies and gives the merged file.
    let o = wcmigrate(dir.path(), &[&args[..], &["--show-secrets"]].concat());
    fs::write(dir.path().join("plain.diff"), &o.stdout).unwrap();
    let expected = wcmigrate(dir.path(), &[&args[..], &["-o", "merged.config"]].concat());
    assert_eq!(expected.status.code(), Some(0));
    let p = std::process::Command::new("patch")
        .current_dir(dir.path())
        .args(["-p1", "-i", "plain.diff"])
        .output()
        .expect("GNU patch is installed");
    assert_eq!(
        p.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&p.stderr)
    );
    assert_eq!(
        fs::read(dir.path().join("new.config")).unwrap(),
        fs::read(dir.path().join("merged.config")).unwrap()
    );
}
