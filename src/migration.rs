//! The engine's vocabulary as data: what goes in (inputs, options) and what comes out (the migration,
//! its changes and 3-way decisions, or the failure that stopped it).
//!
//! Owns these types and nothing else: it decides nothing, reads and writes no file and renders nothing.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use serde::Serialize;

use crate::diag::{Diagnostic, FileId, Label, Sources};
use crate::text::FileEncoding;

#[derive(Debug, Clone)]
pub struct Input {
    /// The name shown in diagnostics and diff headers (usually the path as given).
    pub name: String,
    pub bytes: Vec<u8>,
    /// The folder relative paths in the file (`file=`, `configSource=`) resolve against; `None` when
    /// the input did not come from disk.
    pub dir: Option<PathBuf>,
}

impl Input {
    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Input {
        Input {
            name: name.into(),
            bytes: bytes.into(),
            dir: None,
        }
    }

    /// This input with the folder its relative paths resolve against.
    pub fn with_dir(mut self, dir: Option<PathBuf>) -> Input {
        self.dir = dir;
        self
    }
}

/// Choices of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Virtual directory names given on the command line, keyed by a remap rule's `option`.
    pub vdirs: BTreeMap<String, String>,
    /// Show secret values in messages (never needed for the written file, which always has them).
    pub show_secrets: bool,
    /// In a 3-way merge, which side wins a conflict (a rule file may choose per section).
    pub prefer: Prefer,
    /// The largest file a section may point to (`file=`, `configSource=`), as `--max-size` for inputs.
    pub max_size: u64,
}

/// The default `--max-size`: far above any real web.config, low enough to refuse a wrong file early.
pub const DEFAULT_MAX_SIZE: u64 = 64 * 1024 * 1024;

impl Default for Options {
    fn default() -> Options {
        Options {
            vdirs: BTreeMap::new(),
            show_secrets: false,
            prefer: Prefer::default(),
            max_size: DEFAULT_MAX_SIZE,
        }
    }
}

/// The side that wins a 3-way conflict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Prefer {
    Old,
    #[default]
    New,
}

/// What kind of edit a change made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Replaced,
    Inserted,
    /// An element or attribute taken out (XDT's Remove, RemoveAll, RemoveAttributes, CommentOut).
    Removed,
}

/// One decision that changed NEW.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub rule: String,
    pub rule_name: String,
    pub kind: ChangeKind,
    /// Where, as a readable path, e.g. `appSettings/add[@key='SSL_REQUIRED']/@value`.
    pub path: String,
    /// Line and column in NEW.
    pub line: usize,
    pub column: usize,
    #[serde(skip)]
    pub span: Range<usize>,
    pub before: Option<String>,
    pub after: String,
    /// True when the value is a secret (by its name): renderers mask it.
    pub secret: bool,
    /// With BASE: whether the admin had changed this value (BASE != OLD) or it was the old default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// Where a carried value came from, in a 3-way merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// BASE differs from OLD: the admin set it.
    Admin,
    /// BASE equals OLD: the old version's default.
    Default,
}

/// What a 3-way decision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionKind {
    /// OLD's change to BASE was applied to NEW.
    Carried,
    /// NEW's version stands (OLD and NEW made the same change, or NEW won a conflict).
    KeptNew,
    /// OLD and NEW changed the same thing differently; `chosen` says who won.
    Conflict,
}

/// One 3-way decision, with spans in BASE, OLD and NEW where the thing exists.
#[derive(Debug, Clone)]
pub struct Decision {
    pub kind: DecisionKind,
    pub rule: String,
    pub path: String,
    pub message: String,
    pub chosen: Option<Prefer>,
    pub labels: Vec<Label>,
}

/// The result of migrating one pair.
#[derive(Debug)]
pub struct Migration {
    pub sources: Sources,
    pub old: FileId,
    pub new: FileId,
    pub base: Option<FileId>,
    pub new_encoding: FileEncoding,
    /// NEW as decoded text, and the merged text.
    pub new_text: std::sync::Arc<str>,
    pub merged_text: String,
    /// Where NEW was spliced, in order (ranges in `new_text` and in `merged_text`); outside them the
    /// two texts are equal. `None` when the result was not made by one splice of NEW (XDT applies
    /// its transforms one after another): renderers then compare the whole texts.
    pub landed: Option<Vec<crate::edit::Landed>>,
    /// The merged file's bytes, in NEW's encoding.
    pub output: Vec<u8>,
    pub changes: Vec<Change>,
    /// 3-way decisions (empty without BASE).
    pub decisions: Vec<Decision>,
    pub diagnostics: Vec<Diagnostic>,
    /// Secret ranges in `new_text` and `merged_text`.
    pub new_secrets: Vec<Range<usize>>,
    pub merged_secrets: Vec<Range<usize>>,
}

impl Migration {
    pub fn changed(&self) -> bool {
        *self.merged_text != *self.new_text
    }
}

/// Why a migration stopped; nothing should be written.
#[derive(Debug)]
pub struct Failure {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}
