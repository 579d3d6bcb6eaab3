//! Action `copy-app-settings`: OLD's appSettings values into NEW, as .NET resolves them
//! (case-insensitive keys, `<clear/>`, `<remove>`, last add wins, `file=` and `configSource=`).
//!
//! Owns appSettings only: values NEW has are replaced in place, keys only in OLD are added at the end
//! of NEW's section. It never touches another section and never reads a file (externals come loaded).

use serde::Deserialize;

use super::carry::{carry, dotnet_attr, record, Carried};
use super::context::{Context, Site};
use super::{Claims, Kind, RuleAction, RuleInfo};
use crate::config::{scopes, AppEntry, AppSettings, Scope};
use crate::diag::{Code, Diagnostic};
use crate::doc::{
    after_attributes, attr, block, child, elements, is_self_closing, last_child_slot, quote_of,
    start_tag_end, value_range,
};
use crate::migration::Options;

pub const KIND: Kind = Kind {
    name: "copy-app-settings",
    build: |t| {
        Ok(Box::new(super::params::<CopyAppSettings>(
            "copy-app-settings",
            t,
        )?))
    },
};

/// Copy every appSettings value from OLD into NEW. It takes no parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopyAppSettings {}

impl RuleAction for CopyAppSettings {
    fn claim(&self, claims: &mut Claims, _rule: &RuleInfo, _opts: &Options) {
        claims.sections.push("appSettings".to_string());
    }

    fn plan(&self, cx: &mut Context<'_>) {
        for old_scope in scopes(cx.old.doc) {
            copy_scope(cx, &old_scope);
        }
    }
}

/// OLD's effective appSettings of one section, its external files included; `None` when the section
/// lives in a `configSource` file that could not be read (W202 says so already).
fn old_app_settings<'a>(
    cx: &Context<'a>,
    sec: roxmltree::Node<'a, 'a>,
) -> Option<AppSettings<'a, 'a>> {
    let mut values = AppSettings::default();
    if sec
        .attribute("configSource")
        .is_some_and(|v| !v.trim().is_empty())
    {
        let (id, root) = *cx.externals.get(&(sec.id(), "configSource"))?;
        values.apply(root, id, cx.old.name);
    } else {
        values.apply(sec, cx.old.id, cx.old.name);
        if let Some(&(id, root)) = cx.externals.get(&(sec.id(), "file")) {
            values.apply(root, id, cx.old.name);
        }
    }
    Some(values)
}

/// An entry's value as .NET reads it (literal line breaks and tabs kept), `""` when it has none.
fn value_of(e: &AppEntry) -> String {
    dotnet_attr(e.node, "value").unwrap_or_default()
}

/// BASE's inline appSettings at OLD's scope, to tell the admin's values from old defaults.
fn base_app_settings<'a>(cx: &Context<'a>, old_scope: &Scope) -> AppSettings<'a, 'a> {
    let mut values = AppSettings::default();
    if let (Some(base), Some(scope)) = (cx.base, cx.base_scope(old_scope)) {
        if let Some(sec) = child(scope.node, "appSettings") {
            values.apply(sec, base.id, "base");
        }
    }
    values
}

fn copy_scope<'a>(cx: &mut Context<'a>, old_scope: &Scope<'a, 'a>) {
    let Some(old_sec) = child(old_scope.node, "appSettings") else {
        return;
    };
    let Some(old_values) = old_app_settings(cx, old_sec) else {
        return;
    };
    cx.diags.extend(old_values.duplicates.iter().cloned());
    let Some(new_scope) = cx.new_scope(old_scope) else {
        if !old_values.is_empty() {
            cx.location_unmatched(old_scope, old_sec);
        }
        return;
    };
    let base_values = base_app_settings(cx, old_scope);
    let (new_id, new_name, new_text) = (cx.new.id, cx.new.name, cx.new.text);
    let new_sec = child(new_scope.node, "appSettings");
    let mut new_values = AppSettings::default();
    if let Some(ns) = new_sec {
        if let Some(src) = ns
            .attribute("configSource")
            .filter(|v| !v.trim().is_empty())
        {
            cx.diags.push(
                Diagnostic::new(
                    Code::NotEditable,
                    format!(
                        "{new_name}: appSettings live in `{src}`, so OLD's values were not copied"
                    ),
                )
                .with_label(
                    new_id,
                    ns.range().start..start_tag_end(new_text, ns),
                    "configSource",
                )
                .with_help(format!(
                    "run wcmigrate on `{src}` itself, or move its content back into web.config"
                )),
            );
            return;
        }
        if let Some(file) = ns.attribute("file").filter(|v| !v.trim().is_empty()) {
            cx.diags.push(
                Diagnostic::new(Code::NotEditable, format!("{new_name}: appSettings also read `{file}`; its values override the ones written here"))
                    .with_label(new_id, ns.range().start..start_tag_end(new_text, ns), "file="),
            );
        }
        new_values.apply(ns, new_id, new_name);
        cx.diags.extend(new_values.duplicates.iter().cloned());
    }
    let known = cx.near_miss_candidates(
        &cx.shared.known.app_settings,
        new_values.len(),
        new_values.entries().map(|e| e.key),
    );
    let mut new_adds: Vec<(AppEntry, Carried, Site)> = Vec::new();
    for e in old_values.entries() {
        let secret = cx.is_secret_name(e.key);
        let old_attr = e.node.attributes().find(|a| a.name() == "value");
        let raw = (e.file == cx.old.id)
            .then(|| old_attr.map(|a| &cx.old.text[value_range(cx.old.text, &a)]))
            .flatten();
        let span = (e.file, old_attr.map_or(e.node.range(), |a| a.range_value()));
        let old_v = value_of(e);
        let carried = carry(cx, &old_v, raw, span);
        let site = Site {
            path: format!(
                "{}appSettings/add[@key='{}']/@value",
                old_scope.label(),
                e.key
            ),
            span: 0..0,
            secret,
            origin: cx.origin(base_values.get(e.key).map(value_of).as_deref(), &old_v),
        };
        match new_values.get(e.key) {
            Some(n) => {
                let new_v = value_of(n);
                if carried.value == new_v {
                    continue;
                }
                let span = match attr(new_text, n.node, "value") {
                    Some(a) => {
                        let v = cx.attr_text("", &carried.value, carried.raw.as_deref(), a.quote);
                        // attr_text gives `=QvQ`: keep only the value.
                        cx.edits
                            .replace(a.value_range.clone(), v[2..v.len() - 1].to_string());
                        a.value_range
                    }
                    None => {
                        let at = after_attributes(new_text, n.node);
                        let q = quote_of(new_text, n.node);
                        let text = cx.attr_text("value", &carried.value, carried.raw.as_deref(), q);
                        cx.edits.insert(at, format!(" {text}"));
                        at..at
                    }
                };
                record(cx, &Site { span, ..site }, Some(&new_v), &old_v, &carried);
            }
            None => {
                cx.near_miss_name(e.key, &known, "appSettings key", e.node.range());
                new_adds.push((e.clone(), carried, site));
            }
        }
    }
    for (key, node, file) in old_values.removed() {
        if let Some(n) = new_values.get(key) {
            let how = if node.tag_name().name() == "clear" {
                "<clear/>"
            } else {
                "<remove>"
            };
            cx.diags.push(
                Diagnostic::new(
                    Code::RemovedInOld,
                    format!("OLD drops appSettings key `{key}` with {how}; NEW's value is kept"),
                )
                .with_label(*file, node.range(), "dropped here")
                .with_label(new_id, n.node.range(), "kept")
                .with_help(
                    "if the key must stay absent, add the same <remove> to the new web.config",
                ),
            );
        }
    }
    if new_adds.is_empty() {
        return;
    }
    // Layout copied from NEW's last element in the section.
    let sibling = new_sec.and_then(|s| elements(s).last());
    let quote = sibling.map_or('"', |s| quote_of(new_text, s));
    let close = sibling
        .filter(|s| is_self_closing(new_text, *s))
        .map_or(" />".to_string(), |s| {
            new_text[after_attributes(new_text, s)..s.range().end].to_string()
        });
    let mut texts = Vec::new();
    let at = last_child_slot(new_text, new_sec.unwrap_or(new_scope.node), &cx.unit)
        .range
        .start;
    for (e, carried, site) in &new_adds {
        let key = cx.attr_text("key", e.key, None, quote);
        let value = cx.attr_text("value", &carried.value, carried.raw.as_deref(), quote);
        texts.push(format!("<add {key} {value}{close}"));
        cx.diags.push(
            Diagnostic::new(
                Code::Inserted,
                format!(
                    "appSettings key `{}` is only in OLD; added at the end of NEW's appSettings",
                    e.key
                ),
            )
            .with_label(e.file, e.node.range(), "carried"),
        );
        let site = Site {
            span: at..at,
            ..site.clone()
        };
        record(cx, &site, None, &value_of(e), carried);
    }
    match new_sec {
        Some(s) => {
            for t in texts {
                cx.insert(s, false, t);
            }
        }
        None => {
            let mut lines = vec![(0, "<appSettings>".to_string())];
            lines.extend(texts.into_iter().map(|t| (1, t)));
            lines.push((0, "</appSettings>".to_string()));
            let (indent, eol) = cx.slot_layout(new_scope.node, false);
            let text = block(&lines, &indent, &cx.unit, eol);
            cx.insert(new_scope.node, false, text);
        }
    }
}
