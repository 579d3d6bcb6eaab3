//! Action `three-way` (with `--base`): every change the admin made to BASE (the old version's pristine
//! file) carried into NEW, element by element, matched by identity rather than by line.
//!
//! Owns the decisions carried / kept-new / conflict for everything the other actions do not claim,
//! and their splices of NEW ([`splice`]). It never writes conflict markers and never re-serialises:
//! inserted elements are OLD's own text, re-indented to NEW.

use std::collections::BTreeMap;
use std::ops::Range;

use roxmltree::Node;
use serde::Deserialize;

use super::context::{Context, Decided, Site};
use super::{Claims, Kind, RuleAction, RuleInfo};
use crate::config::{child_path, leaf_text, Identity, Siblings};
use crate::diag::{Code, Diagnostic, Label};
use crate::doc::{content_range, elements, is_self_closing, start_tag_end};
use crate::edit::escape_text;
use crate::migration::{ChangeKind, DecisionKind, Options, Prefer};

mod splice;

pub const KIND: Kind = Kind {
    name: "three-way",
    build: |t| Ok(Box::new(super::params::<ThreeWay>("three-way", t)?)),
};

/// With BASE: carry every change the admin made to BASE into NEW, outside what other actions own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ThreeWay {
    /// The winner of a conflict per section (element path from the root), else `--prefer`.
    #[serde(default)]
    prefer: BTreeMap<String, Prefer>,
    /// Also remove a comment standing on the lines just above a removed element.
    #[serde(default)]
    remove_comments: bool,
}

impl RuleAction for ThreeWay {
    fn claim(&self, claims: &mut Claims, _rule: &RuleInfo, _opts: &Options) {
        claims.three_way = true;
    }

    fn plan(&self, cx: &mut Context<'_>) {
        let Some(base) = cx.base else {
            return;
        };
        let claims = cx.shared.claims;
        let mut skip = claims.sections.clone();
        skip.extend(claims.groups.iter().cloned());
        let pass = Pass {
            action: self,
            skip,
            carried: claims.attributes.clone(),
            old_unit: crate::doc::indent_unit(cx.old.text, cx.old.doc),
        };
        let t = Triple {
            base: Some(base.doc.root_element()),
            old: cx.old.doc.root_element(),
            new: cx.new.doc.root_element(),
        };
        pass.merge_element(cx, t, "", "");
    }
}

/// The three versions of one element (BASE may lack it when OLD and NEW both added it).
#[derive(Clone, Copy)]
struct Triple<'a, 'i> {
    base: Option<Node<'a, 'i>>,
    old: Node<'a, 'i>,
    new: Node<'a, 'i>,
}

/// One run of the action, with what it leaves to the other actions.
struct Pass<'p> {
    action: &'p ThreeWay,
    /// Sections other actions own, by name at a scope's top level.
    skip: Vec<String>,
    /// (element path, attribute) pairs carry-attribute actions own.
    carried: Vec<(String, String)>,
    old_unit: String,
}

/// True when two elements mean the same: same attributes (in any order), same children by identity
/// (in any order), same trimmed text. Comments and whitespace do not count.
fn same(identity: &Identity, a: Node, b: Node, path: &str) -> bool {
    fn attrs(n: Node) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = n
            .attributes()
            .map(|a| (a.name().to_string(), a.value().to_string()))
            .collect();
        v.sort_unstable();
        v
    }
    if a.tag_name().name() != b.tag_name().name()
        || attrs(a) != attrs(b)
        || leaf_text(a) != leaf_text(b)
    {
        return false;
    }
    if elements(a).count() != elements(b).count() {
        return false;
    }
    let mine: Vec<(Node, String, String)> = elements(a)
        .map(|c| {
            let p = child_path(path, a, c);
            (c, identity.key(c, &p), p)
        })
        .collect();
    let keyed: Vec<(Node, &str, Option<Node>)> = mine
        .iter()
        .map(|(c, k, _)| (*c, k.as_str(), None))
        .collect();
    let theirs = Siblings::of(identity, Some(b), path).take_all(&keyed);
    mine.iter()
        .zip(theirs)
        .all(|((c, _, p), d)| d.is_some_and(|d| same(identity, *c, d, p)))
}

/// A value for a message: `"value"` (masked when secret) or `(absent)`.
fn site(path: &str, span: Range<usize>, secret: bool) -> Site {
    Site::new(path, span, secret)
}

/// Labels for a decision: the element (or attribute `attr`) in each file that has it.
fn labels(
    cx: &Context,
    t: (Option<Node>, Option<Node>, Option<Node>),
    attr: Option<&str>,
) -> Vec<Label> {
    let span = |n: Node, text: &str| -> Range<usize> {
        match attr.and_then(|a| n.attributes().find(|x| x.name() == a)) {
            Some(a) => a.range(),
            None => n.range().start..start_tag_end(text, n),
        }
    };
    let mut out = Vec::new();
    if let (Some(b), Some(base)) = (t.0, cx.base) {
        out.push(Label {
            file: base.id,
            span: span(b, base.text),
            text: "BASE".into(),
        });
    }
    if let Some(o) = t.1 {
        out.push(Label {
            file: cx.old.id,
            span: span(o, cx.old.text),
            text: "OLD".into(),
        });
    }
    if let Some(n) = t.2 {
        out.push(Label {
            file: cx.new.id,
            span: span(n, cx.new.text),
            text: "NEW".into(),
        });
    }
    out
}

impl Pass<'_> {
    /// The side that wins conflicts at `path`: the longest matching section rule, else `--prefer`.
    fn winner(&self, cx: &Context, path: &str) -> Prefer {
        self.action
            .prefer
            .iter()
            .filter(|(p, _)| path == p.as_str() || path.starts_with(&format!("{p}/")))
            .max_by_key(|(p, _)| p.len())
            .map_or(cx.shared.opts.prefer, |(_, w)| *w)
    }

    fn decide(
        &self,
        cx: &mut Context,
        kind: DecisionKind,
        path: &str,
        message: String,
        chosen: Option<Prefer>,
        labels: Vec<Label>,
    ) {
        let (code, help) = match kind {
            DecisionKind::Carried => (Code::Carried, None),
            DecisionKind::KeptNew => (Code::KeptNew, None),
            DecisionKind::Conflict => (
                Code::Conflict,
                Some(match chosen {
                    Some(Prefer::Old) => "OLD's version was written (--prefer old or a section rule); check it suits the new version",
                    _ => "NEW's version was kept; rerun with --prefer old, or set `prefer` for this section in the rules, to take OLD's",
                }),
            ),
        };
        cx.decide(Decided {
            code,
            kind,
            path,
            message,
            chosen,
            labels,
            help,
            quiet: false,
        });
    }

    fn merge_element(&self, cx: &mut Context, t: Triple<'_, '_>, epath: &str, shown: &str) {
        self.merge_attributes(cx, t, epath, shown);
        self.merge_text(cx, t, shown);
        self.merge_children(cx, t, epath, shown);
    }

    fn merge_attributes(&self, cx: &mut Context, t: Triple, epath: &str, shown: &str) {
        let mut names: Vec<&str> = t.old.attributes().map(|a| a.name()).collect();
        for n in t
            .base
            .into_iter()
            .flat_map(|b| b.attributes())
            .chain(t.new.attributes())
        {
            if !names.contains(&n.name()) {
                names.push(n.name());
            }
        }
        for name in names {
            if name == "xmlns" || self.carried.iter().any(|(e, a)| e == epath && a == name) {
                continue;
            }
            let (bv, ov, nv) = (
                t.base.and_then(|b| b.attribute(name)),
                t.old.attribute(name),
                t.new.attribute(name),
            );
            if bv == ov {
                continue; // The admin left it alone: NEW's version stands.
            }
            let secret = cx.secret_attribute(t.old, name) || cx.secret_attribute(t.new, name);
            if ov == nv {
                let labels = labels(cx, (t.base, Some(t.old), Some(t.new)), Some(name));
                let v = cx.quoted(ov, secret);
                self.decide(
                    cx,
                    DecisionKind::KeptNew,
                    &format!("{shown}/@{name}"),
                    format!("OLD and NEW both changed it to {v}"),
                    None,
                    labels,
                );
                continue;
            }
            let q = cx.quoted_all(&[bv, ov, nv], secret);
            let what = format!("@{name}: BASE {}, OLD {}, NEW {}", q[0], q[1], q[2]);
            let at = format!("{shown}/@{name}");
            let labels = labels(cx, (t.base, Some(t.old), Some(t.new)), Some(name));
            if nv == bv {
                self.set_attribute(cx, t.old, t.new, name, &at, secret);
                self.decide(
                    cx,
                    DecisionKind::Carried,
                    &at,
                    format!("the admin's change carried ({what})"),
                    None,
                    labels,
                );
            } else {
                let chosen = self.winner(cx, epath);
                if chosen == Prefer::Old {
                    self.set_attribute(cx, t.old, t.new, name, &at, secret);
                }
                self.decide(
                    cx,
                    DecisionKind::Conflict,
                    &at,
                    format!("both changed it ({what})"),
                    Some(chosen),
                    labels,
                );
            }
        }
    }

    fn merge_text(&self, cx: &mut Context, t: Triple, shown: &str) {
        let (bt, ot, nt) = (
            t.base.and_then(leaf_text),
            leaf_text(t.old),
            leaf_text(t.new),
        );
        let (Some(ot), Some(nt)) = (ot.map(String::from), nt.map(String::from)) else {
            return;
        };
        let bt = bt.map(String::from);
        if bt.as_deref() == Some(ot.as_str()) || ot == nt {
            return;
        }
        let labels = labels(cx, (t.base, Some(t.old), Some(t.new)), None);
        let secret = cx.secret_text(t.old) || cx.secret_text(t.new);
        let carry = bt.as_deref() == Some(nt.as_str()) || self.winner(cx, shown) == Prefer::Old;
        let kind = if bt.as_deref() == Some(nt.as_str()) {
            DecisionKind::Carried
        } else {
            DecisionKind::Conflict
        };
        if carry {
            let raw = &cx.new.text[content_range(cx.new.text, t.new)];
            if raw.contains("<![CDATA[") || is_self_closing(cx.new.text, t.new) {
                cx.diags.push(
                    Diagnostic::new(
                        Code::NotEditable,
                        format!(
                            "{shown}: text not carried (NEW's element is empty or holds CDATA)"
                        ),
                    )
                    .with_labels(labels)
                    .with_help("copy OLD's text by hand"),
                );
                return;
            }
            let r = content_range(cx.new.text, t.new);
            cx.edits.replace(r.clone(), escape_text(&ot));
            cx.change(
                ChangeKind::Replaced,
                &site(shown, r, secret),
                Some(nt.clone()),
                ot.clone(),
            );
        }
        let chosen = (kind == DecisionKind::Conflict).then(|| self.winner(cx, shown));
        self.decide(
            cx,
            kind,
            shown,
            {
                let q = cx.quoted_all(&[bt.as_deref(), Some(&ot), Some(&nt)], secret);
                format!("text: BASE {}, OLD {}, NEW {}", q[0], q[1], q[2])
            },
            chosen,
            labels,
        );
    }

    fn merge_children(&self, cx: &mut Context, t: Triple, epath: &str, shown: &str) {
        let identity = cx.shared.identity;
        let at_scope_top =
            t.old.parent().is_some_and(|p| p.is_root()) || t.old.tag_name().name() == "location";
        let olds: Vec<Child> = elements(t.old)
            .map(|oc| Child::of(cx, t.old, oc, epath, shown))
            .collect();
        let mut keyed: Vec<(Node, &str, Option<Node>)> = olds
            .iter()
            .map(|c| (c.node, c.key.as_str(), None))
            .collect();
        let in_base = Siblings::of(identity, t.base, epath).take_all(&keyed);
        // NEW's twin: OLD's attributes, else BASE's twin's (the vendor left it alone), else position.
        for (k, b) in keyed.iter_mut().zip(&in_base) {
            k.2 = *b;
        }
        let mut new_sib = Siblings::of(identity, Some(t.new), epath);
        let in_new = new_sib.take_all(&keyed);
        for (i, oc) in olds.iter().enumerate() {
            let owned = at_scope_top && self.skip.iter().any(|s| s == oc.node.tag_name().name());
            // Declarations of the settings groups follow the settings rule.
            let declaration = oc.node.tag_name().name() == "sectionGroup"
                && epath == "configSections"
                && self
                    .skip
                    .iter()
                    .any(|s| Some(s.as_str()) == oc.node.attribute("name"));
            if owned || declaration {
                continue;
            }
            let (cpath, here) = (oc.path.as_str(), oc.shown.as_str());
            match (in_base[i], in_new[i]) {
                (bc, Some(nc)) => {
                    let t = Triple {
                        base: bc,
                        old: oc.node,
                        new: nc,
                    };
                    self.merge_element(cx, t, cpath, here);
                }
                (None, None) => {
                    let place = place(&olds, &in_new, i, t.new);
                    let whereto = self.describe(cx, place, t.new, epath);
                    self.insert_old_element(cx, t.new, place, oc.node, here);
                    // Where it is absent, the label points at the parent it is missing from.
                    let labels = labels(cx, (t.base, Some(oc.node), Some(t.new)), None);
                    self.decide(
                        cx,
                        DecisionKind::Carried,
                        here,
                        format!("added by the admin; carried into NEW {whereto}"),
                        None,
                        labels,
                    );
                }
                (Some(bc), None) => {
                    if same(identity, bc, oc.node, cpath) {
                        continue; // The vendor removed it and the admin had not touched it.
                    }
                    // A carry-attribute rule (the portal theme) needs this element: OLD's wins.
                    let revived = cx.revive.iter().any(|r| r == cpath);
                    let chosen = if revived {
                        Prefer::Old
                    } else {
                        self.winner(cx, cpath)
                    };
                    let mut message = "changed by the admin, removed in NEW".to_string();
                    if chosen == Prefer::Old {
                        let place = place(&olds, &in_new, i, t.new);
                        let whereto = self.describe(cx, place, t.new, epath);
                        self.insert_old_element(cx, t.new, place, oc.node, here);
                        message = format!("{message}; OLD's carried into NEW {whereto}");
                    }
                    let labels = labels(cx, (Some(bc), Some(oc.node), Some(t.new)), None);
                    self.decide(
                        cx,
                        DecisionKind::Conflict,
                        here,
                        message,
                        Some(chosen),
                        labels,
                    );
                }
            }
        }
        // What BASE has and OLD lacks: the admin removed it.
        let Some(base) = t.base else {
            return;
        };
        let matched: std::collections::HashSet<roxmltree::NodeId> =
            in_base.iter().flatten().map(|n| n.id()).collect();
        let removed: Vec<Child> = elements(base)
            .filter(|bc| !matched.contains(&bc.id()))
            .filter(|bc| !(at_scope_top && self.skip.iter().any(|s| s == bc.tag_name().name())))
            .map(|bc| Child::of(cx, base, bc, epath, shown))
            .collect();
        let keyed: Vec<(Node, &str, Option<Node>)> = removed
            .iter()
            .map(|c| (c.node, c.key.as_str(), None))
            .collect();
        let in_new = new_sib.take_all(&keyed);
        for (bc, nc) in removed.iter().zip(in_new) {
            let Some(nc) = nc else {
                continue; // Removed on both sides.
            };
            let (cpath, here) = (bc.path.as_str(), bc.shown.as_str());
            let labels = labels(cx, (Some(bc.node), Some(t.old), Some(nc)), None);
            if same(identity, bc.node, nc, cpath) {
                self.remove_element(cx, nc, here);
                self.decide(
                    cx,
                    DecisionKind::Carried,
                    here,
                    "removed by the admin; removed from NEW".into(),
                    None,
                    labels,
                );
            } else {
                let chosen = self.winner(cx, cpath);
                if chosen == Prefer::Old {
                    self.remove_element(cx, nc, here);
                }
                self.decide(
                    cx,
                    DecisionKind::Conflict,
                    here,
                    "removed by the admin, changed in NEW".into(),
                    Some(chosen),
                    labels,
                );
            }
        }
    }

    /// Where an inserted element went, for its decision: "after <x>", "at the end of <p>", ...
    fn describe(&self, cx: &Context, place: Place, parent: Node, epath: &str) -> String {
        let id = |n: Node| {
            let p = child_path(epath, parent, n);
            cx.shared.identity.of(n, &p).1
        };
        let name = parent.tag_name().name();
        match place {
            Place::After(n) => format!("after <{}>", id(n)),
            Place::Before(n) => format!(
                "before <{}>, its next OLD neighbour (NEW has none of the ones before it)",
                id(n)
            ),
            Place::First => format!(
                "first in <{name}>, where it was in OLD (NEW has none of its OLD neighbours)"
            ),
            Place::Last { alone: false } => format!(
                "at the end of <{name}>, as it came after its OLD neighbours (NEW has none of them)"
            ),
            Place::Last { alone: true } => {
                format!("at the end of <{name}> (it was the only child in OLD)")
            }
        }
    }
}

/// One child element with its identity, path and shown form.
struct Child<'a, 'i> {
    node: Node<'a, 'i>,
    key: String,
    path: String,
    shown: String,
}

impl<'a, 'i> Child<'a, 'i> {
    /// `node` (a child of `parent`) with its identity; the shown form masks a secret identity value.
    fn of(
        cx: &Context,
        parent: Node<'a, 'i>,
        node: Node<'a, 'i>,
        epath: &str,
        shown: &str,
    ) -> Self {
        let path = child_path(epath, parent, node);
        let (key, shown_id) = cx.identity_of(node, &path);
        let shown = if shown.is_empty() {
            shown_id
        } else {
            format!("{shown}/{shown_id}")
        };
        Child {
            node,
            key,
            path,
            shown,
        }
    }
}

/// Where an element only OLD has goes among NEW's children.
#[derive(Clone, Copy)]
pub(super) enum Place<'a, 'i> {
    /// After the NEW twin of its nearest earlier OLD sibling that NEW still has.
    After(Node<'a, 'i>),
    /// None of its earlier OLD siblings is in NEW: before the twin of its nearest later one.
    Before(Node<'a, 'i>),
    /// No OLD sibling is in NEW and it was OLD's first child (with siblings after it).
    First,
    /// No OLD sibling is in NEW and it came after others in OLD, or had none: at the end.
    Last { alone: bool },
}

/// The place of OLD's `i`-th child in NEW's `parent`, from the NEW twins of its siblings (`in_new`).
/// Nothing goes before the root's `<configSections>`, which .NET requires first.
fn place<'a, 'i>(
    olds: &[Child],
    in_new: &[Option<Node<'a, 'i>>],
    i: usize,
    parent: Node<'a, 'i>,
) -> Place<'a, 'i> {
    let place = if let Some(n) = in_new[..i].iter().rev().flatten().next() {
        Place::After(*n)
    } else if let Some(n) = in_new[i + 1..].iter().flatten().next() {
        Place::Before(*n)
    } else {
        match (i, olds.len()) {
            (_, 1) => Place::Last { alone: true },
            (0, _) => Place::First,
            _ => Place::Last { alone: false },
        }
    };
    let first = elements(parent).next();
    match (place, first) {
        (Place::First, Some(f)) | (Place::Before(f), Some(_))
            if f.tag_name().name() == "configSections"
                && parent.parent().is_some_and(|p| p.is_root()) =>
        {
            Place::After(f)
        }
        _ => place,
    }
}
