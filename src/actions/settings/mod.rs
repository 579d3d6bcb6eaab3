//! Action `copy-application-settings`: OLD's `applicationSettings`/`userSettings` values into NEW,
//! matched by section and setting name (String and Xml settings).
//!
//! Owns the settings groups it is given: values NEW has are replaced in place, settings only in OLD
//! are added after NEW's, and a section only in OLD is added whole with its declaration
//! ([`new_section`]). Values are written so that .NET reads OLD's string back, line breaks included.
//! It never touches another section and never reads a file.

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;

use super::carry::{carry, dotnet_text, record, Carried};
use super::context::{Context, Site};
use super::{Claims, Kind, RuleAction, RuleInfo};
use crate::config::{
    read_setting, scopes, settings_sections, Scope, SerializeAs, Setting, SettingsSection,
};
use crate::diag::{Code, Diagnostic};
use crate::doc::{content_range, elements, is_self_closing, last_child_slot, quote_of};
use crate::edit::{eol_before, escape_text_eol, first_eol, line_breaks_are, with_eol};
use crate::migration::{ChangeKind, Options};

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
        let new_secs = settings_sections(
            cx.new.text,
            new_scope.node,
            &self.groups,
            cx.new.id,
            cx.new.name,
        );
        for s in &new_secs {
            cx.diags.extend(s.duplicates.iter().cloned());
        }
        let base_secs = match (cx.base, cx.base_scope(old_scope)) {
            (Some(b), Some(scope)) => {
                settings_sections(b.text, scope.node, &self.groups, b.id, "base")
            }
            _ => Vec::new(),
        };
        for old_sec in &old_secs {
            cx.diags.extend(old_sec.duplicates.iter().cloned());
            let prefix = format!("{}{}/{}", old_scope.label(), old_sec.group, old_sec.name);
            let base = Base {
                section: base_secs
                    .iter()
                    .find(|b| b.group == old_sec.group && b.name == old_sec.name),
            };
            match new_secs
                .iter()
                .find(|n| n.group == old_sec.group && n.name == old_sec.name)
            {
                Some(new_sec) => copy_section(cx, &prefix, old_sec, new_sec, base),
                None => new_section::insert(cx, &new_scope, old_sec, &prefix, base),
            }
        }
    }
}

/// BASE's version of one settings section, to tell the admin's values from old defaults.
#[derive(Clone, Copy)]
struct Base<'s, 'a> {
    section: Option<&'s SettingsSection<'a, 'a>>,
}

impl Base<'_, '_> {
    fn value(&self, name: &str) -> Option<String> {
        self.section?
            .settings
            .iter()
            .find(|s| s.name == name)
            .map(value_of)
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

/// OLD's settings sections of one scope, sections kept in a `configSource` file read from it.
fn old_settings_sections<'a>(
    cx: &Context<'a>,
    old_scope: &Scope<'a, 'a>,
    groups: &[String],
) -> Vec<SettingsSection<'a, 'a>> {
    let mut secs = settings_sections(cx.old.text, old_scope.node, groups, cx.old.id, cx.old.name);
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

fn copy_section(
    cx: &mut Context,
    prefix: &str,
    old_sec: &SettingsSection,
    new_sec: &SettingsSection,
    base: Base,
) {
    let mut missing = Vec::new();
    let known = cx.near_miss_candidates(
        &cx.shared.known.settings,
        new_sec.settings.len(),
        new_sec.settings.iter().map(|s| s.name),
    );
    let by_name: HashMap<&str, &Setting> = new_sec.settings.iter().map(|s| (s.name, s)).collect();
    for os in &old_sec.settings {
        match by_name.get(os.name).copied() {
            Some(ns) => copy_setting(cx, prefix, os, ns, base),
            None => {
                cx.near_miss_name(os.name, &known, "setting", os.node.range());
                missing.push(os);
            }
        }
    }
    for s in missing {
        let t = setting_text(cx, prefix, s, Some(new_sec), base);
        cx.insert(new_sec.node, false, t);
    }
}

fn copy_setting(cx: &mut Context, prefix: &str, os: &Setting, ns: &Setting, base: Base) {
    let path = format!("{prefix}/setting[@name='{}']/value", os.name);
    let secret = cx.is_secret_name(os.name);
    let (old_id, new_id) = (cx.old.id, cx.new.id);
    if os.serialize_as != ns.serialize_as {
        cx.diags.push(
            Diagnostic::new(
                Code::SerializeAsMismatch,
                format!(
                    "setting `{}` is stored as {:?} in OLD but {:?} in NEW; NEW's value was kept",
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
    let old_v = value_of(os);
    let origin = cx.origin(base.value(os.name).as_deref(), &old_v);
    let eol = eol_before(cx.new.text, ns.node.range().start);
    match os.serialize_as {
        SerializeAs::String => {
            let raw_range = os.value_node.map(|v| {
                (
                    v.document().input_text(),
                    content_range(v.document().input_text(), v),
                )
            });
            let raw = raw_range.clone().map(|(t, r)| &t[r]);
            let span = (old_id, raw_range.map_or(os.node.range(), |(_, r)| r));
            let carried = carry(cx, &old_v, raw, span);
            let new_v = value_of(ns);
            if carried.value == new_v {
                return;
            }
            let span = set_value_content(cx, ns, value_text(os, &carried, eol));
            let site = Site {
                path,
                span,
                secret,
                origin,
            };
            record(cx, &site, Some(&new_v), &old_v, &carried);
        }
        SerializeAs::Xml => {
            if os.value.trim() == ns.value.trim() {
                return;
            }
            let span = set_value_content(cx, ns, with_eol(&os.value, eol));
            let site = Site {
                path,
                span,
                secret,
                origin,
            };
            cx.change(
                ChangeKind::Replaced,
                &site,
                Some(ns.value.clone()),
                os.value.clone(),
            );
        }
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

/// The text of a `<setting>` element only OLD has, laid out like NEW's sibling settings (or, with no
/// section in NEW, with NEW's first line break and no indentation, for the caller to indent).
fn setting_text(
    cx: &mut Context,
    prefix: &str,
    os: &Setting,
    new_sec: Option<&SettingsSection>,
    base: Base,
) -> String {
    let path = format!("{prefix}/setting[@name='{}']", os.name);
    let secret = cx.is_secret_name(os.name);
    let new_text = cx.new.text;
    let eol = new_sec.map_or(first_eol(new_text), |s| cx.slot_layout(s.node, false).1);
    let (value_text, carried, old_value) = match os.serialize_as {
        SerializeAs::String => {
            let old_v = value_of(os);
            let raw = os
                .value_node
                .map(|v| &v.document().input_text()[content_range(v.document().input_text(), v)]);
            let carried = carry(cx, &old_v, raw, (cx.old.id, os.node.range()));
            (value_text(os, &carried, eol), carried, old_v)
        }
        SerializeAs::Xml => (
            with_eol(&os.value, eol),
            Carried::plain(&os.value),
            os.value.clone(),
        ),
    };
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
        origin: cx.origin(base.value(os.name).as_deref(), &value_of(os)),
    };
    record(cx, &site, None, &old_value, &carried);
    cx.diags.push(
        Diagnostic::new(
            Code::Inserted,
            format!(
                "setting `{}` is only in OLD; added to NEW's {}",
                os.name, prefix
            ),
        )
        .with_label(cx.old.id, os.node.range(), "carried"),
    );
    format!("{open}{lead}<value>{value_text}</value>{tail}</setting>")
}
