//! Carrying one value from OLD into NEW: the renames of the remap-vdir rules applied to it, the raw
//! spelling OLD wrote kept where it still means the same, and the changes it records.
//!
//! The copy actions call it for every value they carry. It edits nothing itself (the caller splices
//! the value in) and only changes the bytes of a URL segment a rename names. With BASE it also says
//! whether a value is carried at all ([`Three::verdict`], the 3-way rule for one value) and records
//! that decision; values are compared as .NET reads them ([`dotnet_value`]).

use std::ops::Range;

use super::context::{near_miss, Context, Decided, Site};
use crate::diag::{Code, Diagnostic, FileId, Label};
use crate::doc::{content_range, start_tag_end, value_range};
use crate::migration::{ChangeKind, DecisionKind, Prefer};
use crate::remap::{raw_segments, remap, remap_segments, validated};

/// A value to write: decoded, plus the raw spelling it had in OLD when that can be reused.
pub struct Carried {
    pub value: String,
    pub raw: Option<String>,
    /// Indices into the claimed renames that remapped a virtual directory in it.
    pub remapped_by: Vec<usize>,
}

impl Carried {
    /// A value carried as it is (no rename applies to it).
    pub fn plain(value: &str) -> Carried {
        Carried {
            value: value.to_string(),
            raw: None,
            remapped_by: Vec::new(),
        }
    }
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

/// Remaps OLD's value (and its raw spelling, when it can be kept) through every claimed rename.
/// `span` is where the value sits (in OLD or a file OLD points to), for notes about it.
pub fn carry(
    cx: &mut Context,
    value: &str,
    raw: Option<&str>,
    span: (FileId, Range<usize>),
) -> Carried {
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
    let renames = &cx.shared.claims.renames;
    let known = |seg: &Range<usize>| {
        value[seg.clone()].contains('%')
            || renames.iter().any(|(_, r)| {
                r.from.len().abs_diff(seg.len()) <= 2 || r.to.len().abs_diff(seg.len()) <= 2
            })
    };
    if !segments.iter().any(known) || !validated(value, &segments) {
        return plain;
    }
    near_miss_vdirs(cx, value, &segments, &span);
    note_kept_vdirs(cx, value, &segments, &span);
    let renames: Vec<_> = cx
        .shared
        .claims
        .renames
        .iter()
        .map(|(_, r)| r.clone())
        .collect();
    match remap_segments(value, &segments, &renames) {
        None => plain,
        Some((new_value, hits)) => {
            let mut by: Vec<usize> = hits.iter().map(|h| h.rename).collect();
            by.dedup();
            // The raw spelling differs only after the path (entities in the query), so the same
            // segment offsets apply to it; anything else falls back to remapping it afresh.
            let path_end = segments.last().map_or(0, |s| s.end);
            let raw = raw
                .and_then(|r| match r.get(..path_end) == value.get(..path_end) {
                    true => remap_segments(&r, &segments, &renames),
                    false => remap(&r, &renames),
                })
                .map(|(r, _)| r)
                .filter(|r| unescape(r).as_deref() == Some(&new_value));
            Carried {
                value: new_value,
                raw,
                remapped_by: by,
            }
        }
    }
}

/// Records copying OLD's value over NEW's `before` (`None` for an insertion) by the current rule,
/// then each rename of it by its own rule.
pub fn record(cx: &mut Context, site: &Site, before: Option<&str>, old_value: &str, c: &Carried) {
    let kind = if before.is_some() {
        ChangeKind::Replaced
    } else {
        ChangeKind::Inserted
    };
    if before != Some(old_value) {
        cx.change(
            kind,
            site,
            before.map(str::to_string),
            old_value.to_string(),
        );
    }
    for &r in &c.remapped_by {
        let rule = cx.shared.claims.renames[r].0.clone();
        cx.change_by(
            &rule,
            ChangeKind::Replaced,
            site,
            Some(old_value.to_string()),
            c.value.clone(),
        );
    }
}

/// N-note, once per rename: a virtual directory keeps its old name, so URLs naming it stay.
fn note_kept_vdirs(
    cx: &mut Context,
    value: &str,
    segments: &[Range<usize>],
    span: &(FileId, Range<usize>),
) {
    let claims = cx.shared.claims;
    for (rule, r) in &claims.renames {
        if !r.to.eq_ignore_ascii_case(&r.from) || cx.kept_noted.contains(&rule.code) {
            continue;
        }
        if segments
            .iter()
            .any(|s| value[s.clone()].eq_ignore_ascii_case(&r.from))
        {
            cx.kept_noted.push(rule.code.clone());
            cx.diags.push(
                Diagnostic::new(
                    Code::VdirKept,
                    format!("virtual directory `{}` keeps its old name ({}), so URLs using it are left as they are", r.from, rule.code),
                )
                .with_label(span.0, span.1.clone(), "URL kept"),
            );
        }
    }
}

/// W-note: a URL segment one or two letters away from a virtual directory a rename knows.
fn near_miss_vdirs(
    cx: &mut Context,
    value: &str,
    segments: &[Range<usize>],
    span: &(FileId, Range<usize>),
) {
    let known: Vec<&str> = cx
        .shared
        .claims
        .renames
        .iter()
        .flat_map(|(_, r)| [r.from.as_str(), r.to.as_str()])
        .collect();
    for s in segments {
        let seg = &value[s.clone()];
        if seg.len() < 12 || known.iter().any(|k| k.eq_ignore_ascii_case(seg)) {
            continue;
        }
        if let Some(k) = known.iter().find(|k| near_miss(k, seg)) {
            cx.diags.push(
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

/// A value as .NET reads it from its raw text: System.Configuration reads with an `XmlTextReader`
/// that normalises neither line breaks nor attribute whitespace, so a literal CRLF, LF or tab stays
/// what it is and only entities and character references are decoded. (A conforming parser, and so
/// roxmltree, turns CRLF into LF and an attribute's line break into a space.) `None` when the raw text
/// holds something else than text and references.
pub fn dotnet_value(raw: &str) -> Option<String> {
    unescape(raw).filter(|_| !raw.contains('<'))
}

/// Attribute `name` of `node` as .NET reads it (falling back to the parsed value).
pub fn dotnet_attr(node: roxmltree::Node, name: &str) -> Option<String> {
    let a = node.attributes().find(|a| a.name() == name)?;
    let text = node.document().input_text();
    Some(dotnet_value(&text[value_range(text, &a)]).unwrap_or_else(|| a.value().to_string()))
}

/// The text of a `<value>` element holding text only, as .NET reads it.
pub fn dotnet_text(node: roxmltree::Node) -> Option<String> {
    let text = node.document().input_text();
    dotnet_value(&text[content_range(text, node)])
}

/// What a copy action does with one OLD value, from what BASE (in a 3-way merge), OLD and NEW hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// NEW holds the value OLD's would be written as; `both` when, with BASE, that is a change OLD
    /// and NEW made alike.
    Same { both: bool },
    /// Write OLD's value: always in a 2-way merge; in a 3-way one, the admin changed it and NEW kept
    /// BASE's, or the admin added it and NEW lacks it.
    Carry,
    /// The admin left BASE's value (the old default): NEW's stands, changed or `removed` by the vendor.
    Default { removed: bool },
    /// The admin changed it and the vendor changed it differently (or added it alike, differently).
    Conflict,
    /// The admin changed a value the vendor removed: carried anyway, with a warning.
    RemovedInNew,
}

/// One value in BASE, OLD and NEW, as .NET reads each.
#[derive(Debug, Clone, Copy)]
pub struct Three<'v> {
    /// `None` in a 2-way merge; `Some(None)` when BASE lacks the value.
    pub base: Option<Option<&'v str>>,
    pub old: &'v str,
    pub new: Option<&'v str>,
}

impl Three<'_> {
    /// True when BASE has OLD's value: the admin never changed it, so NEW's version stands and OLD's
    /// need not even be carried.
    pub fn untouched(&self) -> bool {
        matches!(self.base, Some(Some(b)) if b == self.old)
    }

    /// The verdict, given the value OLD's would be written as (`carried`: OLD's, renamed).
    pub fn verdict(&self, carried: &str) -> Verdict {
        let Some(base) = self.base else {
            return match self.new == Some(carried) {
                true => Verdict::Same { both: false },
                false => Verdict::Carry,
            };
        };
        if self.untouched() {
            return match self.new {
                Some(n) if n == self.old || n == carried => Verdict::Same { both: false },
                n => Verdict::Default {
                    removed: n.is_none(),
                },
            };
        }
        match (base, self.new) {
            (_, Some(n)) if n == carried => Verdict::Same { both: true },
            // NEW has OLD's value and only a rename tells them apart: as in a 2-way merge.
            (_, Some(n)) if n == self.old => Verdict::Carry,
            (Some(b), Some(n)) if n == b => Verdict::Carry,
            (Some(_), None) => Verdict::RemovedInNew,
            (None, None) => Verdict::Carry,
            (_, Some(_)) => Verdict::Conflict,
        }
    }
}

/// Where one value sits in each file that has it, else the element it is missing from, for the
/// labels of a decision.
pub struct Spans {
    pub base: Option<(FileId, Range<usize>)>,
    pub old: (FileId, Range<usize>),
    pub new: (FileId, Range<usize>),
}

impl Spans {
    fn labels(&self) -> Vec<Label> {
        let label = |(file, span): &(FileId, Range<usize>), text: &str| Label {
            file: *file,
            span: span.clone(),
            text: text.into(),
        };
        let mut out: Vec<Label> = self.base.iter().map(|b| label(b, "BASE")).collect();
        out.push(label(&self.old, "OLD"));
        out.push(label(&self.new, "NEW"));
        out
    }
}

/// The start tag of `node` in `file`, for a label.
pub fn tag_span(file: FileId, node: roxmltree::Node) -> (FileId, Range<usize>) {
    let text = node.document().input_text();
    (file, node.range().start..start_tag_end(text, node))
}

/// Acts on the verdict about one value (`path`): records the 3-way decision, if there is one to
/// record, and says whether OLD's value is to be written (`prefer` decides a conflict). `three` gives
/// BASE's, OLD's and NEW's values for the message (masked when `secret`).
pub fn settle(
    cx: &mut Context,
    verdict: Verdict,
    path: &str,
    three: Three,
    secret: bool,
    prefer: Prefer,
    spans: &Spans,
) -> bool {
    let (record, write) = match verdict {
        Verdict::Same { both } => (both, false),
        Verdict::Default { .. } => (true, false),
        Verdict::Conflict => (true, prefer == Prefer::Old),
        Verdict::Carry | Verdict::RemovedInNew => (three.base.is_some(), true),
    };
    if record {
        let chosen = (verdict == Verdict::Conflict).then_some(prefer);
        decide(cx, verdict, path, three, secret, chosen, spans);
    }
    write
}

/// Records a 3-way decision and its diagnostic, `chosen` being the winner of a conflict. A value the
/// admin added gets no diagnostic here: the caller's N301 says where it went.
fn decide(
    cx: &mut Context,
    verdict: Verdict,
    path: &str,
    three: Three,
    secret: bool,
    chosen: Option<Prefer>,
    spans: &Spans,
) {
    let show = |v: Option<&str>| cx.quoted(v, secret);
    let q = cx.quoted_all(&[three.base.flatten(), Some(three.old), three.new], secret);
    let values = format!("BASE {}, OLD {}, NEW {}", q[0], q[1], q[2]);
    let (kind, code, message, help) = match verdict {
        Verdict::Same { .. } => (
            DecisionKind::KeptNew,
            Code::KeptNew,
            format!("OLD and NEW both changed it to {}", show(three.new)),
            None,
        ),
        Verdict::Default { removed: false } => (
            DecisionKind::KeptNew,
            Code::DefaultUpdated,
            format!("the admin left the old default and the new version changed it; NEW's value stands ({values})"),
            None,
        ),
        Verdict::Default { removed: true } => (
            DecisionKind::KeptNew,
            Code::RemovedByVendor,
            format!("the new version removed it and the admin had left the old default; it stays removed ({values})"),
            None,
        ),
        Verdict::Carry if three.base.flatten().is_none() => (
            DecisionKind::Carried,
            Code::Carried,
            format!("added by the admin; carried into NEW ({values})"),
            None,
        ),
        Verdict::Carry => (
            DecisionKind::Carried,
            Code::Carried,
            format!("the admin's change carried ({values})"),
            None,
        ),
        Verdict::RemovedInNew => (
            DecisionKind::Carried,
            Code::ChangedButRemoved,
            format!("changed by the admin, removed by the new version; the admin's value was carried ({values})"),
            Some("check that the new version still reads it; delete it from the output if not"),
        ),
        Verdict::Conflict => (
            DecisionKind::Conflict,
            Code::Conflict,
            format!("both changed it ({values})"),
            Some(match chosen {
                Some(Prefer::Old) => "OLD's value was written (`prefer = \"old\"` of this rule, or --prefer old); check it suits the new version",
                _ => "NEW's value was kept; set `prefer = \"old\"` on this rule, or rerun with --prefer old, to take OLD's",
            }),
        ),
    };
    let labels = spans.labels();
    cx.decide(Decided {
        code,
        kind,
        path,
        message,
        chosen,
        labels,
        help,
        // An added key is said by N301 already.
        quiet: verdict == Verdict::Carry && three.base.flatten().is_none(),
    });
}
