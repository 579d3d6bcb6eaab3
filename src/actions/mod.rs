//! Rule actions: what each kind of rule does, one module per action behind one small interface.
//!
//! Owns the [`RuleAction`] interface, the registry that maps a rules file's `action = "..."` to its
//! module, and the actions themselves. An action only plans: it reads the documents in its
//! [`Context`] and records splices, changes, decisions and diagnostics there. It never reads or writes
//! a file, never applies its own edits and never renders anything.
//!
//! Adding an action is one new file here (a type implementing [`RuleAction`] and a [`Kind`] const)
//! plus one line in [`KINDS`].

use std::fmt;

use serde::de::DeserializeOwned;

use crate::migration::Options;
use crate::remap::Rename;

mod app_settings;
mod carry;
mod carry_attribute;
pub mod context;
mod remap_vdir;
mod review;
mod settings;
mod three_way;

pub use context::{Context, Externals, Known, Side};

/// Every action a rules file can name. Adding an action: one file, one line here.
pub const KINDS: &[Kind] = &[
    app_settings::KIND,
    settings::KIND,
    carry_attribute::KIND,
    remap_vdir::KIND,
    three_way::KIND,
];

/// Actions that run after every rule of any rule set: they need no parameters and no rule code.
pub const FINALLY: &[&dyn RuleAction] = &[&review::Review];

/// One kind of action: the name a rules file gives it and how it reads its parameters.
pub struct Kind {
    pub name: &'static str,
    /// Reads the rule's parameters (every key of its `[[rule]]` table but code, name, summary and
    /// action); the error says what is wrong, for a diagnostic pointing at the rule.
    pub build: fn(toml::Table) -> Result<Box<dyn RuleAction>, String>,
}

/// The interface every action implements.
pub trait RuleAction: fmt::Debug + Send + Sync {
    /// What this action takes charge of, so that the others leave it alone (nothing by default).
    /// Called once per run, before any action plans.
    fn claim(&self, _claims: &mut Claims, _rule: &RuleInfo, _opts: &Options) {}

    /// Plans this action's edits of NEW, with their changes, decisions and diagnostics.
    fn plan(&self, cx: &mut Context<'_>);
}

/// The rule an action runs for: its stable code and name, as changes and decisions record them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleInfo {
    pub code: String,
    pub name: String,
}

/// What the actions of one run have taken charge of.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    /// Sections migrated value by value, by element name at a scope's top level (`appSettings`).
    pub sections: Vec<String>,
    /// Section groups whose sections are migrated value by value (`applicationSettings`, ...).
    pub groups: Vec<String>,
    /// (element path, attribute) pairs carried as a whole (the portal theme).
    pub attributes: Vec<(String, String)>,
    /// Virtual-directory renames applied to every value a copy action carries, with their rule.
    pub renames: Vec<(RuleInfo, Rename)>,
    /// With BASE, a 3-way action decides everything the others do not own.
    pub three_way: bool,
}

impl Claims {
    /// Asks every action of a rule set what it takes charge of.
    pub fn of<'r>(
        actions: impl IntoIterator<Item = (RuleInfo, &'r dyn RuleAction)>,
        opts: &Options,
    ) -> Claims {
        let mut claims = Claims::default();
        for (rule, action) in actions {
            action.claim(&mut claims, &rule, opts);
        }
        claims
    }

    /// True when `name`, a section at a scope's top level, is migrated value by value.
    pub fn owns_section(&self, name: &str) -> bool {
        self.sections.iter().chain(&self.groups).any(|s| s == name)
    }
}

/// Builds the action a rules file names, or says why not.
pub fn build(name: &str, params: toml::Table) -> Result<Box<dyn RuleAction>, String> {
    match KINDS.iter().find(|k| k.name == name) {
        Some(kind) => (kind.build)(params),
        None => {
            let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
            Err(format!(
                "unknown action `{name}` (expected one of: {})",
                names.join(", ")
            ))
        }
    }
}

/// Reads an action's parameters into its own type: unknown keys and missing ones are errors that
/// name the action.
pub(crate) fn params<T: DeserializeOwned>(action: &str, table: toml::Table) -> Result<T, String> {
    table
        .try_into::<T>()
        .map_err(|e| format!("action `{action}`: {}", e.message().trim()))
}
