//! `wcmigrate diff BASE OLD` and `merge --emit-xdt`: the admin's customizations of BASE, by identity,
//! and the same as an XDT transform that re-applies them.
//!
//! Owns the walk of BASE against OLD: elements paired per parent with the 3-way engine's matcher
//! ([`Siblings`], keyed by [`Identity`] and [`child_path`]), each difference recorded as a
//! [`Custom`] with its spans, and, in the same walk, the transform elements that redo it (`write`
//! builds their text, `locator` the paths that find each element as the document stands when XDT
//! reaches it). It reads inputs' bytes only: it never writes a file and never renders (`render` does).
//! A transform holds real values, secrets included; the customizations' values and paths are masked
//! unless `show_secrets`.

use std::ops::Range;

use roxmltree::Node;
use serde::Serialize;

use crate::config::{child_path, leaf_text, Identity, Siblings};
use crate::diag::{Code, Diagnostic, FileId, Label, Sources};
use crate::doc::{elements, parse, start_tag_end};
use crate::migration::{Failure, Input};
use crate::secrets::{Secrets, MASK};

mod locator;
pub mod render;
mod write;

use locator::Loc;
use write::TElem;

/// What kind of customization one [`Custom`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CustomKind {
    /// An attribute both have, with another value in OLD.
    AttributeSet,
    /// An attribute only OLD's element has.
    AttributeAdded,
    /// An attribute only BASE's element has.
    AttributeRemoved,
    /// An element only OLD has (matched by identity among its siblings).
    ElementAdded,
    /// An element only BASE has.
    ElementRemoved,
    /// The text of an element without element children.
    TextChanged,
}

/// One customization: where it is (identity path, spans in BASE and OLD) and the values on each side.
#[derive(Debug, Clone)]
pub struct Custom {
    pub kind: CustomKind,
    /// The element's identity path from the root, as messages show it (secret identity values masked
    /// unless `show_secrets`), e.g. `configuration/appSettings/add[@key='Theme']`.
    pub path: String,
    /// The attribute's name, for attribute kinds.
    pub attribute: Option<String>,
    /// BASE's and OLD's value (attribute value or trimmed text; `None` when absent or for elements),
    /// masked when secret unless `show_secrets`.
    pub base: Option<String>,
    pub old: Option<String>,
    /// The attribute (or the element's start tag, or the whole element when added or removed) in each
    /// file that has it; where one side lacks it, the parent element there.
    pub base_span: Range<usize>,
    pub old_span: Range<usize>,
}

/// Choices of one diff.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub identity: Identity,
    pub secrets: Secrets,
    pub show_secrets: bool,
}

/// The result of a diff: the customizations in document order, the transform that re-applies them,
/// and the files (registered with their secrets) the spans point into.
#[derive(Debug)]
pub struct Customizations {
    pub sources: Sources,
    pub base: FileId,
    pub old: FileId,
    pub items: Vec<Custom>,
    /// The XDT transform (UTF-8 text, real values) that turns BASE into OLD's meaning.
    pub transform: String,
    /// W236 for what the transform leaves out.
    pub diagnostics: Vec<Diagnostic>,
}

/// Compares `old` with `base` by identity and builds the transform; `base` and `old` are decoded and
/// registered in the result's [`Sources`] with their secrets.
pub fn diff(base: &Input, old: &Input, opts: &DiffOptions) -> Result<Customizations, Failure> {
    let mut sources = Sources::default();
    let fail = |sources: Sources, d: Diagnostic| Failure {
        sources,
        diagnostics: vec![d],
    };
    let (base_id, base_dec) = match sources.add_input(&base.name, &base.bytes, &opts.secrets) {
        Ok(x) => x,
        Err(d) => return Err(fail(sources, d)),
    };
    let (old_id, old_dec) = match sources.add_input(&old.name, &old.bytes, &opts.secrets) {
        Ok(x) => x,
        Err(d) => return Err(fail(sources, d)),
    };
    let (bt, ot) = (&*base_dec.text, &*old_dec.text);
    let docs = parse(bt, base_id, &base.name).and_then(|b| Ok((b, parse(ot, old_id, &old.name)?)));
    let (bdoc, odoc) = match docs {
        Ok(d) => d,
        Err(d) => return Err(fail(sources, d)),
    };
    let (br, or) = (bdoc.root_element(), odoc.root_element());
    if br.tag_name() != or.tag_name() {
        let d = Diagnostic::new(
            Code::DiffRootsDiffer,
            format!(
                "BASE's root is <{}>, OLD's <{}>: not versions of one file",
                br.tag_name().name(),
                or.tag_name().name()
            ),
        )
        .with_label(base_id, br.range().start..start_tag_end(bt, br), "BASE")
        .with_label(old_id, or.range().start..start_tag_end(ot, or), "OLD");
        return Err(fail(sources, d));
    }
    let mut w = Walk {
        opts,
        base_text: bt,
        old_text: ot,
        base_id,
        old_id,
        items: Vec::new(),
        diags: Vec::new(),
    };
    let root_name = br.tag_name().name().to_string();
    let shown = w.shown_id(br, &root_name);
    let abs = format!("/{}", locator::step(br));
    let mut root = TElem::new(br);
    let ops = w.pair(br, or, "", &shown, &abs, &Loc::None, true);
    // The root element holds everything: its own ops (at most one verb) go on it.
    for op in ops {
        match (op.transform.is_some(), root.transform.is_some()) {
            (_, true) if op.transform.is_some() => w.not_expressible(
                &shown,
                "the root's attributes are both set and removed; only the set is exported",
                br,
                or,
            ),
            (true, _) => {
                root.transform = op.transform;
                root.attrs = op.attrs;
                root.children.extend(op.children);
            }
            (false, _) => root.children.extend(op.children),
        }
    }
    root.ensure_parents();
    let transform = write::document(&root, crate::edit::first_eol(bt));
    Ok(Customizations {
        base: base_id,
        old: old_id,
        items: w.items,
        transform,
        diagnostics: w.diags,
        sources,
    })
}

/// One diff's walk: the inputs, and the sinks.
struct Walk<'o, 't> {
    opts: &'o DiffOptions,
    base_text: &'t str,
    old_text: &'t str,
    base_id: FileId,
    old_id: FileId,
    items: Vec<Custom>,
    diags: Vec<Diagnostic>,
}

impl Walk<'_, '_> {
    fn secret_attribute(&self, n: Node, name: &str) -> bool {
        let s = &self.opts.secrets;
        s.is_secret_attribute_of(n.tag_name().name(), name, |a| n.attribute(a))
    }

    fn secret_text(&self, n: Node) -> bool {
        let setting = n
            .parent_element()
            .filter(|p| p.tag_name().name() == "setting")
            .and_then(|p| p.attribute("name"));
        self.opts
            .secrets
            .is_secret_text(n.tag_name().name(), setting)
    }

    fn shown(&self, v: &str, secret: bool) -> String {
        self.opts.secrets.shown(v, secret, self.opts.show_secrets)
    }

    /// An element's identity as shown: secret identity values masked (as `Context::identity_of`).
    fn shown_id(&self, n: Node, path: &str) -> String {
        let mut shown = self.opts.identity.of(n, path).1;
        if !self.opts.show_secrets {
            // Each value on its own: the whole `[@key='…']` would look like a `key=` secret.
            for a in n.attributes() {
                let secret = self.secret_attribute(n, a.name());
                let masked = if secret && !a.value().is_empty() {
                    MASK.to_string()
                } else {
                    self.shown(a.value(), false)
                };
                if masked != a.value() {
                    let part = format!("[@{}='{}']", a.name(), a.value());
                    shown = shown.replace(&part, &format!("[@{}='{masked}']", a.name()));
                }
            }
        }
        shown
    }

    fn not_expressible(&mut self, path: &str, why: &str, b: Node, o: Node) {
        let d = Diagnostic::new(
            Code::XdtNotExpressible,
            format!("{path}: {why}; the transform leaves it out"),
        )
        .with_labels(self.labels(b, o));
        self.diags.push(d);
    }

    fn labels(&self, b: Node, o: Node) -> Vec<Label> {
        vec![
            Label {
                file: self.base_id,
                span: b.range().start..start_tag_end(self.base_text, b),
                text: "BASE".into(),
            },
            Label {
                file: self.old_id,
                span: o.range().start..start_tag_end(self.old_text, o),
                text: "OLD".into(),
            },
        ]
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        kind: CustomKind,
        path: &str,
        attribute: Option<&str>,
        values: (Option<String>, Option<String>),
        base_span: Range<usize>,
        old_span: Range<usize>,
    ) {
        self.items.push(Custom {
            kind,
            path: path.to_string(),
            attribute: attribute.map(String::from),
            base: values.0,
            old: values.1,
            base_span,
            old_span,
        });
    }

    /// A matched pair: records its differences and returns the transform elements that redo them
    /// (`emit` false below a Replace, which redoes the whole element). `loc` finds `b` as the document
    /// stands when XDT reaches these elements; `abs` is its absolute path without namespaces.
    #[allow(clippy::too_many_arguments)]
    fn pair(
        &mut self,
        b: Node,
        o: Node,
        epath: &str,
        shown: &str,
        abs: &str,
        loc: &Loc,
        emit: bool,
    ) -> Vec<TElem> {
        let (set, removed, prefixed) = self.attributes(b, o, shown);
        let text_changed = self.text(b, o, shown);
        let root = b.parent().is_some_and(|p| p.is_root());
        let replace = emit && text_changed && !root;
        if emit && text_changed && root {
            self.not_expressible(shown, "the root element's text changed", b, o);
        }
        if emit && !replace && prefixed {
            self.not_expressible(
                shown,
                "a prefixed attribute changed (XDT strips attribute prefixes)",
                b,
                o,
            );
        }
        let children = self.children(b, o, epath, shown, abs, emit && !replace);
        if !emit {
            return Vec::new();
        }
        if replace {
            let mut e = TElem::raw(o, self.old_text, "Replace");
            // The copy carries OLD's attributes: Match reads its value from them, so use it only when
            // the key reads the same in the document.
            e.locate(&loc.for_values(|a| o.attribute(a)));
            return vec![e];
        }
        let mut out = Vec::new();
        if !children.is_empty() {
            let mut c = TElem::new(b);
            c.locate(loc);
            c.children = children;
            out.push(c);
        }
        if !set.is_empty() {
            let mut e = TElem::new(b);
            // Match copies its key from the transform element: not when that key is being set.
            e.locate(&loc.for_values(|a| {
                if set.iter().any(|s| s == a) {
                    None
                } else {
                    b.attribute(a)
                }
            }));
            e.transform = Some(format!("SetAttributes({})", set.join(",")));
            e.attrs.extend(
                set.iter()
                    .filter_map(|a| Some((a.clone(), o.attribute(a.as_str())?.to_string()))),
            );
            out.push(e);
        }
        if !removed.is_empty() {
            let mut e = TElem::new(b);
            e.locate(loc);
            e.transform = Some(format!("RemoveAttributes({})", removed.join(",")));
            out.push(e);
        }
        out
    }

    /// Records attribute differences; returns the names to set, the names to remove, and whether a
    /// prefixed one (not expressible) changed.
    fn attributes(&mut self, b: Node, o: Node, shown: &str) -> (Vec<String>, Vec<String>, bool) {
        let (mut set, mut removed, mut prefixed) = (Vec::new(), Vec::new(), false);
        let same_name = |x: &roxmltree::Attribute, y: &roxmltree::Attribute| {
            x.name() == y.name() && x.namespace() == y.namespace()
        };
        for oa in o.attributes() {
            let ba = b.attributes().find(|ba| same_name(ba, &oa));
            if ba.as_ref().is_some_and(|ba| ba.value() == oa.value()) {
                continue;
            }
            let secret = self.secret_attribute(o, oa.name()) || self.secret_attribute(b, oa.name());
            let kind = match ba {
                Some(_) => CustomKind::AttributeSet,
                None => CustomKind::AttributeAdded,
            };
            let bspan = ba.map_or_else(|| self.tag(b, true), |ba| ba.range());
            let values = (
                ba.map(|ba| self.shown(ba.value(), secret)),
                Some(self.shown(oa.value(), secret)),
            );
            self.record(kind, shown, Some(oa.name()), values, bspan, oa.range());
            if oa.namespace().is_some() {
                prefixed = true;
            } else {
                set.push(oa.name().to_string());
            }
        }
        for ba in b.attributes() {
            if o.attributes().any(|oa| same_name(&oa, &ba)) {
                continue;
            }
            let secret = self.secret_attribute(b, ba.name());
            let values = (Some(self.shown(ba.value(), secret)), None);
            let ospan = self.tag(o, false);
            self.record(
                CustomKind::AttributeRemoved,
                shown,
                Some(ba.name()),
                values,
                ba.range(),
                ospan,
            );
            if ba.namespace().is_some() {
                prefixed = true;
            } else {
                removed.push(ba.name().to_string());
            }
        }
        (set, removed, prefixed)
    }

    /// The start tag of `n` in BASE (`base`) or OLD.
    fn tag(&self, n: Node, base: bool) -> Range<usize> {
        let text = if base { self.base_text } else { self.old_text };
        n.range().start..start_tag_end(text, n)
    }

    /// Records a text difference of two leaf elements; true when there is one.
    fn text(&mut self, b: Node, o: Node, shown: &str) -> bool {
        let (bt, ot) = (leaf_text(b), leaf_text(o));
        let differs = match (&bt, &ot) {
            (Some(x), Some(y)) => x != y,
            // Children replaced by text, or text by children: only the text counts here.
            (None, Some(y)) => !y.is_empty(),
            (Some(x), None) => !x.is_empty(),
            (None, None) => false,
        };
        if differs {
            let secret = self.secret_text(b) || self.secret_text(o);
            let values = (
                bt.map(|t| self.shown(&t, secret)),
                ot.map(|t| self.shown(&t, secret)),
            );
            let (bspan, ospan) = (b.range(), o.range());
            self.record(CustomKind::TextChanged, shown, None, values, bspan, ospan);
        }
        differs
    }

    /// The children of a matched pair: removed ones first, then OLD's in order (matched ones walked,
    /// added ones inserted after their OLD neighbour), tracking the parent's children as XDT will see
    /// them so every locator finds exactly its element.
    fn children(
        &mut self,
        b: Node,
        o: Node,
        epath: &str,
        shown: &str,
        abs: &str,
        emit: bool,
    ) -> Vec<TElem> {
        let identity = &self.opts.identity;
        let olds: Vec<(Node, String, String)> = elements(o)
            .map(|c| {
                let p = child_path(epath, o, c);
                (c, identity.key(c, &p), p)
            })
            .collect();
        let keyed: Vec<(Node, &str, Option<Node>)> = olds
            .iter()
            .map(|(c, k, _)| (*c, k.as_str(), None))
            .collect();
        let in_base = Siblings::of(identity, Some(b), epath).take_all(&keyed);
        let mut cur: Vec<Node> = elements(b).collect();
        let mut out = Vec::new();
        let join = |s: &str| {
            if shown.is_empty() {
                s.to_string()
            } else {
                format!("{shown}/{s}")
            }
        };
        for bc in elements(b) {
            if in_base.iter().flatten().any(|m| m.id() == bc.id()) {
                continue;
            }
            let path = child_path(epath, b, bc);
            let here = join(&self.shown_id(bc, &path));
            let ospan = self.tag(o, false);
            self.record(
                CustomKind::ElementRemoved,
                &here,
                None,
                (None, None),
                bc.range(),
                ospan,
            );
            let i = index(&cur, bc);
            if emit {
                let mut e = TElem::new(bc);
                e.locate(&locator::locate(identity, &cur, i, &path));
                e.transform = Some("Remove".into());
                out.push(e);
            }
            cur.remove(i);
        }
        for (k, (oc, _, path)) in olds.iter().enumerate() {
            let here = join(&self.shown_id(*oc, path));
            match in_base[k] {
                Some(bc) => {
                    let i = index(&cur, bc);
                    let loc = locator::locate(identity, &cur, i, path);
                    let cabs = format!("{abs}/{}{}", locator::step(bc), loc.predicate());
                    out.extend(self.pair(bc, *oc, path, &here, &cabs, &loc, emit));
                    cur[i] = *oc;
                }
                None => {
                    let bspan = self.tag(b, true);
                    self.record(
                        CustomKind::ElementAdded,
                        &here,
                        None,
                        (None, None),
                        bspan,
                        oc.range(),
                    );
                    if !emit {
                        continue;
                    }
                    // After its OLD neighbour (matched or added: in `cur` by now), else first.
                    let prev = k.checked_sub(1).map(|p| olds[p].0);
                    let (verb, at) = match prev.map(|p| index(&cur, p)) {
                        Some(j) => (Some("InsertAfter"), Some(j)),
                        None if cur.is_empty() => (None, None),
                        None => (Some("InsertBefore"), Some(0)),
                    };
                    let (transform, pos) = match (verb, at) {
                        (Some(v), Some(j)) => {
                            let n = cur[j];
                            let p = child_path(epath, o, n);
                            let loc = locator::locate(identity, &cur, j, &p);
                            let xp = format!("{abs}/{}{}", locator::step(n), loc.predicate());
                            // A newer vendor file may lack the neighbour: then the parent's last
                            // (first) child stands in, so the insert still lands, at the end (start).
                            let xp = match v {
                                "InsertAfter" => format!("({xp} | {abs}/*[last()])[1]"),
                                _ => format!("({xp} | {abs}/*[1])[last()]"),
                            };
                            (
                                format!("{v}({})", locator::argument(&xp)),
                                j + usize::from(v == "InsertAfter"),
                            )
                        }
                        _ => ("Insert".to_string(), cur.len()),
                    };
                    out.push(TElem::raw(*oc, self.old_text, &transform));
                    cur.insert(pos, *oc);
                }
            }
        }
        out
    }
}

/// The position of `n` in `cur` (it is there: every node the walk asks for was put there).
fn index(cur: &[Node], n: Node) -> usize {
    cur.iter()
        .position(|c| c.id() == n.id() && std::ptr::eq(c.document(), n.document()))
        .expect("the walk tracks every child it names")
}

/// The changes a merge made to NEW (`new`, as given to the merge) as customizations of NEW: their
/// transform turns NEW into the merged file.
pub fn migration(
    new: &Input,
    m: &crate::migration::Migration,
    opts: &DiffOptions,
) -> Result<Customizations, Failure> {
    let merged = Input::from_bytes(format!("{} (merged)", new.name), m.output.clone());
    diff(new, &merged, opts)
}
