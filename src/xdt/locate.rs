//! Locators: the XPath string XDT builds for each transform element (its parent's path, a `/`, its node
//! test and the locator's predicate) and for its parent, evaluated against the current document, and
//! the walk up the transform that names the highest element that matched nothing (XDT-FACTS §2, §3, §5).
//!
//! Owns Match, Condition, XPath and the default locator, the namespace table of a transform element and
//! the target counts XDT caches per element. It never edits text and knows no verb.

use std::collections::HashMap;
use std::ops::Range;

use roxmltree::{Document, Node, NodeId};

use super::args::{self, Call};
use super::xpath::{self, Namespaces, XNode, XPathError};
use super::{xdt_attribute, XDT_NS};
use crate::diag::{Code, Diagnostic, FileId};
use crate::doc::tag_name;

/// The transform file as parsed.
#[derive(Clone, Copy)]
pub struct Transform<'t> {
    pub id: FileId,
    pub name: &'t str,
    pub text: &'t str,
    pub doc: &'t Document<'t>,
}

/// The two paths of one transform element.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The path of the element itself (XDT's `XPath`).
    pub own: String,
    /// The path Insert-type verbs take as the parent (XDT's `ParentXPath`; empty for the root).
    pub parent: String,
}

/// Builds and caches each transform element's paths and target counts.
pub struct Locator<'t> {
    pub tf: Transform<'t>,
    paths: HashMap<NodeId, Result<Paths, Diagnostic>>,
    own_counts: HashMap<NodeId, usize>,
    parent_counts: HashMap<NodeId, usize>,
}

/// The namespace table XDT gives a transform element's XPath: every namespace in scope on it, the
/// default one under the prefix `_defaultNamespace`.
pub fn namespaces(e: Node) -> Namespaces {
    let mut bindings = Vec::new();
    for ns in e.namespaces() {
        let prefix = ns.name().unwrap_or("_defaultNamespace");
        bindings.push((prefix.to_string(), ns.uri().to_string()));
    }
    Namespaces { bindings }
}

/// The span of a transform element's start tag name, for labels.
pub fn element_span(text: &str, e: Node) -> Range<usize> {
    let start = e.range().start;
    start..start + 1 + tag_name(text, e).len()
}

/// The span of an `xdt:` attribute of `e` (the element's name when it has none).
pub fn attribute_span(text: &str, e: Node, local: &str) -> Range<usize> {
    e.attributes()
        .find(|a| a.namespace() == Some(XDT_NS) && a.name() == local)
        .map_or_else(|| element_span(text, e), |a| a.range())
}

impl<'t> Locator<'t> {
    pub fn new(tf: Transform<'t>) -> Locator<'t> {
        Locator {
            tf,
            paths: HashMap::new(),
            own_counts: HashMap::new(),
            parent_counts: HashMap::new(),
        }
    }

    fn error(&self, e: Node, attr: &str, message: String) -> Diagnostic {
        Diagnostic::new(Code::XdtInvalidAttribute, message).with_label(
            self.tf.id,
            attribute_span(self.tf.text, e, attr),
            "here",
        )
    }

    /// The node test of `e` in a path: its name as written, `_defaultNamespace:name` when it is in a
    /// default namespace.
    fn node_test(&self, e: Node) -> String {
        let written = tag_name(self.tf.text, e);
        if !written.contains(':') && e.tag_name().namespace().is_some_and(|u| !u.is_empty()) {
            format!("_defaultNamespace:{written}")
        } else {
            written.to_string()
        }
    }

    /// The paths of `e` (XDT builds them as strings from its ancestors' paths).
    pub fn paths(&mut self, e: Node<'t, 't>) -> Result<Paths, Diagnostic> {
        if let Some(p) = self.paths.get(&e.id()) {
            return p.clone();
        }
        let parent_path = match e.parent_element() {
            Some(p) => self.paths(p)?.own,
            None => String::new(),
        };
        let built = self.build(e, parent_path);
        // A failed locator is retried (and reported) each time a child needs it, as XDT does.
        if built.is_ok() {
            self.paths.insert(e.id(), built.clone());
        }
        built
    }

    fn build(&self, e: Node<'t, 't>, parent: String) -> Result<Paths, Diagnostic> {
        let step = format!("{parent}/{}", self.node_test(e));
        let Some(value) = xdt_attribute(e, "Locator") else {
            return Ok(Paths { own: step, parent });
        };
        let Some(call) = args::parse(value) else {
            return Err(self.error(e, "Locator", GRAMMAR.into()));
        };
        let Call { name, .. } = &call;
        let arguments = call.split();
        match name.as_str() {
            "Match" => {
                if arguments.is_empty() {
                    return Err(self.error(
                        e,
                        "Locator",
                        "Match requires at least 1 arguments".into(),
                    ));
                }
                let mut terms = Vec::new();
                for a in &arguments {
                    let value = e
                        .attributes()
                        .find(|x| qualified(self.tf.text, x) == a.as_str())
                        .map(|x| x.value());
                    let Some(value) = value else {
                        return Err(self.error(
                            e,
                            "Locator",
                            format!("No attribute '{a}' exists for the Match Locator"),
                        ));
                    };
                    terms.push(format!("@{a}='{value}'"));
                }
                Ok(Paths {
                    own: format!("{step}[{}]", terms.join(" and ")),
                    parent,
                })
            }
            "Condition" => {
                let [c] = arguments.as_slice() else {
                    return Err(self.error(
                        e,
                        "Locator",
                        "Condition requires exactly 1 arguments".into(),
                    ));
                };
                let open = if c.starts_with('[') { "" } else { "[" };
                let close = if c.ends_with(']') { "" } else { "]" };
                Ok(Paths {
                    own: format!("{step}{open}{c}{close}"),
                    parent,
                })
            }
            "XPath" => {
                let [x] = arguments.as_slice() else {
                    return Err(self.error(
                        e,
                        "Locator",
                        "XPath requires exactly 1 arguments".into(),
                    ));
                };
                let own = if x.starts_with('/') {
                    x.clone()
                } else {
                    let mut p = format!("{step}/{x}");
                    while let Some(i) = p.find("/./") {
                        p.replace_range(i..i + 3, "/");
                    }
                    p
                };
                Ok(Paths {
                    parent: own.clone(),
                    own,
                })
            }
            "Transform"
            | "Replace"
            | "Insert"
            | "InsertIfMissing"
            | "InsertBefore"
            | "InsertAfter"
            | "Remove"
            | "RemoveAll"
            | "RemoveAttributes"
            | "SetAttributes"
            | "SetTokenizedAttributes"
            | "CommentOut" => Err(self.error(
                e,
                "Locator",
                format!("'Microsoft.Web.XmlTransform.{name}' is not a type of Locator"),
            )),
            _ => Err(self.error(
                e,
                "Locator",
                format!("Could not resolve '{name}' as a type of Locator"),
            )),
        }
    }

    /// Evaluates `path` in `doc` with the namespace table of transform element `e`.
    pub fn select<'d>(
        &self,
        e: Node,
        path: &str,
        doc: &'d Document<'d>,
    ) -> Result<Vec<XNode<'d, 'd>>, Diagnostic> {
        let ns = namespaces(e);
        let expr = xpath::parse(path, Some(&ns)).map_err(|x| self.xpath_error(e, x))?;
        xpath::select(&expr, doc.root()).map_err(|x| self.xpath_error(e, x))
    }

    pub fn xpath_error(&self, e: Node, x: XPathError) -> Diagnostic {
        let span = if xdt_attribute(e, "Locator").is_some() {
            attribute_span(self.tf.text, e, "Locator")
        } else {
            attribute_span(self.tf.text, e, "Transform")
        };
        let (code, message, help) = match x {
            XPathError::Invalid(m) => (
                Code::XdtBadXpath,
                m,
                "XDT (and .NET's XPath) rejects this expression too",
            ),
            XPathError::Unsupported(what) => (
                Code::XdtUnsupportedXpath,
                format!("{what} is outside the XPath subset wcmigrate evaluates"),
                "rewrite the expression with child/attribute steps and predicates (see README, XDT support)",
            ),
        };
        Diagnostic::new(code, message)
            .with_label(self.tf.id, span, "in this locator")
            .with_help(help)
    }

    /// How many nodes `e`'s own path matches in `doc`, computed once per element as XDT caches it.
    fn own_count(&mut self, e: Node<'t, 't>, doc: &Document) -> Result<usize, Diagnostic> {
        if let Some(&n) = self.own_counts.get(&e.id()) {
            return Ok(n);
        }
        let path = self.paths(e)?.own;
        let n = self.select(e, &path, doc)?.len();
        self.own_counts.insert(e.id(), n);
        Ok(n)
    }

    fn parent_count(&mut self, e: Node<'t, 't>, doc: &Document) -> Result<usize, Diagnostic> {
        if let Some(&n) = self.parent_counts.get(&e.id()) {
            return Ok(n);
        }
        let path = self.paths(e)?.parent;
        let n = if path.is_empty() {
            0
        } else {
            self.select(e, &path, doc)?.len()
        };
        self.parent_counts.insert(e.id(), n);
        Ok(n)
    }

    /// Records the count of `e`'s own targets (or its parents') found when its transform ran.
    pub fn remember(&mut self, e: Node, own: Option<usize>, parent: Option<usize>) {
        if let Some(n) = own {
            self.own_counts.entry(e.id()).or_insert(n);
        }
        if let Some(n) = parent {
            self.parent_counts.entry(e.id()).or_insert(n);
        }
    }

    /// The element whose path the "no match" message names: `e`, or its highest ancestor in an unbroken
    /// chain of ancestors that also match nothing (parents for Insert-type verbs, own paths otherwise).
    pub fn failed_context(
        &mut self,
        e: Node<'t, 't>,
        doc: &Document,
        by_parent: bool,
    ) -> Result<Node<'t, 't>, Diagnostic> {
        let mut failed = e;
        while let Some(p) = failed.parent_element() {
            let empty = if by_parent {
                !self.paths(p)?.parent.is_empty() && self.parent_count(p, doc)? == 0
            } else {
                self.own_count(p, doc)? == 0
            };
            if !empty {
                break;
            }
            failed = p;
        }
        Ok(failed)
    }
}

/// The text of a Transform/Locator value that does not fit XDT's grammar.
pub const GRAMMAR: &str = "Transform and Locator attributes must contain only a type name, or a type name followed by a list of attributes in parentheses.";

/// An attribute's qualified name as written.
pub fn qualified<'t>(text: &'t str, a: &roxmltree::Attribute) -> &'t str {
    let raw = &text[a.range()];
    let end = raw
        .find(|c: char| c == '=' || c.is_whitespace())
        .unwrap_or(raw.len());
    &raw[..end]
}

/// True when some namespace declaration in the transform binds the XDT namespace.
pub fn declares_xdt(doc: &Document) -> bool {
    doc.descendants()
        .filter(|n| n.is_element())
        .any(|n| n.namespaces().any(|ns| ns.uri() == XDT_NS))
}
