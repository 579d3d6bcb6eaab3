//! XDT (Microsoft.Web.XmlTransform, the engine behind `Web.Release.config`) applied losslessly: the
//! meaning of XDT's eleven verbs and three locators, exactly as XDT-FACTS.md describes them, with the
//! output being SOURCE's text with splices — bytes no transform touches stay identical.
//!
//! Owns the procedure of one apply: load both files, check the transform's XDT namespace and elements,
//! walk its elements in document order applying each one's splices and re-parsing the current text before
//! the next (late evaluation), verify the result and assemble a [`Migration`] so the diff and report
//! renderers work unchanged. It never writes a file and never renders; it does not use `merge`.
//! Submodules: `args` (attribute value grammar), `xpath` (the XPath subset), `locate` (paths and
//! locators), `walk` (one element), `step` (its view and the run's sinks), `verbs` and `attrs` (the verbs), `content` (copied content),
//! `trace` (offsets back into SOURCE), `report` (the JSON report).

use std::ops::Range;

use roxmltree::{Document, Node};

pub mod args;
mod attrs;
mod content;
pub mod export;
pub mod locate;
pub mod report;
mod step;
mod trace;
mod verbs;
mod walk;
pub mod xpath;

use crate::diag::{Code, Diagnostic, FileId, Severity, Sources};
use crate::doc::{indent_unit, parse};
use crate::edit::Edits;
use crate::migration::{Failure, Input, Migration};
use crate::secrets::Secrets;
use crate::text::{encode, Decoded};
use locate::{element_span, Locator, Transform};
use step::Run;
use walk::Outcome;

/// The XDT namespace; any prefix may be bound to it.
pub const XDT_NS: &str = "http://schemas.microsoft.com/XML-Document-Transform";

/// The value of `e`'s attribute `local` in the XDT namespace.
pub fn xdt_attribute<'a>(e: Node<'a, '_>, local: &str) -> Option<&'a str> {
    e.attributes()
        .find(|a| a.namespace() == Some(XDT_NS) && a.name() == local)
        .map(|a| a.value())
}

/// Choices of one apply.
#[derive(Debug, Clone)]
pub struct XdtOptions {
    /// Show secret values in messages and the diff.
    pub show_secrets: bool,
    /// Warnings fail the apply (E036), as Octopus Deploy's default does.
    pub strict: bool,
    pub secrets: Secrets,
}

impl Default for XdtOptions {
    fn default() -> XdtOptions {
        XdtOptions {
            show_secrets: false,
            strict: false,
            secrets: Secrets::default().normalized(),
        }
    }
}

/// A successful apply: the result as a [`Migration`] (`old` is the transform, `new` SOURCE, `merged_text`
/// the result) and what the transforms acted on.
#[derive(Debug)]
pub struct Applied {
    pub migration: Migration,
    /// Spans of SOURCE (decoded text) the transforms acted on, in order.
    pub regions: Vec<Range<usize>>,
    /// Transform elements whose verb ran.
    pub executed: usize,
}

/// Applies `transform` to `source`. On failure nothing should be written; the [`Failure`] holds every
/// diagnostic (XDT goes on after an error to report the rest, and so does this).
pub fn apply(source: &Input, transform: &Input, opts: &XdtOptions) -> Result<Applied, Failure> {
    let mut sources = Sources::default();
    let mut diags = Vec::new();
    match stages(source, transform, opts, &mut sources, &mut diags) {
        Ok(done) => Ok(done.finish(sources, diags, opts)),
        Err(d) => {
            diags.extend(d);
            diags.sort_by_key(|d| d.severity());
            Err(Failure {
                sources,
                diagnostics: diags,
            })
        }
    }
}

struct Done {
    source: FileId,
    transform: FileId,
    decoded: Decoded,
    result: String,
    run_changes: Vec<crate::migration::Change>,
    regions: Vec<Range<usize>>,
    executed: usize,
}

/// A document to search once the root element is gone: it has no element a transform can name.
const NO_ROOT: &str = "<wcmigrate-no-root xmlns=\"urn:wcmigrate:no-root\"/>";

fn stages(
    source: &Input,
    transform: &Input,
    opts: &XdtOptions,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Result<Done, Vec<Diagnostic>> {
    let one = |d: Diagnostic| vec![d];
    let (src_id, decoded) = sources
        .add_input(&source.name, &source.bytes, &opts.secrets)
        .map_err(one)?;
    let (tf_id, tf_decoded) = sources
        .add_input(&transform.name, &transform.bytes, &opts.secrets)
        .map_err(one)?;
    let original = parse(&decoded.text, src_id, &source.name).map_err(one)?;
    let tf_doc = parse(&tf_decoded.text, tf_id, &transform.name).map_err(one)?;
    let tf = Transform {
        id: tf_id,
        name: &transform.name,
        text: &tf_decoded.text,
        doc: &tf_doc,
    };
    let done = |result: String, changes, regions, executed| Done {
        source: src_id,
        transform: tf_id,
        result,
        run_changes: changes,
        regions,
        executed,
        decoded: decoded.clone(),
    };
    if !locate::declares_xdt(&tf_doc) {
        diags.push(
            Diagnostic::new(
                Code::XdtNoNamespace,
                format!("{} declares no XDT namespace ({XDT_NS}), so it holds no transforms; nothing was applied", transform.name),
            )
            .with_label(tf_id, element_span(tf.text, tf_doc.root_element()), "root element"),
        );
        return Ok(done(decoded.text.to_string(), Vec::new(), Vec::new(), 0));
    }
    let elements: Vec<Node> = tf_doc.descendants().filter(|n| n.is_element()).collect();
    for e in &elements {
        if e.tag_name().namespace() != Some(XDT_NS) {
            continue;
        }
        let span = element_span(tf.text, *e);
        let written = &tf.text[span.start + 1..span.end];
        if e.tag_name().name() == "Import" {
            return Err(vec![Diagnostic::new(
                Code::XdtUnsupported,
                format!("{written}: wcmigrate does not load .NET assemblies, so custom transforms and locators are not available"),
            )
            .with_label(tf_id, span, "here")
            .with_help("use the eleven built-in transforms, or apply this transform with Microsoft's XDT")]);
        }
        diags.push(
            Diagnostic::new(Code::XdtUnknownElement, format!("Unknown tag '{written}'"))
                .with_label(tf_id, span, "ignored"),
        );
    }

    let mut run = Run {
        loc: Locator::new(tf),
        source: src_id,
        trace: trace::Trace::new(decoded.text.len()),
        diags: Vec::new(),
        changes: Vec::new(),
        regions: Vec::new(),
        suppress: false,
        unit: indent_unit(&decoded.text, &original),
        secrets: &opts.secrets,
        show: opts.show_secrets,
        removed_root: false,
        executed: 0,
        hidden: hidden(
            &tf_doc,
            &sources.get(tf_id).text,
            &sources.get(tf_id).secrets,
        ),
    };
    let no_root = Document::parse(NO_ROOT).expect("a fixed well-formed document");
    let mut current = decoded.text.to_string();
    let mut skip_until = 0usize;
    let mut i = 0;
    while i < elements.len() {
        let edits = {
            // Late evaluation: every element sees what earlier ones did. The text is re-parsed only
            // after an element changed it.
            let parsed;
            let (text, doc): (&str, &Document) = if run.removed_root {
                (NO_ROOT, &no_root)
            } else {
                parsed =
                    parse(&current, src_id, &source.name).map_err(|e| vec![bug(&e.message)])?;
                (current.as_str(), &parsed)
            };
            let mut edits = Edits::new();
            while i < elements.len() && edits.is_empty() {
                let e = elements[i];
                i += 1;
                if e.range().start < skip_until {
                    continue;
                }
                match walk::element(&mut run, e, text, doc, &original) {
                    Outcome::Edits(found) => edits = found,
                    Outcome::SkipChildren => skip_until = e.range().end,
                }
            }
            edits
        };
        if !edits.is_empty() {
            current = edits.try_apply(&current).map_err(|r| {
                vec![bug(&format!(
                    "two splices overlap at bytes {}..{}",
                    r.start, r.end
                ))]
            })?;
            run.trace.apply(&edits);
        }
    }
    let mut all = std::mem::take(&mut run.diags);
    if run.removed_root {
        all.push(
            Diagnostic::new(
                Code::XdtNoRoot,
                "the transform removed the root element: the result has no root element, so .NET cannot read it as a config",
            )
            .with_help("XDT writes such a file without complaint; Octopus Deploy warns about it"),
        );
    } else if *current != *decoded.text {
        parse(&current, src_id, &source.name).map_err(|e| vec![bug(&e.message)])?;
        if let crate::text::Charset::Legacy(e) = decoded.encoding.charset {
            crate::doc::unencodable(&current, e, &source.name).map_err(|d| vec![d])?;
        }
    }
    let failed = all.iter().any(|d| d.is_error());
    if failed {
        return Err(all);
    }
    if opts.strict {
        let warnings = all
            .iter()
            .chain(diags.iter())
            .filter(|d| d.severity() == Severity::Warning)
            .count();
        if warnings > 0 {
            all.push(
                Diagnostic::new(
                    Code::XdtStrict,
                    format!("{warnings} warning(s) and --strict: nothing was written"),
                )
                .with_help("fix the transform, mark expected misses with xdt:SupressWarnings=\"true\", or drop --strict"),
            );
            return Err(all);
        }
    }
    diags.extend(all);
    let (changes, regions, executed) = (run.changes, run.regions, run.executed);
    Ok(done(current, changes, regions, executed))
}

/// The secret values at `ranges` of the transform `text`, as written and decoded, longest first. XDT's
/// own attributes hold locators and verbs, not secrets (`Condition(@key='A')` is no `key=` value).
fn hidden(doc: &Document, text: &str, ranges: &[Range<usize>]) -> Vec<String> {
    let xdt_values: Vec<Range<usize>> = doc
        .descendants()
        .flat_map(|n| n.attributes())
        .filter(|a| a.namespace() == Some(XDT_NS))
        .map(|a| a.range())
        .collect();
    let mut out: Vec<String> = Vec::new();
    for r in ranges {
        if xdt_values
            .iter()
            .any(|x| x.start <= r.start && r.end <= x.end)
        {
            continue;
        }
        let Some(raw) = text.get(r.clone()).filter(|v| !v.is_empty()) else {
            continue;
        };
        let decoded = raw
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        out.push(raw.to_string());
        out.push(decoded);
    }
    out.sort_by_key(|h| std::cmp::Reverse(h.len()));
    out.dedup();
    out
}

fn bug(what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::OutputInvalid,
        format!("the transformed text failed its own check ({what}); nothing was written"),
    )
    .with_help("please report this with SOURCE and TRANSFORM (remove secrets first)")
}

impl Done {
    fn finish(self, sources: Sources, mut diags: Vec<Diagnostic>, opts: &XdtOptions) -> Applied {
        let mut changes = self.run_changes;
        for c in &mut changes {
            let (line, column) = sources.line_col(self.source, c.span.start);
            c.line = line;
            c.column = column;
        }
        diags.sort_by_key(|d| d.severity());
        let output = encode(&self.result, self.decoded.encoding);
        let new_secrets = sources.get(self.source).secrets.clone();
        let merged_secrets = if *self.result == *self.decoded.text {
            new_secrets.clone()
        } else {
            opts.secrets.scan(&self.result)
        };
        Applied {
            migration: Migration {
                sources,
                old: self.transform,
                new: self.source,
                base: None,
                new_encoding: self.decoded.encoding,
                new_text: self.decoded.text,
                merged_text: self.result,
                landed: None,
                output,
                changes,
                decisions: Vec::new(),
                diagnostics: diags,
                new_secrets,
                merged_secrets,
            },
            regions: self.regions,
            executed: self.executed,
        }
    }
}
