//! Diagnostics: every problem and decision the engine reports, with a stable code and spans into the
//! files it read.
//!
//! Owns the code catalogue (`wcmigrate rules` prints it), the source registry that spans point into,
//! secret masking of displayed source text, and the two renderers (miette for people, serde for tools).
//! It must not decide anything about a migration: the engine creates diagnostics, this module shows them.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

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
    /// Each file's line index, built on first use (one per file, not one scan per label).
    lines: Vec<OnceLock<LineIndex>>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
            secrets: Vec::new(),
        });
        self.lines.push(OnceLock::new());
        FileId(self.files.len() - 1)
    }

    /// [`line_col`] of an offset in one file, in time independent of the offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let text = &self.files[id.0].text;
        self.lines[id.0]
            .get_or_init(|| LineIndex::new(text))
            .line_col(text, offset)
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

/// 1-based line and column (in characters) of a byte offset. Scans the text up to the offset: to
/// convert many offsets of one text, build a [`LineIndex`] once.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text.as_bytes()[..offset];
    // Byte loops the compiler vectorises: `str::matches` costs a search call per line.
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

/// [`line_col`] for many offsets of one text: checkpoints (byte offset, 1-based line, 0-based column
/// in characters) at every line start and every 4 KiB inside long lines, so each lookup costs a binary
/// search and a scan of at most 4 KiB instead of a scan from the start of the text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    checkpoints: Vec<(usize, usize, usize)>,
}

impl LineIndex {
    const STRIDE: usize = 4096;

    pub fn new(text: &str) -> LineIndex {
        let mut checkpoints = vec![(0, 1, 0)];
        let (mut line, mut col, mut last) = (1, 0, 0);
        for (i, c) in text.char_indices() {
            if i - last >= Self::STRIDE {
                checkpoints.push((i, line, col));
                last = i;
            }
            if c == '\n' {
                line += 1;
                col = 0;
                last = i + 1;
                checkpoints.push((last, line, 0));
            } else {
                col += 1;
            }
        }
        LineIndex { checkpoints }
    }

    /// The same as [`line_col`]`(text, offset)`; `text` must be the text the index was built from.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let i = self.checkpoints.partition_point(|c| c.0 <= offset) - 1;
        let (at, line, col) = self.checkpoints[i];
        (line, col + text[at..offset].chars().count() + 1)
    }
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

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
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
        // The masked ranges ending at or before `offset` shift it by the last one's delta.
        let i = shifts.partition_point(|s| s.1 <= offset);
        let d = if i == 0 { 0 } else { shifts[i - 1].2 };
        match shifts.get(i) {
            // Inside a masked range: point at its start.
            Some(&(start, _, _)) if offset > start => (start as isize + d) as usize,
            _ => (offset as isize + d) as usize,
        }
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
    source: Option<Arc<Shown>>,
    labels: Vec<miette::LabeledSpan>,
    related: Vec<MietteView>,
}

/// A file's text as shown (secrets masked unless asked), with its line starts as miette counts lines
/// (after `\n`, `\r\n` or a lone `\r`). miette's own `str` source scans from the start of the text
/// for every label, so many diagnostics on a large file took time quadratic in its size; this one
/// hands miette only the few lines around a span, with the file's line numbers and offsets.
#[derive(Debug)]
struct Shown {
    name: String,
    text: String,
    starts: Vec<usize>,
}

/// Where lines start as miette counts them: after `\r\n`, a lone `\r` or `\n`.
fn line_starts(b: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                i += 2;
                starts.push(i);
            }
            b'\r' | b'\n' => {
                i += 1;
                starts.push(i);
            }
            _ => i += 1,
        }
    }
    starts
}

fn line_breaks(b: &[u8]) -> usize {
    line_starts(b).len() - 1
}

impl Shown {
    fn new(name: &str, text: String) -> Shown {
        let starts = line_starts(text.as_bytes());
        Shown {
            name: name.to_string(),
            text,
            starts,
        }
    }

    /// Context longer than this (a minified file's one line, say) is clipped around the span.
    const LONG: usize = 4096;
    /// Bytes shown either side of a span in a clipped line.
    const CLIP: usize = 120;

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// The span with at most [`Self::CLIP`] bytes of its line(s) either side and no context lines, in
    /// miette's conventions (with no context before, the contents start at the span and `column` is
    /// its byte column). A span longer than [`Self::LONG`] is refused: miette then shows two labels'
    /// snippets apart instead of one snippet of everything between them.
    fn clipped<'a>(
        &'a self,
        start: usize,
        end: usize,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        if end - start > Self::LONG {
            return Err(miette::MietteError::OutOfBounds);
        }
        let line = self.line_of(start);
        let line_start = self.starts[line];
        let (a, column) = if before == 0 {
            (start, start - line_start)
        } else {
            let a = start.saturating_sub(Self::CLIP).max(line_start);
            (floor_char_boundary(&self.text, a), 0)
        };
        let b = if after == 0 && before == 0 {
            end
        } else {
            let last = self.line_of(end);
            let mut line_end = self
                .starts
                .get(last + 1)
                .copied()
                .unwrap_or(self.text.len());
            while line_end > end && matches!(self.text.as_bytes()[line_end - 1], b'\n' | b'\r') {
                line_end -= 1;
            }
            ceil_char_boundary(&self.text, end.saturating_add(Self::CLIP).min(line_end))
        };
        let data = &self.text.as_bytes()[a..b];
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            data,
            miette::SourceSpan::new(a.into(), b - a),
            line,
            column,
            line_breaks(data),
        )))
    }
}

impl miette::SourceCode for Shown {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let start = span.offset();
        let end = start.saturating_add(span.len());
        // A window of whole lines, two more on each side than the context miette asks for.
        let (first, from, to) = if end <= self.text.len() {
            let first = self.line_of(start).saturating_sub(before + 2);
            let last = self.line_of(end) + after + 2;
            let to = self
                .starts
                .get(last + 1)
                .copied()
                .unwrap_or(self.text.len());
            (first, self.starts[first], to)
        } else {
            (0, 0, self.text.len())
        };
        if to - from > Self::LONG && end <= self.text.len() {
            return self.clipped(start, end, before, after);
        }
        let local = miette::SourceSpan::new((start - from).into(), span.len());
        let c = self.text[from..to].read_span(&local, before, after)?;
        let shifted = miette::SourceSpan::new((c.span().offset() + from).into(), c.span().len());
        // The lines the contents cover, as miette documents `line_count` (its `str` source counts every
        // line from the start of the text instead, which made any two labels of a file one snippet
        // showing everything between them).
        let line_count = line_breaks(c.data());
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            shifted,
            c.line() + first,
            c.column(),
            line_count,
        )))
    }
}

/// Maps an offset in a file's text to the same place in its shown (masked) text.
type OffsetMap = Box<dyn Fn(usize) -> usize>;

/// Each file as shown, made once per rendering.
struct ShownFiles<'s> {
    sources: &'s Sources,
    show_secrets: bool,
    files: HashMap<FileId, (Arc<Shown>, OffsetMap)>,
}

impl ShownFiles<'_> {
    fn get(&mut self, id: FileId) -> &(Arc<Shown>, OffsetMap) {
        let (sources, show_secrets) = (self.sources, self.show_secrets);
        self.files.entry(id).or_insert_with(|| {
            let file = sources.get(id);
            if show_secrets {
                (
                    Arc::new(Shown::new(&file.name, file.text.clone())),
                    Box::new(|o| o),
                )
            } else {
                let (t, m) = mask(&file.text, &file.secrets);
                (Arc::new(Shown::new(&file.name, t)), Box::new(m))
            }
        })
    }
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
        self.source.as_deref().map(|s| s as &dyn miette::SourceCode)
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
    shown: &mut ShownFiles,
) -> (Option<Arc<Shown>>, Vec<miette::LabeledSpan>) {
    let Some(first) = labels.first() else {
        return (None, Vec::new());
    };
    let (text, map) = shown.get(first.file);
    let spans = labels
        .iter()
        .map(|l| {
            let start = map(l.span.start);
            // A label is drawn over at most LONG bytes: enough to see where it points.
            let end = map(l.span.end).max(start);
            let end = if end - start > Shown::LONG {
                ceil_char_boundary(&text.text, start + Shown::LONG).max(start)
            } else {
                end
            };
            let text = (!l.text.is_empty()).then(|| l.text.clone());
            miette::LabeledSpan::new(text, start, end - start)
        })
        .collect();
    (Some(text.clone()), spans)
}

fn to_view(d: &Diagnostic, shown: &mut ShownFiles) -> MietteView {
    let sources = shown.sources;
    // Labels in the primary file go on the diagnostic; labels in other files become related entries.
    let primary = d.labels.first().map(|l| l.file);
    let mine: Vec<&Label> = d
        .labels
        .iter()
        .filter(|l| Some(l.file) == primary)
        .collect();
    let (source, labels) = view_labels(&mine, shown);
    let mut related = Vec::new();
    let mut others: Vec<FileId> = Vec::new();
    for l in &d.labels {
        if Some(l.file) != primary && !others.contains(&l.file) {
            others.push(l.file);
        }
    }
    for f in others {
        let theirs: Vec<&Label> = d.labels.iter().filter(|l| l.file == f).collect();
        let (source, labels) = view_labels(&theirs, shown);
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

/// At most this many diagnostics of one code are rendered for a person; the rest are counted.
pub const SHOWN_PER_CODE: usize = 100;

/// Renders diagnostics for a terminal or a log, one after another (at most [`SHOWN_PER_CODE`] of each
/// code).
pub fn render_human(diags: &[Diagnostic], sources: &Sources, style: HumanStyle) -> String {
    let theme = if style.color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut shown = ShownFiles {
        sources,
        show_secrets: style.show_secrets,
        files: HashMap::new(),
    };
    let mut out = String::new();
    let mut per_code: Vec<(Code, usize)> = Vec::new();
    for d in diags {
        let i = match per_code.iter().position(|(c, _)| *c == d.code) {
            Some(i) => i,
            None => {
                per_code.push((d.code, 0));
                per_code.len() - 1
            }
        };
        per_code[i].1 += 1;
        if per_code[i].1 > SHOWN_PER_CODE {
            continue;
        }
        let view = to_view(d, &mut shown);
        if handler.render_report(&mut out, &view).is_err() {
            out.push_str(&format!("{}: {}\n", d.code, d.message));
        }
    }
    for (code, n) in per_code {
        if n > SHOWN_PER_CODE {
            let info = code.info();
            out.push_str(&format!(
                "{}({}): {} more not shown (the first {SHOWN_PER_CODE} are above); --format json lists them all\n",
                info.code,
                info.name,
                n - SHOWN_PER_CODE
            ));
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
        let (line, column) = sources.line_col(self.file, self.span.start);
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
    fn line_index_agrees_with_line_col() {
        let long = "é".repeat(5000);
        let text = format!("ab\r\ncé\n\n{long}x\ny");
        let mut sources = Sources::default();
        let id = sources.add("t", text.clone());
        for off in (0..=text.len() + 2).chain([usize::MAX]) {
            assert_eq!(sources.line_col(id, off), line_col(&text, off), "{off}");
        }
    }

    #[test]
    fn windowed_source_renders_like_the_whole_text() {
        use miette::SourceCode;
        let text = "a\r\nbb\rccc\n\n\r\ndddd\neeeee é\r\n\nf\ng\r\nhh\n".repeat(3);
        let shown = Shown::new("t", text.clone());
        let whole = miette::NamedSource::new("t", text.clone());
        for start in 0..=text.len() {
            if !text.is_char_boundary(start) {
                continue;
            }
            for len in [0, 1, 2, 5, 13] {
                for ctx in [0, 1, 2] {
                    let span = miette::SourceSpan::new(start.into(), len);
                    let a = whole.read_span(&span, ctx, ctx);
                    let b = shown.read_span(&span, ctx, ctx);
                    match (a, b) {
                        (Ok(a), Ok(b)) => {
                            assert_eq!(a.data(), b.data(), "{start}+{len} ctx {ctx}");
                            assert_eq!(a.span(), b.span(), "{start}+{len} ctx {ctx}");
                            assert_eq!(
                                (a.line(), a.column(), a.name()),
                                (b.line(), b.column(), b.name()),
                                "{start}+{len} ctx {ctx}"
                            );
                            assert_eq!(b.line_count(), line_breaks(b.data()));
                        }
                        (Err(_), Err(_)) => {}
                        (a, b) => panic!("{start}+{len}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
                    }
                }
            }
        }
    }

    #[test]
    fn a_huge_line_is_clipped_around_the_label() {
        let mut sources = Sources::default();
        let line = format!("<r>{}<bad>{}</r>", "x".repeat(100_000), "y".repeat(100_000));
        let id = sources.add("f", format!("{line}\n{line}"));
        let at = 100_003;
        let d = Diagnostic::new(Code::MalformedXml, "bad")
            .with_label(id, at..at + 5, "here")
            .with_label(id, line.len() + 1 + at..line.len() + 1 + at + 5, "again");
        let style = HumanStyle {
            color: false,
            show_secrets: false,
        };
        let out = render_human(&[d], &sources, style);
        assert!(out.len() < 2_000, "{} bytes", out.len());
        assert!(out.contains("[f:1:100004]"), "{out}");
        assert!(out.contains("xxx<bad>yyy") && out.contains("here") && out.contains("again"));
    }

    #[test]
    fn many_diagnostics_are_counted_past_the_cap() {
        let mut sources = Sources::default();
        let id = sources.add("f", "<a>\n".repeat(300));
        let diags: Vec<Diagnostic> = (0..SHOWN_PER_CODE + 7)
            .map(|i| {
                Diagnostic::new(Code::DuplicateKey, format!("dup {i}")).with_label(
                    id,
                    i * 4..i * 4 + 3,
                    "here",
                )
            })
            .collect();
        let style = HumanStyle {
            color: false,
            show_secrets: false,
        };
        let out = render_human(&diags, &sources, style);
        assert!(out.contains(&format!("dup {}", SHOWN_PER_CODE - 1)));
        assert!(!out.contains(&format!("dup {SHOWN_PER_CODE}")));
        assert!(
            out.contains("W201(duplicate-key): 7 more not shown"),
            "{out}"
        );
        assert!(out.contains("f:100:1"), "line numbers of the file itself");
    }

    #[test]
    fn mask_hides_values_and_maps_offsets() {
        let text = "a=\"secret\" b=\"x\"";
        let secret = 3..9;
        let (masked, map) = mask(text, std::slice::from_ref(&secret));
        assert_eq!(masked, "a=\"***\" b=\"x\"");
        assert_eq!(map(11), 8);
        assert_eq!(&masked[map(14)..map(15)], "x");
        let text = "p=111;q=22;r=3;s";
        let (masked, map) = mask(text, &[2..5, 8..10, 13..14]);
        assert_eq!(masked, "p=***;q=***;r=***;s");
        let expect = [0, 1, 2, 2, 2, 5, 6, 7, 8, 8, 11, 12, 13, 14, 17, 18, 19];
        for (o, e) in expect.into_iter().enumerate() {
            assert_eq!(map(o), e, "offset {o}");
        }
    }
}
