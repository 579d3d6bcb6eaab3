//! XPath 1.0 text → [`Expr`]: the lexer and a recursive-descent parser following the grammar of the
//! XPath 1.0 recommendation, resolving prefixes in the namespace table as it goes.
//!
//! Owns syntax only: it evaluates nothing. Constructs outside the supported subset are refused here,
//! so an expression that parses can always be evaluated.

use super::{Axis, Expr, Namespaces, Op, Step, Test, XPathError};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Slash,
    DoubleSlash,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Dot,
    DotDot,
    At,
    Comma,
    ColonColon,
    Pipe,
    Plus,
    Minus,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Star,
    /// An NCName, `prefix:local` or `prefix:*`.
    Name(String),
    Literal(String),
    Number(f64),
    Variable(String),
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '\u{B7}')
}

fn lex(src: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let ncname = |i: &mut usize| -> String {
        let start = *i;
        while *i < chars.len() && is_name_char(chars[*i]) {
            *i += 1;
        }
        chars[start..*i].iter().collect()
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let tok = match c {
            ' ' | '\t' | '\r' | '\n' => {
                i += 1;
                continue;
            }
            '/' if next == Some('/') => Tok::DoubleSlash,
            '/' => Tok::Slash,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '.' if next == Some('.') => Tok::DotDot,
            '.' if next.is_some_and(|d| d.is_ascii_digit()) => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                out.push(Tok::Number(s.parse().ok()?));
                continue;
            }
            '.' => Tok::Dot,
            '@' => Tok::At,
            ',' => Tok::Comma,
            ':' if next == Some(':') => Tok::ColonColon,
            '|' => Tok::Pipe,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '=' => Tok::Eq,
            '!' if next == Some('=') => Tok::Ne,
            '<' if next == Some('=') => Tok::Le,
            '<' => Tok::Lt,
            '>' if next == Some('=') => Tok::Ge,
            '>' => Tok::Gt,
            '*' => Tok::Star,
            '"' | '\'' => {
                let end = chars[i + 1..].iter().position(|&d| d == c)? + i + 1;
                out.push(Tok::Literal(chars[i + 1..end].iter().collect()));
                i = end + 1;
                continue;
            }
            '$' => {
                i += 1;
                let name = ncname(&mut i);
                out.push(Tok::Variable(name));
                continue;
            }
            d if d.is_ascii_digit() => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                if i < chars.len() && chars[i] == '.' {
                    i += 1;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                let s: String = chars[start..i].iter().collect();
                out.push(Tok::Number(s.parse().ok()?));
                continue;
            }
            n if is_name_start(n) => {
                let mut name = ncname(&mut i);
                if i + 1 < chars.len() && chars[i] == ':' && chars[i + 1] != ':' {
                    if chars[i + 1] == '*' {
                        name.push_str(":*");
                        i += 2;
                    } else if is_name_start(chars[i + 1]) {
                        i += 1;
                        name.push(':');
                        name.push_str(&ncname(&mut i));
                    } else {
                        return None;
                    }
                }
                out.push(Tok::Name(name));
                continue;
            }
            _ => return None,
        };
        i += match tok {
            Tok::DoubleSlash | Tok::DotDot | Tok::ColonColon | Tok::Ne | Tok::Le | Tok::Ge => 2,
            _ => 1,
        };
        out.push(tok);
    }
    Some(out)
}

/// Parses `src`, resolving prefixes in `ns` (`None`: no namespace table, as XDT gives InsertBefore and
/// InsertAfter, so any prefix is an error).
pub fn parse(src: &str, ns: Option<&Namespaces>) -> Result<Expr, XPathError> {
    let invalid = || XPathError::Invalid(format!("'{src}' has an invalid token."));
    let toks = lex(src).ok_or_else(invalid)?;
    if toks.is_empty() {
        return Err(XPathError::Invalid(
            "Expression must evaluate to a node-set.".into(),
        ));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        ns,
        src,
    };
    let e = p.expr()?;
    if p.pos != p.toks.len() {
        return Err(invalid());
    }
    Ok(e)
}

struct Parser<'s> {
    toks: Vec<Tok>,
    pos: usize,
    ns: Option<&'s Namespaces>,
    src: &'s str,
}

const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("last", 0, 0),
    ("position", 0, 0),
    ("count", 1, 1),
    ("local-name", 0, 1),
    ("namespace-uri", 0, 1),
    ("name", 0, 1),
    ("string", 0, 1),
    ("concat", 2, usize::MAX),
    ("starts-with", 2, 2),
    ("contains", 2, 2),
    ("substring-before", 2, 2),
    ("substring-after", 2, 2),
    ("substring", 2, 3),
    ("string-length", 0, 1),
    ("normalize-space", 0, 1),
    ("translate", 3, 3),
    ("boolean", 1, 1),
    ("not", 1, 1),
    ("true", 0, 0),
    ("false", 0, 0),
    ("number", 0, 1),
    ("sum", 1, 1),
    ("floor", 1, 1),
    ("ceiling", 1, 1),
    ("round", 1, 1),
];

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n)
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn invalid(&self) -> XPathError {
        XPathError::Invalid(format!("'{}' has an invalid token.", self.src))
    }

    fn expect(&mut self, t: &Tok) -> Result<(), XPathError> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.invalid())
        }
    }

    fn expr(&mut self) -> Result<Expr, XPathError> {
        self.binary(0)
    }

    /// Binary operators by precedence level: or, and, equality, relational, additive, multiplicative.
    fn binary(&mut self, level: usize) -> Result<Expr, XPathError> {
        if level == 6 {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        loop {
            let op = match (level, self.peek()) {
                (0, Some(Tok::Name(n))) if n == "or" => Op::Or,
                (1, Some(Tok::Name(n))) if n == "and" => Op::And,
                (2, Some(Tok::Eq)) => Op::Eq,
                (2, Some(Tok::Ne)) => Op::Ne,
                (3, Some(Tok::Lt)) => Op::Lt,
                (3, Some(Tok::Le)) => Op::Le,
                (3, Some(Tok::Gt)) => Op::Gt,
                (3, Some(Tok::Ge)) => Op::Ge,
                (4, Some(Tok::Plus)) => Op::Add,
                (4, Some(Tok::Minus)) => Op::Sub,
                (5, Some(Tok::Star)) => Op::Mul,
                (5, Some(Tok::Name(n))) if n == "div" => Op::Div,
                (5, Some(Tok::Name(n))) if n == "mod" => Op::Mod,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, XPathError> {
        if self.eat(&Tok::Minus) {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        let mut left = self.path_expr()?;
        while self.eat(&Tok::Pipe) {
            let right = self.path_expr()?;
            left = Expr::Union(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn starts_filter(&self) -> bool {
        match self.peek() {
            Some(Tok::Literal(_) | Tok::Number(_) | Tok::Variable(_) | Tok::LParen) => true,
            Some(Tok::Name(n)) => {
                self.peek_at(1) == Some(&Tok::LParen)
                    && !matches!(
                        n.as_str(),
                        "node" | "text" | "comment" | "processing-instruction"
                    )
            }
            _ => false,
        }
    }

    fn path_expr(&mut self) -> Result<Expr, XPathError> {
        if self.starts_filter() {
            let primary = self.primary()?;
            let predicates = self.predicates()?;
            let mut steps = Vec::new();
            if matches!(self.peek(), Some(Tok::Slash | Tok::DoubleSlash)) {
                self.relative_after_separator(&mut steps)?;
            }
            if predicates.is_empty() && steps.is_empty() {
                return Ok(primary);
            }
            return Ok(Expr::Filter {
                primary: Box::new(primary),
                predicates,
                steps,
            });
        }
        let mut steps = Vec::new();
        let absolute = matches!(self.peek(), Some(Tok::Slash | Tok::DoubleSlash));
        if self.eat(&Tok::Slash) {
            if self.starts_step() {
                self.relative(&mut steps)?;
            }
        } else if self.eat(&Tok::DoubleSlash) {
            steps.push(descendant_or_self());
            self.relative(&mut steps)?;
        } else {
            self.relative(&mut steps)?;
        }
        Ok(Expr::Path { absolute, steps })
    }

    fn starts_step(&self) -> bool {
        matches!(
            self.peek(),
            Some(Tok::Dot | Tok::DotDot | Tok::At | Tok::Star | Tok::Name(_))
        )
    }

    fn relative(&mut self, steps: &mut Vec<Step>) -> Result<(), XPathError> {
        steps.push(self.step()?);
        self.relative_after_separator(steps)
    }

    fn relative_after_separator(&mut self, steps: &mut Vec<Step>) -> Result<(), XPathError> {
        loop {
            if self.eat(&Tok::Slash) {
                steps.push(self.step()?);
            } else if self.eat(&Tok::DoubleSlash) {
                steps.push(descendant_or_self());
                steps.push(self.step()?);
            } else {
                return Ok(());
            }
        }
    }

    fn step(&mut self) -> Result<Step, XPathError> {
        // `.` and `..` take no predicates in XPath 1.0 (`.[@key='A']` is invalid: XDT-FACTS l11).
        if self.eat(&Tok::Dot) {
            return Ok(Step {
                axis: Axis::SelfAxis,
                test: Test::Node,
                predicates: Vec::new(),
            });
        }
        if self.eat(&Tok::DotDot) {
            return Ok(Step {
                axis: Axis::Parent,
                test: Test::Node,
                predicates: Vec::new(),
            });
        }
        let axis = if self.eat(&Tok::At) {
            Axis::Attribute
        } else if let (Some(Tok::Name(n)), Some(Tok::ColonColon)) = (self.peek(), self.peek_at(1)) {
            let axis = match n.as_str() {
                "child" => Axis::Child,
                "attribute" => Axis::Attribute,
                "self" => Axis::SelfAxis,
                "parent" => Axis::Parent,
                "descendant" => Axis::Descendant,
                "descendant-or-self" => Axis::DescendantOrSelf,
                "ancestor" => Axis::Ancestor,
                "ancestor-or-self" => Axis::AncestorOrSelf,
                "following-sibling" => Axis::FollowingSibling,
                "preceding-sibling" => Axis::PrecedingSibling,
                "following" | "preceding" | "namespace" => {
                    return Err(XPathError::Unsupported(format!("the {n} axis")))
                }
                _ => return Err(self.invalid()),
            };
            self.pos += 2;
            axis
        } else {
            Axis::Child
        };
        let test = self.node_test()?;
        let predicates = self.predicates()?;
        Ok(Step {
            axis,
            test,
            predicates,
        })
    }

    fn node_test(&mut self) -> Result<Test, XPathError> {
        match self.peek().cloned() {
            Some(Tok::Star) => {
                self.pos += 1;
                Ok(Test::Any { uri: None })
            }
            Some(Tok::Name(n)) if self.peek_at(1) == Some(&Tok::LParen) => {
                self.pos += 2;
                let test = match n.as_str() {
                    "node" => Test::Node,
                    "text" => Test::Text,
                    "comment" => Test::Comment,
                    "processing-instruction" => match self.peek().cloned() {
                        Some(Tok::Literal(l)) => {
                            self.pos += 1;
                            Test::Pi(Some(l))
                        }
                        _ => Test::Pi(None),
                    },
                    _ => return Err(self.invalid()),
                };
                self.expect(&Tok::RParen)?;
                Ok(test)
            }
            Some(Tok::Name(n)) => {
                self.pos += 1;
                match n.split_once(':') {
                    None => Ok(Test::Name {
                        uri: String::new(),
                        local: n,
                    }),
                    Some((prefix, "*")) => Ok(Test::Any {
                        uri: Some(self.resolve(prefix)?),
                    }),
                    Some((prefix, local)) => Ok(Test::Name {
                        uri: self.resolve(prefix)?,
                        local: local.to_string(),
                    }),
                }
            }
            // .NET's words when a step is expected and an operator or literal stands there.
            _ => Err(XPathError::Invalid(
                "Expression must evaluate to a node-set.".into(),
            )),
        }
    }

    fn resolve(&self, prefix: &str) -> Result<String, XPathError> {
        let Some(ns) = self.ns else {
            return Err(XPathError::Invalid(
                "Namespace Manager or XsltContext needed. This query has a prefix, variable, or user-defined function.".into(),
            ));
        };
        if prefix == "xml" {
            return Ok("http://www.w3.org/XML/1998/namespace".into());
        }
        ns.uri(prefix).map(str::to_string).ok_or_else(|| {
            XPathError::Invalid(format!("Namespace prefix '{prefix}' is not defined."))
        })
    }

    fn predicates(&mut self) -> Result<Vec<Expr>, XPathError> {
        let mut out = Vec::new();
        while self.eat(&Tok::LBracket) {
            out.push(self.expr()?);
            self.expect(&Tok::RBracket)?;
        }
        Ok(out)
    }

    fn primary(&mut self) -> Result<Expr, XPathError> {
        match self.peek().cloned() {
            Some(Tok::Literal(l)) => {
                self.pos += 1;
                Ok(Expr::Literal(l))
            }
            Some(Tok::Number(n)) => {
                self.pos += 1;
                Ok(Expr::Number(n))
            }
            Some(Tok::Variable(v)) => Err(XPathError::Unsupported(format!(
                "the variable reference ${v}"
            ))),
            Some(Tok::LParen) => {
                self.pos += 1;
                let e = self.expr()?;
                self.expect(&Tok::RParen)?;
                Ok(e)
            }
            Some(Tok::Name(n)) => {
                self.pos += 2; // the name and `(`
                let mut args = Vec::new();
                if !self.eat(&Tok::RParen) {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(&Tok::RParen) {
                            break;
                        }
                        self.expect(&Tok::Comma)?;
                    }
                }
                if n == "id" || n == "lang" {
                    return Err(XPathError::Unsupported(format!("the function {n}()")));
                }
                if n.contains(':') {
                    return Err(XPathError::Invalid(
                        "Namespace Manager or XsltContext needed. This query has a prefix, variable, or user-defined function.".into(),
                    ));
                }
                let Some(&(name, min, max)) = FUNCTIONS.iter().find(|f| f.0 == n) else {
                    return Err(XPathError::Invalid(format!(
                        "'{n}()' is an unknown XSLT function."
                    )));
                };
                if args.len() < min || args.len() > max {
                    return Err(XPathError::Invalid(format!(
                        "Function '{n}()' in '{}' has an invalid number of arguments.",
                        self.src
                    )));
                }
                Ok(Expr::Call(name, args))
            }
            _ => Err(self.invalid()),
        }
    }
}

fn descendant_or_self() -> Step {
    Step {
        axis: Axis::DescendantOrSelf,
        test: Test::Node,
        predicates: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns() -> Namespaces {
        Namespaces {
            bindings: vec![("_defaultNamespace".into(), "urn:asm".into())],
        }
    }

    #[test]
    fn paths_and_predicates_parse() {
        for ok in [
            "/configuration/appSettings/add[@key='A' and @value!=\"x\"]",
            "/configuration/*[1]",
            "//add[starts-with(@key, 'B')][2]",
            "self::node()[@key='A']",
            "/configuration/runtime/_defaultNamespace:assemblyBinding",
            "(//add)[last()-1]/@key | //remove",
            "add[position() mod 2 = 1]",
            "../..",
        ] {
            parse(ok, Some(&ns())).unwrap_or_else(|e| panic!("{ok}: {e:?}"));
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let inv = |s: &str| match parse(s, Some(&ns())) {
            Err(XPathError::Invalid(m)) => m,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(
            inv("/configuration/appSettings/add/.[@key='A']"),
            "'/configuration/appSettings/add/.[@key='A']' has an invalid token."
        );
        assert_eq!(
            inv("/a/add[@key='it's']"),
            "'/a/add[@key='it's']' has an invalid token."
        );
        assert_eq!(inv("x:a"), "Namespace prefix 'x' is not defined.");
        assert!(inv("foo(1)").contains("unknown XSLT function"));
        assert!(matches!(parse("p:a", None), Err(XPathError::Invalid(_))));
        let uns = |s: &str| match parse(s, Some(&ns())) {
            Err(XPathError::Unsupported(m)) => m,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(uns("following::a"), "the following axis");
        assert_eq!(uns("a[@k=$v]"), "the variable reference $v");
        assert_eq!(uns("id('x')"), "the function id()");
    }
}
