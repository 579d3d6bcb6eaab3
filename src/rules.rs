//! Rules: the migration's decisions, kept as data in `rules/*.toml`.
//!
//! Owns the rules file format, its validation (with spans for errors) and the default set embedded at
//! build time. It does not apply rules: `merge` does.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::{Code, Diagnostic, FileId};
use crate::merge::Prefer;
use crate::remap::Rename;

/// The default rule set, embedded at build time.
pub const DEFAULT_RULES: &str = include_str!("../rules/phonefactor-to-mfa.toml");

/// Name shown for the embedded rule set.
pub const DEFAULT_RULES_NAME: &str = "rules/phonefactor-to-mfa.toml (built in)";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    rule: Vec<toml::Spanned<RawRule>>,
    #[serde(default)]
    secrets: Secrets,
    #[serde(default)]
    known: Known,
    #[serde(default)]
    identity: Identity,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    code: String,
    name: String,
    summary: String,
    action: String,
    groups: Option<Vec<String>>,
    element: Option<String>,
    attribute: Option<String>,
    unless: Option<Vec<String>>,
    reminder: Option<String>,
    from: Option<String>,
    to: Option<String>,
    option: Option<String>,
    prefer: Option<BTreeMap<String, Prefer>>,
    #[serde(rename = "remove-comments")]
    remove_comments: Option<bool>,
}

impl RawRule {
    /// The action with its parameters; an error names what is missing or misplaced.
    fn action(&self) -> Result<Action, String> {
        let given: Vec<(&str, bool)> = vec![
            ("groups", self.groups.is_some()),
            ("element", self.element.is_some()),
            ("attribute", self.attribute.is_some()),
            ("unless", self.unless.is_some()),
            ("reminder", self.reminder.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("option", self.option.is_some()),
            ("prefer", self.prefer.is_some()),
            ("remove-comments", self.remove_comments.is_some()),
        ];
        let allowed: &[&str] = match self.action.as_str() {
            "copy-app-settings" => &[],
            "copy-application-settings" => &["groups"],
            "carry-attribute" => &["element", "attribute", "unless", "reminder"],
            "remap-vdir" => &["from", "to", "option"],
            "three-way" => &["prefer", "remove-comments"],
            other => {
                return Err(format!(
                    "unknown action `{other}` (expected copy-app-settings, copy-application-settings, carry-attribute, remap-vdir or three-way)"
                ))
            }
        };
        if let Some((k, _)) = given.iter().find(|(k, set)| *set && !allowed.contains(k)) {
            return Err(format!("`{k}` does not belong to action `{}`", self.action));
        }
        let need = |v: &Option<String>, k: &str| {
            v.clone()
                .ok_or(format!("action `{}` needs `{k}`", self.action))
        };
        Ok(match self.action.as_str() {
            "copy-app-settings" => Action::CopyAppSettings,
            "copy-application-settings" => Action::CopyApplicationSettings {
                groups: self
                    .groups
                    .clone()
                    .unwrap_or_else(|| vec!["applicationSettings".into(), "userSettings".into()]),
            },
            "carry-attribute" => Action::CarryAttribute {
                element: need(&self.element, "element")?,
                attribute: need(&self.attribute, "attribute")?,
                unless: self.unless.clone().unwrap_or_default(),
                reminder: self.reminder.clone(),
            },
            "three-way" => Action::ThreeWay {
                prefer: self.prefer.clone().unwrap_or_default(),
                remove_comments: self.remove_comments.unwrap_or(false),
            },
            _ => Action::RemapVdir {
                from: need(&self.from, "from")?,
                to: need(&self.to, "to")?,
                option: need(&self.option, "option")?,
            },
        })
    }
}

/// What a rule does, with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Copy appSettings values from OLD into NEW.
    CopyAppSettings,
    /// Copy the settings of every section of these section groups.
    CopyApplicationSettings { groups: Vec<String> },
    /// Carry one attribute of one element (path of element names from the root) from OLD into NEW.
    CarryAttribute {
        element: String,
        attribute: String,
        unless: Vec<String>,
        reminder: Option<String>,
    },
    /// Rename a virtual directory inside URL values; `option` names the command-line override.
    RemapVdir {
        from: String,
        to: String,
        option: String,
    },
    /// With BASE: carry every change the admin made to BASE into NEW, outside the sections other
    /// rules own. `prefer` chooses the winner of a conflict per section (element path from the root);
    /// `remove_comments` also removes a comment standing on the lines just above a removed element.
    ThreeWay {
        prefer: BTreeMap<String, Prefer>,
        remove_comments: bool,
    },
}

/// How elements are told apart among their siblings, as .NET's configuration collections key them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Attributes that identify an element, in order of preference: the first one present is used.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// Per element path (names from the root or a `<location>`, `/`-separated, matched as a suffix):
    /// the parts of its identity. `child@attr` names an attribute of a child element.
    #[serde(default)]
    pub elements: BTreeMap<String, Vec<String>>,
}

/// One rule of a rule set.
#[derive(Debug, Clone)]
pub struct Rule {
    pub code: String,
    pub name: String,
    pub summary: String,
    pub action: Action,
}

/// What counts as a secret.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub attributes: Vec<String>,
}

/// Known names, for near-miss diagnostics.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Known {
    #[serde(default)]
    pub app_settings: Vec<String>,
    #[serde(default)]
    pub settings: Vec<String>,
}

/// A validated rule set.
#[derive(Debug, Clone)]
pub struct Rules {
    pub name: String,
    pub description: String,
    pub rules: Vec<Rule>,
    pub secrets: Secrets,
    pub known: Known,
    pub identity: Identity,
}

impl Rules {
    /// The embedded default rule set.
    pub fn builtin() -> Rules {
        Rules::parse(DEFAULT_RULES, FileId(usize::MAX)).expect("the embedded rules are valid")
    }

    /// Parses and validates a rules file; errors point into it.
    pub fn parse(text: &str, file: FileId) -> Result<Rules, Diagnostic> {
        let raw: RawRules = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            Diagnostic::new(Code::InvalidRules, format!("invalid rules file: {}", e.message().trim()))
                .with_label(file, span, "here")
                .with_help("see rules/phonefactor-to-mfa.toml for the format, and `wcmigrate rules` for the codes")
        })?;
        let mut rules = Vec::new();
        let mut seen: BTreeMap<String, ()> = BTreeMap::new();
        for spanned in raw.rule {
            let span = spanned.span();
            let r = spanned.into_inner();
            let bad = |msg: String| {
                Diagnostic::new(Code::InvalidRules, msg)
                    .with_label(file, span.clone(), "in this rule")
                    .with_help("rule codes are R followed by three digits and unique; names are unique kebab-case")
            };
            if !(r.code.len() == 4
                && r.code.starts_with('R')
                && r.code[1..].bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(bad(format!(
                    "rule code `{}` is not of the form R123",
                    r.code
                )));
            }
            if seen.insert(r.code.clone(), ()).is_some()
                || seen.insert(format!("name:{}", r.name), ()).is_some()
            {
                return Err(bad(format!(
                    "rule `{}` ({}) is defined twice",
                    r.name, r.code
                )));
            }
            let action = r.action().map_err(bad)?;
            if let Action::RemapVdir { from, to, .. } = &action {
                if from.is_empty()
                    || to.is_empty()
                    || from.contains(['/', '\\'])
                    || to.contains(['/', '\\'])
                {
                    return Err(bad(
                        "remap-vdir needs one path segment in `from` and `to`".into()
                    ));
                }
            }
            rules.push(Rule {
                code: r.code,
                name: r.name,
                summary: r.summary,
                action,
            });
        }
        Ok(Rules {
            name: raw.name,
            description: raw.description,
            rules,
            secrets: Secrets {
                names: raw
                    .secrets
                    .names
                    .iter()
                    .map(|n| n.to_ascii_lowercase())
                    .collect(),
                attributes: raw.secrets.attributes,
            },
            known: raw.known,
            identity: raw.identity,
        })
    }

    /// The renames of every remap-vdir rule, with command-line overrides applied (keyed by `option`).
    pub fn renames(&self, overrides: &BTreeMap<String, String>) -> Vec<(usize, Rename)> {
        self.rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match &r.action {
                Action::RemapVdir { from, to, option } => {
                    let to = overrides.get(option).cloned().unwrap_or_else(|| to.clone());
                    Some((
                        i,
                        Rename {
                            from: from.clone(),
                            to,
                        },
                    ))
                }
                _ => None,
            })
            .collect()
    }

    /// The (element path, attribute) pairs that carry-attribute rules own, which other passes skip.
    pub fn carried_attributes(&self) -> Vec<(String, String)> {
        self.rules
            .iter()
            .filter_map(|r| match &r.action {
                Action::CarryAttribute {
                    element, attribute, ..
                } => Some((element.clone(), attribute.clone())),
                _ => None,
            })
            .collect()
    }

    /// True when `name` (a key or setting name) suggests its value is a secret.
    pub fn is_secret_name(&self, name: &str) -> bool {
        // Patterns are lowercased when the rules are parsed. Names are short, so a plain scan that
        // checks the first byte before comparing beats a general substring search here.
        let lower = name.to_ascii_lowercase();
        let hay = lower.as_bytes();
        self.secrets.names.iter().map(String::as_bytes).any(|p| {
            !p.is_empty()
                && hay.len() >= p.len()
                && hay.windows(p.len()).any(|w| w[0] == p[0] && w == p)
        })
    }

    /// True when an attribute holds a secret wherever it appears.
    pub fn is_secret_attribute(&self, name: &str) -> bool {
        self.secrets
            .attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let r = Rules::builtin();
        assert_eq!(r.rules.len(), 7);
        assert!(r.is_secret_name("WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD"));
        assert!(!r.is_secret_name("USE_WEB_SERVICE_SDK"));
    }

    #[test]
    fn errors_carry_spans() {
        let text = "name = \"x\"\n[[rule]]\ncode = \"R1\"\nname = \"a\"\nsummary = \"s\"\naction = \"copy-app-settings\"\n";
        let e = Rules::parse(text, FileId(0)).unwrap_err();
        assert_eq!(e.code, Code::InvalidRules);
        assert!(e.labels[0].span.start >= text.find("[[rule]]").unwrap());
        let text = "name = \"x\"\n[[rule]]\ncode = \"R101\"\nname = \"a\"\nsummary = \"s\"\naction = \"fly\"\n";
        let e = Rules::parse(text, FileId(0)).unwrap_err();
        assert!(
            e.message.contains("fly") || e.message.contains("variant"),
            "{}",
            e.message
        );
        let e = Rules::parse("name = ", FileId(0)).unwrap_err();
        assert_eq!(e.labels[0].file, FileId(0));
    }

    #[test]
    fn overrides_replace_targets() {
        let r = Rules::builtin();
        let mut o = BTreeMap::new();
        o.insert("sdk-vdir".to_string(), "MfaSdk".to_string());
        let renames = r.renames(&o);
        assert!(renames
            .iter()
            .any(|(_, n)| n.from == "PhoneFactorWebServiceSdk" && n.to == "MfaSdk"));
        assert!(renames
            .iter()
            .any(|(_, n)| n.from == "PhoneFactor" && n.to == "MultiFactorAuth"));
    }
}
