//! A malformed file is reported at the offending bytes, where .NET's XmlReader and expat point, on small
//! cases reproducing real committed files: JabbR's Web.config (fd9e249) with a comment left open 76
//! lines above a `<!--`, NuGetGallery's with a wrong end tag (ee30ec7), and a comment never closed
//! (NuGet.Services.BasicSearch, 7e05f36).

use std::process::Command;

/// `wcmigrate merge F F` on `text`: the exit code and the `FILE:LINE:COL` the report is headed by.
fn reported_at(text: &str) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("web.config");
    std::fs::write(&f, text).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_wcmigrate"))
        .arg("merge")
        .arg(&f)
        .arg(&f)
        .args(["--color", "never"])
        .output()
        .unwrap();
    // The message as one line (the renderer wraps it).
    let err = String::from_utf8_lossy(&o.stderr).replace("\n  │ ", " ");
    let head = err
        .lines()
        .find_map(|l| l.split_once("╭─[").map(|(_, r)| r.trim_end_matches(']')))
        .unwrap_or("")
        .rsplit(':')
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(":");
    (o.status.code(), head, err)
}

#[test]
fn a_comment_holding_two_dashes_is_reported_at_the_dashes() {
    // The comment opened on line 3 runs on to the `<!--` of line 9, whose `--` is the error
    // (.NET: line 9, position 7).
    let text = "<configuration>\n  <providers>\n    <!--\n  <system.web>\n    <pages />\n  </system.web>\n  </providers>\n  <providers>\n    <!-- keys here -->\n  </providers>\n</configuration>\n";
    let (code, at, err) = reported_at(text);
    assert_eq!(code, Some(2));
    assert_eq!(at, "9:7", "{err}");
    assert!(err.contains("the comment opens at 3:5"), "{err}");
}

#[test]
fn a_wrong_end_tag_is_reported_on_its_line_with_what_was_expected() {
    let text = "<configuration>\n  <dynamicTypes>\n    <add mimeType=\"*/*\">\n  </dynamicTypes>\n</configuration>\n";
    let (code, at, err) = reported_at(text);
    assert_eq!(code, Some(2));
    // .NET and expat say 4:5: the end tag's name.
    assert_eq!(at, "4:5", "{err}");
    assert!(
        err.contains("expected </add>, found </dynamicTypes>"),
        "{err}"
    );
}

#[test]
fn a_comment_never_closed_is_reported_where_it_opens() {
    let text = "<configuration>\n  <system.webServer>\n    <!--\n    <monitoring>\n  </system.webServer>\n</configuration>\n";
    let (code, at, err) = reported_at(text);
    assert_eq!(code, Some(2));
    assert_eq!(at, "3:5", "where expat points: {err}");
    assert!(err.contains("never closed"), "{err}");
}
