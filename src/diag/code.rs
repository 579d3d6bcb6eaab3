//! The diagnostic code catalogue: every [`Code`] with its stable number, name, [`Severity`] and summary
//! ([`CODES`] is the table `wcmigrate rules` prints). It must never renumber or reuse a code (scripts
//! and reports match on them), and knows nothing of files, spans or rendering.

use std::fmt;

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
    OutputIsInput = "E015", "output-is-input", Error, "-o names an input (OLD, BASE, NEW or the rules file), which writing would destroy.";
    BaseIsNew = "E016", "base-is-new", Error, "--base names NEW's own file: every vendor change would be reverted.";
    InvalidVdir = "E017", "invalid-vdir", Error, "A --*-vdir value cannot be a single URL path segment.";
    CaseTimeout = "E018", "case-timeout", Error, "A batch case ran longer than --case-timeout; it was abandoned and nothing was written for it.";
    WindowsName = "E019", "windows-name", Error, "An output path or batch case name Windows cannot hold: a device name (CON, NUL, COM1...), a trailing dot or space, a refused character, or a case name differing from another only in case.";
    RefusedByDotnet = "E020", "refused-by-dotnet", Error, "An input holds what .NET's configuration reader refuses: an invalid character reference, XML 1.1, a second byte-order mark, or xmlns on a section.";
    Unencodable = "E021", "unencodable", Error, "NEW's encoding cannot hold a character carried into a name, CDATA, comment or processing instruction.";
    XdtInvalidAttribute = "E030", "xdt-invalid-attribute", Error, "An xdt:Transform, xdt:Locator or xdt:SupressWarnings value XDT rejects: bad syntax, unknown name, wrong arguments.";
    XdtBadXpath = "E031", "xdt-bad-xpath", Error, "An XPath a locator builds or a transform names is not valid XPath 1.0, or not a node-set (XDT rejects it too).";
    XdtUnsupportedXpath = "E032", "xdt-unsupported-xpath", Error, "An XPath uses a construct outside the subset wcmigrate evaluates (variables, following/preceding axes, id(), lang()).";
    XdtMissingTarget = "E033", "xdt-missing-target", Error, "An Insert-type transform found no parent to insert into, or no sibling to insert next to.";
    XdtTransformFailed = "E034", "xdt-transform-failed", Error, "A transform XDT fails on: Insert on the root, an unknown $(token), a non-element target, a comment that cannot hold the element.";
    XdtUnsupported = "E035", "xdt-unsupported", Error, "The transform needs what wcmigrate deliberately does not do: xdt:Import of .NET assemblies.";
    XdtStrict = "E036", "xdt-strict", Error, "--strict: the transform gave warnings, so nothing was written.";
    DiffRootsDiffer = "E037", "diff-roots-differ", Error, "diff: BASE and OLD have different root elements, so no customization can be told apart.";
    InvalidArguments = "E040", "invalid-arguments", Error, "The command line cannot work: an unknown, missing or conflicting argument.";
    SwappedInputs = "E041", "swapped-inputs", Error, "--check refused: OLD looks newer than NEW (W240), so the check would mean nothing.";
    DuplicateKey = "W201", "duplicate-key", Warning, "A key or setting is defined twice; the later one wins, as in .NET.";
    ExternalMissing = "W202", "external-file-missing", Warning, "A section kept in another file (file= or configSource=) could not be read.";
    NearMissName = "W203", "near-miss-name", Warning, "An OLD key or setting name is one or two letters away from a known one.";
    NearMissVdir = "W204", "near-miss-vdir", Warning, "A URL segment is one or two letters away from a known virtual directory.";
    ThemeFolder = "W205", "theme-folder", Warning, "A custom theme was carried: its App_Themes folder must be copied by hand.";
    NotEditable = "W206", "not-editable", Warning, "A value could not be edited in place (CDATA, mixed content, external section).";
    SerializeAsMismatch = "W207", "serialize-as-mismatch", Warning, "OLD and NEW store a setting with different serializeAs.";
    LocationUnmatched = "W208", "location-unmatched", Warning, "A migrated section sits under a <location> that NEW lacks.";
    Conflict = "W209", "conflict", Warning, "3-way: OLD and NEW changed the same thing differently; one side was chosen.";
    ChangedButRemoved = "W210", "changed-but-removed", Warning, "3-way: the admin changed a key or setting the new version removed; the admin's value was carried.";
    BaseEqualsNew = "W211", "base-equals-new", Warning, "BASE is byte-identical to NEW: every difference from OLD is treated as the admin's change.";
    XdtNoMatch = "W230", "xdt-no-match", Warning, "A transform matched no element (or only elements an earlier transform changed or removed); it did nothing.";
    XdtMultipleTargets = "W231", "xdt-multiple-targets", Warning, "Replace or Remove matched several elements and acted on the first only.";
    XdtIgnoredArguments = "W232", "xdt-ignored-arguments", Warning, "A transform that takes no arguments was given some; they were ignored.";
    XdtNoAttributes = "W233", "xdt-no-attributes", Warning, "A SetAttributes/RemoveAttributes argument matched no attribute, or nothing was set or removed.";
    XdtUnknownElement = "W234", "xdt-unknown-element", Warning, "The transform holds an element in the XDT namespace XDT does not know; it was ignored.";
    XdtNoRoot = "W235", "xdt-no-root", Warning, "The transform removed the root element: the result is not a usable config.";
    XdtNotExpressible = "W236", "xdt-not-expressible", Warning, "A customization XDT cannot express (a prefixed attribute, the root's text, attributes both set and removed on the root) was left out of the exported transform.";
    OldLooksNewer = "W240", "old-looks-newer", Warning, "OLD looks newer than NEW: the files may be swapped or mixed up.";
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
    DefaultUpdated = "N312", "default-updated", Note, "3-way: the admin left a key or setting at the old default and the new version changed it; NEW's value stands.";
    RemovedByVendor = "N313", "removed-by-vendor", Note, "3-way: the new version removed a key or setting the admin had left at the old default; it stays removed.";
    XdtSuppressed = "N330", "xdt-suppressed", Note, "A warning an element's xdt:SupressWarnings=\"true\" turned into a note.";
    XdtNoNamespace = "N331", "xdt-no-namespace", Note, "The transform declares no XDT namespace, so it holds no transforms; nothing was applied.";
    Customization = "N332", "customization", Note, "diff: a change the admin made to BASE (an attribute, element or text), with where it is in BASE and OLD.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info().code)
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
}
