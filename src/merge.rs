//! Merge: applies a rule set to one OLD/NEW pair and returns the migration.
//!
//! Owns the decisions (what is copied, inserted, remapped, reported) and turns each into splices of NEW's
//! text. It reads files only for sections OLD keeps outside itself (`file=`, `configSource=`), never
//! writes any, and never renders output: the diff, report and diagnostics renderers consume [`Migration`].

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use roxmltree::{Document, Node, NodeId};

mod threeway;
use serde::Serialize;

use crate::config::{
    check_root, child_path, fold_key, group_declaration, is_encrypted, leaf_text, read_setting,
    scopes, section_declaration, settings_sections, AppSettings, Scope, SerializeAs, Setting,
    SettingsSection, Siblings,
};
use crate::diag::{Code, Diagnostic, FileId, Sources};
use crate::doc::{
    after_attributes, attr, block, child, content_range, elements, first_child_slot, indent_unit,
    is_self_closing, last_child_slot, parse, quote_of, start_tag_end, Slot,
};
use crate::edit::{escape_attr, escape_text, with_eol, Edits};
use crate::remap::{raw_segments, remap, remap_segments, validated, Rename};
use crate::rules::{Action, Rules};
use crate::secrets::{secret_spans, shown};
use crate::text::{decode, encode, FileEncoding};

/// One input file.
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
    pub labels: Vec<crate::diag::Label>,
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
    pub new_text: String,
    pub merged_text: String,
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
        self.merged_text != self.new_text
    }
}

/// Why a migration stopped; nothing should be written.
#[derive(Debug)]
pub struct Failure {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

/// A file an OLD section points to, read and decoded.
struct External {
    /// The OLD element that points to it.
    owner: NodeId,
    /// `file` or `configSource`.
    attribute: &'static str,
    id: FileId,
    text: String,
}

/// Migrates one pair with `rules`.
pub fn migrate(
    old: &Input,
    new: &Input,
    rules: &Rules,
    opts: &Options,
) -> Result<Migration, Failure> {
    run(None, old, new, rules, opts)
}

/// Migrates one pair with the pristine old default BASE: besides the 2-way rules, every change the
/// admin made to BASE elsewhere in the file is carried into NEW (rule action `three-way`).
pub fn migrate3(
    base: &Input,
    old: &Input,
    new: &Input,
    rules: &Rules,
    opts: &Options,
) -> Result<Migration, Failure> {
    run(Some(base), old, new, rules, opts)
}

/// [`migrate3`] when BASE is given, else [`migrate`].
pub fn run(
    base: Option<&Input>,
    old: &Input,
    new: &Input,
    rules: &Rules,
    opts: &Options,
) -> Result<Migration, Failure> {
    let mut sources = Sources::default();
    let mut diags = Vec::new();
    macro_rules! fail {
        ($d:expr) => {{
            diags.push($d);
            return Err(Failure {
                sources,
                diagnostics: diags,
            });
        }};
    }
    let (old_id, old_dec) = match load(old, &mut sources) {
        Ok(x) => x,
        Err(d) => fail!(d),
    };
    let (new_id, new_dec) = match load(new, &mut sources) {
        Ok(x) => x,
        Err(d) => fail!(d),
    };
    let old_text = old_dec.text.as_str();
    let new_text = new_dec.text.as_str();
    let old_doc = match parse(old_text, old_id, &old.name) {
        Ok(d) => d,
        Err(d) => fail!(d),
    };
    let new_doc = match parse(new_text, new_id, &new.name) {
        Ok(d) => d,
        Err(d) => fail!(d),
    };
    let base_dec = match base.map(|b| load(b, &mut sources)).transpose() {
        Ok(x) => x,
        Err(d) => fail!(d),
    };
    let base_doc = match (&base_dec, base) {
        (Some((id, dec)), Some(b)) => match parse(&dec.text, *id, &b.name) {
            Ok(d) => Some((*id, d)),
            Err(d) => fail!(d),
        },
        _ => None,
    };
    let mut roots = vec![(&old_doc, old_id, &old.name), (&new_doc, new_id, &new.name)];
    if let (Some((id, doc)), Some(b)) = (&base_doc, base) {
        roots.push((doc, *id, &b.name));
    }
    for (doc, id, name) in roots {
        match check_root(doc, id, name) {
            Ok(note) => diags.extend(note),
            Err(d) => fail!(d),
        }
    }
    let groups: Vec<String> = rules
        .rules
        .iter()
        .find_map(|r| match &r.action {
            Action::CopyApplicationSettings { groups } => Some(groups.clone()),
            _ => None,
        })
        .unwrap_or_default();
    // A 3-way merge may carry any section, so any encrypted one stops it.
    if let Err(d) = check_encryption(&old_doc, old_id, &old.name, &groups, base.is_some()) {
        fail!(d);
    }

    let externals = load_externals(
        &old_doc,
        old_id,
        opts.max_size,
        old,
        &groups,
        &mut sources,
        &mut diags,
    );
    let mut ext_docs = Vec::new();
    for e in &externals {
        match parse(&e.text, e.id, &sources.get(e.id).name.clone()) {
            Ok(d) => ext_docs.push((e, d)),
            Err(d) => fail!(d),
        }
    }

    let renames = rules.renames(&opts.vdirs);
    let mut m = Merger {
        rules,
        opts,
        rename_rules: renames.iter().map(|(rule, _)| *rule).collect(),
        renames: renames.into_iter().map(|(_, r)| r).collect(),
        old_text,
        new_text,
        old_id,
        new_id,
        old_name: &old.name,
        new_name: &new.name,
        unit: indent_unit(new_text, &new_doc),
        edits: Edits::new(),
        inserts: Vec::new(),
        changes: Vec::new(),
        diags,
        kept_noted: Vec::new(),
        base: base_doc.as_ref().map(|(id, d)| (*id, d.input_text())),
        base_values: base_doc
            .as_ref()
            .map(|(id, d)| base_values(d, *id, &groups))
            .unwrap_or_default(),
        decisions: Vec::new(),
        revived: Vec::new(),
        external: ext_docs
            .iter()
            .map(|(e, d)| ((e.owner, e.attribute), (e.id, d.root_element())))
            .collect(),
    };
    for (i, rule) in rules.rules.iter().enumerate() {
        match &rule.action {
            Action::CopyAppSettings => m.copy_app_settings(i, &old_doc, &new_doc),
            Action::CopyApplicationSettings { groups } => {
                m.copy_settings(i, &old_doc, &new_doc, groups)
            }
            Action::CarryAttribute {
                element,
                attribute,
                unless,
                reminder,
            } => m.carry_attribute(
                i,
                &old_doc,
                &new_doc,
                element,
                attribute,
                unless,
                reminder.as_deref(),
            ),
            Action::RemapVdir { .. } => {}
            Action::ThreeWay {
                prefer,
                remove_comments,
            } => {
                if let Some((_, bdoc)) = &base_doc {
                    m.three_way(
                        i,
                        [bdoc, &old_doc, &new_doc],
                        prefer,
                        *remove_comments,
                        &groups,
                    );
                }
            }
        }
    }
    let three_way = rules
        .rules
        .iter()
        .any(|r| matches!(r.action, Action::ThreeWay { .. }));
    if base_doc.is_none() || !three_way {
        m.review(&old_doc, &new_doc, &groups);
    }
    let Merger {
        mut edits,
        inserts,
        mut changes,
        mut diags,
        decisions,
        ..
    } = m;
    for ins in inserts {
        let mut text = String::new();
        for (i, el) in ins.elements.iter().enumerate() {
            if i == 0 {
                text.push_str(&ins.slot.before);
            } else if !ins.slot.before.is_empty() {
                text.push_str(ins.slot.eol);
                text.push_str(&ins.slot.indent);
            }
            text.push_str(el);
        }
        text.push_str(&ins.slot.after);
        edits.replace(ins.slot.range.clone(), text);
    }
    // Two rules editing the same bytes is a bug: refuse to write rather than drop one edit.
    let merged_text = match edits.try_apply(new_text) {
        Ok(t) => t,
        Err(r) => {
            diags.push(
                Diagnostic::new(
                    Code::OutputInvalid,
                    format!(
                        "two edits overlap at bytes {}..{} of NEW; nothing was written",
                        r.start, r.end
                    ),
                )
                .with_label(new_id, r.start..r.end.max(r.start), "edited twice")
                .with_help("please report this with the input files (remove secrets first)"),
            );
            return Err(Failure {
                sources,
                diagnostics: diags,
            });
        }
    };
    let new_secrets = secret_spans(new_text, &new_doc, rules);
    let old_secrets = secret_spans(old_text, &old_doc, rules);
    // The input trees are done with: free them before the output is parsed, to lower the peak.
    let base_id = base_doc.as_ref().map(|(id, _)| *id);
    drop((new_doc, old_doc, base_doc, ext_docs));
    // Check our own output is well-formed before anyone writes it (unchanged text needs no check).
    let merged_secrets = if edits.is_empty() {
        new_secrets.clone()
    } else {
        match parse(&merged_text, new_id, &new.name) {
            Ok(d) => secret_spans(&merged_text, &d, rules),
            Err(e) => {
                diags.push(
                    Diagnostic::new(
                        Code::OutputInvalid,
                        format!(
                            "the merged text is not well-formed ({}); nothing was written",
                            e.message
                        ),
                    )
                    .with_help(
                        "please report this with the two input files (remove secrets first)",
                    ),
                );
                return Err(Failure {
                    sources,
                    diagnostics: diags,
                });
            }
        }
    };
    sources.set_secrets(new_id, new_secrets.clone());
    sources.set_secrets(old_id, old_secrets);
    for c in &mut changes {
        let (line, column) = sources.line_col(new_id, c.span.start);
        c.line = line;
        c.column = column;
    }
    diags.sort_by_key(|d| d.severity());
    let output = encode(&merged_text, new_dec.encoding);
    let new_encoding = new_dec.encoding;
    let new_text = new_dec.text;
    Ok(Migration {
        sources,
        old: old_id,
        new: new_id,
        base: base_id,
        new_encoding,
        new_text,
        merged_text,
        output,
        changes,
        decisions,
        diagnostics: diags,
        new_secrets,
        merged_secrets,
    })
}

fn load(
    input: &Input,
    sources: &mut Sources,
) -> Result<(FileId, crate::text::Decoded), Diagnostic> {
    match decode(&input.bytes) {
        Ok(d) => {
            let id = sources.add(&input.name, d.text.clone());
            Ok((id, d))
        }
        Err(e) => {
            // Show the valid prefix so the label lands on the offending byte.
            let prefix = String::from_utf8_lossy(&input.bytes[..e.offset.min(input.bytes.len())])
                .into_owned();
            let valid_prefix =
                std::str::from_utf8(&input.bytes[..e.offset.min(input.bytes.len())]).is_ok();
            let id = sources.add(&input.name, prefix.clone() + "\u{FFFD}");
            let mut d = Diagnostic::new(
                Code::Encoding,
                format!("{}: {} at byte {}", input.name, e.message, e.offset),
            )
            .with_help(e.help);
            if valid_prefix {
                d = d.with_label(id, prefix.len()..prefix.len() + 3, "here");
            }
            Err(d)
        }
    }
}

fn check_encryption(
    doc: &Document,
    file: FileId,
    name: &str,
    groups: &[String],
    every_section: bool,
) -> Result<(), Diagnostic> {
    for scope in scopes(doc) {
        for sec in elements(scope.node) {
            let n = sec.tag_name().name();
            let candidates: Vec<Node> = if n == "appSettings" {
                vec![sec]
            } else if groups.iter().any(|g| g == n) || every_section {
                std::iter::once(sec).chain(elements(sec)).collect()
            } else {
                continue;
            };
            if let Some(enc) = candidates.into_iter().find(|c| is_encrypted(*c)) {
                let section = enc.tag_name().name();
                return Err(Diagnostic::new(
                    Code::Encrypted,
                    format!("{name}: section <{section}> is encrypted with keys that only the old server has"),
                )
                .with_label(file, enc.range().start..start_tag_end(doc.input_text(), enc), "encrypted section")
                .with_help(format!(
                    "on the old server, decrypt it first: aspnet_regiis -pdf \"{section}\" <site folder>, take a new backup of web.config, then run wcmigrate again"
                )));
            }
        }
    }
    Ok(())
}

/// Resolves a relative `file=`/`configSource=` path against the config's folder. Refuses absolute
/// paths, drive letters, UNC paths and `..` in either separator style: only the folder and below.
fn resolve_relative(dir: Option<&Path>, rel: &str) -> Option<PathBuf> {
    let rel = rel.trim();
    let parts: Vec<&str> = rel.split(['/', '\\']).collect();
    let escapes = rel.starts_with(['/', '\\'])
        || rel.contains(':')
        || parts.contains(&"..")
        || Path::new(rel).is_absolute();
    if escapes {
        return None;
    }
    let mut p = dir?.to_path_buf();
    for part in parts.into_iter().filter(|s| !s.is_empty() && *s != ".") {
        p.push(part);
    }
    Some(p)
}

/// Reads a file a section points to, as carefully as an input: a regular file (a link to one is
/// followed), at most `max_size` bytes, in a supported encoding. The error says why not, for W202.
fn read_external(path: &Path, max_size: u64) -> Result<crate::text::Decoded, String> {
    use std::io::Read;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|_| format!("{shown} is not there"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a regular file"));
    }
    if meta.len() > max_size {
        return Err(format!(
            "{shown} is {} bytes, more than --max-size {max_size}",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(|e| format!("{shown} cannot be read: {e}"))?;
    file.take(max_size + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{shown} cannot be read: {e}"))?;
    if bytes.len() as u64 > max_size {
        return Err(format!(
            "{shown} grew past --max-size {max_size} while being read"
        ));
    }
    decode(&bytes).map_err(|e| format!("{shown} is not readable text: {}", e.message))
}

fn load_externals(
    doc: &Document,
    old_id: FileId,
    max_size: u64,
    input: &Input,
    groups: &[String],
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Vec<External> {
    let text = doc.input_text();
    let mut out = Vec::new();
    for scope in scopes(doc) {
        let mut owners: Vec<Node> = Vec::new();
        for sec in elements(scope.node) {
            let n = sec.tag_name().name();
            if n == "appSettings" {
                owners.push(sec);
            } else if groups.iter().any(|g| g == n) {
                owners.extend(elements(sec));
            }
        }
        for owner in owners {
            for attribute in ["configSource", "file"] {
                if attribute == "file" && owner.tag_name().name() != "appSettings" {
                    continue;
                }
                let Some(a) = attr(text, owner, attribute) else {
                    continue;
                };
                if a.value.trim().is_empty() {
                    continue;
                }
                let section = owner.tag_name().name();
                let label_span = a.value_range.clone();
                let read = match resolve_relative(input.dir.as_deref(), &a.value) {
                    None if input.dir.is_none() => {
                        Err("the input did not come from a folder".to_string())
                    }
                    None => {
                        Err("only a path inside the config's own folder is followed".to_string())
                    }
                    Some(path) => read_external(&path, max_size).map(|d| (path, d)),
                };
                match read {
                    Ok((path, d)) => {
                        let id = sources.add(path.display().to_string(), d.text.clone());
                        diags.push(
                            Diagnostic::new(
                                Code::ExternalRead,
                                format!("{}: <{section}> {attribute}=\"{}\" was read from {}", input.name, a.value, path.display()),
                            )
                            .with_label(old_id, label_span, "resolved here")
                            .with_help("its values are migrated into NEW's section itself; keep or drop the extra file as you like"),
                        );
                        out.push(External {
                            owner: owner.id(),
                            attribute,
                            id,
                            text: d.text,
                        });
                    }
                    Err(why) => {
                        diags.push(
                            Diagnostic::new(
                                Code::ExternalMissing,
                                format!(
                                    "{}: <{section}> keeps {} in `{}`, which could not be read ({why}); those values were NOT migrated",
                                    input.name,
                                    if attribute == "file" { "more values" } else { "its whole content" },
                                    a.value
                                ),
                            )
                            .with_label(old_id, label_span, "points here")
                            .with_help(format!(
                                "copy `{}` from the old site next to the old web.config and run again, or copy it beside the new web.config and add {attribute}=\"{}\" there",
                                a.value, a.value
                            )),
                        );
                    }
                }
            }
        }
    }
    out
}

/// Elements to insert at one slot.
struct Insert {
    parent: NodeId,
    first: bool,
    slot: Slot,
    elements: Vec<String>,
}

struct Merger<'r, 't, 'a, 'i> {
    rules: &'r Rules,
    opts: &'r Options,
    /// The remap-vdir renames, as `remap` takes them, and the rule each one comes from.
    renames: Vec<Rename>,
    rename_rules: Vec<usize>,
    old_text: &'t str,
    new_text: &'t str,
    old_id: FileId,
    new_id: FileId,
    old_name: &'t str,
    new_name: &'t str,
    unit: String,
    edits: Edits,
    inserts: Vec<Insert>,
    changes: Vec<Change>,
    diags: Vec<Diagnostic>,
    kept_noted: Vec<usize>,
    /// BASE's id and text, in a 3-way merge.
    base: Option<(FileId, &'t str)>,
    /// BASE's migrated values by [`value_key`], to tell admin changes from defaults.
    base_values: HashMap<String, String>,
    decisions: Vec<Decision>,
    /// Element paths a carry-attribute rule needs in NEW but NEW lacks (3-way only): the 3-way pass
    /// brings OLD's element back whole instead of keeping NEW's removal.
    revived: Vec<String>,
    external: HashMap<(NodeId, &'static str), (FileId, Node<'a, 'i>)>,
}

/// Where a change lands: a readable path, the span in NEW, and whether the value is a secret.
#[derive(Debug, Clone)]
struct Site {
    path: String,
    span: Range<usize>,
    secret: bool,
    origin: Option<Origin>,
}

/// A value to write: decoded, plus the raw spelling it had in OLD when that can be reused.
struct Carried {
    value: String,
    raw: Option<String>,
    /// Rules (indices) that remapped a virtual directory in it.
    remapped_by: Vec<usize>,
}

/// Decodes the five predefined entities and character references (enough to check a raw spelling).
fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';')? + i;
        let ent = &rest[i + 1..end];
        let c = match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ if ent.starts_with("#x") => char::from_u32(u32::from_str_radix(&ent[2..], 16).ok()?)?,
            _ if ent.starts_with('#') => char::from_u32(ent[1..].parse().ok()?)?,
            _ => return None,
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

impl<'r, 't, 'a, 'i> Merger<'r, 't, 'a, 'i> {
    fn rule_code(&self, i: usize) -> (String, String) {
        let r = &self.rules.rules[i];
        (r.code.clone(), r.name.clone())
    }

    fn shown(&self, value: &str, secret: bool) -> String {
        shown(value, secret, self.opts.show_secrets)
    }

    /// Remaps OLD's value (and its raw spelling, when it can be kept) through every remap-vdir rule.
    fn carry(&mut self, value: &str, raw: Option<&str>, span: (FileId, Range<usize>)) -> Carried {
        let raw = raw
            .filter(|r| r.contains('&') && unescape(r).as_deref() == Some(value))
            .map(str::to_string);
        let plain = Carried {
            value: value.to_string(),
            raw: raw.clone(),
            remapped_by: Vec::new(),
        };
        // Most values are not URLs, and most URLs name no virtual directory we know: only a segment
        // within two letters of a known name is worth the URL parser.
        let Some(segments) = raw_segments(value) else {
            return plain;
        };
        let known = |seg: &Range<usize>| {
            value[seg.clone()].contains('%')
                || self.renames.iter().any(|r| {
                    r.from.len().abs_diff(seg.len()) <= 2 || r.to.len().abs_diff(seg.len()) <= 2
                })
        };
        if !segments.iter().any(known) || !validated(value, &segments) {
            return plain;
        }
        self.near_miss_vdirs(value, &segments, &span);
        self.note_kept_vdirs(value, &segments, &span);
        let renames = &self.renames;
        let carried = match remap_segments(value, &segments, renames) {
            None => plain,
            Some((new_value, hits)) => {
                let mut by: Vec<usize> = hits.iter().map(|h| self.rename_rules[h.rename]).collect();
                by.dedup();
                // The raw spelling differs only after the path (entities in the query), so the same
                // segment offsets apply to it; anything else falls back to remapping it afresh.
                let path_end = segments.last().map_or(0, |s| s.end);
                let raw = raw
                    .and_then(|r| match r.get(..path_end) == value.get(..path_end) {
                        true => remap_segments(&r, &segments, renames),
                        false => remap(&r, renames),
                    })
                    .map(|(r, _)| r)
                    .filter(|r| unescape(r).as_deref() == Some(&new_value));
                Carried {
                    value: new_value,
                    raw,
                    remapped_by: by,
                }
            }
        };
        carried
    }

    fn note_kept_vdirs(
        &mut self,
        value: &str,
        segments: &[Range<usize>],
        span: &(FileId, Range<usize>),
    ) {
        for (rule, r) in self
            .rename_rules
            .clone()
            .into_iter()
            .zip(self.renames.clone())
        {
            if !r.to.eq_ignore_ascii_case(&r.from) || self.kept_noted.contains(&rule) {
                continue;
            }
            if segments
                .iter()
                .any(|s| value[s.clone()].eq_ignore_ascii_case(&r.from))
            {
                self.kept_noted.push(rule);
                let (code, _) = self.rule_code(rule);
                self.diags.push(
                    Diagnostic::new(
                        Code::VdirKept,
                        format!("virtual directory `{}` keeps its old name ({code}), so URLs using it are left as they are", r.from),
                    )
                    .with_label(span.0, span.1.clone(), "URL kept"),
                );
            }
        }
    }

    fn near_miss_vdirs(
        &mut self,
        value: &str,
        segments: &[Range<usize>],
        span: &(FileId, Range<usize>),
    ) {
        let mut known: Vec<String> = Vec::new();
        for r in &self.renames {
            known.push(r.from.clone());
            known.push(r.to.clone());
        }
        for s in segments {
            let seg = &value[s.clone()];
            if seg.len() < 12 || known.iter().any(|k| k.eq_ignore_ascii_case(seg)) {
                continue;
            }
            if let Some(k) = known.iter().find(|k| near_miss(k, seg)) {
                self.diags.push(
                    Diagnostic::new(
                        Code::NearMissVdir,
                        format!("URL segment `{seg}` looks like the virtual directory `{k}`"),
                    )
                    .with_label(span.0, span.1.clone(), "in this URL")
                    .with_help(format!(
                        "if it is meant to be `{k}`, correct it; the URL was not remapped"
                    )),
                );
            }
        }
    }

    /// Names a near-miss check compares against: the rules' known names, plus NEW's own when NEW has
    /// few enough of them for a pairwise check to stay cheap (real configs have tens).
    fn near_miss_candidates<'n>(
        &self,
        known: &[String],
        count: usize,
        new_names: impl Iterator<Item = &'n str>,
    ) -> Vec<String> {
        const PAIRWISE_LIMIT: usize = 2_000;
        let mut out = known.to_vec();
        if count <= PAIRWISE_LIMIT {
            out.extend(new_names.map(str::to_string));
        }
        out
    }

    fn near_miss_name(
        &mut self,
        name: &str,
        candidates: &[String],
        kind: &str,
        span: Range<usize>,
    ) {
        if name.len() < 8 || candidates.iter().any(|c| c.eq_ignore_ascii_case(name)) {
            return;
        }
        if let Some(c) = candidates.iter().find(|c| near_miss(c, name)) {
            self.diags.push(
                Diagnostic::new(Code::NearMissName, format!("OLD {kind} `{name}` looks like `{c}`; it was carried under its own name"))
                    .with_label(self.old_id, span, "near miss")
                    .with_help(format!("if it is meant to be `{c}`, rename it in the output and delete the misspelled one")),
            );
        }
    }

    /// With BASE, whether OLD's value is the admin's (differs from BASE) or the old default.
    fn origin(&self, key: String, old_value: &str) -> Option<Origin> {
        self.base?;
        Some(
            if self.base_values.get(&key).map(String::as_str) == Some(old_value) {
                Origin::Default
            } else {
                Origin::Admin
            },
        )
    }

    fn push_change(
        &mut self,
        rule: usize,
        kind: ChangeKind,
        site: &Site,
        before: Option<String>,
        after: String,
    ) {
        let (rule, rule_name) = self.rule_code(rule);
        let Site {
            path,
            span,
            secret,
            origin,
        } = site.clone();
        self.changes.push(Change {
            rule,
            rule_name,
            kind,
            path,
            line: 0,
            column: 0,
            span,
            before,
            after,
            secret,
            origin,
        });
    }

    /// Records copying OLD's value over NEW's `before` (`None` for an insertion), then each remap of it.
    fn record_carry(
        &mut self,
        copy_rule: usize,
        site: &Site,
        before: Option<&str>,
        old_value: &str,
        c: &Carried,
    ) {
        let kind = if before.is_some() {
            ChangeKind::Replaced
        } else {
            ChangeKind::Inserted
        };
        if before != Some(old_value) {
            self.push_change(
                copy_rule,
                kind,
                site,
                before.map(str::to_string),
                old_value.to_string(),
            );
        }
        for &r in &c.remapped_by {
            self.push_change(
                r,
                ChangeKind::Replaced,
                site,
                Some(old_value.to_string()),
                c.value.clone(),
            );
        }
    }

    fn insert(&mut self, parent: Node, first: bool, element: String) {
        if let Some(i) = self
            .inserts
            .iter_mut()
            .find(|i| i.parent == parent.id() && i.first == first)
        {
            i.elements.push(element);
            return;
        }
        let slot = if first {
            first_child_slot(self.new_text, parent, &self.unit)
        } else {
            last_child_slot(self.new_text, parent, &self.unit)
        };
        self.inserts.push(Insert {
            parent: parent.id(),
            first,
            slot,
            elements: vec![element],
        });
    }

    fn slot_layout(&self, parent: Node, first: bool) -> (String, &'static str) {
        let slot = if first {
            first_child_slot(self.new_text, parent, &self.unit)
        } else {
            last_child_slot(self.new_text, parent, &self.unit)
        };
        (slot.indent, slot.eol)
    }

    fn attr_text(&self, name: &str, value: &str, raw: Option<&str>, quote: char) -> String {
        let v = raw
            .filter(|r| !r.contains(quote) && !r.contains(['\n', '\r', '\t', '<']))
            .map_or_else(|| escape_attr(value, quote), str::to_string);
        format!("{name}={quote}{v}{quote}")
    }

    fn same_scope<'b, 'j>(&self, new_doc: &'b Document<'j>, old: &Scope) -> Option<Scope<'b, 'j>> {
        scopes(new_doc).into_iter().find(|s| s.same_place(old))
    }

    fn old_app_settings(&mut self, sec: Node<'a, 'i>) -> Option<AppSettings<'a, 'i>>
    where
        't: 'a,
    {
        let mut values = AppSettings::default();
        if sec
            .attribute("configSource")
            .is_some_and(|v| !v.trim().is_empty())
        {
            let (id, root) = *self.external.get(&(sec.id(), "configSource"))?;
            values.apply(root, id, self.old_name);
        } else {
            values.apply(sec, self.old_id, self.old_name);
            if let Some(&(id, root)) = self.external.get(&(sec.id(), "file")) {
                values.apply(root, id, self.old_name);
            }
        }
        Some(values)
    }

    fn copy_app_settings(&mut self, rule: usize, old_doc: &'a Document<'i>, new_doc: &Document)
    where
        't: 'a,
    {
        for old_scope in scopes(old_doc) {
            let Some(old_sec) = child(old_scope.node, "appSettings") else {
                continue;
            };
            let Some(old_values) = self.old_app_settings(old_sec) else {
                continue;
            };
            self.diags.extend(old_values.duplicates.iter().cloned());
            let Some(new_scope) = self.same_scope(new_doc, &old_scope) else {
                if !old_values.is_empty() {
                    self.location_unmatched(&old_scope, old_sec);
                }
                continue;
            };
            let new_sec = child(new_scope.node, "appSettings");
            let mut new_values = AppSettings::default();
            if let Some(ns) = new_sec {
                if let Some(src) = ns
                    .attribute("configSource")
                    .filter(|v| !v.trim().is_empty())
                {
                    self.diags.push(
                        Diagnostic::new(Code::NotEditable, format!("{}: appSettings live in `{src}`, so OLD's values were not copied", self.new_name))
                            .with_label(self.new_id, ns.range().start..start_tag_end(self.new_text, ns), "configSource")
                            .with_help(format!("run wcmigrate on `{src}` itself, or move its content back into web.config")),
                    );
                    continue;
                }
                if let Some(file) = ns.attribute("file").filter(|v| !v.trim().is_empty()) {
                    self.diags.push(
                        Diagnostic::new(Code::NotEditable, format!("{}: appSettings also read `{file}`; its values override the ones written here", self.new_name))
                            .with_label(self.new_id, ns.range().start..start_tag_end(self.new_text, ns), "file="),
                    );
                }
                new_values.apply(ns, self.new_id, self.new_name);
                self.diags.extend(new_values.duplicates.iter().cloned());
            }
            let known = self.near_miss_candidates(
                &self.rules.known.app_settings,
                new_values.len(),
                new_values.entries().map(|e| e.key),
            );
            let mut new_adds = Vec::new();
            for e in old_values.entries() {
                let secret = self.rules.is_secret_name(e.key);
                let old_attr = e.node.attributes().find(|a| a.name() == "value");
                let raw = (e.file == self.old_id)
                    .then(|| old_attr.map(|a| &self.old_text[a.range_value()]))
                    .flatten();
                let span = (e.file, old_attr.map_or(e.node.range(), |a| a.range_value()));
                let carried = self.carry(&e.value, raw, span);
                let path = format!(
                    "{}appSettings/add[@key='{}']/@value",
                    old_scope.label(),
                    e.key
                );
                match new_values.get(e.key) {
                    Some(n) => {
                        if carried.value == n.value {
                            continue;
                        }
                        let span = match attr(self.new_text, n.node, "value") {
                            Some(a) => {
                                let v = self.attr_text(
                                    "",
                                    &carried.value,
                                    carried.raw.as_deref(),
                                    a.quote,
                                );
                                // attr_text gives `=QvQ`: keep only the value.
                                self.edits
                                    .replace(a.value_range.clone(), v[2..v.len() - 1].to_string());
                                a.value_range
                            }
                            None => {
                                let at = after_attributes(self.new_text, n.node);
                                let q = quote_of(self.new_text, n.node);
                                self.edits.insert(
                                    at,
                                    format!(
                                        " {}",
                                        self.attr_text(
                                            "value",
                                            &carried.value,
                                            carried.raw.as_deref(),
                                            q
                                        )
                                    ),
                                );
                                at..at
                            }
                        };
                        let origin =
                            self.origin(app_value_key(&old_scope.label(), e.key), &e.value);
                        let site = Site {
                            path,
                            span,
                            secret,
                            origin,
                        };
                        self.record_carry(rule, &site, Some(&n.value), &e.value, &carried);
                    }
                    None => {
                        self.near_miss_name(e.key, &known, "appSettings key", e.node.range());
                        new_adds.push((e.clone(), carried, path, secret));
                    }
                }
            }
            for (key, node, file) in old_values.removed() {
                if let Some(n) = new_values.get(key) {
                    let how = if node.tag_name().name() == "clear" {
                        "<clear/>"
                    } else {
                        "<remove>"
                    };
                    self.diags.push(
                        Diagnostic::new(Code::RemovedInOld, format!("OLD drops appSettings key `{key}` with {how}; NEW's value is kept"))
                            .with_label(*file, node.range(), "dropped here")
                            .with_label(self.new_id, n.node.range(), "kept")
                            .with_help("if the key must stay absent, add the same <remove> to the new web.config"),
                    );
                }
            }
            if new_adds.is_empty() {
                continue;
            }
            // Layout copied from NEW's last element in the section.
            let sibling = new_sec.and_then(|s| elements(s).last());
            let quote = sibling.map_or('"', |s| quote_of(self.new_text, s));
            let close = sibling
                .filter(|s| is_self_closing(self.new_text, *s))
                .map_or(" />".to_string(), |s| {
                    self.new_text[after_attributes(self.new_text, s)..s.range().end].to_string()
                });
            let mut texts = Vec::new();
            let at = last_child_slot(self.new_text, new_sec.unwrap_or(new_scope.node), &self.unit)
                .range
                .start;
            for (e, carried, path, secret) in &new_adds {
                let key = self.attr_text("key", e.key, None, quote);
                let value = self.attr_text("value", &carried.value, carried.raw.as_deref(), quote);
                texts.push(format!("<add {key} {value}{close}"));
                self.diags.push(
                    Diagnostic::new(Code::Inserted, format!("appSettings key `{}` is only in OLD; added at the end of NEW's appSettings", e.key))
                        .with_label(e.file, e.node.range(), "carried"),
                );
                let site = Site {
                    path: path.clone(),
                    span: at..at,
                    secret: *secret,
                    origin: self.origin(app_value_key(&old_scope.label(), e.key), &e.value),
                };
                self.record_carry(rule, &site, None, &e.value, carried);
            }
            match new_sec {
                Some(s) => {
                    for t in texts {
                        self.insert(s, false, t);
                    }
                }
                None => {
                    let mut lines = vec![(0, "<appSettings>".to_string())];
                    lines.extend(texts.into_iter().map(|t| (1, t)));
                    lines.push((0, "</appSettings>".to_string()));
                    let (indent, eol) = self.slot_layout(new_scope.node, false);
                    let text = block(&lines, &indent, &self.unit, eol);
                    self.insert(new_scope.node, false, text);
                }
            }
        }
    }

    fn location_unmatched(&mut self, scope: &Scope, sec: Node) {
        self.diags.push(
            Diagnostic::new(
                Code::LocationUnmatched,
                format!(
                    "OLD has <{}> under <location path=\"{}\">, which NEW lacks; its values were not migrated",
                    sec.tag_name().name(),
                    scope.location.unwrap_or("")
                ),
            )
            .with_label(self.old_id, sec.range().start..start_tag_end(self.old_text, sec), "here")
            .with_help("add the <location> element to the new web.config and run again"),
        );
    }

    fn old_settings_sections(
        &mut self,
        old_scope: &Scope<'a, 'i>,
        groups: &[String],
    ) -> Vec<SettingsSection<'a, 'i>>
    where
        't: 'a,
    {
        let mut secs = settings_sections(
            self.old_text,
            old_scope.node,
            groups,
            self.old_id,
            self.old_name,
        );
        for sec in &mut secs {
            if sec
                .node
                .attribute("configSource")
                .is_some_and(|v| !v.trim().is_empty())
            {
                sec.settings.clear();
                if let Some(&(id, root)) = self.external.get(&(sec.node.id(), "configSource")) {
                    let text = self.old_text_of(id);
                    for s in elements(root).filter(|n| n.tag_name().name() == "setting") {
                        if let Some(setting) = read_setting(text, s) {
                            sec.settings.retain(|x| x.name != setting.name);
                            sec.settings.push(setting);
                        }
                    }
                }
            }
        }
        secs
    }

    fn old_text_of(&self, id: FileId) -> &'i str {
        self.external
            .values()
            .find(|(f, _)| *f == id)
            .map(|(_, n)| n.document().input_text())
            .unwrap_or("")
    }

    fn copy_settings(
        &mut self,
        rule: usize,
        old_doc: &'a Document<'i>,
        new_doc: &Document,
        groups: &[String],
    ) where
        't: 'a,
    {
        for old_scope in scopes(old_doc) {
            let old_secs = self.old_settings_sections(&old_scope, groups);
            if old_secs.is_empty() {
                continue;
            }
            let Some(new_scope) = self.same_scope(new_doc, &old_scope) else {
                self.location_unmatched(&old_scope, old_secs[0].node);
                continue;
            };
            let new_secs = settings_sections(
                self.new_text,
                new_scope.node,
                groups,
                self.new_id,
                self.new_name,
            );
            for s in &new_secs {
                self.diags.extend(s.duplicates.iter().cloned());
            }
            for old_sec in &old_secs {
                self.diags.extend(old_sec.duplicates.iter().cloned());
                let prefix = format!("{}{}/{}", old_scope.label(), old_sec.group, old_sec.name);
                match new_secs
                    .iter()
                    .find(|n| n.group == old_sec.group && n.name == old_sec.name)
                {
                    Some(new_sec) => {
                        let mut missing = Vec::new();
                        let known = self.near_miss_candidates(
                            &self.rules.known.settings,
                            new_sec.settings.len(),
                            new_sec.settings.iter().map(|s| s.name),
                        );
                        let by_name: HashMap<&str, &Setting> =
                            new_sec.settings.iter().map(|s| (s.name, s)).collect();
                        for os in &old_sec.settings {
                            match by_name.get(os.name).copied() {
                                Some(ns) => self.copy_setting(rule, &prefix, os, ns),
                                None => {
                                    self.near_miss_name(
                                        os.name,
                                        &known,
                                        "setting",
                                        os.node.range(),
                                    );
                                    missing.push(os);
                                }
                            }
                        }
                        if !missing.is_empty() {
                            let texts: Vec<String> = missing
                                .iter()
                                .map(|s| self.setting_text(rule, &prefix, s, Some(new_sec)))
                                .collect();
                            for t in texts {
                                self.insert(new_sec.node, false, t);
                            }
                        }
                    }
                    None => {
                        self.insert_section(rule, old_doc, new_doc, &new_scope, old_sec, &prefix)
                    }
                }
            }
        }
    }

    fn copy_setting(&mut self, rule: usize, prefix: &str, os: &Setting, ns: &Setting) {
        let path = format!("{prefix}/setting[@name='{}']/value", os.name);
        let secret = self.rules.is_secret_name(os.name);
        if os.serialize_as != ns.serialize_as {
            self.diags.push(
                Diagnostic::new(Code::SerializeAsMismatch, format!("setting `{}` is stored as {:?} in OLD but {:?} in NEW; NEW's value was kept", os.name, os.serialize_as, ns.serialize_as))
                    .with_label(self.new_id, ns.node.range(), "NEW")
                    .with_label(self.old_id, os.node.range(), "OLD")
                    .with_help("copy the value by hand in the form NEW expects"),
            );
            return;
        }
        if !ns.plain || !os.plain {
            let (file, node) = if ns.plain {
                (self.old_id, os.node)
            } else {
                (self.new_id, ns.node)
            };
            self.diags.push(
                Diagnostic::new(Code::NotEditable, format!("setting `{}` holds CDATA or markup where text is expected; it was not copied", os.name))
                    .with_label(file, node.range(), "here")
                    .with_help("copy this value by hand"),
            );
            return;
        }
        match os.serialize_as {
            SerializeAs::String => {
                let raw_range = os.value_node.map(|v| content_range(self.old_text, v));
                let raw = raw_range.clone().map(|r| &self.old_text[r]);
                let span = (self.old_id, raw_range.unwrap_or(os.node.range()));
                let carried = self.carry(&os.value, raw, span);
                if carried.value == ns.value {
                    return;
                }
                let text = carried
                    .raw
                    .clone()
                    .filter(|r| !r.contains(['\r', '<']))
                    .unwrap_or_else(|| escape_text(&carried.value));
                let span = self.set_value_content(ns, text);
                self.record_carry(
                    rule,
                    &Site {
                        path,
                        span,
                        secret,
                        origin: self.origin(setting_value_key(prefix, os.name), &os.value),
                    },
                    Some(&ns.value),
                    &os.value,
                    &carried,
                );
            }
            SerializeAs::Xml => {
                if os.value.trim() == ns.value.trim() {
                    return;
                }
                let eol = crate::edit::first_eol(self.new_text);
                let span = self.set_value_content(ns, with_eol(&os.value, eol));
                let origin = self.origin(setting_value_key(prefix, os.name), &os.value);
                let site = Site {
                    path,
                    span,
                    secret,
                    origin,
                };
                self.push_change(
                    rule,
                    ChangeKind::Replaced,
                    &site,
                    Some(ns.value.clone()),
                    os.value.clone(),
                );
            }
        }
    }

    /// Replaces the content of NEW's `<value>` (creating it when missing). Returns the edited span.
    fn set_value_content(&mut self, ns: &Setting, content: String) -> Range<usize> {
        match ns.value_node {
            Some(v) if is_self_closing(self.new_text, v) => {
                let name = crate::doc::tag_name(self.new_text, v).to_string();
                self.edits
                    .replace(v.range(), format!("<{name}>{content}</{name}>"));
                v.range()
            }
            Some(v) => {
                let r = content_range(self.new_text, v);
                self.edits.replace(r.clone(), content);
                r
            }
            None => {
                let text = format!("<value>{content}</value>");
                let at = last_child_slot(self.new_text, ns.node, &self.unit)
                    .range
                    .start;
                self.insert(ns.node, false, text);
                at..at
            }
        }
    }

    /// The text of a `<setting>` element only OLD has, laid out like NEW's sibling settings.
    fn setting_text(
        &mut self,
        rule: usize,
        prefix: &str,
        os: &Setting,
        new_sec: Option<&SettingsSection>,
    ) -> String {
        let path = format!("{prefix}/setting[@name='{}']", os.name);
        let secret = self.rules.is_secret_name(os.name);
        let (value_text, carried) = match os.serialize_as {
            SerializeAs::String => {
                let raw = os
                    .value_node
                    .map(|v| &self.old_text[content_range(self.old_text, v)]);
                let carried = self.carry(&os.value, raw, (self.old_id, os.node.range()));
                let text = carried
                    .raw
                    .clone()
                    .filter(|r| !r.contains(['\r', '<']))
                    .unwrap_or_else(|| escape_text(&carried.value));
                (text, carried)
            }
            SerializeAs::Xml => (
                with_eol(&os.value, crate::edit::first_eol(self.new_text)),
                Carried {
                    value: os.value.clone(),
                    raw: None,
                    remapped_by: Vec::new(),
                },
            ),
        };
        let sibling = new_sec.and_then(|s| s.settings.last());
        let quote = sibling.map_or('"', |s| quote_of(self.new_text, s.node));
        let serialize = if os.serialize_as == SerializeAs::Xml {
            "Xml"
        } else {
            "String"
        };
        let open = format!(
            "<setting {} {}>",
            self.attr_text("name", os.name, None, quote),
            self.attr_text("serializeAs", serialize, None, quote)
        );
        // Copy the sibling's inner layout (what stands between its tags and its <value>).
        let (lead, tail) = match sibling.and_then(|s| s.value_node.map(|v| (s.node, v))) {
            Some((s, v)) => (
                self.new_text[start_tag_end(self.new_text, s)..v.range().start].to_string(),
                self.new_text[v.range().end..content_range(self.new_text, s).end].to_string(),
            ),
            None => {
                let (indent, eol) = match new_sec {
                    Some(sec) => self.slot_layout(sec.node, false),
                    None => (String::new(), crate::edit::first_eol(self.new_text)),
                };
                (
                    format!("{eol}{indent}{}", self.unit),
                    format!("{eol}{indent}"),
                )
            }
        };
        let at = new_sec.map_or(0, |s| {
            last_child_slot(self.new_text, s.node, &self.unit)
                .range
                .start
        });
        let site = Site {
            path: path.clone(),
            span: at..at,
            secret,
            origin: self.origin(setting_value_key(prefix, os.name), &os.value),
        };
        self.record_carry(rule, &site, None, &os.value, &carried);
        self.diags.push(
            Diagnostic::new(
                Code::Inserted,
                format!(
                    "setting `{}` is only in OLD; added to NEW's {}",
                    os.name, prefix
                ),
            )
            .with_label(self.old_id, os.node.range(), "carried"),
        );
        format!("{open}{lead}<value>{value_text}</value>{tail}</setting>")
    }

    fn insert_section(
        &mut self,
        rule: usize,
        old_doc: &Document,
        new_doc: &Document,
        new_scope: &Scope,
        old_sec: &SettingsSection,
        prefix: &str,
    ) {
        let (indent, eol) = self.slot_layout(new_scope.node, false);
        let group_node = child(new_scope.node, old_sec.group);
        let base_indent = match group_node {
            Some(g) => self.slot_layout(g, false).0,
            None => format!("{indent}{}", self.unit),
        };
        // Settings laid out one level below the section.
        let mut lines = vec![(0usize, format!("<{}>", old_sec.name))];
        for os in &old_sec.settings {
            let t = self.setting_text(rule, prefix, os, None);
            // setting_text lays out with NEW's first line break and no indentation: re-indent it.
            let t = t.replace(
                &format!("{eol}{}", self.unit),
                &format!("{eol}{base_indent}{}{}", self.unit, self.unit),
            );
            let t = t.replace(
                &format!("{eol}</setting>"),
                &format!("{eol}{base_indent}{}</setting>", self.unit),
            );
            lines.push((1, t));
        }
        lines.push((0, format!("</{}>", old_sec.name)));
        match group_node {
            Some(g) => {
                let text = block(&lines, &base_indent, &self.unit, eol);
                self.insert(g, false, text);
            }
            None => {
                let mut outer = vec![(0usize, format!("<{}>", old_sec.group))];
                outer.extend(lines.into_iter().map(|(d, l)| (d + 1, l)));
                outer.push((0, format!("</{}>", old_sec.group)));
                let text = block(&outer, &indent, &self.unit, eol);
                self.insert(new_scope.node, false, text);
            }
        }
        self.diags.push(
            Diagnostic::new(
                Code::Inserted,
                format!("section {prefix} is only in OLD; added to NEW with its settings"),
            )
            .with_label(
                self.old_id,
                old_sec.node.range().start..start_tag_end(self.old_text, old_sec.node),
                "carried",
            ),
        );
        self.declare_section(old_doc, new_doc, old_sec.group, old_sec.name);
    }

    /// Adds `configSections` declarations NEW lacks for a carried section.
    fn declare_section(
        &mut self,
        old_doc: &Document,
        new_doc: &Document,
        group: &str,
        section: &str,
    ) {
        if section_declaration(new_doc, group, section).is_some() {
            return;
        }
        const DEFAULT_SECTION_TYPE: &str =
            "System.Configuration.ClientSettingsSection, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089";
        const DEFAULT_GROUP_TYPE: &str =
            "System.Configuration.ApplicationSettingsGroup, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089";
        let new_group = group_declaration(new_doc, group);
        let sibling =
            new_group.and_then(|g| elements(g).find(|n| n.tag_name().name() == "section"));
        let old_decl = section_declaration(old_doc, group, section);
        let quote = sibling.map_or('"', |s| quote_of(self.new_text, s));
        // NEW's types win: copy the sibling's type, else OLD's, else the framework default.
        // Types copied from OLD follow NEW's framework: 2.0.0.0 becomes 4.0.0.0 when NEW is a .NET 4 config.
        let net4 = self.new_text.contains("Version=4.0.0.0")
            || self.new_text.contains("targetFramework=\"4");
        let raise = |t: &str| {
            if net4 {
                t.replace("Version=2.0.0.0", "Version=4.0.0.0")
            } else {
                t.to_string()
            }
        };
        let ty = match sibling.and_then(|s| s.attribute("type")) {
            Some(t) => t.to_string(),
            None => raise(
                old_decl
                    .and_then(|d| d.attribute("type"))
                    .unwrap_or(DEFAULT_SECTION_TYPE),
            ),
        };
        let mut attrs = vec![
            self.attr_text("name", section, None, quote),
            self.attr_text("type", &ty, None, quote),
        ];
        let extra: Vec<(String, String)> = old_decl
            .map(|d| {
                d.attributes()
                    .filter(|a| a.name() != "name" && a.name() != "type")
                    .map(|a| (a.name().to_string(), a.value().to_string()))
                    .collect()
            })
            .unwrap_or_else(|| vec![("requirePermission".into(), "false".into())]);
        for (n, v) in extra {
            attrs.push(self.attr_text(&n, &v, None, quote));
        }
        let section_el = format!("<section {} />", attrs.join(" "));
        let root = new_doc.root_element();
        let note = Diagnostic::new(
            Code::DeclarationAdded,
            format!("declared section {group}/{section} in NEW's configSections (type {ty})"),
        );
        if let Some(g) = new_group {
            self.insert(g, false, section_el);
        } else {
            let old_group = old_decl.and_then(|d| d.parent());
            let gty = old_group
                .and_then(|g| g.attribute("type"))
                .unwrap_or(DEFAULT_GROUP_TYPE);
            let gty = raise(gty);
            let open = format!(
                "<sectionGroup {} {}>",
                self.attr_text("name", group, None, quote),
                self.attr_text("type", &gty, None, quote)
            );
            let lines = vec![
                (0, open),
                (1, section_el),
                (0, "</sectionGroup>".to_string()),
            ];
            match child(root, "configSections") {
                Some(cs) => {
                    let (indent, eol) = self.slot_layout(cs, false);
                    let text = block(&lines, &indent, &self.unit, eol);
                    self.insert(cs, false, text);
                }
                None => {
                    let (indent, eol) = self.slot_layout(root, true);
                    let mut outer = vec![(0, "<configSections>".to_string())];
                    outer.extend(lines.into_iter().map(|(d, l)| (d + 1, l)));
                    outer.push((0, "</configSections>".to_string()));
                    let text = block(&outer, &indent, &self.unit, eol);
                    self.insert(root, true, text);
                }
            }
        }
        self.diags.push(note);
    }

    #[allow(clippy::too_many_arguments)]
    fn carry_attribute(
        &mut self,
        rule: usize,
        old_doc: &Document,
        new_doc: &Document,
        element: &str,
        attribute: &str,
        unless: &[String],
        reminder: Option<&str>,
    ) {
        let path: Vec<&str> = element.split('/').filter(|s| !s.is_empty()).collect();
        let find = |scope: Node<'_, '_>| -> Option<NodeId> {
            let mut n = scope;
            for p in &path {
                n = child(n, p)?;
            }
            Some(n.id())
        };
        for old_scope in scopes(old_doc) {
            let Some(old_el) =
                find(old_scope.node).map(|id| old_doc.get_node(id).expect("node of this document"))
            else {
                continue;
            };
            let Some(a) = attr(self.old_text, old_el, attribute) else {
                continue;
            };
            if unless
                .iter()
                .any(|u| u.eq_ignore_ascii_case(a.value.trim()))
            {
                continue;
            }
            if let Some(reminder) = reminder {
                self.diags.push(
                    Diagnostic::new(
                        Code::ThemeFolder,
                        format!("OLD sets {element}/@{attribute} = `{}`", a.value),
                    )
                    .with_label(self.old_id, a.value_range.clone(), "carried into NEW")
                    .with_help(reminder.replace("{value}", &a.value)),
                );
            }
            let Some(new_scope) = self.same_scope(new_doc, &old_scope) else {
                continue;
            };
            let label = format!("{}{element}/@{attribute}", old_scope.label());
            match find(new_scope.node)
                .map(|id| new_doc.get_node(id).expect("node of this document"))
            {
                Some(new_el) => match attr(self.new_text, new_el, attribute) {
                    Some(na) if na.value == a.value => {}
                    Some(na) => {
                        self.edits
                            .replace(na.value_range.clone(), escape_attr(&a.value, na.quote));
                        let site = Site {
                            path: label,
                            span: na.value_range,
                            secret: false,
                            origin: None,
                        };
                        self.push_change(
                            rule,
                            ChangeKind::Replaced,
                            &site,
                            Some(na.value),
                            a.value.clone(),
                        );
                    }
                    None => {
                        let at = after_attributes(self.new_text, new_el);
                        let q = quote_of(self.new_text, new_el);
                        self.edits.insert(
                            at,
                            format!(" {}", self.attr_text(attribute, &a.value, None, q)),
                        );
                        let site = Site {
                            path: label,
                            span: at..at,
                            secret: false,
                            origin: None,
                        };
                        self.push_change(rule, ChangeKind::Inserted, &site, None, a.value.clone());
                    }
                },
                // With BASE, whether the element exists in NEW is the 3-way pass's decision (it
                // carries OLD's whole element, or keeps NEW's removal): creating it here too would
                // duplicate it, or bring it back so that a second run merges into it.
                None if self.base.is_some() => {
                    self.revived.push(element.trim_matches('/').to_string())
                }
                None => {
                    // Create the innermost element when its parent exists.
                    let parent_path = &path[..path.len() - 1];
                    let mut parent = Some(new_scope.node);
                    for p in parent_path {
                        parent = parent.and_then(|n| child(n, p));
                    }
                    match parent {
                        Some(parent) => {
                            let name = path[path.len() - 1];
                            let text = format!(
                                "<{name} {} />",
                                self.attr_text(attribute, &a.value, None, '"')
                            );
                            let at = last_child_slot(self.new_text, parent, &self.unit)
                                .range
                                .start;
                            self.insert(parent, false, text);
                            let site = Site {
                                path: label,
                                span: at..at,
                                secret: false,
                                origin: None,
                            };
                            self.push_change(
                                rule,
                                ChangeKind::Inserted,
                                &site,
                                None,
                                a.value.clone(),
                            );
                        }
                        None => self.diags.push(
                            Diagnostic::new(
                                Code::NotEditable,
                                format!(
                                    "NEW has no <{}> to carry {attribute}=\"{}\" into",
                                    parent_path.join("/"),
                                    a.value
                                ),
                            )
                            .with_label(self.old_id, a.value_range.clone(), "not carried")
                            .with_help("add the element to the new web.config by hand"),
                        ),
                    }
                }
            }
        }
    }

    /// Notes where OLD differs from NEW outside the migrated sections; nothing is applied.
    fn review(&mut self, old_doc: &Document, new_doc: &Document, groups: &[String]) {
        let mut skip: Vec<&str> = vec!["configSections", "appSettings"];
        skip.extend(groups.iter().map(String::as_str));
        let carried: Vec<(String, String)> = self.rules.carried_attributes();
        self.review_children(
            old_doc.root_element(),
            Some(new_doc.root_element()),
            ("", ""),
            &skip,
            &carried,
        );
    }

    fn review_children(
        &mut self,
        old: Node,
        new: Option<Node>,
        paths: (&str, &str),
        skip: &[&str],
        carried: &[(String, String)],
    ) {
        let (epath, shown_path) = paths;
        let mut theirs = Siblings::of(&self.rules.identity, new, epath);
        for oc in elements(old) {
            let name = oc.tag_name().name();
            let cpath = child_path(epath, old, oc);
            if cpath == name && skip.contains(&name) {
                continue;
            }
            let (id, shown_id) = self.rules.identity.of(oc, &cpath);
            let here = if shown_path.is_empty() {
                shown_id
            } else {
                format!("{shown_path}/{shown_id}")
            };
            let Some(nc) = theirs.take(&id) else {
                self.diags.push(
                    Diagnostic::new(
                        Code::Review,
                        format!("OLD has <{here}>, which NEW lacks; not carried (review it)"),
                    )
                    .with_label(
                        self.old_id,
                        oc.range().start..start_tag_end(self.old_text, oc),
                        "only in OLD",
                    ),
                );
                continue;
            };
            let mut diffs = Vec::new();
            for a in oc.attributes() {
                if carried.iter().any(|(e, at)| *e == cpath && at == a.name()) {
                    continue;
                }
                let secret = self.rules.is_secret_attribute(a.name());
                match nc.attribute(a.name()) {
                    Some(v) if v == a.value() => {}
                    Some(v) => diffs.push(format!(
                        "{}=\"{}\" (NEW: \"{}\")",
                        a.name(),
                        self.shown(a.value(), secret),
                        self.shown(v, secret)
                    )),
                    None => diffs.push(format!(
                        "{}=\"{}\" (NEW: absent)",
                        a.name(),
                        self.shown(a.value(), secret)
                    )),
                }
            }
            let (ot, nt) = (leaf_text(oc), leaf_text(nc));
            if ot != nt {
                diffs.push(format!(
                    "text \"{}\" (NEW: \"{}\")",
                    ot.unwrap_or_default(),
                    nt.unwrap_or_default()
                ));
            }
            if !diffs.is_empty() {
                self.diags.push(
                    Diagnostic::new(
                        Code::Review,
                        format!(
                            "<{here}> differs: OLD has {}; NEW's kept (review it)",
                            diffs.join(", ")
                        ),
                    )
                    .with_label(
                        self.old_id,
                        oc.range().start..start_tag_end(self.old_text, oc),
                        "OLD",
                    )
                    .with_label(
                        self.new_id,
                        nc.range().start..start_tag_end(self.new_text, nc),
                        "NEW",
                    ),
                );
            }
            self.review_children(oc, Some(nc), (&cpath, &here), skip, carried);
        }
    }
}

/// The key of an appSettings value in [`base_values`].
fn app_value_key(scope_label: &str, key: &str) -> String {
    format!("app|{scope_label}|{}", fold_key(key))
}

/// The key of a setting value in [`base_values`]; `prefix` is `<scope>group/section`.
fn setting_value_key(prefix: &str, name: &str) -> String {
    format!("set|{prefix}|{name}")
}

/// BASE's appSettings and settings values, keyed like OLD's, to tell admin changes from defaults.
fn base_values(doc: &Document, id: FileId, groups: &[String]) -> HashMap<String, String> {
    let text = doc.input_text();
    let mut out = HashMap::new();
    for scope in scopes(doc) {
        if let Some(sec) = child(scope.node, "appSettings") {
            let mut values = AppSettings::default();
            values.apply(sec, id, "base");
            for e in values.entries() {
                out.insert(app_value_key(&scope.label(), e.key), e.value.clone());
            }
        }
        for sec in settings_sections(text, scope.node, groups, id, "base") {
            let prefix = format!("{}{}/{}", scope.label(), sec.group, sec.name);
            for s in &sec.settings {
                out.insert(setting_value_key(&prefix, s.name), s.value.clone());
            }
        }
    }
    out
}

/// One or two letters apart, ignoring ASCII case (lengths are compared first: most pairs stop there).
fn near_miss(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    // A name that only extends the other (`PhoneFactorX`, `PhoneFactor2`) is another name, not a typo.
    let extends = a.starts_with(&b) || a.ends_with(&b) || b.starts_with(&a) || b.ends_with(&a);
    a.len().abs_diff(b.len()) <= 2 && !extends && (1..=2).contains(&strsim::levenshtein(&a, &b))
}
