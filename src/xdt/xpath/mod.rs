//! The XPath 1.0 that transforms use, parsed and evaluated over the crate's roxmltree documents.
//!
//! Owns the expression tree, its errors and the namespace table prefixes resolve in. Supported: location
//! paths (absolute, relative, `//`, `.`, `..`, `@`), the axes child, attribute, self, parent, descendant,
//! descendant-or-self, ancestor, ancestor-or-self, following-sibling and preceding-sibling, name and
//! node-type tests, predicates (positions too), `and`/`or`, comparisons, arithmetic, unions and the core
//! function library except `id()` and `lang()`. Anything else valid in XPath 1.0 (variables, the
//! following, preceding and namespace axes, `id()`, `lang()`) is refused as [`XPathError::Unsupported`],
//! naming the construct. It never edits a document and knows nothing about XDT verbs.

mod eval;
mod parse;

pub use eval::{select, XNode};
pub use parse::parse;

/// Prefix → namespace URI, as XDT builds it for one transform element (the default namespace is bound to
/// `_defaultNamespace`).
#[derive(Debug, Clone, Default)]
pub struct Namespaces {
    pub bindings: Vec<(String, String)>,
}

impl Namespaces {
    pub fn uri(&self, prefix: &str) -> Option<&str> {
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, u)| u.as_str())
    }
}

/// Why an expression cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XPathError {
    /// Not valid XPath 1.0, or valid but wrong here (as .NET reports it).
    Invalid(String),
    /// Valid XPath 1.0 outside the subset wcmigrate evaluates: the construct.
    Unsupported(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Child,
    Attribute,
    SelfAxis,
    Parent,
    Descendant,
    DescendantOrSelf,
    Ancestor,
    AncestorOrSelf,
    FollowingSibling,
    PrecedingSibling,
}

/// A node test, with its prefix already resolved to a namespace URI (`""`: no namespace).
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Name {
        uri: String,
        local: String,
    },
    /// `*` (uri `None`) or `prefix:*`.
    Any {
        uri: Option<String>,
    },
    Node,
    Text,
    Comment,
    Pi(Option<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub axis: Axis,
    pub test: Test,
    pub predicates: Vec<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Binary(Op, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Union(Box<Expr>, Box<Expr>),
    /// A location path; `absolute` starts at the document root.
    Path {
        absolute: bool,
        steps: Vec<Step>,
    },
    /// A primary expression filtered by predicates and continued by steps: `(//a)[1]/b`.
    Filter {
        primary: Box<Expr>,
        predicates: Vec<Expr>,
        steps: Vec<Step>,
    },
    Literal(String),
    Number(f64),
    Call(&'static str, Vec<Expr>),
}
