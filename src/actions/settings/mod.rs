//! Action `copy-application-settings`: OLD's `applicationSettings`/`userSettings` values into NEW,
//! matched by section and setting name (String and Xml settings).
//!
//! Owns the settings groups it is given: values NEW has are replaced in place, settings only in OLD
//! are added after NEW's, and a section only in OLD is added whole with its declaration
//! ([`new_section`]). With BASE it follows the 3-way rule per setting ([`weigh`]). Values are written
//! so that .NET reads OLD's string back (line breaks included). It never touches another section and
//! never reads a file.

use foldhash::HashMap;
use std::ops::Range;

use serde::Deserialize;

use super::carry::{carry, dotnet_text, record, settle, tag_span, Carried, Spans, Three};
use super::context::{Context, Site};
use super::{Claims, Kind, RuleAction, RuleInfo};
use crate::config::{
    read_setting, scopes, settings_sections, Scope, SerializeAs, Setting, SettingsSection,
};
use crate::diag::{Code, Diagnostic, FileId};
use crate::doc::{content_range, elements, is_self_closing, last_child_slot, quote_of};
use crate::edit::{eol_before, escape_text_eol, first_eol, line_breaks_are, with_eol};
use crate::migration::{ChangeKind, Options, Origin, Prefer};

mod new_section;

pub const KIND: Kind = Kind {
    name: "copy-application-settings",
    build: |t| {
        Ok(Box::new(super::params::<CopySettings>(
            "copy-application-settings",
            t,
        )?))
    },
};

/// Copy every setting of every section of these section groups.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopySettings {
    #[serde(default = "default_groups")]
    groups: Vec<String>,
    /// With BASE, who wins where the admin and the new version changed a setting differently; else
    /// `--prefer`.
    #[serde(default)]
    prefer: Option<Prefer>,
}

fn default_groups() -> Vec<String> {
    vec!["applicationSettings".into(), "userSettings".into()]
}

impl RuleAction for CopySettings {
    fn claim(&self, claims: &mut Claims, _rule: &RuleInfo, _opts: &Options) {
        claims.groups.extend(self.groups.iter().cloned());
    }

    fn plan(&self, cx: &mut Context<'_>) {
        for old_scope in scopes(cx.old.doc) {
            self.copy_scope(cx, &old_scope);
        }
    }
}

impl CopySettings {
    fn copy_scope<'a>(&self, cx: &mut Context<'a>, old_scope: &Scope<'a, 'a>) {
        let old_secs = old_settings_sections(cx, old_scope, &self.groups);
        if old_secs.is_empty() {
            return;
        }
        let Some(new_scope) = cx.new_scope(old_scope) else {
            cx.location_unmatched(old_scope, old_secs[0].node);
            return;
        };
        let new_secs = settings_sections(cx.new.text, new_scope.node, &self.groups, cx.new.id);
        for s in &new_secs {
            cx.diags.extend(s.duplicates.iter().cloned());
        }
        let base_scope = cx.base_scope(old_scope);
        let base_secs = match (cx.base, base_scope) {
            (Some(b), Some(scope)) => settings_sections(b.text, scope.node, &self.groups, b.id),
            _ => Vec::new(),
        };
        let prefer = self.prefer.unwrap_or(cx.shared.opts.prefer);
        for old_sec in &old_secs {
            cx.diags.extend(old_sec.duplicates.iter().cloned());
            let section = base_secs
                .iter()
                .find(|b| b.group == old_sec.group && b.name == old_sec.name);
            let base = Base {
                section,
                at: cx.base.map(|b| {
                    let node = section
                        .map(|s| s.node)
                        .or(base_scope.map(|s| s.node))
                        .unwrap_or(b.doc.root_element());
                    tag_span(b.id, node)
                }),
            };
            let sec = Sec {
                prefix: format!("{}{}/{}", old_scope.label(), old_sec.group, old_sec.name),
                old_file: old_file(cx, old_sec),
                base,
                prefer,
            };
            match new_secs
                .iter()
                .find(|n| n.group == old_sec.group && n.name == old_sec.name)
            {
                Some(new_sec) => copy_section(cx, &sec, old_sec, new_sec),
                None => new_section::insert(cx, &new_scope, old_sec, &sec),
            }
        }
    }
}

/// What every setting of one OLD section is judged and written with.
struct Sec<'s, 'a> {
    /// The section's path in messages and changes (`applicationSettings/pfup.Properties.Settings`).
    prefix: String,
    /// The file OLD's settings come from: OLD, or the section's `configSource` file.
    old_file: FileId,
    base: Base<'s, 'a>,
    /// Who wins a 3-way conflict.
    prefer: Prefer,
}

/// BASE's version of one settings section, to tell the admin's values from old defaults.
struct Base<'s, 'a> {
    section: Option<&'s SettingsSection<'a, 'a>>,
    /// In a 3-way merge, where BASE's section is (or its scope, when it lacks the section): the label
    /// of a setting BASE lacks.
    at: Option<(FileId, Range<usize>)>,
}

impl<'s, 'a> Base<'s, 'a> {
    fn setting(&self, name: &str) -> Option<&'s Setting<'a, 'a>> {
        self.section?.setting(name)
    }
}

/// The file OLD's section `sec` reads its settings from.
fn old_file(cx: &Context, sec: &SettingsSection) -> FileId {
    match cx.externals.get(&(sec.node.id(), "configSource")) {
        Some(&(id, _)) => id,
        None => cx.old.id,
    }
}

/// A setting's value as compared across files: a String value as .NET reads it (line breaks as
/// written), an Xml value's inner XML trimmed.
fn value_of(s: &Setting) -> String {
    match (s.serialize_as, s.value_node) {
        (SerializeAs::Xml, _) => s.value.trim().to_string(),
        (SerializeAs::String, Some(v)) if s.plain => {
            dotnet_text(v).unwrap_or_else(|| s.value.clone())
        }
        _ => s.value.clone(),
    }
}

/// The 3-way rule for one OLD setting (without BASE: always carried): records the decision and
/// returns the value to write when OLD's is to be written, with its origin. `new` is NEW's setting, or
/// where NEW lacks it (its section or scope).
fn weigh(
    cx: &mut Context,
    sec: &Sec,
    os: &Setting,
    new: Result<&Setting, (FileId, Range<usize>)>,
) -> Option<(Carried, Option<Origin>)> {
    let ns = new.as_ref().ok().copied();
    let bs = sec.base.setting(os.name);
    let (old_v, new_v) = (value_of(os), ns.map(value_of));
    let base_v = cx.base.map(|_| bs.map(value_of));
    let three = Three {
        base: base_v.as_ref().map(Option::as_deref),
        old: &old_v,
        new: new_v.as_deref(),
    };
    let path = format!("{}/setting[@name='{}']", sec.prefix, os.name);
    let secret = cx.is_secret_name(os.name);
    let new_id = cx.new.id;
    let spans = Spans {
        base: match bs {
            Some(b) => cx.base.map(|base| tag_span(base.id, b.node)),
            None => sec.base.at.clone(),
        },
        old: tag_span(sec.old_file, os.node),
        new: new.map_or_else(|at| at, |n| tag_span(new_id, n.node)),
    };
    if three.untouched() {
        // The admin never changed it: NEW's version stands, whatever it is.
        settle(
            cx,
            three.verdict(&old_v),
            &path,
            three,
            secret,
            sec.prefer,
            &spans,
        );
        return None;
    }
    let carried = match (os.serialize_as, os.value_node) {
        (SerializeAs::String, Some(v)) if os.plain => {
            let text = v.document().input_text();
            let range = content_range(text, v);
            carry(
                cx,
                &old_v,
                Some(&text[range.clone()]),
                (sec.old_file, range),
            )
        }
        _ => Carried::plain(&old_v),
    };
    let verdict = three.verdict(&carried.value);
    if !settle(cx, verdict, &path, three, secret, sec.prefer, &spans) {
        return None;
    }
    let origin = cx.origin(three.base.flatten(), &old_v);
    Some((carried, origin))
}

/// OLD's settings sections of one scope, sections kept in a `configSource` file read from it.
fn old_settings_sections<'a>(
    cx: &Context<'a>,
    old_scope: &Scope<'a, 'a>,
    groups: &[String],
) -> Vec<SettingsSection<'a, 'a>> {
    let mut secs = settings_sections(cx.old.text, old_scope.node, groups, cx.old.id);
    for sec in &mut secs {
        if sec
            .node
            .attribute("configSource")
            .is_some_and(|v| !v.trim().is_empty())
        {
            sec.settings.clear();
            if let Some(&(_, root)) = cx.externals.get(&(sec.node.id(), "configSource")) {
                let text = root.document().input_text();
                for s in elements(root).filter(|n| n.tag_name().name() == "setting") {
                    if let Some(setting) = read_setting(text, s) {
                        sec.settings.retain(|x| x.name != setting.name);
                        sec.settings.push(setting);
                    }
                }
            }
        }
    }
    secs
}

fn copy_section(cx: &mut Context, sec: &Sec, old_sec: &SettingsSection, new_sec: &SettingsSection) {
    let mut missing = Vec::new();
    let known = cx.near_miss_candidates(
        &cx.shared.known.settings,
        new_sec.settings.len(),
        new_sec.settings.iter().map(|s| s.name),
    );
    let by_name: HashMap<&str, &Setting> = new_sec.settings.iter().map(|s| (s.name, s)).collect();
    let section_at = tag_span(cx.new.id, new_sec.node);
    for os in &old_sec.settings {
        let ns = by_name.get(os.name).copied();
        let Some((carried, origin)) = weigh(cx, sec, os, ns.ok_or(section_at.clone())) else {
            continue;
        };
        match ns {
            Some(ns) => copy_setting(cx, sec, os, ns, carried, origin),
            None => {
                cx.near_miss_name(os.name, &known, "setting", os.node.range());
                missing.push((os, carried, origin));
            }
        }
    }
    for (s, carried, origin) in missing {
        let t = setting_text(cx, sec, s, Some(new_sec), carried, origin);
        cx.insert(new_sec.node, false, t);
    }
}

/// Writes OLD's setting `os` (to be written as `carried`) over NEW's `ns`.
fn copy_setting(
    cx: &mut Context,
    sec: &Sec,
    os: &Setting,
    ns: &Setting,
    carried: Carried,
    origin: Option<Origin>,
) {
    let path = format!("{}/setting[@name='{}']/value", sec.prefix, os.name);
    let secret = cx.is_secret_name(os.name);
    let (old_id, new_id) = (sec.old_file, cx.new.id);
    if os.serialize_as != ns.serialize_as {
        cx.diags.push(
            Diagnostic::new(
                Code::SerializeAsMismatch,
                format!(
                    "setting `{}` is stored as serializeAs=\"{}\" in OLD but \"{}\" in NEW; NEW's value was kept",
                    os.name, os.serialize_as, ns.serialize_as
                ),
            )
            .with_label(new_id, ns.node.range(), "NEW")
            .with_label(old_id, os.node.range(), "OLD")
            .with_help("copy the value by hand in the form NEW expects"),
        );
        return;
    }
    if !ns.plain || !os.plain {
        let (file, node) = if ns.plain {
            (old_id, os.node)
        } else {
            (new_id, ns.node)
        };
        cx.diags.push(
            Diagnostic::new(
                Code::NotEditable,
                format!(
                    "setting `{}` holds CDATA or markup where text is expected; it was not copied",
                    os.name
                ),
            )
            .with_label(file, node.range(), "here")
            .with_help("copy this value by hand"),
        );
        return;
    }
    let eol = eol_before(cx.new.text, ns.node.range().start);
    let span = set_value_content(cx, ns, value_text(os, &carried, eol));
    let site = Site {
        path,
        span,
        secret,
        origin,
    };
    match os.serialize_as {
        SerializeAs::String => record(cx, &site, Some(&value_of(ns)), &value_of(os), &carried),
        SerializeAs::Xml => cx.change(
            ChangeKind::Replaced,
            &site,
            Some(ns.value.clone()),
            os.value.clone(),
        ),
    }
}

/// The content of a `<value>` that holds OLD's setting in a text whose line break is `eol`: OLD's own
/// spelling when it fits, so that .NET reads OLD's string back; Xml values re-broken to `eol`.
fn value_text(os: &Setting, carried: &Carried, eol: &str) -> String {
    match os.serialize_as {
        SerializeAs::String => carried
            .raw
            .clone()
            .filter(|r| !r.contains('<') && line_breaks_are(r, eol))
            .unwrap_or_else(|| escape_text_eol(&carried.value, eol)),
        SerializeAs::Xml => with_eol(&os.value, eol),
    }
}

/// Replaces the content of NEW's `<value>` (creating it when missing). Returns the edited span.
fn set_value_content(cx: &mut Context, ns: &Setting, content: String) -> Range<usize> {
    let new_text = cx.new.text;
    match ns.value_node {
        Some(v) if is_self_closing(new_text, v) => {
            let name = crate::doc::tag_name(new_text, v).to_string();
            cx.edits
                .replace(v.range(), format!("<{name}>{content}</{name}>"));
            v.range()
        }
        Some(v) => {
            let r = content_range(new_text, v);
            cx.edits.replace(r.clone(), content);
            r
        }
        None => {
            let text = format!("<value>{content}</value>");
            let at = last_child_slot(new_text, ns.node, &cx.unit).range.start;
            cx.insert(ns.node, false, text);
            at..at
        }
    }
}

/// The text of a `<setting>` element only OLD has (to be written as `carried`), laid out like NEW's
/// sibling settings (or, with no section in NEW, with NEW's first line break and no indentation, for
/// the caller to indent).
fn setting_text(
    cx: &mut Context,
    sec: &Sec,
    os: &Setting,
    new_sec: Option<&SettingsSection>,
    carried: Carried,
    origin: Option<Origin>,
) -> String {
    let path = format!("{}/setting[@name='{}']", sec.prefix, os.name);
    let secret = cx.is_secret_name(os.name);
    let new_text = cx.new.text;
    let sibling = new_sec.and_then(|s| s.settings.last());
    let quote = sibling.map_or('"', |s| quote_of(new_text, s.node));
    let serialize = if os.serialize_as == SerializeAs::Xml {
        "Xml"
    } else {
        "String"
    };
    let open = format!(
        "<setting {} {}>",
        cx.attr_text("name", os.name, None, quote),
        cx.attr_text("serializeAs", serialize, None, quote)
    );
    // Copy the sibling's inner layout (what stands between its tags and its <value>).
    let (lead, tail) = match sibling.and_then(|s| s.value_node.map(|v| (s.node, v))) {
        Some((s, v)) => (
            new_text[crate::doc::start_tag_end(new_text, s)..v.range().start].to_string(),
            new_text[v.range().end..content_range(new_text, s).end].to_string(),
        ),
        None => {
            let (indent, eol) = match new_sec {
                Some(sec) => cx.slot_layout(sec.node, false),
                None => (String::new(), first_eol(new_text)),
            };
            (
                format!("{eol}{indent}{}", cx.unit),
                format!("{eol}{indent}"),
            )
        }
    };
    let at = new_sec.map_or(0, |s| {
        last_child_slot(new_text, s.node, &cx.unit).range.start
    });
    let site = Site {
        path,
        span: at..at,
        secret,
        origin,
    };
    let eol = new_sec.map_or(first_eol(new_text), |s| cx.slot_layout(s.node, false).1);
    let value_text = value_text(os, &carried, eol);
    let old_value = match os.serialize_as {
        SerializeAs::String => value_of(os),
        SerializeAs::Xml => os.value.clone(),
    };
    record(cx, &site, None, &old_value, &carried);
    let note = Diagnostic::new(
        Code::Inserted,
        format!(
            "setting `{}` is only in OLD; added to NEW's {}",
            os.name, sec.prefix
        ),
    )
    .with_label(sec.old_file, os.node.range(), "carried");
    cx.diags.push(match cx.base {
        Some(_) => note,
        None => note.with_help(crate::actions::app_settings::ONLY_IN_OLD_HELP),
    });
    format!("{open}{lead}<value>{value_text}</value>{tail}</setting>")
}
