//! Diagnostics: every problem and decision the engine reports, with a stable code and spans into the
//! files it read.
//!
//! Owns the code catalogue (`wcmigrate rules` prints it), the source registry that spans point into,
//! secret masking of displayed source text, and the two renderers (miette for people, serde for tools).
//! It must not decide anything about a migration: the engine creates diagnostics, this module shows them.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

/// One entry of the diagnostic catalogue.
#[derive(Debug)]
pub struct CodeInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $name:literal, $sev:ident, $summary:literal; )*) => {
        /// Stable diagnostic codes. Never renumber one: scripts and reports match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $( $variant, )* }

        /// The catalogue, in code order.
        pub const CODES: &[CodeInfo] = &[
            $( CodeInfo { code: $code, name: $name, severity: Severity::$sev, summary: $summary }, )*
        ];

        impl Code {
            pub fn info(self) -> &'static CodeInfo {
                let i = match self { $( Code::$variant => $code, )* };
                CODES.iter().find(|c| c.code == i).expect("every code is in the catalogue")
            }
        }
    };
}

codes! {
    Unreadable = "E001", "unreadable-file", Error, "A file could not be read.";
    Encoding = "E002", "invalid-encoding", Error, "A file's bytes are not valid in its encoding, or contradict its XML declaration.";
    MalformedXml = "E003", "malformed-xml", Error, "A file is not well-formed XML.";
    NotAConfig = "E004", "not-a-config", Error, "The root element is not a .NET <configuration>, or carries a namespace .NET rejects.";
    Encrypted = "E005", "encrypted-section", Error, "A section to migrate is encrypted with keys bound to the old machine.";
    InvalidRules = "E006", "invalid-rules", Error, "The rules file is not valid.";
    WriteFailed = "E007", "write-failed", Error, "The output could not be written; nothing was changed.";
    BackupExists = "E008", "backup-exists", Error, "--in-place would overwrite an earlier backup.";
    InputChanged = "E009", "input-changed", Error, "NEW changed on disk while wcmigrate ran.";
    OutputInvalid = "E010", "output-invalid", Error, "The merged text failed its own well-formedness check (a bug: please report it).";
    TooLarge = "E011", "too-large", Error, "An input is larger than --max-size.";
    UnsafePath = "E012", "unsafe-path", Error, "A batch case leads out of DIR through a link, or its name would write outside OUTDIR.";
    InvalidBatch = "E013", "invalid-batch", Error, "A batch input is not usable: no cases, a bad manifest, or a bad args flag.";
    InternalError = "E014", "internal-error", Error, "The engine stopped unexpectedly on a batch case (a bug: please report it).";
    DuplicateKey = "W201", "duplicate-key", Warning, "A key or setting is defined twice; the later one wins, as in .NET.";
    ExternalMissing = "W202", "external-file-missing", Warning, "A section kept in another file (file= or configSource=) could not be read.";
    NearMissName = "W203", "near-miss-name", Warning, "An OLD key or setting name is one or two letters away from a known one.";
    NearMissVdir = "W204", "near-miss-vdir", Warning, "A URL segment is one or two letters away from a known virtual directory.";
    ThemeFolder = "W205", "theme-folder", Warning, "A custom theme was carried: its App_Themes folder must be copied by hand.";
    NotEditable = "W206", "not-editable", Warning, "A value could not be edited in place (CDATA, mixed content, external section).";
    SerializeAsMismatch = "W207", "serialize-as-mismatch", Warning, "OLD and NEW store a setting with different serializeAs.";
    LocationUnmatched = "W208", "location-unmatched", Warning, "A migrated section sits under a <location> that NEW lacks.";
    Conflict = "W209", "conflict", Warning, "3-way: OLD and NEW changed the same thing differently; one side was chosen.";
    Inserted = "N301", "inserted", Note, "A key, setting or section only in OLD was added to NEW.";
    RemovedInOld = "N302", "removed-in-old", Note, "OLD removes (<remove>/<clear/>) a key that NEW defines; NEW's value stays.";
    Review = "N303", "review-difference", Note, "OLD differs from NEW outside the migrated sections: review it, it was not applied.";
    ExternalRead = "N304", "external-file-read", Note, "Values were read from a file the section points to (file= or configSource=).";
    NamespaceIgnored = "N305", "namespace-ignored", Note, "OLD's root carries the ASP.NET 2.0 namespace; it is not copied.";
    DeclarationAdded = "N306", "declaration-added", Note, "A configSections declaration was added for a carried section.";
    SecretsMasked = "N307", "secrets-masked", Note, "Secret values were masked in the diff, so it will not apply with patch.";
    TextDiff = "N308", "decoded-diff", Note, "NEW is UTF-16: the diff shows its text in UTF-8 and will not apply with patch to the file.";
    VdirKept = "N309", "vdir-kept", Note, "A virtual directory keeps its old name, so URLs using it are not remapped.";
    Carried = "N310", "carried", Note, "3-way: a change the admin made to BASE was carried into NEW.";
    KeptNew = "N311", "kept-new", Note, "3-way: OLD and NEW made the same change; NEW's text stands.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info().code)
    }
}

/// Which file a span points into, as an index in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FileId(pub usize);

/// A file the engine read, kept for rendering spans.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to the user (the path as given).
    pub name: String,
    /// The decoded text; spans are byte offsets into it.
    pub text: String,
    /// Byte ranges of secret values in `text`, masked when shown.
    pub secrets: Vec<Range<usize>>,
}

/// Every file diagnostics may point into.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
            secrets: Vec::new(),
        });
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    pub fn set_secrets(&mut self, id: FileId, secrets: Vec<Range<usize>>) {
        self.files[id.0].secrets = secrets;
    }
}

/// A labelled span in one file.
#[derive(Debug, Clone)]
pub struct Label {
    pub file: FileId,
    pub span: Range<usize>,
    pub text: String,
}

/// One problem or decision.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    /// The first label is the primary one; later labels may point into other files.
    pub labels: Vec<Label>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            help: None,
            labels: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_labels(mut self, labels: Vec<Label>) -> Self {
        self.labels.extend(labels);
        self
    }

    pub fn with_label(mut self, file: FileId, span: Range<usize>, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            text: text.into(),
        });
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.info().severity
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

/// Byte offset of a 1-based line and column (column counted in characters).
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[start..];
    let end = line_text.find('\n').unwrap_or(line_text.len());
    start
        + line_text[..end]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(end, |(i, _)| i)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The text shown for a secret.
pub const MASK: &str = "***";

/// Replaces the secret ranges of `text` by [`MASK`] (keeping line breaks, so lines stay aligned) and
/// returns the masked text with a function mapping original offsets to masked ones.
pub fn mask(text: &str, secrets: &[Range<usize>]) -> (String, impl Fn(usize) -> usize) {
    let mut ranges: Vec<Range<usize>> = secrets.iter().filter(|r| !r.is_empty()).cloned().collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut shifts: Vec<(usize, usize, isize)> = Vec::new(); // (start, end, delta after end)
    let mut pos = 0;
    let mut delta: isize = 0;
    for r in ranges {
        if r.start < pos {
            continue;
        }
        out.push_str(&text[pos..r.start]);
        let replaced = &text[r.clone()];
        let breaks: String = replaced
            .chars()
            .filter(|c| *c == '\n' || *c == '\r')
            .collect();
        let new = format!("{MASK}{breaks}");
        delta += new.len() as isize - replaced.len() as isize;
        out.push_str(&new);
        shifts.push((r.start, r.end, delta));
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    let map = move |offset: usize| {
        let mut d = 0isize;
        for &(start, end, after) in &shifts {
            if offset >= end {
                d = after;
            } else if offset > start {
                // Inside a masked range: point at its start.
                return (start as isize + d) as usize;
            } else {
                break;
            }
        }
        (offset as isize + d) as usize
    };
    (out, map)
}

/// How diagnostics are shown to a person.
#[derive(Debug, Clone, Copy)]
pub struct HumanStyle {
    pub color: bool,
    pub show_secrets: bool,
}

struct MietteView {
    code: Code,
    message: String,
    help: Option<String>,
    source: Option<miette::NamedSource<String>>,
    labels: Vec<miette::LabeledSpan>,
    related: Vec<MietteView>,
}

impl fmt::Debug for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView {}

impl miette::Diagnostic for MietteView {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let info = self.code.info();
        Some(Box::new(format!("{}({})", info.code, info.name)))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.code.info().severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

fn view_labels(
    labels: &[&Label],
    sources: &Sources,
    show_secrets: bool,
) -> (
    Option<miette::NamedSource<String>>,
    Vec<miette::LabeledSpan>,
) {
    let Some(first) = labels.first() else {
        return (None, Vec::new());
    };
    let file = sources.get(first.file);
    let (text, map): (String, Box<dyn Fn(usize) -> usize>) = if show_secrets {
        (file.text.clone(), Box::new(|o| o))
    } else {
        let (t, m) = mask(&file.text, &file.secrets);
        (t, Box::new(m))
    };
    let spans = labels
        .iter()
        .map(|l| {
            let start = map(l.span.start);
            let end = map(l.span.end).max(start);
            let text = (!l.text.is_empty()).then(|| l.text.clone());
            miette::LabeledSpan::new(text, start, end - start)
        })
        .collect();
    (Some(miette::NamedSource::new(&file.name, text)), spans)
}

fn to_view(d: &Diagnostic, sources: &Sources, show_secrets: bool) -> MietteView {
    // Labels in the primary file go on the diagnostic; labels in other files become related entries.
    let primary = d.labels.first().map(|l| l.file);
    let mine: Vec<&Label> = d
        .labels
        .iter()
        .filter(|l| Some(l.file) == primary)
        .collect();
    let (source, labels) = view_labels(&mine, sources, show_secrets);
    let mut related = Vec::new();
    let mut others: Vec<FileId> = Vec::new();
    for l in &d.labels {
        if Some(l.file) != primary && !others.contains(&l.file) {
            others.push(l.file);
        }
    }
    for f in others {
        let theirs: Vec<&Label> = d.labels.iter().filter(|l| l.file == f).collect();
        let (source, labels) = view_labels(&theirs, sources, show_secrets);
        related.push(MietteView {
            code: d.code,
            message: format!("see also {}", sources.get(f).name),
            help: None,
            source,
            labels,
            related: Vec::new(),
        });
    }
    MietteView {
        code: d.code,
        message: d.message.clone(),
        help: d.help.clone(),
        source,
        labels,
        related,
    }
}

/// Renders diagnostics for a terminal or a log, one after another.
pub fn render_human(diags: &[Diagnostic], sources: &Sources, style: HumanStyle) -> String {
    let theme = if style.color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for d in diags {
        let view = to_view(d, sources, style.show_secrets);
        if handler.render_report(&mut out, &view).is_err() {
            out.push_str(&format!("{}: {}\n", d.code, d.message));
        }
    }
    out
}

/// A diagnostic as it appears in JSON reports.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub labels: Vec<JsonLabel>,
}

#[derive(Debug, Serialize)]
pub struct JsonLabel {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Byte range in the decoded text.
    pub start: usize,
    pub end: usize,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl Label {
    pub fn to_json(&self, sources: &Sources) -> JsonLabel {
        let f = sources.get(self.file);
        let (line, column) = line_col(&f.text, self.span.start);
        JsonLabel {
            file: f.name.clone(),
            line,
            column,
            start: self.span.start,
            end: self.span.end,
            text: self.text.clone(),
        }
    }
}

impl Diagnostic {
    pub fn to_json(&self, sources: &Sources) -> JsonDiagnostic {
        let info = self.code.info();
        JsonDiagnostic {
            code: info.code,
            name: info.name,
            severity: info.severity,
            message: self.message.clone(),
            help: self.help.clone(),
            labels: self.labels.iter().map(|l| l.to_json(sources)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        for (i, c) in CODES.iter().enumerate() {
            assert!(
                CODES[i + 1..]
                    .iter()
                    .all(|d| d.code != c.code && d.name != c.name),
                "{}",
                c.code
            );
            let letter = match c.severity {
                Severity::Error => 'E',
                Severity::Warning => 'W',
                Severity::Note => 'N',
            };
            assert!(
                c.code.starts_with(letter),
                "{} has the wrong letter",
                c.code
            );
        }
    }

    #[test]
    fn line_col_and_offset_agree() {
        let text = "ab\r\ncé\nx";
        for (off, lc) in [(0, (1, 1)), (4, (2, 1)), (5, (2, 2)), (8, (3, 1))] {
            assert_eq!(line_col(text, off), lc);
            assert_eq!(offset_of(text, lc.0, lc.1), off);
        }
    }

    #[test]
    fn mask_hides_values_and_maps_offsets() {
        let text = "a=\"secret\" b=\"x\"";
        let secret = 3..9;
        let (masked, map) = mask(text, std::slice::from_ref(&secret));
        assert_eq!(masked, "a=\"***\" b=\"x\"");
        assert_eq!(map(11), 8);
        assert_eq!(&masked[map(14)..map(15)], "x");
    }
}
