//! Files under a hostile local user: wcmigrate never follows a link planted by someone else out of the
//! folder it reads from.

#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

const NEW: &str = r#"<configuration>
  <appSettings>
    <add key="WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD" value="" />
  </appSettings>
</configuration>
"#;

fn set_mode(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `file=` and `configSource=` used to follow any link: as root, a link to /etc/shadow printed its
/// lines. A link inside the config's folder is still followed; one out of it (a file or a folder on
/// the way) is not even opened.
#[test]
fn external_files_behind_links_out_of_the_config_folder_are_not_read() {
    let d = tempfile::tempdir().unwrap();
    let site = d.path().join("site");
    fs::create_dir_all(site.join("inside")).unwrap();
    fs::create_dir(d.path().join("private")).unwrap();
    let marker = "ROOT_ONLY_MARKER";
    let private = format!(
        "<appSettings><add key=\"WEB_SERVICE_SDK_AUTHENTICATION_USERNAME\" value=\"{marker}\"/></appSettings>"
    );
    fs::write(d.path().join("private/shadow.config"), &private).unwrap();
    set_mode(&d.path().join("private/shadow.config"), 0o600);
    fs::write(
        site.join("inside/values.config"),
        private.replace(marker, "inside"),
    )
    .unwrap();
    symlink("../private/shadow.config", site.join("file-link.config")).unwrap();
    symlink("../private", site.join("folder-link")).unwrap();
    symlink("inside/values.config", site.join("inner-link.config")).unwrap();
    fs::write(site.join("new.config"), NEW).unwrap();
    for (target, read) in [
        ("file-link.config", false),
        ("folder-link/shadow.config", false),
        ("inner-link.config", true),
    ] {
        for attribute in ["file", "configSource"] {
            fs::write(
                site.join("old.config"),
                format!("<configuration><appSettings {attribute}=\"{target}\" /></configuration>"),
            )
            .unwrap();
            let o = wcmigrate(
                &site,
                &[
                    "merge",
                    "old.config",
                    "new.config",
                    "--show-secrets",
                    "--format",
                    "json",
                ],
            );
            let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
            assert_eq!(o.status.code(), Some(0), "{all}");
            assert!(
                !all.contains(marker),
                "{attribute}={target} was read:\n{all}"
            );
            if read {
                assert!(all.contains("N304") && all.contains("inside"), "{all}");
            } else {
                assert!(
                    all.contains("W202") && all.contains("outside the config's folder"),
                    "{attribute}={target}: {all}"
                );
            }
        }
    }
}
