//! One transform element at work: the verb names ([`Verb`]), the sinks of a run ([`Run`]: diagnostics
//! with SupressWarnings applied, changes, regions) and the element's view of the current document
//! ([`Step`]) that the verbs write their splices into.
//!
//! Owns these types and the way a verb reports (labels in TRANSFORM and SOURCE, masked values). It runs
//! no verb and walks nothing: `walk` decides what runs, `verbs` and `attrs` what a verb does.

use std::ops::Range;

use roxmltree::{Document, Node};

use super::args::Call;
use super::locate::{attribute_span, Locator};
use super::trace::Trace;
use crate::diag::{Code, Diagnostic, FileId, Severity};
use crate::edit::Edits;
use crate::migration::{Change, ChangeKind};
use crate::secrets::Secrets;

/// The eleven built-in transforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Replace,
    Insert,
    InsertIfMissing,
    InsertBefore,
    InsertAfter,
    Remove,
    RemoveAll,
    RemoveAttributes,
    SetAttributes,
    SetTokenizedAttributes,
    CommentOut,
}

const VERBS: &[(&str, Verb)] = &[
    ("Replace", Verb::Replace),
    ("Insert", Verb::Insert),
    ("InsertIfMissing", Verb::InsertIfMissing),
    ("InsertBefore", Verb::InsertBefore),
    ("InsertAfter", Verb::InsertAfter),
    ("Remove", Verb::Remove),
    ("RemoveAll", Verb::RemoveAll),
    ("RemoveAttributes", Verb::RemoveAttributes),
    ("SetAttributes", Verb::SetAttributes),
    ("SetTokenizedAttributes", Verb::SetTokenizedAttributes),
    ("CommentOut", Verb::CommentOut),
];

impl Verb {
    /// The verb named exactly `name` (XDT looks names up case-sensitively).
    pub fn from_name(name: &str) -> Option<Verb> {
        VERBS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    pub fn name(self) -> &'static str {
        VERBS
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("", |(n, _)| n)
    }

    /// Insert-type verbs act on the parent path's first match.
    pub fn uses_parent(self) -> bool {
        matches!(
            self,
            Verb::Insert | Verb::InsertIfMissing | Verb::InsertBefore | Verb::InsertAfter
        )
    }
}

/// The sinks and shared state of one apply.
pub struct Run<'t> {
    pub loc: Locator<'t>,
    pub source: FileId,
    pub trace: Trace,
    pub diags: Vec<Diagnostic>,
    pub changes: Vec<Change>,
    /// Spans of SOURCE (as read) the transforms acted on: targets with their surrounding whitespace,
    /// start tags whose attributes changed, the ends of parents that received children.
    pub regions: Vec<Range<usize>>,
    /// The element at work has `xdt:SupressWarnings="true"`.
    pub suppress: bool,
    pub unit: String,
    pub secrets: &'t Secrets,
    pub show: bool,
    /// A transform removed the root element.
    pub removed_root: bool,
    /// Transform elements whose verb ran (found what it needed).
    pub executed: usize,
    /// The transform's secret values (raw and decoded), longest first, masked in messages and paths.
    pub hidden: Vec<String>,
}

impl Run<'_> {
    /// Records a diagnostic; under SupressWarnings a warning becomes a note (N330), as XDT logs it as a
    /// message.
    /// `text` with every secret of the transform masked (paths carry Match values), unless shown.
    pub fn masked(&self, text: &str) -> String {
        if self.show {
            return text.to_string();
        }
        let mut out = text.to_string();
        for h in &self.hidden {
            out = out.replace(h.as_str(), crate::secrets::MASK);
        }
        out
    }

    pub fn push(&mut self, mut d: Diagnostic) {
        d.message = self.masked(&d.message);
        if self.suppress && d.severity() == Severity::Warning {
            d.message = format!("{} (suppressed by xdt:SupressWarnings)", d.message);
            d.code = Code::XdtSuppressed;
        }
        self.diags.push(d);
    }
}

/// One transform element at work on the current document.
pub struct Step<'r, 't, 'd> {
    pub run: &'r mut Run<'t>,
    pub e: Node<'t, 't>,
    pub verb: Verb,
    pub call: Call,
    /// The current text of SOURCE and its tree.
    pub text: &'d str,
    pub doc: &'d Document<'d>,
    /// The element's own path.
    pub path: String,
    pub edits: Edits,
}

impl<'d> Step<'_, '_, 'd> {
    pub fn tf_text(&self) -> &str {
        self.run.loc.tf.text
    }

    /// A diagnostic on this element's `xdt:Transform`, and on `target` in SOURCE when given.
    pub fn diag(&self, code: Code, message: String, target: Option<Node>) -> Diagnostic {
        let tf = self.run.loc.tf;
        let mut d = Diagnostic::new(code, message).with_label(
            tf.id,
            attribute_span(tf.text, self.e, "Transform"),
            self.verb.name(),
        );
        if let Some(t) = target {
            let tag = t.range().start..crate::doc::start_tag_end(self.text, t);
            d = d.with_label(self.run.source, self.run.trace.range(&tag), "target");
        }
        d
    }

    pub fn warn(&mut self, code: Code, message: String, target: Option<Node>) {
        let d = self.diag(code, message, target);
        self.run.push(d);
    }

    /// Warns when a verb that takes none was given arguments.
    pub fn no_arguments(&mut self) {
        if self
            .call
            .arguments
            .as_deref()
            .is_some_and(|a| !a.is_empty())
        {
            let m = format!("{} does not expect arguments; ignoring", self.verb.name());
            self.warn(Code::XdtIgnoredArguments, m, None);
        }
    }

    /// Records a region of the current text the transform acts on.
    pub fn region(&mut self, r: Range<usize>) {
        let mapped = self.run.trace.range(&r);
        self.run.regions.push(mapped);
    }

    /// Records a change at `span` of the current text; values are shown as secrets allow.
    pub fn change(
        &mut self,
        kind: ChangeKind,
        path: String,
        span: Range<usize>,
        before: Option<String>,
        after: String,
        secret: bool,
    ) {
        let (show, secrets) = (self.run.show, self.run.secrets);
        let shown = |v: &str| {
            if secret {
                secrets.shown(v, true, show)
            } else {
                secrets.shown_markup(v, show)
            }
        };
        self.run.changes.push(Change {
            rule: "xdt".into(),
            rule_name: self.verb.name().into(),
            kind,
            path: self.run.masked(&path),
            line: 0,
            column: 0,
            span: self.run.trace.range(&span),
            before: before.as_deref().map(shown),
            after: shown(&after),
            secret,
            origin: None,
        });
    }
}
