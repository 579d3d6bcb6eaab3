//! Files OLD's sections keep their values in (`<appSettings file=...>`, `configSource=...`): found,
//! read as carefully as an input, and registered in the sources.
//!
//! Owns following those references, only inside the config's own folder (links resolved, then opened
//! without following one out of it). It never writes and never reads a file no claimed section points
//! to.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use roxmltree::{Document, Node, NodeId};

use crate::actions::{Claims, Externals};
use crate::config::scopes;
use crate::diag::{Code, Diagnostic, FileId, Sources};
use crate::doc::{attr, elements};
use crate::migration::Input;
use crate::output::{open_inside, OpenError};
use crate::secrets::Secrets;
use crate::text::decode;
use crate::winpath;

/// A file an OLD section points to, read and decoded.
pub struct External {
    /// The OLD element that points to it.
    pub owner: NodeId,
    /// `file` or `configSource`.
    pub attribute: &'static str,
    pub id: FileId,
    pub text: Arc<str>,
}

/// Resolves a relative `file=`/`configSource=` path against the config's folder, or says why not:
/// only the folder and below, in either separator style (no root, drive, UNC path, `:` or `..`); on
/// Windows, also no device name, trailing dot or space, or character Windows refuses
/// ([`winpath::external_parts`]), since Windows would open something else than the name says.
fn resolve_relative(dir: Option<&Path>, rel: &str) -> Result<PathBuf, String> {
    let parts = winpath::external_parts(rel, winpath::ON_WINDOWS)?;
    let mut p = dir
        .ok_or("the input did not come from a folder")?
        .to_path_buf();
    p.extend(parts);
    Ok(p)
}

/// Reads a file a section points to, as carefully as an input: a regular file that is still inside
/// the config's folder `root` once links are resolved (a link inside it is followed, one out of it is
/// not), opened without following a link swapped in after that check (see [`open_inside`]), at most
/// `max_size` bytes, in a supported encoding. The error says why not, for W202.
fn read_external(root: &Path, path: &Path, max_size: u64) -> Result<crate::text::Decoded, String> {
    use std::io::Read;
    let shown = path.display();
    let (file, meta) = open_inside(root, path).map_err(|e| match e {
        OpenError::Outside(real) => format!(
            "{shown} leads to {}, outside the config's folder; links out of it are not followed",
            real.display()
        ),
        OpenError::NotRegular => format!("{shown} is not a regular file"),
        OpenError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
            format!("{shown} is not there")
        }
        OpenError::Io(e) => format!("{shown} cannot be read: {e}"),
    })?;
    if meta.len() > max_size {
        return Err(format!(
            "{shown} is {} bytes, more than --max-size {max_size}",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
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

/// Reads every file a claimed section of OLD points to; one that cannot be read is a warning (W202),
/// one that can a note (N301).
#[allow(clippy::too_many_arguments)]
pub fn read(
    doc: &Document,
    old_id: FileId,
    max_size: u64,
    input: &Input,
    claims: &Claims,
    secrets: &Secrets,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Vec<External> {
    let text = doc.input_text();
    let mut out = Vec::new();
    for scope in scopes(doc) {
        let mut owners: Vec<Node> = Vec::new();
        for sec in elements(scope.node) {
            let n = sec.tag_name().name();
            if claims.sections.iter().any(|s| s == n) {
                owners.push(sec);
            } else if claims.groups.iter().any(|g| g == n) {
                owners.extend(elements(sec));
            }
        }
        for owner in owners {
            for attribute in ["configSource", "file"] {
                // .NET follows `file=` for appSettings alone; `configSource=` for any section.
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
                let read = resolve_relative(input.dir.as_deref(), &a.value).and_then(|path| {
                    let root = input.dir.as_deref().unwrap_or(Path::new("."));
                    read_external(root, &path, max_size).map(|d| (path, d))
                });
                match read {
                    Ok((path, d)) => {
                        let id = sources.add_config(
                            path.display().to_string(),
                            Arc::clone(&d.text),
                            secrets,
                        );
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

/// Parses each external file read (a malformed one stops the run, like a malformed input).
pub fn parse<'e>(
    files: &'e [External],
    sources: &Sources,
) -> Result<Vec<(&'e External, Document<'e>)>, Diagnostic> {
    files
        .iter()
        .map(|e| {
            Ok((
                e,
                crate::doc::parse(&e.text, e.id, &sources.get(e.id).name)?,
            ))
        })
        .collect()
}

/// The parsed external files by the OLD element and attribute that name them, as actions look them up.
pub fn index<'a>(docs: &'a [(&External, Document<'a>)]) -> Externals<'a> {
    docs.iter()
        .map(|(e, d)| ((e.owner, e.attribute), (e.id, d.root_element())))
        .collect()
}
