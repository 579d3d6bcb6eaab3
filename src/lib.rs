//! wcmigrate: lossless, rule-driven migration of IIS web.config files across the PhoneFactor Agent to
//! Azure Multi-Factor Authentication Server upgrade.
//!
//! The engine reads OLD (the admin's backup) and NEW (the fresh install), applies a rule set and returns
//! a [`Migration`]: the merged bytes, every change with its rule code, and diagnostics with spans. Writing
//! is splicing: bytes of NEW that no rule changes come out identical.
//!
//! ```
//! use wcmigrate::{migrate, Input, Options, Rules};
//! let old = Input::from_bytes("old.config", r#"<configuration><appSettings><add key="A" value="1"/></appSettings></configuration>"#);
//! let new = Input::from_bytes("new.config", "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"\" />\n  </appSettings>\n</configuration>\n");
//! let m = migrate(&old, &new, &Rules::builtin(), &Options::default()).unwrap();
//! assert!(m.merged_text.contains(r#"<add key="A" value="1" />"#));
//! ```

pub mod actions;
pub mod batch;
pub mod config;
pub mod diag;
pub mod diff;
pub mod doc;
pub mod edit;
pub mod merge;
pub mod migration;
pub mod output;
pub mod remap;
pub mod report;
pub mod rules;
pub mod secrets;
pub mod text;
pub mod wellformed;
#[cfg(windows)]
pub mod winfs;
pub mod winpath;
pub mod xdt;

pub use merge::{migrate, migrate3, Change, Failure, Input, Migration, Options, Prefer};
pub use rules::Rules;
