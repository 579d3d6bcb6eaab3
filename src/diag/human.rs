//! The renderer for people: diagnostics drawn by miette over a windowed, clipped view of each file.
//! It must only ever show the masked view of a file's text unless the user asked for secrets
//! ([`HumanStyle::show_secrets`]), and must not decide anything about a migration.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::code::{Code, Severity};
use super::sources::{ceil_char_boundary, floor_char_boundary, FileId, Sources};
use super::visible::{visible, visible_source};
use super::{Diagnostic, Label};
use crate::secrets::mask;

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
            let name = visible(&file.name);
            if show_secrets {
                let text = visible_source(file.text.to_string());
                (Arc::new(Shown::new(&name, text)), Box::new(|o| o))
            } else {
                let (t, m) = mask(&file.text, &file.secrets);
                (Arc::new(Shown::new(&name, visible_source(t))), Box::new(m))
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
            let text = (!l.text.is_empty()).then(|| visible(&l.text).into_owned());
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
            message: format!("see also {}", visible(&sources.get(f).name)),
            help: None,
            source,
            labels,
            related: Vec::new(),
        });
    }
    MietteView {
        code: d.code,
        message: visible(&d.message).into_owned(),
        help: d.help.as_deref().map(|h| visible(h).into_owned()),
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
            out.push_str(&format!("{}: {}\n", d.code, visible(&d.message)));
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
