//! The walk over the transform: for each element in document order, its verb and locator read, its
//! targets found in the current document, the "no match" and "removed by a previous transform" cases
//! told apart, and the verb run (XDT-FACTS §2, §4, §5).
//!
//! Owns the per-element procedure. It never applies edits or re-parses: the caller does, between
//! elements.

use roxmltree::{Document, Node};

use super::args;
use super::locate::{attribute_span, element_span, GRAMMAR};
use super::step::{Run, Step, Verb};
use super::{attrs, verbs, xdt_attribute};
use crate::diag::{Code, Diagnostic};
use crate::edit::Edits;

/// What the walk does after one element.
pub enum Outcome {
    /// Splices of the current text (possibly none); the element's children are visited next.
    Edits(Edits),
    /// XDT failed to build the element's transform: its children are not visited.
    SkipChildren,
}

/// Runs transform element `e` against the current document (`text`, `doc`); `original` is SOURCE as
/// read, for XDT's "removed by a previous transform" message.
pub fn element<'t, 'd>(
    run: &mut Run<'t>,
    e: Node<'t, 't>,
    text: &'d str,
    doc: &'d Document<'d>,
    original: &Document,
) -> Outcome {
    let Some(value) = xdt_attribute(e, "Transform") else {
        return Outcome::Edits(Edits::new());
    };
    let tf = run.loc.tf;
    let bad = |message: String, attr: &str| {
        Diagnostic::new(Code::XdtInvalidAttribute, message).with_label(
            tf.id,
            attribute_span(tf.text, e, attr),
            "here",
        )
    };
    let Some(call) = args::parse(value) else {
        run.push(bad(GRAMMAR.into(), "Transform"));
        return Outcome::SkipChildren;
    };
    let Some(verb) = Verb::from_name(&call.name) else {
        let m = if matches!(call.name.as_str(), "Match" | "Condition" | "XPath") {
            format!(
                "'Microsoft.Web.XmlTransform.{}' is not a type of Transform",
                call.name
            )
        } else {
            format!("Could not resolve '{}' as a type of Transform", call.name)
        };
        run.push(bad(m, "Transform").with_help(
            "transform names are case-sensitive: Replace, Insert, InsertIfMissing, InsertBefore, InsertAfter, Remove, RemoveAll, RemoveAttributes, SetAttributes, SetTokenizedAttributes, CommentOut",
        ));
        return Outcome::SkipChildren;
    };
    if let Some(v) = xdt_attribute(e, "SupressWarnings") {
        match args::parse_bool(v) {
            Some(b) => run.suppress = b,
            None => {
                run.push(bad(
                    "String was not recognized as a valid Boolean.".into(),
                    "SupressWarnings",
                ));
                return Outcome::SkipChildren;
            }
        }
    }
    let mut step = Step {
        run,
        e,
        verb,
        call,
        text,
        doc,
        path: String::new(),
        edits: Edits::new(),
    };
    let result = execute(&mut step, original);
    let Step { run, edits, .. } = step;
    run.suppress = false;
    match result {
        Ok(()) => Outcome::Edits(edits),
        Err(d) => {
            run.push(d);
            Outcome::Edits(Edits::new())
        }
    }
}

fn execute(s: &mut Step, original: &Document) -> Result<(), Diagnostic> {
    let paths = s.run.loc.paths(s.e)?;
    s.path = paths.own.clone();
    if s.verb.uses_parent() {
        if paths.parent.is_empty() {
            return Err(s.diag(
                Code::XdtTransformFailed,
                format!("{} on the root element: it has no parent to insert into (XDT fails with \"Object reference not set to an instance of an object\")", s.verb.name()),
                None,
            ));
        }
        let parents = s.run.loc.select(s.e, &paths.parent, s.doc)?;
        s.run.loc.remember(s.e, None, Some(parents.len()));
        let Some(first) = parents.first() else {
            let d = missing(s, original, true)?;
            return Err(Diagnostic {
                code: Code::XdtMissingTarget,
                ..d
            });
        };
        let Some(parent) = first.element() else {
            return Err(not_an_element(s, &paths.parent));
        };
        s.run.executed += 1;
        return verbs::insert(s, parent, &paths.own);
    }
    let found = s.run.loc.select(s.e, &paths.own, s.doc)?;
    s.run.loc.remember(s.e, Some(found.len()), None);
    if found.is_empty() {
        let d = missing(s, original, false)?;
        s.run.push(d);
        return Ok(());
    }
    let mut targets = Vec::new();
    for n in &found {
        targets.push(n.element().ok_or_else(|| not_an_element(s, &paths.own))?);
    }
    s.run.executed += 1;
    match s.verb {
        Verb::SetAttributes => attrs::set(s, &targets, false),
        Verb::SetTokenizedAttributes => attrs::set(s, &targets, true),
        Verb::RemoveAttributes => attrs::remove(s, &targets),
        _ => verbs::element(s, &targets),
    }
}

fn not_an_element(s: &Step, path: &str) -> Diagnostic {
    s.diag(
        Code::XdtTransformFailed,
        format!(
            "'{path}' selects something other than an element; {} acts on elements",
            s.verb.name()
        ),
        None,
    )
}

/// XDT's missing-target diagnostic (a warning; the caller makes Insert-type ones errors): it names the
/// highest enclosing transform element that also matched nothing, with the "modified or removed by a
/// previous transform" text when that path matched SOURCE as read.
fn missing(s: &mut Step, original: &Document, by_parent: bool) -> Result<Diagnostic, Diagnostic> {
    let failed = s.run.loc.failed_context(s.e, s.doc, by_parent)?;
    let xp = s.run.loc.paths(failed)?.own;
    let existed = s
        .run
        .loc
        .select(s.e, &xp, original)
        .is_ok_and(|n| !n.is_empty());
    let message = if existed {
        format!("'{xp}' did not find a match, because matching nodes in the source document were modified or removed by a previous transform")
    } else {
        format!("No element in the source document matches '{xp}'")
    };
    let tf = s.run.loc.tf;
    let mut d = Diagnostic::new(Code::XdtNoMatch, message).with_label(
        tf.id,
        element_span(tf.text, failed),
        "matches nothing in SOURCE",
    );
    if failed != s.e {
        d = d.with_label(
            tf.id,
            attribute_span(tf.text, s.e, "Transform"),
            s.verb.name(),
        );
    }
    Ok(d.with_help(
        "check the element names, the Match/Condition values and namespaces (a default xmlns on SOURCE's elements must be declared on the transform's too)",
    ))
}
