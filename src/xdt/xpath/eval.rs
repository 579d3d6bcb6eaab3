//! Evaluation of a parsed [`Expr`] over a roxmltree document, with XPath 1.0's value types, conversions,
//! comparisons, document order and core functions.
//!
//! Owns reading a tree through XPath only: it never edits a document and never parses text.

use roxmltree::Node;

use super::{Axis, Expr, Op, Step, Test, XPathError};

/// A node an expression selects: a tree node, or an element's attribute by index.
#[derive(Debug, Clone, Copy)]
pub enum XNode<'a, 'i> {
    Node(Node<'a, 'i>),
    Attr(Node<'a, 'i>, usize),
}

impl<'a, 'i> XNode<'a, 'i> {
    /// Document order: a node, then its attributes, then its children.
    fn key(&self) -> (u32, usize) {
        match self {
            XNode::Node(n) => (n.id().get(), 0),
            XNode::Attr(n, i) => (n.id().get(), i + 1),
        }
    }

    /// The element, when this is one.
    pub fn element(&self) -> Option<Node<'a, 'i>> {
        match self {
            XNode::Node(n) if n.is_element() => Some(*n),
            _ => None,
        }
    }

    fn string_value(&self) -> String {
        match self {
            XNode::Attr(n, i) => n
                .attributes()
                .nth(*i)
                .map(|a| a.value().to_string())
                .unwrap_or_default(),
            XNode::Node(n) if n.is_element() || n.is_root() => n
                .descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect(),
            XNode::Node(n) => match n.pi() {
                Some(pi) => pi.value.unwrap_or("").to_string(),
                None => n.text().unwrap_or("").to_string(),
            },
        }
    }
}

/// The nodes `expr` selects with `context` as context node. An expression that is not a node-set is an
/// error, as in .NET's `SelectNodes`.
pub fn select<'a, 'i>(
    expr: &Expr,
    context: Node<'a, 'i>,
) -> Result<Vec<XNode<'a, 'i>>, XPathError> {
    let cx = Cx {
        node: XNode::Node(context),
        pos: 1,
        size: 1,
    };
    match eval(expr, &cx)? {
        Value::Nodes(n) => Ok(n),
        _ => Err(not_nodes()),
    }
}

fn not_nodes() -> XPathError {
    XPathError::Invalid("Expression must evaluate to a node-set.".into())
}

enum Value<'a, 'i> {
    Nodes(Vec<XNode<'a, 'i>>),
    Str(String),
    Num(f64),
    Bool(bool),
}

struct Cx<'a, 'i> {
    node: XNode<'a, 'i>,
    pos: usize,
    size: usize,
}

type R<'a, 'i> = Result<Value<'a, 'i>, XPathError>;

fn eval<'a, 'i>(e: &Expr, cx: &Cx<'a, 'i>) -> R<'a, 'i> {
    Ok(match e {
        Expr::Binary(Op::Or, a, b) => Value::Bool(boolean(&eval(a, cx)?) || boolean(&eval(b, cx)?)),
        Expr::Binary(Op::And, a, b) => {
            Value::Bool(boolean(&eval(a, cx)?) && boolean(&eval(b, cx)?))
        }
        Expr::Binary(op @ (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge), a, b) => {
            Value::Bool(compare(*op, &eval(a, cx)?, &eval(b, cx)?))
        }
        Expr::Binary(op, a, b) => {
            let (x, y) = (number(&eval(a, cx)?), number(&eval(b, cx)?));
            Value::Num(match op {
                Op::Add => x + y,
                Op::Sub => x - y,
                Op::Mul => x * y,
                Op::Div => x / y,
                _ => x % y,
            })
        }
        Expr::Neg(a) => Value::Num(-number(&eval(a, cx)?)),
        Expr::Union(a, b) => match (eval(a, cx)?, eval(b, cx)?) {
            (Value::Nodes(mut x), Value::Nodes(y)) => {
                x.extend(y);
                Value::Nodes(in_order(x))
            }
            _ => return Err(not_nodes()),
        },
        Expr::Path { absolute, steps } => {
            let start = if *absolute {
                match cx.node {
                    XNode::Node(n) | XNode::Attr(n, _) => XNode::Node(n.document().root()),
                }
            } else {
                cx.node
            };
            Value::Nodes(walk(vec![start], steps)?)
        }
        Expr::Filter {
            primary,
            predicates,
            steps,
        } => {
            let Value::Nodes(mut nodes) = eval(primary, cx)? else {
                return Err(not_nodes());
            };
            for p in predicates {
                nodes = filter(nodes, p)?;
            }
            Value::Nodes(walk(nodes, steps)?)
        }
        Expr::Literal(s) => Value::Str(s.clone()),
        Expr::Number(n) => Value::Num(*n),
        Expr::Call(name, args) => call(name, args, cx)?,
    })
}

fn in_order<'a, 'i>(mut nodes: Vec<XNode<'a, 'i>>) -> Vec<XNode<'a, 'i>> {
    nodes.sort_by_key(XNode::key);
    nodes.dedup_by_key(|n| n.key());
    nodes
}

fn walk<'a, 'i>(
    mut nodes: Vec<XNode<'a, 'i>>,
    steps: &[Step],
) -> Result<Vec<XNode<'a, 'i>>, XPathError> {
    for step in steps {
        let mut out = Vec::new();
        for n in &nodes {
            let mut found: Vec<XNode> = axis(*n, step.axis)
                .into_iter()
                .filter(|c| matches(c, step))
                .collect();
            for p in &step.predicates {
                found = filter(found, p)?;
            }
            out.extend(found);
        }
        nodes = in_order(out);
    }
    Ok(nodes)
}

/// Keeps the nodes (in the order positions count in) for which the predicate holds.
fn filter<'a, 'i>(nodes: Vec<XNode<'a, 'i>>, p: &Expr) -> Result<Vec<XNode<'a, 'i>>, XPathError> {
    let size = nodes.len();
    let mut out = Vec::new();
    for (i, n) in nodes.into_iter().enumerate() {
        let cx = Cx {
            node: n,
            pos: i + 1,
            size,
        };
        let keep = match eval(p, &cx)? {
            Value::Num(x) => x == (i + 1) as f64,
            v => boolean(&v),
        };
        if keep {
            out.push(n);
        }
    }
    Ok(out)
}

/// The nodes on `axis` from `n`, in the axis's order (reverse axes nearest first).
fn axis<'a, 'i>(n: XNode<'a, 'i>, axis: Axis) -> Vec<XNode<'a, 'i>> {
    let wrap = |it: &mut dyn Iterator<Item = Node<'a, 'i>>| it.map(XNode::Node).collect();
    match (n, axis) {
        (_, Axis::SelfAxis) => vec![n],
        (XNode::Node(e), Axis::Child) => wrap(&mut e.children()),
        (XNode::Node(e), Axis::Attribute) if e.is_element() => (0..e.attributes().len())
            .map(|i| XNode::Attr(e, i))
            .collect(),
        (XNode::Node(e), Axis::Parent) => wrap(&mut e.parent().into_iter()),
        (XNode::Node(e), Axis::Descendant) => wrap(&mut e.descendants().skip(1)),
        (XNode::Node(e), Axis::DescendantOrSelf) => wrap(&mut e.descendants()),
        (XNode::Node(e), Axis::Ancestor) => wrap(&mut e.ancestors().skip(1)),
        (XNode::Node(e), Axis::AncestorOrSelf) => wrap(&mut e.ancestors()),
        (XNode::Node(e), Axis::FollowingSibling) => wrap(&mut e.next_siblings().skip(1)),
        (XNode::Node(e), Axis::PrecedingSibling) => wrap(&mut e.prev_siblings().skip(1)),
        (XNode::Attr(e, _), Axis::Parent) => vec![XNode::Node(e)],
        (XNode::Attr(e, _), Axis::Ancestor) => wrap(&mut e.ancestors()),
        (XNode::Attr(e, _), Axis::AncestorOrSelf) => {
            let mut v = vec![n];
            v.extend(e.ancestors().map(XNode::Node));
            v
        }
        (XNode::Attr(..), Axis::DescendantOrSelf) => vec![n],
        _ => Vec::new(),
    }
}

fn matches(n: &XNode, step: &Step) -> bool {
    let attribute_axis = step.axis == Axis::Attribute;
    match n {
        XNode::Attr(e, i) => {
            let Some(a) = e.attributes().nth(*i) else {
                return false;
            };
            match &step.test {
                Test::Node => true,
                Test::Any { uri: None } => attribute_axis,
                Test::Any { uri: Some(u) } => attribute_axis && a.namespace().unwrap_or("") == u,
                Test::Name { uri, local } => {
                    attribute_axis && a.name() == local && a.namespace().unwrap_or("") == uri
                }
                _ => false,
            }
        }
        XNode::Node(x) => match &step.test {
            Test::Node => true,
            Test::Text => x.is_text(),
            Test::Comment => x.is_comment(),
            Test::Pi(target) => x
                .pi()
                .is_some_and(|pi| target.as_deref().map_or(true, |t| t == pi.target)),
            Test::Any { uri } => {
                !attribute_axis
                    && x.is_element()
                    && uri
                        .as_deref()
                        .map_or(true, |u| x.tag_name().namespace().unwrap_or("") == u)
            }
            Test::Name { uri, local } => {
                !attribute_axis
                    && x.is_element()
                    && x.tag_name().name() == local
                    && x.tag_name().namespace().unwrap_or("") == uri
            }
        },
    }
}

fn boolean(v: &Value) -> bool {
    match v {
        Value::Nodes(n) => !n.is_empty(),
        Value::Str(s) => !s.is_empty(),
        Value::Num(x) => *x != 0.0 && !x.is_nan(),
        Value::Bool(b) => *b,
    }
}

fn string(v: &Value) -> String {
    match v {
        Value::Nodes(n) => n.first().map(XNode::string_value).unwrap_or_default(),
        Value::Str(s) => s.clone(),
        Value::Num(x) => number_to_string(*x),
        Value::Bool(b) => b.to_string(),
    }
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Num(x) => *x,
        Value::Bool(b) => f64::from(u8::from(*b)),
        v => string_to_number(&string(v)),
    }
}

/// XPath's `number()` of a string: optional minus, digits with an optional decimal point; else NaN.
fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    let body = t.strip_prefix('-').unwrap_or(t);
    let ok = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.matches('.').count() <= 1
        && body != ".";
    if ok {
        t.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

fn number_to_string(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn compare(op: Op, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nodes(x), Value::Nodes(y)) => x.iter().any(|m| {
            let s = Value::Str(m.string_value());
            y.iter()
                .any(|n| atoms(op, &s, &Value::Str(n.string_value())))
        }),
        (Value::Nodes(x), Value::Bool(_)) => atoms(op, &Value::Bool(!x.is_empty()), b),
        (Value::Bool(_), Value::Nodes(y)) => atoms(op, a, &Value::Bool(!y.is_empty())),
        (Value::Nodes(x), _) => x
            .iter()
            .any(|m| atoms(op, &Value::Str(m.string_value()), b)),
        (_, Value::Nodes(y)) => y
            .iter()
            .any(|n| atoms(op, a, &Value::Str(n.string_value()))),
        _ => atoms(op, a, b),
    }
}

fn atoms(op: Op, a: &Value, b: &Value) -> bool {
    match op {
        Op::Eq | Op::Ne => {
            let equal = match (a, b) {
                (Value::Bool(_), _) | (_, Value::Bool(_)) => boolean(a) == boolean(b),
                (Value::Num(_), _) | (_, Value::Num(_)) => number(a) == number(b),
                _ => string(a) == string(b),
            };
            equal == (op == Op::Eq)
        }
        _ => {
            let (x, y) = (number(a), number(b));
            match op {
                Op::Lt => x < y,
                Op::Le => x <= y,
                Op::Gt => x > y,
                _ => x >= y,
            }
        }
    }
}

fn round(x: f64) -> f64 {
    if x.is_nan() || x.is_infinite() {
        x
    } else {
        (x + 0.5).floor()
    }
}

fn call<'a, 'i>(name: &str, args: &[Expr], cx: &Cx<'a, 'i>) -> R<'a, 'i> {
    let mut v = Vec::with_capacity(args.len());
    for a in args {
        v.push(eval(a, cx)?);
    }
    // The string argument, or the context node's string-value when absent.
    let s = |i: usize| {
        v.get(i)
            .map(string)
            .unwrap_or_else(|| cx.node.string_value())
    };
    let first = |i: usize| -> Result<Option<XNode<'a, 'i>>, XPathError> {
        match v.get(i) {
            None => Ok(Some(cx.node)),
            Some(Value::Nodes(n)) => Ok(n.first().copied()),
            Some(_) => Err(XPathError::Invalid(format!(
                "Function '{name}()' requires a node-set argument."
            ))),
        }
    };
    Ok(match name {
        "last" => Value::Num(cx.size as f64),
        "position" => Value::Num(cx.pos as f64),
        "count" => match &v[0] {
            Value::Nodes(n) => Value::Num(n.len() as f64),
            _ => return Err(not_nodes()),
        },
        "local-name" | "name" | "namespace-uri" => {
            let text = match first(0)? {
                Some(XNode::Node(n)) if n.is_element() => {
                    let tag = n.tag_name();
                    match name {
                        "local-name" => tag.name().to_string(),
                        "namespace-uri" => tag.namespace().unwrap_or("").to_string(),
                        _ => qualified(n, tag.namespace(), tag.name()),
                    }
                }
                Some(XNode::Attr(n, i)) => {
                    let a = n.attributes().nth(i);
                    let (ns, local) = a.map_or((None, ""), |a| (a.namespace(), a.name()));
                    match name {
                        "local-name" => local.to_string(),
                        "namespace-uri" => ns.unwrap_or("").to_string(),
                        _ => qualified(n, ns, local),
                    }
                }
                Some(XNode::Node(n)) => n.pi().map(|p| p.target.to_string()).unwrap_or_default(),
                None => String::new(),
            };
            Value::Str(text)
        }
        "string" => Value::Str(s(0)),
        "concat" => Value::Str(v.iter().map(string).collect()),
        "starts-with" => Value::Bool(s(0).starts_with(&s(1))),
        "contains" => Value::Bool(s(0).contains(&s(1))),
        "substring-before" => {
            let (a, b) = (s(0), s(1));
            Value::Str(a.find(&b).map(|i| a[..i].to_string()).unwrap_or_default())
        }
        "substring-after" => {
            let (a, b) = (s(0), s(1));
            Value::Str(
                a.find(&b)
                    .map(|i| a[i + b.len()..].to_string())
                    .unwrap_or_default(),
            )
        }
        "substring" => {
            let start = round(number(&v[1]));
            let end = v.get(2).map_or(f64::INFINITY, |l| start + round(number(l)));
            let text: String = s(0)
                .chars()
                .enumerate()
                .filter(|(i, _)| {
                    let p = (*i + 1) as f64;
                    p >= start && p < end
                })
                .map(|(_, c)| c)
                .collect();
            Value::Str(text)
        }
        "string-length" => Value::Num(s(0).chars().count() as f64),
        "normalize-space" => Value::Str(
            s(0).split([' ', '\t', '\r', '\n'])
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "translate" => {
            let (from, to): (Vec<char>, Vec<char>) =
                (s(1).chars().collect(), s(2).chars().collect());
            let text = s(0)
                .chars()
                .filter_map(|c| match from.iter().position(|&f| f == c) {
                    Some(i) => to.get(i).copied(),
                    None => Some(c),
                })
                .collect();
            Value::Str(text)
        }
        "boolean" => Value::Bool(boolean(&v[0])),
        "not" => Value::Bool(!boolean(&v[0])),
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "number" => Value::Num(v.first().map_or_else(|| string_to_number(&s(0)), number)),
        "sum" => match &v[0] {
            Value::Nodes(n) => {
                Value::Num(n.iter().map(|x| string_to_number(&x.string_value())).sum())
            }
            _ => return Err(not_nodes()),
        },
        "floor" => Value::Num(number(&v[0]).floor()),
        "ceiling" => Value::Num(number(&v[0]).ceil()),
        _ => Value::Num(round(number(&v[0]))),
    })
}

fn qualified(n: Node, ns: Option<&str>, local: &str) -> String {
    match ns.and_then(|u| n.lookup_prefix(u)) {
        Some(p) if !p.is_empty() => format!("{p}:{local}"),
        _ => local.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, Namespaces};
    use super::*;

    const DOC: &str = r#"<configuration>
  <appSettings>
    <add key="A" value="1" />
    <add key="B" value="2" />
    <add key="B" value="3" />
  </appSettings>
  <runtime><assemblyBinding xmlns="urn:asm"><dependentAssembly><assemblyIdentity name="N" /></dependentAssembly></assemblyBinding></runtime>
</configuration>"#;

    fn keys(xp: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(DOC).unwrap();
        let ns = Namespaces {
            bindings: vec![("_defaultNamespace".into(), "urn:asm".into())],
        };
        let e = parse(xp, Some(&ns)).unwrap();
        select(&e, doc.root())
            .unwrap()
            .iter()
            .map(|n| match n {
                XNode::Node(e) if e.is_element() => {
                    let a = e.attribute("value").or(e.attribute("name"));
                    format!("{}={}", e.tag_name().name(), a.unwrap_or(""))
                }
                other => format!("@{}", other.string_value()),
            })
            .collect()
    }

    #[test]
    fn location_paths_predicates_and_positions() {
        assert_eq!(
            keys("/configuration/appSettings/add[@key='B']"),
            ["add=2", "add=3"]
        );
        assert_eq!(
            keys("/configuration/appSettings/add[@key='B'][2]"),
            ["add=3"]
        );
        assert_eq!(keys("/configuration/appSettings/add[2]"), ["add=2"]);
        assert_eq!(keys("//add[@key='A' or @value=3]"), ["add=1", "add=3"]);
        assert_eq!(keys("//add[last()]/@value"), ["@3"]);
        assert_eq!(
            keys("/configuration/*[1]/add[starts-with(@key,'B') and not(@value=2)]"),
            ["add=3"]
        );
        assert_eq!(keys("//add[@value > 1][position() = 1]"), ["add=2"]);
        assert_eq!(
            keys("/configuration/appSettings/add/self::node()[@key='A']"),
            ["add=1"]
        );
        assert_eq!(keys("//add[@key='A']/following-sibling::add[1]"), ["add=2"]);
        assert_eq!(
            keys("//add[@key='B'][1]/preceding-sibling::*[1]"),
            ["add=1"]
        );
        assert_eq!(keys("(//add)[last()] | //add[1]"), ["add=1", "add=3"]);
    }

    #[test]
    fn namespaces_match_by_uri() {
        assert!(keys("/configuration/runtime/assemblyBinding").is_empty());
        assert_eq!(
            keys("/configuration/runtime/_defaultNamespace:assemblyBinding/_defaultNamespace:dependentAssembly[_defaultNamespace:assemblyIdentity/@name='N']")
                .len(),
            1
        );
    }

    #[test]
    fn non_node_sets_are_refused() {
        let doc = roxmltree::Document::parse(DOC).unwrap();
        let e = parse("@key='A'", None).unwrap();
        assert_eq!(select(&e, doc.root()).unwrap_err(), not_nodes());
        assert_eq!(number_to_string(2.0), "2");
        assert!(string_to_number("1e3").is_nan());
    }
}
