//! Files under a hostile local user: what wcmigrate writes is never readable by more people than its
//! inputs allow, whatever sat at the output path; `--in-place` keeps NEW's owner, group, mode and ACL;
//! it never writes through or follows a link planted by someone else; refusals leave nothing behind.
//!
//! The tests run as root here (as admins run wcmigrate). The ones that need root (files owned by
//! another user) show as ignored when run as anyone else, and fail under CI=true.

#[cfg(unix)]
mod schema;

#[cfg(unix)]
fn main() {
    unix::main()
}

/// Unix ownership and modes only: elsewhere there is nothing to run (tests/windows.rs covers Windows).
#[cfg(not(unix))]
fn main() {}

#[cfg(unix)]
mod unix {
    use super::schema;
    use std::collections::BTreeMap;
    use std::fs;
    use std::os::unix::fs::{chown, symlink, MetadataExt, PermissionsExt};
    use std::path::{Path, PathBuf};
    use std::process::Output;

    use assert_cmd::Command;

    /// Another local user and group: the service account, or an attacker.
    const OTHER_UID: u32 = 4321;
    const OTHER_GID: u32 = 4322;

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

    fn root() -> bool {
        rustix::process::geteuid().is_root()
    }

    fn dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("old.config"), OLD).unwrap();
        fs::write(d.path().join("new.config"), NEW).unwrap();
        d
    }

    fn set_mode(p: &Path, mode: u32) {
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    }

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().mode() & 0o7777
    }

    fn owner(p: &Path) -> (u32, u32) {
        let m = fs::symlink_metadata(p).unwrap();
        (m.uid(), m.gid())
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

    /// Every entry under `dir` (links not followed) with its bytes, or its link target.
    fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        for e in walkdir::WalkDir::new(dir).follow_links(false) {
            let e = e.unwrap();
            let content = if e.path_is_symlink() {
                fs::read_link(e.path())
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else if e.file_type().is_file() {
                fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            out.insert(e.path().strip_prefix(dir).unwrap().to_path_buf(), content);
        }
        out
    }

    fn a_pre_created_out_owned_by_another_user_with_mode_4777_passes_on_nothing() {
        let d = dir();
        let out = d.path().join("out.config");
        fs::write(&out, "planted").unwrap();
        chown(&out, Some(OTHER_UID), Some(OTHER_GID)).unwrap();
        set_mode(&out, 0o4777);
        set_mode(&d.path().join("new.config"), 0o644);
        set_mode(&d.path().join("old.config"), 0o640);
        let o = wcmigrate(
            d.path(),
            &["merge", "old.config", "new.config", "-o", "out.config"],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(fs::read_to_string(&out).unwrap().contains("Tr0ub4dor"));
        assert_eq!(mode(&out), 0o640, "NEW's 0644 narrowed by OLD's 0640");
        assert_eq!(
            owner(&out),
            (0, 0),
            "a new file of root's, not the planter's"
        );
    }

    fn a_new_output_is_never_wider_than_old_new_or_base_and_never_setuid_or_world_writable() {
        // (NEW, OLD, BASE) modes and the mode the output must get.
        for (new, old, base, want) in [
            (0o644, 0o600, None, 0o600),
            (0o644, 0o644, Some(0o640), 0o640),
            (0o666, 0o666, None, 0o664),
            (0o6775, 0o4755, None, 0o755),
            (0o600, 0o644, None, 0o600),
        ] {
            let d = dir();
            let mut args = vec!["merge", "old.config", "new.config", "-o", "out.config"];
            if let Some(b) = base {
                fs::write(d.path().join("base.config"), OLD.replace("Tr0ub4dor", "")).unwrap();
                set_mode(&d.path().join("base.config"), b);
                args.extend(["--base", "base.config"]);
            }
            set_mode(&d.path().join("new.config"), new);
            set_mode(&d.path().join("old.config"), old);
            let o = wcmigrate(d.path(), &args);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            assert_eq!(
                mode(&d.path().join("out.config")),
                want,
                "NEW {new:o}, OLD {old:o}, BASE {base:?}"
            );
        }
    }

    /// A POSIX access ACL (`system.posix_acl_access`, version 2): the owner rw, user OTHER_UID r, the
    /// group r, mask r, others nothing.
    fn acl_granting_other_uid_read() -> Vec<u8> {
        let mut v = 2u32.to_le_bytes().to_vec();
        for (tag, perm, id) in [
            (0x01u16, 6u16, u32::MAX),
            (0x02, 4, OTHER_UID),
            (0x04, 4, u32::MAX),
            (0x10, 4, u32::MAX),
            (0x20, 0, u32::MAX),
        ] {
            v.extend(tag.to_le_bytes());
            v.extend(perm.to_le_bytes());
            v.extend(id.to_le_bytes());
        }
        v
    }

    fn xattr(p: &Path, name: &str) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; 4096];
        let n = rustix::fs::getxattr(p, name, &mut buf[..]).ok()?;
        buf.truncate(n);
        Some(buf)
    }

    fn in_place_keeps_new_s_owner_group_mode_and_access_list() {
        let d = dir();
        let new = d.path().join("new.config");
        chown(&new, Some(OTHER_UID), Some(OTHER_GID)).unwrap();
        set_mode(&new, 0o640);
        let acl = acl_granting_other_uid_read();
        let with_acl = rustix::fs::setxattr(
            &new,
            "system.posix_acl_access",
            &acl,
            rustix::fs::XattrFlags::empty(),
        )
        .is_ok();
        let with_user_xattr = rustix::fs::setxattr(
            &new,
            "user.wcmigrate-test",
            b"kept",
            rustix::fs::XattrFlags::empty(),
        )
        .is_ok();
        let mode_before = mode(&new);
        let o = wcmigrate(
            d.path(),
            &["merge", "old.config", "new.config", "--in-place"],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(fs::read_to_string(&new).unwrap().contains("Tr0ub4dor"));
        for p in [&new, &d.path().join("new.config.bak")] {
            assert_eq!(owner(p), (OTHER_UID, OTHER_GID), "{}", p.display());
            assert_eq!(mode(p), mode_before, "{}", p.display());
            if with_acl {
                assert_eq!(
                    xattr(p, "system.posix_acl_access").as_deref(),
                    Some(&acl[..]),
                    "{}",
                    p.display()
                );
            } else {
                eprintln!("SKIPPED: no POSIX ACLs on this file system");
            }
            if with_user_xattr {
                assert_eq!(
                    xattr(p, "user.wcmigrate-test").as_deref(),
                    Some(&b"kept"[..])
                );
            }
        }
    }

    fn in_place_on_a_symlinked_new_is_refused_before_any_backup_is_written() {
        let d = dir();
        fs::rename(d.path().join("new.config"), d.path().join("real.config")).unwrap();
        symlink("real.config", d.path().join("new.config")).unwrap();
        let before = snapshot(d.path());
        for _ in 0..2 {
            let o = wcmigrate(
                d.path(),
                &["merge", "old.config", "new.config", "--in-place"],
            );
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{err}");
            assert!(
                err.contains("E007") && err.contains("symbolic link"),
                "{err}"
            );
            assert_eq!(snapshot(d.path()), before, "no .bak, nothing changed");
        }
    }

    fn in_place_force_replaces_only_a_regular_backup_of_our_own() {
        let d = dir();
        let bak = d.path().join("new.config.bak");
        // A link planted at NEW.bak, pointing at a file of the admin's.
        fs::write(d.path().join("precious"), "precious").unwrap();
        symlink("precious", &bak).unwrap();
        let before = snapshot(d.path());
        let o = wcmigrate(
            d.path(),
            &["merge", "old.config", "new.config", "--in-place", "--force"],
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("E007"), "{}", stderr(&o));
        assert_eq!(snapshot(d.path()), before);
        fs::remove_file(&bak).unwrap();
        fs::write(&bak, "someone else's").unwrap();
        chown(&bak, Some(OTHER_UID), Some(OTHER_GID)).unwrap();
        let before = snapshot(d.path());
        let o = wcmigrate(
            d.path(),
            &["merge", "old.config", "new.config", "--in-place", "--force"],
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("belongs to another user"), "{err}");
        assert_eq!(snapshot(d.path()), before);
        assert_eq!(owner(&bak), (OTHER_UID, OTHER_GID));
    }

    fn batch_outputs_and_the_report_do_not_take_the_mode_of_what_sat_there() {
        let d = tempfile::tempdir().unwrap();
        let case = d.path().join("cases/one");
        fs::create_dir_all(&case).unwrap();
        fs::write(case.join("old.config"), OLD).unwrap();
        fs::write(case.join("new.config"), NEW).unwrap();
        set_mode(&case.join("old.config"), 0o600);
        set_mode(&case.join("new.config"), 0o644);
        let out = d.path().join("out/one");
        fs::create_dir_all(&out).unwrap();
        let planted = [
            out.join("merged.config"),
            out.join("merged.diff"),
            d.path().join("report.json"),
        ];
        for p in &planted {
            fs::write(p, "planted").unwrap();
            chown(p, Some(OTHER_UID), Some(OTHER_GID)).unwrap();
            set_mode(p, 0o4777);
        }
        let o = wcmigrate(
            d.path(),
            &["batch", "cases", "--out", "out", "--report", "report.json"],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        for p in &planted {
            assert_ne!(fs::read(p).unwrap(), b"planted");
            assert_eq!(mode(p), 0o600, "{}: OLD's 0600", p.display());
            assert_eq!(owner(p), (0, 0), "{}", p.display());
        }
    }

    fn output_naming_old_base_or_new_is_refused_and_nothing_is_written() {
        let d = dir();
        fs::write(
            d.path().join("base.config"),
            NEW.replace("value=\"\"", "value=\"b\""),
        )
        .unwrap();
        fs::hard_link(
            d.path().join("old.config"),
            d.path().join("old-hardlink.config"),
        )
        .unwrap();
        symlink("base.config", d.path().join("base-link.config")).unwrap();
        let before = snapshot(d.path());
        for (out, what) in [
            ("old.config", "is OLD"),
            ("./old.config", "is OLD"),
            ("old-hardlink.config", "is OLD"),
            ("new.config", "is NEW"),
            ("base.config", "is BASE"),
            ("base-link.config", "is BASE"),
        ] {
            let o = wcmigrate(
                d.path(),
                &[
                    "merge",
                    "old.config",
                    "new.config",
                    "--base",
                    "base.config",
                    "-o",
                    out,
                ],
            );
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{out}: {err}");
            assert!(
                err.contains("E015") && err.contains(&format!("-o {out} {what}")),
                "{out}: {err}"
            );
            if what == "is NEW" {
                assert!(err.contains("--in-place"), "{err}");
            }
            assert_eq!(snapshot(d.path()), before, "{out}: nothing written");
        }
    }

    fn base_naming_new_s_file_is_refused_because_every_vendor_change_would_revert() {
        let d = dir();
        fs::hard_link(
            d.path().join("new.config"),
            d.path().join("new-hardlink.config"),
        )
        .unwrap();
        let before = snapshot(d.path());
        for base in ["new.config", "./new.config", "new-hardlink.config"] {
            let o = wcmigrate(
                d.path(),
                &[
                    "merge",
                    "old.config",
                    "new.config",
                    "--base",
                    base,
                    "-o",
                    "out.config",
                ],
            );
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{base}: {err}");
            assert!(
                err.contains("E016") && err.contains("NEW's own file") && err.contains("revert"),
                "{base}: {err}"
            );
            assert_eq!(snapshot(d.path()), before, "{base}: nothing written");
        }
    }

    fn one_file_as_old_new_and_base_is_no_revert_and_gives_the_file_back() {
        // OLD, NEW and BASE all one file: nothing the vendor did can be undone, the merge is the file.
        let d = dir();
        let o = wcmigrate(
            d.path(),
            &[
                "merge",
                "new.config",
                "new.config",
                "--base",
                "new.config",
                "-o",
                "out.config",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            fs::read(d.path().join("out.config")).unwrap(),
            fs::read(d.path().join("new.config")).unwrap()
        );
    }

    fn a_base_byte_identical_to_new_is_merged_with_a_warning() {
        let d = dir();
        fs::write(d.path().join("base.config"), NEW).unwrap();
        let o = wcmigrate(
            d.path(),
            &[
                "merge",
                "old.config",
                "new.config",
                "--base",
                "base.config",
                "--format",
                "json",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let report = schema::merge_report(&o.stdout);
        let codes: Vec<&str> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes.first(), Some(&"W211"), "{codes:?}");
        let o = wcmigrate(
            d.path(),
            &["merge", "old.config", "new.config", "--base", "base.config"],
        );
        let err = stderr(&o);
        assert!(
            err.contains("W211") && err.contains("treated as the admin's change"),
            "{err}"
        );
    }

    /// `file=` and `configSource=` used to follow any link: as root, a link to /etc/shadow printed its
    /// lines. A link inside the config's folder is still followed; one out of it (a file or a folder on
    /// the way) is not even opened.
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
                    format!(
                        "<configuration><appSettings {attribute}=\"{target}\" /></configuration>"
                    ),
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

    /// The tests, run by libtest-mimic: those that play another local user (chown to another uid, a
    /// backup owned by someone else) need root, and show as ignored when not run as root — failed under
    /// CI=true, where they must run.
    pub fn main() {
        let args = libtest_mimic::Arguments::from_args();
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        let is_root = root();
        let trial = |name: &'static str, needs_root: bool, f: fn()| {
            libtest_mimic::Trial::test(name, move || {
                if needs_root && !is_root {
                    return Err("needs root: it plays another local user (chown)".into());
                }
                f();
                Ok(())
            })
            .with_ignored_flag(needs_root && !is_root && !ci)
        };
        let trials = vec![
        trial("a_pre_created_out_owned_by_another_user_with_mode_4777_passes_on_nothing", true, a_pre_created_out_owned_by_another_user_with_mode_4777_passes_on_nothing),
        trial("a_new_output_is_never_wider_than_old_new_or_base_and_never_setuid_or_world_writable", false, a_new_output_is_never_wider_than_old_new_or_base_and_never_setuid_or_world_writable),
        trial("in_place_keeps_new_s_owner_group_mode_and_access_list", true, in_place_keeps_new_s_owner_group_mode_and_access_list),
        trial("in_place_on_a_symlinked_new_is_refused_before_any_backup_is_written", false, in_place_on_a_symlinked_new_is_refused_before_any_backup_is_written),
        trial("in_place_force_replaces_only_a_regular_backup_of_our_own", true, in_place_force_replaces_only_a_regular_backup_of_our_own),
        trial("batch_outputs_and_the_report_do_not_take_the_mode_of_what_sat_there", true, batch_outputs_and_the_report_do_not_take_the_mode_of_what_sat_there),
        trial("output_naming_old_base_or_new_is_refused_and_nothing_is_written", false, output_naming_old_base_or_new_is_refused_and_nothing_is_written),
        trial("base_naming_new_s_file_is_refused_because_every_vendor_change_would_revert", false, base_naming_new_s_file_is_refused_because_every_vendor_change_would_revert),
        trial("one_file_as_old_new_and_base_is_no_revert_and_gives_the_file_back", false, one_file_as_old_new_and_base_is_no_revert_and_gives_the_file_back),
        trial("a_base_byte_identical_to_new_is_merged_with_a_warning", false, a_base_byte_identical_to_new_is_merged_with_a_warning),
        trial("external_files_behind_links_out_of_the_config_folder_are_not_read", false, external_files_behind_links_out_of_the_config_folder_are_not_read),
    ];
        libtest_mimic::run(&args, trials).exit();
    }
}
