//! The text of an exported transform: a tree of transform elements (`TElem`), each either built from
//! its parts (name, namespace, locator, verb, attributes, children) or OLD's own markup with the xdt
//! attributes spliced into its start tag (Insert*, Replace). Declares the xdt namespace on the root and
//! each element's namespace where it differs from its parent's, as XDT needs to match by namespace.
//! It decides nothing about what goes in.

use roxmltree::Node;

use super::locator::Loc;
use crate::edit::escape_attr;
use crate::xdt::XDT_NS;

/// One element of the transform.
#[derive(Debug)]
pub struct TElem {
    name: String,
    ns: Option<String>,
    locator: Option<String>,
    pub transform: Option<String>,
    /// Attributes besides the xdt ones and namespace declarations, in order.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<TElem>,
    /// OLD's markup of the element, for Insert*/Replace.
    raw: Option<String>,
}

impl TElem {
    /// An element named as `n` is, with nothing on it yet.
    pub fn new(n: Node) -> TElem {
        TElem {
            name: n.tag_name().name().to_string(),
            ns: n.tag_name().namespace().map(String::from),
            locator: None,
            transform: None,
            attrs: Vec::new(),
            children: Vec::new(),
            raw: None,
        }
    }

    /// OLD's element `n` as the transform's content, with verb `transform`.
    pub fn raw(n: Node, text: &str, transform: &str) -> TElem {
        let mut e = TElem::new(n);
        e.raw = Some(text[n.range()].to_string());
        e.transform = Some(transform.to_string());
        e
    }

    /// Sets the locator; `Match` also puts its key on the element (first), unless the element is
    /// OLD's markup, which has it.
    pub fn locate(&mut self, loc: &Loc) {
        self.locator = loc.attribute();
        if let (Loc::Match { attr, value }, None) = (loc, &self.raw) {
            self.attrs.insert(0, (attr.clone(), value.clone()));
        }
    }

    /// True when this element or one below it inserts content (Insert, InsertBefore, InsertAfter).
    fn inserts(&self) -> bool {
        self.transform
            .as_deref()
            .is_some_and(|t| t.starts_with("Insert"))
            || self.children.iter().any(TElem::inserts)
    }

    /// Before every element of the path to an insertion (one without a transform of its own), an
    /// empty twin with `InsertIfMissing`: applied to a newer vendor file that dropped the section,
    /// XDT creates it instead of failing with "no element matches" (its Insert needs the parent);
    /// where the section exists, the twin does nothing. Applied below the root, which always exists,
    /// and only for elements in no namespace.
    pub fn ensure_parents(&mut self) {
        let mut out = Vec::with_capacity(self.children.len());
        for mut c in std::mem::take(&mut self.children) {
            // Not for an element in a namespace: the twin's prefix is the transform's own, and the
            // copy XDT inserts would need it declared where it lands.
            if c.transform.is_none() && c.raw.is_none() && c.ns.is_none() && c.inserts() {
                out.push(TElem {
                    name: c.name.clone(),
                    ns: c.ns.clone(),
                    locator: c.locator.clone(),
                    transform: Some("InsertIfMissing".into()),
                    attrs: c.attrs.clone(),
                    children: Vec::new(),
                    raw: None,
                });
                c.ensure_parents();
            }
            out.push(c);
        }
        self.children = out;
    }

    fn xdt_attrs(&self) -> String {
        let mut s = String::new();
        for (name, v) in [("Locator", &self.locator), ("Transform", &self.transform)] {
            if let Some(v) = v {
                s.push_str(&format!(" xdt:{name}=\"{}\"", escape_attr(v, '"')));
            }
        }
        s
    }

    /// Namespace URIs of the built (not copied) elements, in document order.
    fn namespaces(&self, out: &mut Vec<String>) {
        if self.raw.is_some() {
            return;
        }
        if let Some(ns) = &self.ns {
            if !out.contains(ns) {
                out.push(ns.clone());
            }
        }
        for c in &self.children {
            c.namespaces(out);
        }
    }

    fn write(&self, out: &mut String, w: &Writer, parent_ns: Option<&str>, depth: usize) {
        let (indent, eol) = ("  ".repeat(depth), w.eol);
        // In prefix mode no default namespace is ever declared on a built element.
        let scope = if w.prefixed.is_empty() {
            self.ns.as_deref()
        } else {
            None
        };
        let xmlns = match self.ns.as_deref() {
            ns if ns == parent_ns => String::new(),
            Some(_) if !w.prefixed.is_empty() && self.raw.is_none() => String::new(),
            Some(ns) => format!(" xmlns=\"{}\"", escape_attr(ns, '"')),
            None => " xmlns=\"\"".to_string(),
        };
        out.push_str(&indent);
        if let Some(raw) = &self.raw {
            // After `<` and the name as written.
            let end = raw[1..]
                .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
                .map_or(raw.len(), |p| p + 1);
            // OLD's element declares its own namespace when it differs from its parent's.
            let xmlns = if raw[..raw.find('>').unwrap_or(raw.len())].contains("xmlns=") {
                ""
            } else {
                xmlns.as_str()
            };
            out.push_str(&raw[..end]);
            out.push_str(xmlns);
            out.push_str(&self.xdt_attrs());
            out.push_str(&raw[end..]);
            out.push_str(eol);
            return;
        }
        let name = match self
            .ns
            .as_ref()
            .and_then(|ns| w.prefixed.iter().position(|p| p == ns))
        {
            Some(i) => format!("n{}:{}", i + 1, self.name),
            None => self.name.clone(),
        };
        out.push('<');
        out.push_str(&name);
        if depth == 0 {
            out.push_str(&format!(" xmlns:xdt=\"{XDT_NS}\""));
            for (i, ns) in w.prefixed.iter().enumerate() {
                out.push_str(&format!(" xmlns:n{}=\"{}\"", i + 1, escape_attr(ns, '"')));
            }
        }
        out.push_str(&xmlns);
        out.push_str(&self.xdt_attrs());
        for (n, v) in &self.attrs {
            out.push_str(&format!(" {n}=\"{}\"", escape_attr(v, '"')));
        }
        if self.children.is_empty() {
            out.push_str(" />");
            out.push_str(eol);
            return;
        }
        out.push('>');
        out.push_str(eol);
        for c in &self.children {
            c.write(out, w, scope, depth + 1);
        }
        out.push_str(&indent);
        out.push_str(&format!("</{name}>{eol}"));
    }
}

/// How the document is written: line ends, and the namespaces written with prefixes (`n1:`, ...),
/// used when the transform names elements of two namespaces or more: XDT resolves a whole path with
/// the innermost element's table, where an outer default namespace would no longer mean its URI.
struct Writer<'e> {
    eol: &'e str,
    prefixed: Vec<String>,
}

/// The whole transform, `root` being the source's root element.
pub fn document(root: &TElem, eol: &str) -> String {
    let mut out = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{eol}");
    let mut prefixed = Vec::new();
    root.namespaces(&mut prefixed);
    if prefixed.len() < 2 {
        prefixed.clear();
    }
    root.write(&mut out, &Writer { eol, prefixed }, None, 0);
    out
}
