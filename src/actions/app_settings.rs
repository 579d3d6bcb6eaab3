//! Action `copy-app-settings`: OLD's appSettings values into NEW, as .NET resolves them
//! (case-insensitive keys, `<clear/>`, `<remove>`, last add wins, `file=` and `configSource=`).
//!
//! Owns appSettings only: values NEW has are replaced in place, keys only in OLD are added at the end
//! of NEW's section. With BASE it follows the 3-way rule per key (carry what the admin changed, let
//! NEW's defaults stand, conflicts to `prefer`). It never touches another section and never reads a
//! file (externals come loaded).

use serde::Deserialize;

use super::carry::{carry, dotnet_attr, record, settle, tag_span, Carried, Spans, Three};
use super::context::{Context, Site};
use super::{Claims, Kind, RuleAction, RuleInfo};
use crate::config::{scopes, AppEntry, AppSettings, Scope};
use crate::diag::{Code, Diagnostic};
use crate::doc::{
    after_attributes, attr, block, child, elements, is_self_closing, last_child_slot, quote_of,
    start_tag_end, value_range,
};
use crate::migration::{Options, Prefer};

pub const KIND: Kind = Kind {
    name: "copy-app-settings",
    build: |t| {
        Ok(Box::new(super::params::<CopyAppSettings>(
            "copy-app-settings",
            t,
        )?))
    },
};

/// Copy every appSettings value from OLD into NEW (with BASE, the values the admin changed).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopyAppSettings {
    /// With BASE, who wins where the admin and the new version changed a value differently; else
    /// `--prefer`.
    #[serde(default)]
    prefer: Option<Prefer>,
}

impl RuleAction for CopyAppSettings {
    fn claim(&self, claims: &mut Claims, _rule: &RuleInfo, _opts: &Options) {
        claims.sections.push("appSettings".to_string());
    }

    fn plan(&self, cx: &mut Context<'_>) {
        let prefer = self.prefer.unwrap_or(cx.shared.opts.prefer);
        for old_scope in scopes(cx.old.doc) {
            copy_scope(cx, &old_scope, prefer);
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
        values.apply(root, id);
    } else {
        values.apply(sec, cx.old.id);
        if let Some(&(id, root)) = cx.externals.get(&(sec.id(), "file")) {
            values.apply(root, id);
        }
    }
    Some(values)
}

/// The help of N301 in a 2-way merge: without BASE a key only in OLD may be the admin's or one the
/// vendor removed since.
pub(super) const ONLY_IN_OLD_HELP: &str = "an admin's own key, or one the new version removed? With --base (the old version's pristine web.config) wcmigrate tells them apart and leaves removed defaults out";

/// An entry's value as .NET reads it (literal line breaks and tabs kept), `""` when it has none.
fn value_of(e: &AppEntry) -> String {
    dotnet_attr(e.node, "value").unwrap_or_default()
}

/// BASE's inline appSettings at OLD's scope, to tell the admin's values from old defaults.
fn base_app_settings<'a>(cx: &Context<'a>, old_scope: &Scope) -> AppSettings<'a, 'a> {
    let mut values = AppSettings::default();
    if let (Some(base), Some(scope)) = (cx.base, cx.base_scope(old_scope)) {
        if let Some(sec) = child(scope.node, "appSettings") {
            values.apply(sec, base.id);
        }
    }
    values
}

fn copy_scope<'a>(cx: &mut Context<'a>, old_scope: &Scope<'a, 'a>, prefer: Prefer) {
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
        new_values.apply(ns, new_id);
        cx.diags.extend(new_values.duplicates.iter().cloned());
    }
    let known = cx.near_miss_candidates(
        &cx.shared.known.app_settings,
        new_values.len(),
        new_values.entries().map(|e| e.key),
    );
    let base_sec = cx
        .base_scope(old_scope)
        .map(|s| child(s.node, "appSettings").unwrap_or(s.node));
    let new_at = new_sec.unwrap_or(new_scope.node);
    let mut new_adds: Vec<(AppEntry, Carried, Site)> = Vec::new();
    for e in old_values.entries() {
        let secret = cx.is_secret_name(e.key);
        let n = new_values.get(e.key);
        let b = cx.base.map(|_| base_values.get(e.key));
        let (old_v, new_v) = (value_of(e), n.map(value_of));
        let base_v = b.map(|b| b.map(value_of));
        let three = Three {
            base: base_v.as_ref().map(Option::as_deref),
            old: &old_v,
            new: new_v.as_deref(),
        };
        let path = format!(
            "{}appSettings/add[@key='{}']/@value",
            old_scope.label(),
            e.key
        );
        let spans = Spans {
            base: cx.base.map(|base| match b.flatten() {
                Some(b) => tag_span(b.file, b.node),
                None => tag_span(base.id, base_sec.unwrap_or(base.doc.root_element())),
            }),
            old: tag_span(e.file, e.node),
            new: match n {
                Some(n) => tag_span(n.file, n.node),
                None => tag_span(new_id, new_at),
            },
        };
        if three.untouched() {
            // The admin never changed it: NEW's version stands, whatever it is.
            settle(
                cx,
                three.verdict(&old_v),
                &path,
                three,
                secret,
                prefer,
                &spans,
            );
            continue;
        }
        let old_attr = e.node.attributes().find(|a| a.name() == "value");
        let raw = (e.file == cx.old.id)
            .then(|| old_attr.map(|a| &cx.old.text[value_range(cx.old.text, &a)]))
            .flatten();
        let span = (e.file, old_attr.map_or(e.node.range(), |a| a.range_value()));
        let carried = carry(cx, &old_v, raw, span);
        let verdict = three.verdict(&carried.value);
        if !settle(cx, verdict, &path, three, secret, prefer, &spans) {
            continue;
        }
        let site = Site {
            path,
            span: 0..0,
            secret,
            origin: cx.origin(three.base.flatten(), &old_v),
        };
        match n {
            Some(n) => {
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
                let before = new_v.unwrap_or_default();
                record(cx, &Site { span, ..site }, Some(&before), &old_v, &carried);
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
        let note = Diagnostic::new(
            Code::Inserted,
            format!(
                "appSettings key `{}` is only in OLD; added at the end of NEW's appSettings",
                e.key
            ),
        )
        .with_label(e.file, e.node.range(), "carried");
        cx.diags.push(match cx.base {
            Some(_) => note,
            None => note.with_help(ONLY_IN_OLD_HELP),
        });
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
