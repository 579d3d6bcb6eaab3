//! Rules: the migration's decisions, kept as data in `rules/*.toml`.
//!
//! Owns the rules file format, its validation (with spans for errors) and the default set embedded at
//! build time. Each rule's parameters are read by its action ([`crate::actions`]); this module does not
//! apply rules: the pipeline in `merge` asks each action to plan.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use crate::actions::{Claims, Known, RuleAction, RuleInfo};
use crate::diag::{Code, Diagnostic, FileId};
use crate::migration::Options;

pub use crate::config::Identity;
pub use crate::secrets::Secrets;

/// The default rule set, embedded at build time.
pub const DEFAULT_RULES: &str = include_str!("../rules/phonefactor-to-mfa.toml");

/// Name shown for the embedded rule set.
pub const DEFAULT_RULES_NAME: &str = "rules/phonefactor-to-mfa.toml (built in)";

/// The rule set of `wcmigrate merge-driver`: a plain 3-way merge, nothing product-specific.
pub const GIT_MERGE_RULES: &str = include_str!("../rules/git-merge.toml");

/// Name shown for [`GIT_MERGE_RULES`].
pub const GIT_MERGE_RULES_NAME: &str = "rules/git-merge.toml (built in)";

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
struct RawRule {
    code: String,
    name: String,
    summary: String,
    action: String,
    /// Everything else: the action's own parameters, which it reads and checks itself.
    #[serde(flatten)]
    params: toml::Table,
}

/// One rule of a rule set.
#[derive(Debug, Clone)]
pub struct Rule {
    pub code: String,
    pub name: String,
    pub summary: String,
    /// The action's name as the file gives it (`copy-app-settings`, `three-way`, ...).
    pub action_name: String,
    pub action: Arc<dyn RuleAction>,
}

impl Rule {
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            code: self.code.clone(),
            name: self.name.clone(),
        }
    }
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

    /// The embedded rule set of the git merge driver ([`GIT_MERGE_RULES`]).
    pub fn git_merge() -> Rules {
        Rules::parse(GIT_MERGE_RULES, FileId(usize::MAX)).expect("the embedded rules are valid")
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
            let action = crate::actions::build(&r.action, r.params).map_err(bad)?;
            rules.push(Rule {
                code: r.code,
                name: r.name,
                summary: r.summary,
                action_name: r.action,
                action: Arc::from(action),
            });
        }
        Ok(Rules {
            name: raw.name,
            description: raw.description,
            rules,
            secrets: raw.secrets.normalized(),
            known: raw.known,
            identity: raw.identity,
        })
    }

    /// Every rule's action, in the file's order, with the rule it runs for.
    pub fn actions(&self) -> impl Iterator<Item = (RuleInfo, &dyn RuleAction)> + '_ {
        self.rules.iter().map(|r| (r.info(), r.action.as_ref()))
    }

    /// What the rules' actions take charge of under these options (renames with their overrides,
    /// owned sections and attributes).
    pub fn claims(&self, opts: &Options) -> Claims {
        Claims::of(self.actions(), opts)
    }

    /// True when `name` (a key or setting name) suggests its value is a secret.
    pub fn is_secret_name(&self, name: &str) -> bool {
        self.secrets.is_secret_name(name)
    }

    /// True when an attribute holds a secret wherever it appears.
    pub fn is_secret_attribute(&self, name: &str) -> bool {
        self.secrets.is_secret_attribute(name)
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

    /// The merge driver's rules match elements as the built-in set does: one [identity] table.
    #[test]
    fn git_merge_rules_load_and_share_the_identity_table() {
        let (git, builtin) = (Rules::git_merge(), Rules::builtin());
        let actions: Vec<&str> = git.rules.iter().map(|r| r.action_name.as_str()).collect();
        assert_eq!(
            actions,
            [
                "copy-app-settings",
                "copy-application-settings",
                "three-way"
            ]
        );
        assert_eq!(git.identity.attributes, builtin.identity.attributes);
        assert_eq!(git.identity.elements, builtin.identity.elements);
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
        let opts = Options {
            vdirs: o,
            ..Options::default()
        };
        let renames = r.claims(&opts).renames;
        assert!(renames.iter().any(|(rule, n)| rule.code == "R104"
            && n.from == "PhoneFactorWebServiceSdk"
            && n.to == "MfaSdk"));
        assert!(renames
            .iter()
            .any(|(_, n)| n.from == "PhoneFactor" && n.to == "MultiFactorAuth"));
    }
}
