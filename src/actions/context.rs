//! The context every rule action plans in: the documents, what the actions claimed, and the sinks for
//! edits, changes, decisions and diagnostics.
//!
//! Owns the edit sink (splices of NEW, with new children grouped per parent so that they land in one
//! slot) and the helpers that lay inserted text out like its neighbours. It decides nothing about
//! configuration semantics, reads no file and renders nothing.

use std::collections::HashMap;
use std::ops::Range;

use roxmltree::{Document, Node, NodeId};
use serde::Deserialize;

use super::{Claims, RuleInfo};
use crate::config::{scopes, Identity, Scope};
use crate::diag::{Code, Diagnostic, FileId, Label};
use crate::doc::{first_child_slot, last_child_slot, start_tag_end, Slot};
use crate::edit::{escape_attr, Edits};
use crate::migration::{Change, ChangeKind, Decision, DecisionKind, Options, Origin, Prefer};
use crate::secrets::{Secrets, MASK};

/// One parsed input: its id in the sources, the name it is shown by, its text and its tree.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub id: FileId,
    pub name: &'a str,
    pub text: &'a str,
    pub doc: &'a Document<'a>,
}

/// Files OLD's sections point to (`file=`, `configSource=`): by the OLD element and the attribute
/// that names them, the file's id and its root element.
pub type Externals<'a> = HashMap<(NodeId, &'static str), (FileId, Node<'a, 'a>)>;

/// Known names, for near-miss diagnostics (the rules file's `[known]` table).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Known {
    #[serde(default)]
    pub app_settings: Vec<String>,
    #[serde(default)]
    pub settings: Vec<String>,
}

/// What the rule set gives every action besides its own parameters.
#[derive(Clone, Copy)]
pub struct Shared<'a> {
    pub identity: &'a Identity,
    pub secrets: &'a Secrets,
    pub known: &'a Known,
    pub claims: &'a Claims,
    pub opts: &'a Options,
}

/// Where a change lands: a readable path, the span in NEW, and whether the value is a secret.
#[derive(Debug, Clone)]
pub struct Site {
    pub path: String,
    pub span: Range<usize>,
    pub secret: bool,
    pub origin: Option<Origin>,
}

impl Site {
    pub fn new(path: impl Into<String>, span: Range<usize>, secret: bool) -> Site {
        Site {
            path: path.into(),
            span,
            secret,
            origin: None,
        }
    }
}

/// A 3-way decision as an action reports it: recorded in the migration, and shown as a diagnostic with
/// the same message and labels unless `quiet`.
pub struct Decided<'s> {
    pub code: Code,
    pub kind: DecisionKind,
    pub path: &'s str,
    pub message: String,
    pub chosen: Option<Prefer>,
    pub labels: Vec<Label>,
    pub help: Option<&'s str>,
    pub quiet: bool,
}

/// Elements to insert at one slot.
struct Insert {
    parent: NodeId,
    first: bool,
    slot: Slot,
    elements: Vec<String>,
}

/// What the actions planned, taken out of the context once they are done.
pub struct Planned {
    pub edits: Edits,
    pub changes: Vec<Change>,
    pub decisions: Vec<Decision>,
    pub diags: Vec<Diagnostic>,
}

/// The shared context of one run.
pub struct Context<'a> {
    pub old: Side<'a>,
    pub new: Side<'a>,
    /// The old version's pristine file, in a 3-way merge.
    pub base: Option<Side<'a>>,
    pub externals: &'a Externals<'a>,
    pub shared: Shared<'a>,
    /// The rule being planned: set before each action runs, recorded with its changes.
    pub rule: RuleInfo,
    /// NEW's indentation unit.
    pub unit: String,
    pub edits: Edits,
    inserts: Vec<Insert>,
    pub changes: Vec<Change>,
    pub decisions: Vec<Decision>,
    pub diags: Vec<Diagnostic>,
    /// Element paths a carry-attribute action needs in NEW but NEW lacks (3-way only): the 3-way
    /// action brings OLD's element back whole instead of keeping NEW's removal.
    pub revive: Vec<String>,
    /// Renames whose "kept its old name" note was given already (one note per rename).
    pub kept_noted: Vec<String>,
}

impl<'a> Context<'a> {
    pub fn new(
        old: Side<'a>,
        new: Side<'a>,
        base: Option<Side<'a>>,
        externals: &'a Externals<'a>,
        shared: Shared<'a>,
    ) -> Context<'a> {
        Context {
            old,
            new,
            base,
            externals,
            shared,
            rule: RuleInfo::default(),
            unit: crate::doc::indent_unit(new.text, new.doc),
            edits: Edits::new(),
            inserts: Vec::new(),
            changes: Vec::new(),
            decisions: Vec::new(),
            diags: Vec::new(),
            revive: Vec::new(),
            kept_noted: Vec::new(),
        }
    }

    /// Ends planning: grouped insertions become splices.
    pub fn finish(self) -> Planned {
        let mut edits = self.edits;
        // An empty parent (`<configuration/>`) has one slot for its first and its last child: the
        // children queued as first go before those queued as last, in one splice.
        let mut inserts: Vec<Insert> = Vec::new();
        for ins in self.inserts {
            match inserts
                .iter_mut()
                .find(|i| i.parent == ins.parent && i.slot.range == ins.slot.range)
            {
                Some(same) if ins.first => {
                    let mut els = ins.elements;
                    els.append(&mut same.elements);
                    same.elements = els;
                }
                Some(same) => same.elements.extend(ins.elements),
                None => inserts.push(ins),
            }
        }
        for ins in inserts {
            let mut text = String::new();
            for (i, el) in ins.elements.iter().enumerate() {
                if i == 0 {
                    text.push_str(&ins.slot.before);
                } else if !ins.slot.before.is_empty() {
                    text.push_str(ins.slot.eol);
                    text.push_str(&ins.slot.indent);
                }
                text.push_str(el);
            }
            text.push_str(&ins.slot.after);
            edits.replace(ins.slot.range.clone(), text);
        }
        Planned {
            edits,
            changes: self.changes,
            decisions: self.decisions,
            diags: self.diags,
        }
    }

    /// A value as messages may show it (masked when secret, unless `--show-secrets`).
    pub fn shown(&self, value: &str, secret: bool) -> String {
        self.shared
            .secrets
            .shown(value, secret, self.shared.opts.show_secrets)
    }

    /// A value as a message quotes it: `"text"`, masked where secret, and then with the kind of value
    /// the mask hides (`"***" (40 hex digits)`); `(absent)` for none.
    pub fn quoted(&self, value: Option<&str>, secret: bool) -> String {
        let Some(v) = value else {
            return "(absent)".to_string();
        };
        let shown = self.shown(v, secret);
        if shown == MASK && v != MASK {
            format!("\"{shown}\" ({})", crate::secrets::kind(v))
        } else {
            format!("\"{shown}\"")
        }
    }

    /// Values quoted for one comparison (BASE, OLD, NEW or OLD, NEW): where masks would still make
    /// two different values read the same, the later one says so, so that no comparison shows two
    /// equal sides.
    pub fn quoted_all(&self, values: &[Option<&str>], secret: bool) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            let mut q = self.quoted(*v, secret);
            let looks_same = (0..i).any(|j| out[j] == q && values[j] != *v);
            if looks_same {
                q = format!("{q}, a different value");
            }
            out.push(q);
        }
        out
    }

    /// A value or a piece of markup (an element carried or removed whole) as a change records it:
    /// masked here, where it is made, unless `--show-secrets`.
    fn recorded(&self, value: &str, secret: bool) -> String {
        if !secret && value.trim_start().starts_with('<') {
            self.shared
                .secrets
                .shown_markup(value, self.shared.opts.show_secrets)
        } else {
            self.shown(value, secret)
        }
    }

    pub fn is_secret_name(&self, name: &str) -> bool {
        self.shared.secrets.is_secret_name(name)
    }

    pub fn is_secret_attribute(&self, name: &str) -> bool {
        self.shared.secrets.is_secret_attribute(name)
    }

    /// True when attribute `name` of `node` holds a secret (see [`Secrets::is_secret_attribute_of`]).
    pub fn secret_attribute(&self, node: Node, name: &str) -> bool {
        self.shared
            .secrets
            .is_secret_attribute_of(node.tag_name().name(), name, |a| node.attribute(a))
    }

    /// True when the text of `node` is a secret (see [`Secrets::is_secret_text`]).
    pub fn secret_text(&self, node: Node) -> bool {
        let setting = node
            .parent_element()
            .filter(|p| p.tag_name().name() == "setting")
            .and_then(|p| p.attribute("name"));
        self.shared
            .secrets
            .is_secret_text(node.tag_name().name(), setting)
    }

    /// An element's identity among its siblings ([`Identity::of`]): the key to match by, and the form
    /// messages show, with any secret value in it masked (`password[@value='***']`).
    pub fn identity_of(&self, node: Node, path: &str) -> (String, String) {
        let (key, mut shown) = self.shared.identity.of(node, path);
        if !self.shared.opts.show_secrets {
            for a in node.attributes() {
                if self.secret_attribute(node, a.name()) && !a.value().is_empty() {
                    let part = format!("[@{}='{}']", a.name(), a.value());
                    shown = shown.replace(&part, &format!("[@{}='{}']", a.name(), MASK));
                }
            }
            shown = self.shown(&shown, false);
        }
        (key, shown)
    }

    /// With BASE, whether OLD's value is the admin's (differs from BASE's) or the old default.
    pub fn origin(&self, base_value: Option<&str>, old_value: &str) -> Option<Origin> {
        self.base?;
        Some(if base_value == Some(old_value) {
            Origin::Default
        } else {
            Origin::Admin
        })
    }

    /// Records a decision of the current rule (and its diagnostic, unless quiet).
    pub fn decide(&mut self, d: Decided) {
        if !d.quiet {
            let mut diag = Diagnostic::new(d.code, format!("{}: {}", d.path, d.message));
            diag.labels = d.labels.clone();
            if let Some(h) = d.help {
                diag = diag.with_help(h);
            }
            self.diags.push(diag);
        }
        self.decisions.push(Decision {
            kind: d.kind,
            rule: self.rule.code.clone(),
            path: d.path.to_string(),
            message: d.message,
            chosen: d.chosen,
            labels: d.labels,
        });
    }

    /// Records a change made by the current rule.
    pub fn change(&mut self, kind: ChangeKind, site: &Site, before: Option<String>, after: String) {
        let change = self.change_record(&self.rule, kind, site, before, after);
        self.changes.push(change);
    }

    /// Records a change made by `rule` (a rename applied while another rule copies a value).
    pub fn change_by(
        &mut self,
        rule: &RuleInfo,
        kind: ChangeKind,
        site: &Site,
        before: Option<String>,
        after: String,
    ) {
        let change = self.change_record(rule, kind, site, before, after);
        self.changes.push(change);
    }

    /// A change as recorded: values shown as a renderer may show them. One allocation per text (a
    /// 100,000-key merge records 100,000 changes).
    fn change_record(
        &self,
        rule: &RuleInfo,
        kind: ChangeKind,
        site: &Site,
        before: Option<String>,
        after: String,
    ) -> Change {
        Change {
            rule: rule.code.clone(),
            rule_name: rule.name.clone(),
            kind,
            path: site.path.clone(),
            line: 0,
            column: 0,
            span: site.span.clone(),
            before: before.map(|b| self.recorded(&b, site.secret)),
            after: self.recorded(&after, site.secret),
            secret: site.secret,
            origin: site.origin,
        }
    }

    /// Queues `element` as a new first or last child of NEW's `parent`; children queued for the same
    /// slot are laid out together.
    pub fn insert(&mut self, parent: Node, first: bool, element: String) {
        if let Some(i) = self
            .inserts
            .iter_mut()
            .find(|i| i.parent == parent.id() && i.first == first)
        {
            i.elements.push(element);
            return;
        }
        let slot = self.slot(parent, first);
        self.inserts.push(Insert {
            parent: parent.id(),
            first,
            slot,
            elements: vec![element],
        });
    }

    /// Where a new first or last child of NEW's `parent` goes.
    pub fn slot(&self, parent: Node, first: bool) -> Slot {
        if first {
            first_child_slot(self.new.text, parent, &self.unit)
        } else {
            last_child_slot(self.new.text, parent, &self.unit)
        }
    }

    /// The indentation and line break of a new first or last child of NEW's `parent`.
    pub fn slot_layout(&self, parent: Node, first: bool) -> (String, &'static str) {
        let slot = self.slot(parent, first);
        (slot.indent, slot.eol)
    }

    /// `name=QvalueQ` with the value escaped for quote `Q`, or OLD's raw spelling when it fits.
    pub fn attr_text(&self, name: &str, value: &str, raw: Option<&str>, quote: char) -> String {
        let v = raw
            .filter(|r| !r.contains(quote) && !r.contains(['\n', '\r', '\t', '<']))
            .map_or_else(|| escape_attr(value, quote), str::to_string);
        format!("{name}={quote}{v}{quote}")
    }

    /// NEW's scope (the root or a `<location>`) at the same place as OLD's `old` scope.
    pub fn new_scope(&self, old: &Scope) -> Option<Scope<'a, 'a>> {
        scopes(self.new.doc).into_iter().find(|s| s.same_place(old))
    }

    /// BASE's scope at the same place as OLD's `old` scope.
    pub fn base_scope(&self, old: &Scope) -> Option<Scope<'a, 'a>> {
        scopes(self.base?.doc)
            .into_iter()
            .find(|s| s.same_place(old))
    }

    /// W-note: OLD keeps a migrated section under a `<location>` NEW lacks.
    pub fn location_unmatched(&mut self, scope: &Scope, sec: Node) {
        self.diags.push(
            Diagnostic::new(
                Code::LocationUnmatched,
                format!(
                    "OLD has <{}> under <location path=\"{}\">, which NEW lacks; its values were not migrated",
                    sec.tag_name().name(),
                    scope.location.unwrap_or("")
                ),
            )
            .with_label(self.old.id, sec.range().start..start_tag_end(self.old.text, sec), "here")
            .with_help("add the <location> element to the new web.config and run again"),
        );
    }

    /// Names a near-miss check compares against: the rules' known names, plus NEW's own when NEW has
    /// few enough of them for a pairwise check to stay cheap (real configs have tens).
    pub fn near_miss_candidates<'n>(
        &self,
        known: &[String],
        count: usize,
        new_names: impl Iterator<Item = &'n str>,
    ) -> Vec<String> {
        const PAIRWISE_LIMIT: usize = 2_000;
        let mut out = known.to_vec();
        if count <= PAIRWISE_LIMIT {
            out.extend(new_names.map(str::to_string));
        }
        out
    }

    /// W-note: an OLD key or setting name only NEW's spelling of it differs from.
    pub fn near_miss_name(
        &mut self,
        name: &str,
        candidates: &[String],
        kind: &str,
        span: Range<usize>,
    ) {
        if name.len() < 8 || candidates.iter().any(|c| c.eq_ignore_ascii_case(name)) {
            return;
        }
        if let Some(c) = candidates.iter().find(|c| near_miss(c, name)) {
            self.diags.push(
                Diagnostic::new(Code::NearMissName, format!("OLD {kind} `{name}` looks like `{c}`; it was carried under its own name"))
                    .with_label(self.old.id, span, "near miss")
                    .with_help(format!("if it is meant to be `{c}`, rename it in the output and delete the misspelled one")),
            );
        }
    }
}

/// One or two letters apart, ignoring ASCII case (lengths are compared first: most pairs stop there).
pub fn near_miss(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    // A name that only extends the other (`PhoneFactorX`, `PhoneFactor2`) is another name, not a typo.
    let extends = a.starts_with(&b) || a.ends_with(&b) || b.starts_with(&a) || b.ends_with(&a);
    a.len().abs_diff(b.len()) <= 2 && !extends && (1..=2).contains(&strsim::levenshtein(&a, &b))
}
