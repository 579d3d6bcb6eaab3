//! How an exported transform finds one element: the locator (none, `Match`, `Condition`) XDT-FACTS §10
//! advises — the identity attribute by `Match` when it is unique among the element's siblings and
//! holds no apostrophe, a `Condition` with the identity (or, for an element without one, its whole
//! attribute set) otherwise, and a position when even that is shared — and the same predicate as a
//! step of an absolute path for `InsertAfter`/`InsertBefore`, which XDT evaluates without namespaces.
//! It decides uniqueness over the siblings as the document will stand; it builds no transform text.

use roxmltree::Node;

use crate::config::Identity;
use crate::doc::elements;

/// How a transform element finds its target among its parent's children.
#[derive(Debug, Clone, PartialEq)]
pub enum Loc {
    /// The only element of its name there: no locator.
    None,
    /// `xdt:Locator="Match(attr)"` with the attribute's value on the transform element.
    Match { attr: String, value: String },
    /// `xdt:Locator="Condition(expr)"`, `expr` as written in the parentheses.
    Condition(String),
}

impl Loc {
    /// The predicate XDT appends to the element's path (`[@key='A']`; empty for none).
    pub fn predicate(&self) -> String {
        match self {
            Loc::None => String::new(),
            Loc::Match { attr, value } => format!("[@{attr}='{value}']"),
            Loc::Condition(c) => {
                let open = if c.starts_with('[') { "" } else { "[" };
                let close = if c.ends_with(']') { "" } else { "]" };
                format!("{open}{c}{close}")
            }
        }
    }

    /// This locator for a transform element whose attribute `a` reads `value_of(a)`: a `Match` whose
    /// key would read otherwise becomes the equivalent `Condition`.
    pub fn for_values<'v>(&self, value_of: impl Fn(&str) -> Option<&'v str>) -> Loc {
        match self {
            Loc::Match { attr, value } if value_of(attr) != Some(value.as_str()) => {
                Loc::Condition(argument(&format!("@{attr}={}", literal(value))))
            }
            other => other.clone(),
        }
    }

    /// The `xdt:Locator` value, if any.
    pub fn attribute(&self) -> Option<String> {
        match self {
            Loc::None => None,
            Loc::Match { attr, .. } => Some(format!("Match({attr})")),
            Loc::Condition(c) => Some(format!("Condition({c})")),
        }
    }
}

/// An XPath string literal for `v`: apostrophes, else quotes, else `concat(...)`.
pub fn literal(v: &str) -> String {
    if !v.contains('\'') {
        format!("'{v}'")
    } else if !v.contains('"') {
        format!("\"{v}\"")
    } else {
        let parts: Vec<String> = v.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// An XDT argument holding one expression: wrapped in parentheses when it has a comma, which XDT
/// would otherwise split at (XDT-FACTS §1).
pub fn argument(expr: &str) -> String {
    if expr.contains(',') {
        format!("({expr})")
    } else {
        expr.to_string()
    }
}

/// `n`'s node test in a path evaluated without namespaces: its name, or `*[local-name()='name']`
/// when it is in a namespace.
pub fn step(n: Node) -> String {
    let name = n.tag_name().name();
    match n.tag_name().namespace() {
        Some(_) => format!("*[local-name()='{name}']"),
        None => name.to_string(),
    }
}

/// One predicate part: (child element name, attribute, value).
type Part<'a> = (Option<String>, String, &'a str);

fn value_of<'a>(n: Node<'a, '_>, child: Option<&str>, attr: &str) -> Option<&'a str> {
    match child {
        Some(c) => elements(n)
            .find(|e| e.tag_name().name() == c)
            .and_then(|e| e.attribute(attr)),
        None => n.attribute(attr),
    }
}

/// The locator of `cur[i]` among `cur` (its parent's children as XDT will see them); `path` is its
/// element path for the identity rules.
pub fn locate(identity: &Identity, cur: &[Node], i: usize, path: &str) -> Loc {
    let n = cur[i];
    let same: Vec<Node> = cur
        .iter()
        .filter(|c| c.tag_name() == n.tag_name())
        .copied()
        .collect();
    let mut parts: Vec<Part> = identity.parts_of(n, path);
    if parts.is_empty() {
        if same.len() == 1 {
            return Loc::None;
        }
        parts = n
            .attributes()
            .filter(|a| a.namespace().is_none())
            .map(|a| (None, a.name().to_string(), a.value()))
            .collect();
    }
    let matching: Vec<Node> = same
        .iter()
        .filter(|c| {
            parts
                .iter()
                .all(|(ch, a, v)| value_of(**c, ch.as_deref(), a) == Some(v))
        })
        .copied()
        .collect();
    let rank = matching
        .iter()
        .position(|c| c.id() == n.id() && std::ptr::eq(c.document(), n.document()))
        .map_or(1, |p| p + 1);
    if matching.len() == 1 {
        if let [(None, attr, value)] = parts.as_slice() {
            if !value.contains('\'') {
                return Loc::Match {
                    attr: attr.clone(),
                    value: value.to_string(),
                };
            }
        }
    }
    let expr = parts
        .iter()
        .map(|(ch, a, v)| {
            let child = ch
                .as_ref()
                .map(|c| format!("*[local-name()='{c}']/"))
                .unwrap_or_default();
            format!("{child}@{a}={}", literal(v))
        })
        .collect::<Vec<_>>()
        .join(" and ");
    match (expr.is_empty(), matching.len()) {
        (true, _) => Loc::Condition(rank.to_string()),
        (false, 1) => Loc::Condition(argument(&expr)),
        (false, _) => Loc::Condition(format!("{}][{rank}", argument(&expr))),
    }
}
