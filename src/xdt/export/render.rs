//! The two views of a diff for people and tools: each customization as a note (N332) with labels in
//! BASE and OLD for the human renderer, and the JSON document `diff --format json` prints. Values were
//! masked when the diff was made (unless `--show-secrets`); spans are shown through `Sources`, which
//! masks them too. It decides nothing and writes no file.

use serde::Serialize;

use super::{Custom, CustomKind, Customizations};
use crate::diag::{Code, Diagnostic, JsonDiagnostic, JsonLabel, Label};

fn quoted(v: &Option<String>) -> String {
    v.as_ref()
        .map_or("(absent)".to_string(), |v| format!("\"{v}\""))
}

/// The one-line message for a customization.
pub fn message(c: &Custom) -> String {
    let at = match &c.attribute {
        Some(a) => format!("{}/@{a}", c.path),
        None => c.path.clone(),
    };
    match c.kind {
        CustomKind::AttributeSet => format!(
            "{at}: set, BASE {} → OLD {}",
            quoted(&c.base),
            quoted(&c.old)
        ),
        CustomKind::AttributeAdded => format!("{at}: added, {}", quoted(&c.old)),
        CustomKind::AttributeRemoved => format!("{at}: removed (BASE {})", quoted(&c.base)),
        CustomKind::ElementAdded => format!("{at}: element added"),
        CustomKind::ElementRemoved => format!("{at}: element removed"),
        CustomKind::TextChanged => format!(
            "{at}: text, BASE {} → OLD {}",
            quoted(&c.base),
            quoted(&c.old)
        ),
    }
}

/// The labels of a customization: where it is in BASE and in OLD (the parent where one lacks it).
fn labels(d: &Customizations, c: &Custom) -> Vec<Label> {
    let (b, o) = match c.kind {
        CustomKind::ElementAdded => ("BASE: not here", "OLD"),
        CustomKind::ElementRemoved => ("BASE", "OLD: not here"),
        CustomKind::AttributeAdded => ("BASE: not on this element", "OLD"),
        CustomKind::AttributeRemoved => ("BASE", "OLD: not on this element"),
        _ => ("BASE", "OLD"),
    };
    vec![
        Label {
            file: d.base,
            span: c.base_span.clone(),
            text: b.into(),
        },
        Label {
            file: d.old,
            span: c.old_span.clone(),
            text: o.into(),
        },
    ]
}

/// Every customization as a note, then the transform's warnings.
pub fn diagnostics(d: &Customizations) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = d
        .items
        .iter()
        .map(|c| Diagnostic::new(Code::Customization, message(c)).with_labels(labels(d, c)))
        .collect();
    out.extend(d.diagnostics.iter().cloned());
    out
}

/// One customization in `diff --format json`.
#[derive(Debug, Serialize)]
pub struct JsonCustom {
    pub kind: CustomKind,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    pub base: Option<String>,
    pub old: Option<String>,
    pub message: String,
    /// Where it is in BASE, then in OLD (the parent element where one side lacks it).
    pub base_span: JsonLabel,
    pub old_span: JsonLabel,
}

/// The document `diff --format json` prints.
#[derive(Debug, Serialize)]
pub struct JsonDiff {
    pub base: String,
    pub old: String,
    pub customizations: Vec<JsonCustom>,
    /// W236 notes about what `--format xdt` leaves out.
    pub diagnostics: Vec<JsonDiagnostic>,
}

pub fn json(d: &Customizations) -> JsonDiff {
    let customizations = d
        .items
        .iter()
        .map(|c| {
            let l = labels(d, c);
            JsonCustom {
                kind: c.kind,
                path: c.path.clone(),
                attribute: c.attribute.clone(),
                base: c.base.clone(),
                old: c.old.clone(),
                message: message(c),
                base_span: l[0].to_json(&d.sources),
                old_span: l[1].to_json(&d.sources),
            }
        })
        .collect();
    JsonDiff {
        base: d.sources.get(d.base).name.clone(),
        old: d.sources.get(d.old).name.clone(),
        customizations,
        diagnostics: d
            .diagnostics
            .iter()
            .map(|x| x.to_json(&d.sources))
            .collect(),
    }
}
