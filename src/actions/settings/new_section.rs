//! A settings section only OLD has: added to NEW whole, with its `configSections` declaration.
//!
//! Part of the `copy-application-settings` action. Lays the section out like NEW (indentation, line
//! breaks, quotes) and takes declaration types from NEW first; it never copies OLD's layout.

use super::{setting_text, weigh, Sec};
use crate::actions::carry::tag_span;
use crate::actions::context::Context;
use crate::config::{group_declaration, section_declaration, Scope, SettingsSection};
use crate::diag::{Code, Diagnostic};
use crate::doc::{block, child, elements, quote_of, start_tag_end};

/// Adds OLD's section `old_sec` (and its group when NEW lacks it) to NEW's scope. In a 3-way merge
/// only the settings the admin changed or added go in, and a section the new version removed stays
/// removed when the admin changed none of it.
pub(super) fn insert(cx: &mut Context, new_scope: &Scope, old_sec: &SettingsSection, sec: &Sec) {
    let at = tag_span(cx.new.id, new_scope.node);
    let kept: Vec<_> = old_sec
        .settings
        .iter()
        .filter_map(|os| weigh(cx, sec, os, Err(at.clone())).map(|w| (os, w)))
        .collect();
    if kept.is_empty() && sec.base.section.is_some() {
        return;
    }
    let prefix = sec.prefix.as_str();
    let (indent, eol) = cx.slot_layout(new_scope.node, false);
    let group_node = child(new_scope.node, old_sec.group);
    let base_indent = match group_node {
        Some(g) => cx.slot_layout(g, false).0,
        None => format!("{indent}{}", cx.unit),
    };
    let unit = cx.unit.clone();
    // Settings laid out one level below the section.
    let mut lines = vec![(0usize, format!("<{}>", old_sec.name))];
    for (os, (carried, origin)) in kept {
        let t = setting_text(cx, sec, os, None, carried, origin);
        // setting_text lays out with NEW's first line break and no indentation: re-indent it.
        let t = t.replace(
            &format!("{eol}{unit}"),
            &format!("{eol}{base_indent}{unit}{unit}"),
        );
        let t = t.replace(
            &format!("{eol}</setting>"),
            &format!("{eol}{base_indent}{unit}</setting>"),
        );
        lines.push((1, t));
    }
    lines.push((0, format!("</{}>", old_sec.name)));
    match group_node {
        Some(g) => {
            let text = block(&lines, &base_indent, &unit, eol);
            cx.insert(g, false, text);
        }
        None => {
            let mut outer = vec![(0usize, format!("<{}>", old_sec.group))];
            outer.extend(lines.into_iter().map(|(d, l)| (d + 1, l)));
            outer.push((0, format!("</{}>", old_sec.group)));
            let text = block(&outer, &indent, &unit, eol);
            cx.insert(new_scope.node, false, text);
        }
    }
    cx.diags.push(
        Diagnostic::new(
            Code::Inserted,
            format!("section {prefix} is only in OLD; added to NEW with its settings"),
        )
        .with_label(
            cx.old.id,
            old_sec.node.range().start..start_tag_end(cx.old.text, old_sec.node),
            "carried",
        ),
    );
    declare(cx, old_sec.group, old_sec.name);
}

/// Adds the `configSections` declarations NEW lacks for a carried section.
fn declare(cx: &mut Context, group: &str, section: &str) {
    let (old_doc, new_doc, new_text) = (cx.old.doc, cx.new.doc, cx.new.text);
    if section_declaration(new_doc, group, section).is_some() {
        return;
    }
    const DEFAULT_SECTION_TYPE: &str =
        "System.Configuration.ClientSettingsSection, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089";
    const DEFAULT_GROUP_TYPE: &str =
        "System.Configuration.ApplicationSettingsGroup, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089";
    let new_group = group_declaration(new_doc, group);
    let sibling = new_group.and_then(|g| elements(g).find(|n| n.tag_name().name() == "section"));
    let old_decl = section_declaration(old_doc, group, section);
    let quote = sibling.map_or('"', |s| quote_of(new_text, s));
    // NEW's types win: copy the sibling's type, else OLD's, else the framework default.
    // Types copied from OLD follow NEW's framework: 2.0.0.0 becomes 4.0.0.0 when NEW is a .NET 4 config.
    let net4 = new_text.contains("Version=4.0.0.0") || new_text.contains("targetFramework=\"4");
    let raise = |t: &str| {
        if net4 {
            t.replace("Version=2.0.0.0", "Version=4.0.0.0")
        } else {
            t.to_string()
        }
    };
    let ty = match sibling.and_then(|s| s.attribute("type")) {
        Some(t) => t.to_string(),
        None => raise(
            old_decl
                .and_then(|d| d.attribute("type"))
                .unwrap_or(DEFAULT_SECTION_TYPE),
        ),
    };
    let mut attrs = vec![
        cx.attr_text("name", section, None, quote),
        cx.attr_text("type", &ty, None, quote),
    ];
    let extra: Vec<(String, String)> = old_decl
        .map(|d| {
            d.attributes()
                .filter(|a| a.name() != "name" && a.name() != "type")
                .map(|a| (a.name().to_string(), a.value().to_string()))
                .collect()
        })
        .unwrap_or_else(|| vec![("requirePermission".into(), "false".into())]);
    for (n, v) in extra {
        attrs.push(cx.attr_text(&n, &v, None, quote));
    }
    let section_el = format!("<section {} />", attrs.join(" "));
    let root = new_doc.root_element();
    let note = Diagnostic::new(
        Code::DeclarationAdded,
        format!("declared section {group}/{section} in NEW's configSections (type {ty})"),
    );
    if let Some(g) = new_group {
        cx.insert(g, false, section_el);
    } else {
        let old_group = old_decl.and_then(|d| d.parent());
        let gty = old_group
            .and_then(|g| g.attribute("type"))
            .unwrap_or(DEFAULT_GROUP_TYPE);
        let gty = raise(gty);
        let open = format!(
            "<sectionGroup {} {}>",
            cx.attr_text("name", group, None, quote),
            cx.attr_text("type", &gty, None, quote)
        );
        let lines = vec![
            (0, open),
            (1, section_el),
            (0, "</sectionGroup>".to_string()),
        ];
        match child(root, "configSections") {
            Some(cs) => {
                let (indent, eol) = cx.slot_layout(cs, false);
                let text = block(&lines, &indent, &cx.unit, eol);
                cx.insert(cs, false, text);
            }
            None => {
                let (indent, eol) = cx.slot_layout(root, true);
                let mut outer = vec![(0, "<configSections>".to_string())];
                outer.extend(lines.into_iter().map(|(d, l)| (d + 1, l)));
                outer.push((0, "</configSections>".to_string()));
                let text = block(&outer, &indent, &cx.unit, eol);
                cx.insert(root, true, text);
            }
        }
    }
    cx.diags.push(note);
}
