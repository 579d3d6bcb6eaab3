//! Which way round OLD and NEW are: evidence that OLD is the newer file — a newer .NET target, newer
//! assembly versions, NEW customized where OLD holds what a fresh install ships — reported as W240
//! when it outweighs the evidence that NEW is the newer one. A merge of swapped files reverts every
//! admin value to the vendor's default and exits 0, so the person must hear of it.
//!
//! Reads the two trees only; plans no edit and decides nothing else. Never quotes a value (a key's
//! name at most), so no secret reaches the message.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use roxmltree::Node;

use crate::actions::Side;
use crate::diag::{Code, Diagnostic, Label};
use crate::doc::start_tag_end;

/// A version as .NET writes them (`4.0.0.0`, `4.7.2`, `v4.0`), compared number by number.
type Version = Vec<u64>;

fn version(text: &str) -> Option<Version> {
    let t = text.trim().trim_start_matches(['v', 'V']);
    let parts: Option<Version> = t.split('.').map(|p| p.trim().parse().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

fn compare(a: &Version, b: &Version) -> Ordering {
    let n = a.len().max(b.len());
    let at = |v: &Version, i: usize| v.get(i).copied().unwrap_or(0);
    (0..n)
        .map(|i| at(a, i).cmp(&at(b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn show(v: &Version) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// The highest version of each thing a file names: `.NET` (targetFramework) and each assembly by its
/// simple name, with the element that says so.
fn versions<'a>(doc: &'a roxmltree::Document<'a>) -> BTreeMap<String, (Version, Node<'a, 'a>)> {
    let mut out: BTreeMap<String, (Version, Node)> = BTreeMap::new();
    let mut note = |name: String, v: Version, n: Node<'a, 'a>| {
        let higher = out
            .get(&name)
            .map_or(true, |(have, _)| compare(&v, have).is_gt());
        if higher {
            out.insert(name, (v, n));
        }
    };
    for n in doc.descendants().filter(Node::is_element) {
        let tag = n.tag_name().name();
        for a in n.attributes() {
            if a.name() == "targetFramework" && matches!(tag, "compilation" | "httpRuntime") {
                if let Some(v) = version(a.value()) {
                    note(".NET Framework (targetFramework)".into(), v, n);
                }
            } else if a.name() == "newVersion" && tag == "bindingRedirect" {
                let name = n
                    .parent()
                    .and_then(|p| p.children().find(|c| c.has_tag_name("assemblyIdentity")))
                    .and_then(|c| c.attribute("name"));
                if let (Some(name), Some(v)) = (name, version(a.value())) {
                    note(format!("{name} (binding redirect)"), v, n);
                }
            } else if let Some((name, v)) = assembly_version(a.value()) {
                note(name, v, n);
            }
        }
    }
    out
}

/// `Type, Assembly, Version=1.2.3.4, ...` or `Assembly, Version=...`: the simple name before
/// `Version=`, and the version.
fn assembly_version(value: &str) -> Option<(String, Version)> {
    // Every attribute value of both files passes here: a byte search for the comma every
    // assembly-qualified name has comes before the substring search.
    if !value.contains(',') || !value.contains("Version=") {
        return None;
    }
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    let at = parts.iter().position(|p| p.starts_with("Version="))?;
    let name = parts.get(at.checked_sub(1)?)?;
    let v = version(parts[at].trim_start_matches("Version="))?;
    (!name.is_empty()).then(|| (name.to_string(), v))
}

/// What a fresh install ships in a value it expects the admin to set: nothing, or a local address.
fn fresh(value: &str) -> bool {
    // Every appSettings value of both files passes here: no lowercased copy of each.
    let v = value.trim().as_bytes();
    v.is_empty()
        || v.contains(&b':')
            && [&b"://localhost"[..], b"://127.0.0.1", b"://[::1]"]
                .iter()
                .any(|h| v.windows(h.len()).any(|w| w.eq_ignore_ascii_case(h)))
}

/// The top-level appSettings keys (folded) with their value and element.
fn app_settings<'a>(side: &Side<'a>) -> HashMap<String, (&'a str, Node<'a, 'a>)> {
    let doc = side.doc;
    // Hashed, not ordered: only lookups and counts are made of it (the clue is put in OLD's order).
    let mut out = HashMap::new();
    for sec in doc
        .root_element()
        .children()
        .filter(|c| c.has_tag_name("appSettings"))
    {
        for add in sec.children().filter(|c| c.has_tag_name("add")) {
            if let Some(key) = add.attribute("key") {
                out.insert(
                    key.to_lowercase(),
                    (add.attribute("value").unwrap_or(""), add),
                );
            }
        }
    }
    out
}

/// One piece of evidence, with where it is in each file.
struct Clue<'a> {
    text: String,
    old: Node<'a, 'a>,
    new: Node<'a, 'a>,
}

/// Evidence that OLD is newer than NEW, and that NEW is newer than OLD.
fn clues<'a>(old: &Side<'a>, new: &Side<'a>) -> (Vec<Clue<'a>>, usize) {
    let (ov, nv) = (versions(old.doc), versions(new.doc));
    let mut older_new = Vec::new();
    let mut newer_new = 0;
    for (name, (o, on)) in &ov {
        let Some((n, nn)) = nv.get(name) else {
            continue;
        };
        match compare(o, n) {
            Ordering::Greater => older_new.push(Clue {
                text: format!("OLD has {name} {}, NEW {}", show(o), show(n)),
                old: *on,
                new: *nn,
            }),
            Ordering::Less => newer_new += 1,
            Ordering::Equal => {}
        }
    }
    let (oa, na) = (app_settings(old), app_settings(new));
    let (mut set_in_new, mut set_in_old) = (Vec::new(), 0);
    for (key, (o, on)) in &oa {
        let Some((n, nn)) = na.get(key) else {
            continue;
        };
        if fresh(o) && !fresh(n) {
            set_in_new.push((on.attribute("key").unwrap_or(key), *on, *nn));
        } else if fresh(n) && !fresh(o) {
            set_in_old += 1;
        }
    }
    set_in_new.sort_by_key(|(_, on, _)| on.range().start); // in OLD's order
    if set_in_new.len() >= 2 && set_in_new.len() > set_in_old {
        let mut names: Vec<&str> = set_in_new.iter().map(|(k, _, _)| *k).take(4).collect();
        if set_in_new.len() > 4 {
            names.push("...");
        }
        older_new.push(Clue {
            text: format!(
                "NEW has {} appSettings values set where OLD has a fresh install's empty or localhost default ({})",
                set_in_new.len(),
                names.join(", ")
            ),
            old: set_in_new[0].1,
            new: set_in_new[0].2,
        });
    } else if set_in_old >= 2 && set_in_old > set_in_new.len() {
        newer_new += 1;
    }
    (older_new, newer_new)
}

/// W240 when the evidence that OLD is newer than NEW outweighs the evidence that it is not.
pub fn check(old: &Side, new: &Side) -> Option<Diagnostic> {
    let (clues, against) = clues(old, new);
    if clues.is_empty() || clues.len() <= against {
        return None;
    }
    let shown: Vec<&str> = clues.iter().take(5).map(|c| c.text.as_str()).collect();
    let more = match clues.len() - shown.len() {
        0 => String::new(),
        n => format!("; and {n} more"),
    };
    let label = |side: &Side, n: Node, text: &str| Label {
        file: side.id,
        span: n.range().start..start_tag_end(side.text, n),
        text: text.into(),
    };
    let mut labels = Vec::new();
    for c in clues.iter().take(2) {
        labels.push(label(old, c.old, "OLD"));
        labels.push(label(new, c.new, "NEW"));
    }
    Some(
        Diagnostic::new(
            Code::OldLooksNewer,
            format!(
                "OLD ({}) looks newer than NEW ({}): {}{more}",
                old.name,
                new.name,
                shown.join("; ")
            ),
        )
        .with_labels(labels)
        .with_help("give the old install's backup first and the fresh install's web.config second; merged the wrong way round, the vendor's defaults replace the admin's values"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_number_by_number() {
        let v = |s| version(s).unwrap();
        assert!(compare(&v("4.8"), &v("4.7.2")).is_gt());
        assert!(compare(&v("v4.0"), &v("4.0.0.0")).is_eq());
        assert!(compare(&v("10.0"), &v("9.9")).is_gt());
        assert_eq!(
            assembly_version("System.Configuration.ClientSettingsSection, System, Version=4.0.0.0, Culture=neutral"),
            Some(("System".to_string(), vec![4, 0, 0, 0]))
        );
        assert_eq!(
            assembly_version("System.Design, Version=2.0.0.0, Culture=neutral").map(|a| a.0),
            Some("System.Design".to_string())
        );
        assert!(assembly_version("Version=1.0").is_none());
        assert!(
            fresh("")
                && fresh("http://localhost:4898/PfWsSdk.asmx")
                && !fresh("https://mfa.contoso.com/x")
        );
    }
}
