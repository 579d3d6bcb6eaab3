//! The 3-way pass: carries every change the admin made to BASE (the old version's pristine file) into
//! NEW, element by element, matched by identity rather than by line.
//!
//! Owns the decisions carried / kept-new / conflict for everything outside the sections other rules own
//! (appSettings, settings groups and carried attributes), and their splices of NEW. It never writes
//! conflict markers and never re-serialises: inserted elements are OLD's own text, re-indented to NEW.

use std::collections::BTreeMap;
use std::ops::Range;

use roxmltree::{Document, Node};

use super::{ChangeKind, Decision, DecisionKind, Merger, Prefer, Site};
use crate::config::{child_path, leaf_text, Siblings};
use crate::diag::{Code, Diagnostic, FileId, Label};
use crate::doc::{
    after_attributes, content_range, elements, first_child_slot, is_self_closing, quote_of,
    start_tag_end,
};
use crate::edit::{eol_before, escape_attr, escape_text, indent_before, line_start};

/// The three versions of one element (BASE may lack it when OLD and NEW both added it).
#[derive(Clone, Copy)]
struct Triple<'a, 'i> {
    base: Option<Node<'a, 'i>>,
    old: Node<'a, 'i>,
    new: Node<'a, 'i>,
}

/// What the pass leaves to other rules.
struct Scope<'p> {
    rule: usize,
    prefer: &'p BTreeMap<String, Prefer>,
    remove_comments: bool,
    /// Sections other rules own, by name at a scope's top level.
    skip: Vec<String>,
    /// (element path, attribute) pairs carry-attribute rules own.
    carried: Vec<(String, String)>,
    old_unit: String,
}

/// True when two elements mean the same: same attributes (in any order), same children by identity
/// (in any order), same trimmed text. Comments and whitespace do not count.
fn same(identity: &crate::rules::Identity, a: Node, b: Node, path: &str) -> bool {
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
    let mut theirs = Siblings::of(identity, Some(b), path);
    elements(a).all(|c| {
        let p = child_path(path, a, c);
        theirs
            .take(&identity.of(c, &p).0)
            .is_some_and(|d| same(identity, c, d, &p))
    })
}

/// Re-indents OLD's element text for NEW: lines that start with markup lose OLD's indentation and get
/// NEW's, one NEW unit per OLD unit of nesting; line breaks become NEW's.
fn reindent(
    raw: &str,
    old_indent: &str,
    old_unit: &str,
    new_indent: &str,
    new_unit: &str,
    eol: &str,
) -> String {
    let mut out = String::with_capacity(raw.len());
    for (i, line) in raw.replace("\r\n", "\n").split('\n').enumerate() {
        if i > 0 {
            out.push_str(eol);
            let trimmed = line.trim_start_matches([' ', '\t']);
            let lead = &line[..line.len() - trimmed.len()];
            match lead.strip_prefix(old_indent) {
                Some(rest) if trimmed.starts_with('<') => {
                    out.push_str(new_indent);
                    let depth = if old_unit.is_empty() {
                        0
                    } else {
                        rest.len() / old_unit.len()
                    };
                    if old_unit.repeat(depth) == rest {
                        out.push_str(&new_unit.repeat(depth));
                    } else {
                        out.push_str(rest);
                    }
                    out.push_str(trimmed);
                }
                _ => out.push_str(line),
            }
            continue;
        }
        out.push_str(line);
    }
    out
}

fn site(path: &str, span: Range<usize>, secret: bool) -> Site {
    Site {
        path: path.to_string(),
        span,
        secret,
        origin: None,
    }
}

impl<'r, 't, 'a, 'i> Merger<'r, 't, 'a, 'i> {
    /// Runs the 3-way pass over the whole document (`docs` are BASE, OLD and NEW).
    pub(super) fn three_way(
        &mut self,
        rule: usize,
        docs: [&Document; 3],
        prefer: &BTreeMap<String, Prefer>,
        remove_comments: bool,
        groups: &[String],
    ) {
        let [base, old, new] = docs;
        let mut skip = vec!["appSettings".to_string()];
        skip.extend(groups.iter().cloned());
        let carried = self.rules.carried_attributes();
        let scope = Scope {
            rule,
            prefer,
            remove_comments,
            skip,
            carried,
            old_unit: crate::doc::indent_unit(self.old_text, old),
        };
        let t = Triple {
            base: Some(base.root_element()),
            old: old.root_element(),
            new: new.root_element(),
        };
        self.merge_element(&scope, t, "", "");
    }

    fn base_text(&self) -> &'t str {
        self.base.map_or("", |(_, t)| t)
    }

    fn base_id(&self) -> FileId {
        self.base.map_or(self.old_id, |(id, _)| id)
    }

    /// The side that wins conflicts at `path`: the longest matching section rule, else `--prefer`.
    fn winner(&self, scope: &Scope, path: &str) -> Prefer {
        scope
            .prefer
            .iter()
            .filter(|(p, _)| path == p.as_str() || path.starts_with(&format!("{p}/")))
            .max_by_key(|(p, _)| p.len())
            .map_or(self.opts.prefer, |(_, w)| *w)
    }

    fn labels(
        &self,
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
        if let Some(b) = t.0 {
            out.push(Label {
                file: self.base_id(),
                span: span(b, self.base_text()),
                text: "BASE".into(),
            });
        }
        if let Some(o) = t.1 {
            out.push(Label {
                file: self.old_id,
                span: span(o, self.old_text),
                text: "OLD".into(),
            });
        }
        if let Some(n) = t.2 {
            out.push(Label {
                file: self.new_id,
                span: span(n, self.new_text),
                text: "NEW".into(),
            });
        }
        out
    }

    fn decide(
        &mut self,
        scope: &Scope,
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
        let (rule, _) = self.rule_code(scope.rule);
        let mut d = Diagnostic::new(code, format!("{path}: {message}"));
        d.labels = labels.clone();
        if let Some(h) = help {
            d = d.with_help(h);
        }
        self.diags.push(d);
        self.decisions.push(Decision {
            kind,
            rule,
            path: path.to_string(),
            message,
            chosen,
            labels,
        });
    }

    fn change(
        &mut self,
        scope: &Scope,
        kind: ChangeKind,
        at: Site,
        before: Option<String>,
        after: String,
    ) {
        self.push_change(scope.rule, kind, &at, before, after);
    }

    fn merge_element(&mut self, scope: &Scope, t: Triple<'_, '_>, epath: &str, shown: &str) {
        self.merge_attributes(scope, t, epath, shown);
        self.merge_text(scope, t, shown);
        self.merge_children(scope, t, epath, shown);
    }

    fn merge_attributes(&mut self, scope: &Scope, t: Triple, epath: &str, shown: &str) {
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
            if name == "xmlns" || scope.carried.iter().any(|(e, a)| e == epath && a == name) {
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
            let secret = self.rules.is_secret_attribute(name);
            if ov == nv {
                let labels = self.labels((t.base, Some(t.old), Some(t.new)), Some(name));
                let v = ov.map_or("(absent)".to_string(), |v| {
                    format!("\"{}\"", self.shown(v, secret))
                });
                self.decide(
                    scope,
                    DecisionKind::KeptNew,
                    &format!("{shown}/@{name}"),
                    format!("OLD and NEW both changed it to {v}"),
                    None,
                    labels,
                );
                continue;
            }
            let show = |v: Option<&str>| {
                v.map_or("(absent)".to_string(), |v| {
                    format!("\"{}\"", self.shown(v, secret))
                })
            };
            let what = format!(
                "@{name}: BASE {}, OLD {}, NEW {}",
                show(bv),
                show(ov),
                show(nv)
            );
            let at = format!("{shown}/@{name}");
            let labels = self.labels((t.base, Some(t.old), Some(t.new)), Some(name));
            if nv == bv {
                self.set_attribute(scope, t.old, t.new, name, &at, secret);
                self.decide(
                    scope,
                    DecisionKind::Carried,
                    &at,
                    format!("the admin's change carried ({what})"),
                    None,
                    labels,
                );
            } else {
                let chosen = self.winner(scope, epath);
                if chosen == Prefer::Old {
                    self.set_attribute(scope, t.old, t.new, name, &at, secret);
                }
                self.decide(
                    scope,
                    DecisionKind::Conflict,
                    &at,
                    format!("both changed it ({what})"),
                    Some(chosen),
                    labels,
                );
            }
        }
    }

    /// Makes NEW's attribute `name` what OLD has (set, add or remove).
    fn set_attribute(
        &mut self,
        scope: &Scope,
        old: Node,
        new: Node,
        name: &str,
        path: &str,
        secret: bool,
    ) {
        let ov = old.attribute(name);
        let na = new.attributes().find(|a| a.name() == name);
        match (ov, na) {
            (Some(v), Some(a)) => {
                let quote = self.new_text.as_bytes()[a.range_value().end] as char;
                self.edits.replace(a.range_value(), escape_attr(v, quote));
                self.change(
                    scope,
                    ChangeKind::Replaced,
                    site(path, a.range_value(), secret),
                    Some(a.value().into()),
                    v.into(),
                );
            }
            (Some(v), None) => {
                let at = after_attributes(self.new_text, new);
                let q = quote_of(self.new_text, new);
                self.edits
                    .insert(at, format!(" {name}={q}{}{q}", escape_attr(v, q)));
                self.change(
                    scope,
                    ChangeKind::Inserted,
                    site(path, at..at, secret),
                    None,
                    v.into(),
                );
            }
            (None, Some(a)) => {
                // Remove the attribute with the whitespace before it.
                let r = a.range();
                let start = self.new_text[..r.start]
                    .trim_end_matches([' ', '\t', '\r', '\n'])
                    .len();
                self.edits.replace(start..r.end, "");
                self.change(
                    scope,
                    ChangeKind::Replaced,
                    site(path, start..r.end, secret),
                    Some(a.value().into()),
                    String::new(),
                );
            }
            (None, None) => {}
        }
    }

    fn merge_text(&mut self, scope: &Scope, t: Triple, shown: &str) {
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
        let labels = self.labels((t.base, Some(t.old), Some(t.new)), None);
        let carry = bt.as_deref() == Some(nt.as_str()) || self.winner(scope, shown) == Prefer::Old;
        let kind = if bt.as_deref() == Some(nt.as_str()) {
            DecisionKind::Carried
        } else {
            DecisionKind::Conflict
        };
        if carry {
            let raw = &self.new_text[content_range(self.new_text, t.new)];
            if raw.contains("<![CDATA[") || is_self_closing(self.new_text, t.new) {
                self.diags.push(
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
            let r = content_range(self.new_text, t.new);
            self.edits.replace(r.clone(), escape_text(&ot));
            self.change(
                scope,
                ChangeKind::Replaced,
                site(shown, r, false),
                Some(nt.clone()),
                ot.clone(),
            );
        }
        let chosen = (kind == DecisionKind::Conflict).then(|| self.winner(scope, shown));
        self.decide(
            scope,
            kind,
            shown,
            format!("text: BASE {bt:?}, OLD {ot:?}, NEW {nt:?}"),
            chosen,
            labels,
        );
    }

    fn merge_children(&mut self, scope: &Scope, t: Triple, epath: &str, shown: &str) {
        let identity = &self.rules.identity;
        let mut base_sib = Siblings::of(identity, t.base, epath);
        let mut new_sib = Siblings::of(identity, Some(t.new), epath);
        let at_scope_top =
            t.old.parent().is_some_and(|p| p.is_root()) || t.old.tag_name().name() == "location";
        // The NEW element that matched the last OLD child seen: where an OLD-only child goes next.
        let mut anchor: Option<Node> = None;
        let mut old_keys = Vec::new();
        for oc in elements(t.old) {
            let cpath = child_path(epath, t.old, oc);
            let (key, shown_id) = self.rules.identity.of(oc, &cpath);
            old_keys.push(key.clone());
            let here = if shown.is_empty() {
                shown_id
            } else {
                format!("{shown}/{shown_id}")
            };
            let owned = at_scope_top && scope.skip.iter().any(|s| s == oc.tag_name().name());
            let (bc, nc) = (base_sib.take(&key), new_sib.take(&key));
            if owned {
                anchor = nc.or(anchor);
                continue;
            }
            if oc.tag_name().name() == "sectionGroup"
                && epath == "configSections"
                && scope
                    .skip
                    .iter()
                    .any(|s| Some(s.as_str()) == oc.attribute("name"))
            {
                anchor = nc.or(anchor);
                continue; // Declarations of the settings groups follow the settings rule.
            }
            match (bc, nc) {
                (bc, Some(nc)) => {
                    self.merge_element(
                        scope,
                        Triple {
                            base: bc,
                            old: oc,
                            new: nc,
                        },
                        &cpath,
                        &here,
                    );
                    anchor = Some(nc);
                }
                (None, None) => {
                    self.insert_old_element(scope, t.new, anchor, oc, &here);
                    // Where it is absent, the label points at the parent it is missing from.
                    let labels = self.labels((t.base, Some(oc), Some(t.new)), None);
                    self.decide(
                        scope,
                        DecisionKind::Carried,
                        &here,
                        "added by the admin; carried into NEW".into(),
                        None,
                        labels,
                    );
                }
                (Some(bc), None) => {
                    if same(&self.rules.identity, bc, oc, &cpath) {
                        continue; // The vendor removed it and the admin had not touched it.
                    }
                    // A carry-attribute rule (the portal theme) needs this element: OLD's wins.
                    let revived = self.revived.contains(&cpath);
                    let chosen = if revived {
                        Prefer::Old
                    } else {
                        self.winner(scope, &cpath)
                    };
                    if chosen == Prefer::Old {
                        self.insert_old_element(scope, t.new, anchor, oc, &here);
                    }
                    let labels = self.labels((Some(bc), Some(oc), Some(t.new)), None);
                    self.decide(
                        scope,
                        DecisionKind::Conflict,
                        &here,
                        "changed by the admin, removed in NEW".into(),
                        Some(chosen),
                        labels,
                    );
                }
            }
        }
        // What BASE has and OLD lacks: the admin removed it.
        let mut old_sib_keys: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::new();
        for k in &old_keys {
            *old_sib_keys.entry(k.as_str()).or_default() += 1;
        }
        for bc in t.base.into_iter().flat_map(elements) {
            let cpath = child_path(epath, t.base.expect("base exists here"), bc);
            let (key, shown_id) = self.rules.identity.of(bc, &cpath);
            if let Some(n) = old_sib_keys.get_mut(key.as_str()).filter(|n| **n > 0) {
                *n -= 1;
                continue; // OLD still has it: handled above.
            }
            if at_scope_top && scope.skip.iter().any(|s| s == bc.tag_name().name()) {
                continue;
            }
            let here = if shown.is_empty() {
                shown_id
            } else {
                format!("{shown}/{shown_id}")
            };
            let Some(nc) = new_sib.take(&key) else {
                continue;
            }; // Removed on both sides.
            let labels = self.labels((Some(bc), Some(t.old), Some(nc)), None);
            if same(&self.rules.identity, bc, nc, &cpath) {
                self.remove_element(scope, nc, &here);
                self.decide(
                    scope,
                    DecisionKind::Carried,
                    &here,
                    "removed by the admin; removed from NEW".into(),
                    None,
                    labels,
                );
            } else {
                let chosen = self.winner(scope, &cpath);
                if chosen == Prefer::Old {
                    self.remove_element(scope, nc, &here);
                }
                self.decide(
                    scope,
                    DecisionKind::Conflict,
                    &here,
                    "removed by the admin, changed in NEW".into(),
                    Some(chosen),
                    labels,
                );
            }
        }
    }

    /// Inserts OLD's element `oc` into NEW's `parent`: after `anchor` (the NEW twin of its previous
    /// OLD sibling), else first, as .NET collections care about order (`<clear/>`, `<remove>`).
    fn insert_old_element(
        &mut self,
        scope: &Scope,
        parent: Node,
        anchor: Option<Node>,
        oc: Node,
        path: &str,
    ) {
        let old_indent = indent_before(self.old_text, oc.range().start)
            .unwrap_or("")
            .to_string();
        let raw = &self.old_text[oc.range()];
        let (at, text) = match anchor {
            Some(sib) => {
                let indent = indent_before(self.new_text, sib.range().start)
                    .unwrap_or("")
                    .to_string();
                let eol = eol_before(self.new_text, sib.range().start);
                let text = reindent(raw, &old_indent, &scope.old_unit, &indent, &self.unit, eol);
                let at = sib.range().end;
                self.edits.insert(at, format!("{eol}{indent}{text}"));
                (at, text)
            }
            None => {
                let slot = first_child_slot(self.new_text, parent, &self.unit);
                let text = reindent(
                    raw,
                    &old_indent,
                    &scope.old_unit,
                    &slot.indent,
                    &self.unit,
                    slot.eol,
                );
                self.insert(parent, true, text.clone());
                (slot.range.start, text)
            }
        };
        self.change(
            scope,
            ChangeKind::Inserted,
            site(path, at..at, false),
            None,
            text,
        );
    }

    /// Removes NEW's element with its whole line(s) when it stands alone on them, and the comment just
    /// above it when the rule says so.
    fn remove_element(&mut self, scope: &Scope, nc: Node, path: &str) {
        let text = self.new_text;
        let r = nc.range();
        let mut start = r.start;
        let mut end = r.end;
        let rest = &text[end..];
        let line_end = rest.find('\n').map_or(text.len(), |i| end + i + 1);
        if indent_before(text, start).is_some() && text[end..line_end].trim().is_empty() {
            start = line_start(text, start);
            end = line_end;
            if scope.remove_comments {
                let prev = nc
                    .prev_sibling()
                    .filter(|p| p.is_text() && p.text().is_some_and(|t| t.trim().is_empty()))
                    .and_then(|p| p.prev_sibling());
                if let Some(c) = prev.filter(|c| c.is_comment()) {
                    if indent_before(text, c.range().start).is_some() {
                        start = line_start(text, c.range().start);
                    }
                }
            }
        }
        self.edits.replace(start..end, "");
        self.change(
            scope,
            ChangeKind::Replaced,
            site(path, start..end, false),
            Some(text[r].to_string()),
            String::new(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::reindent;

    #[test]
    fn reindent_maps_units_and_line_breaks() {
        let raw = "<a>\n        <b/>\n    </a>";
        assert_eq!(
            reindent(raw, "    ", "    ", "\t", "\t", "\r\n"),
            "<a>\r\n\t\t<b/>\r\n\t</a>"
        );
        let text = "<a v=\"x\n  y\">\n  text\n</a>";
        assert_eq!(
            reindent(text, "", "  ", "  ", "  ", "\n"),
            "<a v=\"x\n  y\">\n  text\n  </a>"
        );
    }
}
