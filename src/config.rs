//! .NET configuration semantics: what a web.config means, read the way `System.Configuration` reads it.
//!
//! Owns the root check, `<location>` scopes, the effective appSettings (case-insensitive keys, clear,
//! remove, last add wins), settings sections, section declarations and encryption markers. It reads
//! parsed documents only: no file access, no edits.

use std::collections::{BTreeMap, VecDeque};

use foldhash::{HashMap, HashMapExt};

use roxmltree::{Document, Node};
use serde::Deserialize;

use crate::diag::{Code, Diagnostic, FileId};
use crate::doc::{child, content_range, elements};

/// The one root namespace .NET accepts (ASP.NET 2.0 era files carry it).
pub const ASPNET2_NS: &str = "http://schemas.microsoft.com/.NetConfiguration/v2.0";

/// Checks that the root is a `<configuration>` .NET would load. Returns a note when OLD's root carries
/// the ASP.NET 2.0 namespace.
pub fn check_root(
    doc: &Document,
    file: FileId,
    name: &str,
) -> Result<Option<Diagnostic>, Diagnostic> {
    let root = doc.root_element();
    let span = root.range().start..root.range().start + 1 + root.tag_name().name().len();
    if root.tag_name().name() != "configuration" {
        return Err(Diagnostic::new(
            Code::NotAConfig,
            format!(
                "{name}: the root element is <{}>, not <configuration>",
                root.tag_name().name()
            ),
        )
        .with_label(file, span, "expected <configuration>")
        .with_help(
            "give wcmigrate the web.config file itself (its root element is <configuration>)",
        ));
    }
    match root.tag_name().namespace() {
        None => Ok(None),
        Some(ASPNET2_NS) => Ok(Some(
            Diagnostic::new(
                Code::NamespaceIgnored,
                format!("{name} declares the ASP.NET 2.0 configuration namespace; it is read as plain configuration and never copied"),
            )
            .with_label(file, span, "xmlns here"),
        )),
        Some(ns) => Err(Diagnostic::new(
            Code::NotAConfig,
            format!("{name}: <configuration> is in namespace `{ns}`, which .NET refuses to load"),
        )
        .with_label(file, span, "namespaced root")
        .with_help(format!("remove the xmlns attribute (only `{ASPNET2_NS}` is accepted)"))),
    }
}

/// A container of sections: the root, or a `<location path>` element.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a, 'i> {
    pub node: Node<'a, 'i>,
    /// `None` for the root.
    pub location: Option<&'a str>,
}

impl Scope<'_, '_> {
    pub fn same_place(&self, other: &Scope) -> bool {
        match (self.location, other.location) {
            (None, None) => true,
            (Some(a), Some(b)) => a
                .trim_matches('/')
                .eq_ignore_ascii_case(b.trim_matches('/')),
            _ => false,
        }
    }

    pub fn label(&self) -> String {
        match self.location {
            None => String::new(),
            Some(p) => format!("location[@path='{p}']/"),
        }
    }
}

/// The root scope followed by every `<location>` scope, in document order.
pub fn scopes<'a, 'i>(doc: &'a Document<'i>) -> Vec<Scope<'a, 'i>> {
    let root = doc.root_element();
    let mut out = vec![Scope {
        node: root,
        location: None,
    }];
    for l in elements(root).filter(|n| n.tag_name().name() == "location") {
        out.push(Scope {
            node: l,
            location: Some(l.attribute("path").unwrap_or("")),
        });
    }
    out
}

/// True when a section is encrypted with a protected-configuration provider.
pub fn is_encrypted(section: Node) -> bool {
    section.attribute("configProtectionProvider").is_some()
        || child(section, "EncryptedData").is_some()
}

/// .NET's OrdinalIgnoreCase, as a key to compare by.
pub fn fold_key(key: &str) -> String {
    if key.is_ascii() {
        key.to_ascii_uppercase()
    } else {
        key.chars().flat_map(char::to_uppercase).collect()
    }
}

/// One effective appSettings entry.
#[derive(Debug, Clone)]
pub struct AppEntry<'a, 'i> {
    pub key: &'a str,
    /// The value as the tree holds it (borrowed: a 100,000-key file need not copy them).
    pub value: &'a str,
    /// The `<add>` element that set the value (the last one for its key).
    pub node: Node<'a, 'i>,
    pub file: FileId,
}

/// appSettings as .NET resolves them. Every operation is O(1) amortised: entries and removals are
/// kept in document order with tombstones, and indexed by folded key.
#[derive(Debug, Default)]
pub struct AppSettings<'a, 'i> {
    slots: Vec<Option<AppEntry<'a, 'i>>>,
    index: HashMap<String, usize>,
    removed_slots: Vec<Option<(String, Node<'a, 'i>, FileId)>>,
    removed_index: HashMap<String, usize>,
    /// W201 diagnostics for keys added twice in one file.
    pub duplicates: Vec<Diagnostic>,
    /// Slots the `<clear/>`s walked, counted for the test that keeps them linear.
    #[cfg(test)]
    walked: usize,
}

impl<'a, 'i> AppSettings<'a, 'i> {
    /// Effective entries, in .NET's order (a re-added key moves to the end).
    pub fn entries(&self) -> impl Iterator<Item = &AppEntry<'a, 'i>> {
        self.slots.iter().flatten()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// How many keys are in effect.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Keys deleted by `<remove>` or `<clear/>` and not added again, with the element that did it.
    pub fn removed(&self) -> impl Iterator<Item = &(String, Node<'a, 'i>, FileId)> {
        self.removed_slots.iter().flatten()
    }

    pub fn get(&self, key: &str) -> Option<&AppEntry<'a, 'i>> {
        self.index
            .get(&fold_key(key))
            .and_then(|&i| self.slots[i].as_ref())
    }

    fn mark_removed(&mut self, key: &str, by: Node<'a, 'i>, file: FileId) {
        let k = fold_key(key);
        if let Some(i) = self.removed_index.insert(k, self.removed_slots.len()) {
            self.removed_slots[i] = None;
        }
        self.removed_slots.push(Some((key.to_string(), by, file)));
    }

    /// Applies the children of one `<appSettings>` element (or of an external file's root) in
    /// document order, as .NET does.
    pub fn apply(&mut self, section: Node<'a, 'i>, file: FileId) {
        // Sized once: growing a 100,000-entry index rehashes it a dozen times.
        let n = elements(section).count();
        self.slots.reserve(n);
        self.index.reserve(n);
        for n in elements(section) {
            match n.tag_name().name() {
                "add" => {
                    let Some(key) = n.attribute("key") else {
                        continue;
                    };
                    let value = n.attribute("value").unwrap_or("");
                    let k = fold_key(key);
                    if let Some(i) = self.removed_index.remove(&k) {
                        self.removed_slots[i] = None;
                    }
                    if let Some(i) = self.index.insert(k, self.slots.len()) {
                        // .NET removes the earlier entry and appends the new one, with its spelling.
                        if let Some(earlier) = self.slots[i].take() {
                            // A `file=` source overriding the inline section is how .NET means it.
                            if earlier.file == file {
                                self.duplicates.push(
                                    Diagnostic::new(
                                        Code::DuplicateKey,
                                        format!("appSettings key `{key}` is added twice; the later value wins, as in .NET"),
                                    )
                                    .with_label(file, n.range(), "this one wins")
                                    .with_label(earlier.file, earlier.node.range(), "earlier")
                                    .with_help("delete one of the two <add> elements so the file says what it means"),
                                );
                            }
                        }
                    }
                    self.slots.push(Some(AppEntry {
                        key,
                        value,
                        node: n,
                        file,
                    }));
                }
                "remove" => {
                    let Some(key) = n.attribute("key") else {
                        continue;
                    };
                    if let Some(i) = self.index.remove(&fold_key(key)) {
                        self.slots[i] = None;
                    }
                    self.mark_removed(key, n, file);
                }
                "clear" => {
                    // Drop the slots themselves, tombstones too, so a clear costs what was added since
                    // the last one: add/clear pairs stay linear.
                    #[cfg(test)]
                    {
                        self.walked += self.slots.len();
                    }
                    let cleared: Vec<&'a str> =
                        self.slots.drain(..).flatten().map(|e| e.key).collect();
                    self.index.clear();
                    for key in cleared {
                        self.mark_removed(key, n, file);
                    }
                }
                _ => {}
            }
        }
    }
}

/// How a settings value is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerializeAs {
    String,
    Xml,
}

impl std::fmt::Display for SerializeAs {
    /// As the `serializeAs` attribute spells it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SerializeAs::String => "String",
            SerializeAs::Xml => "Xml",
        })
    }
}

/// One `<setting>` of a settings section.
#[derive(Debug, Clone)]
pub struct Setting<'a, 'i> {
    pub name: &'a str,
    pub serialize_as: SerializeAs,
    /// For String: the decoded text. For Xml: the raw inner XML of `<value>`, with LF line ends.
    pub value: String,
    pub node: Node<'a, 'i>,
    pub value_node: Option<Node<'a, 'i>>,
    /// False when `<value>` holds CDATA or markup in a String setting: not editable in place.
    pub plain: bool,
}

/// A section of a settings group, e.g. `applicationSettings/pfup.Properties.Settings`.
#[derive(Debug, Clone)]
pub struct SettingsSection<'a, 'i> {
    pub group: &'a str,
    pub name: &'a str,
    pub node: Node<'a, 'i>,
    /// Effective settings (a later duplicate wins), in first-appearance order.
    pub settings: Vec<Setting<'a, 'i>>,
    pub duplicates: Vec<Diagnostic>,
    /// Where each name is in `settings`.
    by_name: HashMap<&'a str, usize>,
}

impl<'a, 'i> SettingsSection<'a, 'i> {
    /// The setting named `name` (names are compared exactly, as .NET does), found by hash: a
    /// section of 25,000 settings was searched once per setting of the other file.
    pub fn setting(&self, name: &str) -> Option<&Setting<'a, 'i>> {
        self.by_name.get(name).map(|&i| &self.settings[i])
    }
}

/// Reads one `<setting>` element.
pub fn read_setting<'a, 'i>(text: &str, s: Node<'a, 'i>) -> Option<Setting<'a, 'i>> {
    let name = s.attribute("name")?;
    let serialize_as = match s.attribute("serializeAs") {
        Some(v) if v.eq_ignore_ascii_case("xml") => SerializeAs::Xml,
        _ => SerializeAs::String,
    };
    let value_node = child(s, "value");
    let (value, plain) = match value_node {
        None => (String::new(), true),
        Some(v) => {
            let raw = &text[content_range(text, v)];
            let has_cdata = raw.contains("<![CDATA[");
            match serialize_as {
                SerializeAs::Xml => (raw.replace("\r\n", "\n"), !has_cdata),
                SerializeAs::String => {
                    let markup = v.children().any(|c| !c.is_text());
                    let value: String = v.children().filter_map(|c| c.text()).collect();
                    (value, !has_cdata && !markup)
                }
            }
        }
    };
    Some(Setting {
        name,
        serialize_as,
        value,
        node: s,
        value_node,
        plain,
    })
}

/// The settings sections of the given groups under `scope`.
pub fn settings_sections<'a, 'i>(
    text: &str,
    scope: Node<'a, 'i>,
    groups: &[String],
    file: FileId,
) -> Vec<SettingsSection<'a, 'i>> {
    let mut out = Vec::new();
    for g in elements(scope).filter(|n| groups.iter().any(|x| x == n.tag_name().name())) {
        for sec in elements(g) {
            let mut settings: Vec<Setting> = Vec::new();
            let mut by_name: HashMap<&str, usize> = HashMap::new();
            let mut duplicates = Vec::new();
            for s in elements(sec).filter(|n| n.tag_name().name() == "setting") {
                let Some(setting) = read_setting(text, s) else {
                    continue;
                };
                if let Some(earlier) = by_name.get(setting.name).map(|&i| &mut settings[i]) {
                    duplicates.push(
                        Diagnostic::new(
                            Code::DuplicateKey,
                            format!(
                                "setting `{}` appears twice in {}; the later one wins",
                                setting.name,
                                sec.tag_name().name()
                            ),
                        )
                        .with_label(file, s.range(), "this one wins")
                        .with_label(file, earlier.node.range(), "earlier"),
                    );
                    *earlier = setting;
                } else {
                    by_name.insert(setting.name, settings.len());
                    settings.push(setting);
                }
            }
            out.push(SettingsSection {
                group: g.tag_name().name(),
                name: sec.tag_name().name(),
                node: sec,
                settings,
                duplicates,
                by_name,
            });
        }
    }
    out
}

/// `configSections/sectionGroup[@name=group]` of a document.
pub fn group_declaration<'a, 'i>(doc: &'a Document<'i>, group: &str) -> Option<Node<'a, 'i>> {
    let cs = child(doc.root_element(), "configSections")?;
    elements(cs)
        .find(|n| n.tag_name().name() == "sectionGroup" && n.attribute("name") == Some(group))
}

/// `configSections/sectionGroup[@name=group]/section[@name=section]` of a document.
pub fn section_declaration<'a, 'i>(
    doc: &'a Document<'i>,
    group: &str,
    section: &str,
) -> Option<Node<'a, 'i>> {
    elements(group_declaration(doc, group)?)
        .find(|n| n.tag_name().name() == "section" && n.attribute("name") == Some(section))
}

/// The path of `child` below `parent` as identity rules name it: element names from the root or from
/// a `<location>`, joined by `/`.
pub fn child_path(parent_path: &str, parent: Node, child: Node) -> String {
    let name = child.tag_name().name();
    let scope_root =
        parent.parent().is_some_and(|p| p.is_root()) || parent.tag_name().name() == "location";
    if scope_root || parent_path.is_empty() {
        name.to_string()
    } else {
        format!("{parent_path}/{name}")
    }
}

/// How elements are told apart among their siblings, as .NET's configuration collections key them
/// (the rules file's `[identity]` table).
///
/// Attribute names are compared as .NET and IIS read them: case-sensitively (`mimetype` is not
/// `mimeType`, so an `<add mimetype=...>` has no key and is matched by its whole attribute set).
/// Values are compared case-insensitively, as the collections' keys are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Attributes that identify an element, in order of preference: the first one present is used.
    #[serde(default, deserialize_with = "parts")]
    pub attributes: Vec<String>,
    /// Per element path (names from the root or a `<location>`, `/`-separated, matched as a suffix):
    /// the parts of its identity. `child@attr` names an attribute of a child element; a part ending in
    /// `:simple-name` keys by the text before the value's first comma (an assembly's simple name, so
    /// that a new version of the same assembly is the same element).
    #[serde(default, deserialize_with = "element_parts")]
    pub elements: BTreeMap<String, Vec<String>>,
}

/// The modifier that keeps only an assembly's simple name.
const SIMPLE_NAME: &str = ":simple-name";

/// One part of an identity: `attr` or `child@attr`, optionally `:simple-name`.
struct Part<'p> {
    child: Option<&'p str>,
    attr: &'p str,
    simple_name: bool,
}

impl<'p> Part<'p> {
    fn of(spec: &'p str) -> Result<Part<'p>, String> {
        let (rest, simple_name) = match spec.strip_suffix(SIMPLE_NAME) {
            Some(r) => (r, true),
            None => (spec, false),
        };
        let (child, attr) = match rest.split_once('@') {
            Some((c, a)) => (Some(c), a),
            None => (None, rest),
        };
        if attr.is_empty() || attr.contains([':', '@', '/']) || child.is_some_and(str::is_empty) {
            return Err(format!(
                "identity part `{spec}`: expected `attribute` or `child@attribute`, optionally followed by `{SIMPLE_NAME}`"
            ));
        }
        Ok(Part {
            child,
            attr,
            simple_name,
        })
    }

    /// The part's value on `node`, as written (`None` when absent).
    fn value<'a>(&self, node: Node<'a, '_>) -> Option<&'a str> {
        match self.child {
            Some(c) => child(node, c).and_then(|c| c.attribute(self.attr)),
            None => node.attribute(self.attr),
        }
    }

    /// The value to match by: the simple name alone when the part says so.
    fn key_value<'v>(&self, value: &'v str) -> &'v str {
        if self.simple_name {
            value.split(',').next().unwrap_or("").trim()
        } else {
            value
        }
    }
}

fn check_parts<E: serde::de::Error>(parts: &[String]) -> Result<(), E> {
    parts
        .iter()
        .try_for_each(|p| Part::of(p).map(|_| ()).map_err(E::custom))
}

fn parts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Vec::<String>::deserialize(d)?;
    check_parts(&v)?;
    Ok(v)
}

fn element_parts<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    let m = BTreeMap::<String, Vec<String>>::deserialize(d)?;
    m.values().try_for_each(|v| check_parts(v))?;
    Ok(m)
}

impl Identity {
    /// An element's identity among its siblings: the key to match by (values folded as .NET compares
    /// them) and the form shown to people (values as written). `path` is [`child_path`] of the node.
    pub fn of(&self, node: Node, path: &str) -> (String, String) {
        (self.build(node, path, true), self.build(node, path, false))
    }

    /// The matching key alone ([`Self::of`]'s first half), for indexing siblings.
    pub fn key(&self, node: Node, path: &str) -> String {
        self.build(node, path, true)
    }

    /// The parts of `node`'s identity present on it, as written: (child element name for a
    /// `child@attr` part, attribute name, value). What an XPath predicate locating the node names.
    pub fn parts_of<'a>(
        &self,
        node: Node<'a, '_>,
        path: &str,
    ) -> Vec<(Option<String>, String, &'a str)> {
        self.parts(node, path)
            .into_iter()
            .filter_map(|p| {
                Some((
                    p.child.map(String::from),
                    p.attr.to_string(),
                    p.value(node)?,
                ))
            })
            .collect()
    }

    fn parts<'s>(&'s self, node: Node, path: &str) -> Vec<Part<'s>> {
        let suffix_of = |p: &str| {
            path.ends_with(p)
                && (path.len() == p.len() || path.as_bytes()[path.len() - p.len() - 1] == b'/')
        };
        // Specs were checked when the rules were read; one that does not parse identifies nothing.
        let listed = self
            .elements
            .iter()
            .find(|(p, _)| suffix_of(p))
            .map(|(_, parts)| parts.iter().filter_map(|p| Part::of(p).ok()).collect());
        listed.unwrap_or_else(|| {
            self.attributes
                .iter()
                .filter_map(|p| Part::of(p).ok())
                .find(|p| p.value(node).is_some())
                .into_iter()
                .collect()
        })
    }

    fn build(&self, node: Node, path: &str, folded: bool) -> String {
        let name = node.tag_name().name();
        let parts = self.parts(node, path);
        let mut out = name.to_string();
        for part in parts {
            if let Some(v) = part.value(node) {
                out.push_str("[@");
                if let Some(c) = part.child {
                    out.push_str(c);
                    out.push('@');
                }
                out.push_str(part.attr);
                out.push_str("='");
                if folded {
                    let v = part.key_value(v);
                    if v.is_ascii() {
                        out.extend(v.bytes().map(|b| b.to_ascii_uppercase() as char));
                    } else {
                        out.push_str(&fold_key(v));
                    }
                } else {
                    out.push_str(v);
                }
                out.push_str("']");
            }
        }
        out
    }
}

/// The trimmed text of an element without element children (`None` when it has some); comments and
/// processing instructions inside it are not its text.
pub fn leaf_text<'a>(n: Node<'a, '_>) -> Option<std::borrow::Cow<'a, str>> {
    if elements(n).next().is_some() {
        return None;
    }
    // Character data only: a comment's text is not the element's (roxmltree gives both by `text()`).
    let mut texts = n
        .children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text());
    Some(match (texts.next(), texts.next()) {
        (None, _) => "".into(),
        // The usual case, one text node: borrowed, no allocation.
        (Some(t), None) => t.trim().into(),
        (Some(a), Some(b)) => {
            let mut all = format!("{a}{b}");
            all.extend(texts);
            all.trim().to_string().into()
        }
    })
}

/// The element children of one parent grouped by identity, each group in document order.
///
/// [`Self::take_all`] pairs another parent's children with these: within one identity key, first an
/// element with exactly the same attributes, then the rest by position (the n-th with the n-th). So
/// siblings without an identity attribute (`<add mimetype=...>` in a list of them) pair with their
/// twin wherever it stands, and a merge re-run on its own output finds what it inserted.
pub struct Siblings<'a, 'i> {
    groups: HashMap<String, VecDeque<Node<'a, 'i>>>,
}

/// An element's attributes as a set: names as written, values exact, in name order.
fn attribute_set<'a>(n: Node<'a, '_>) -> Vec<(Option<&'a str>, &'a str, &'a str)> {
    let mut v: Vec<_> = n
        .attributes()
        .map(|a| (a.namespace(), a.name(), a.value()))
        .collect();
    v.sort_unstable();
    v
}

impl<'a, 'i> Siblings<'a, 'i> {
    pub fn of(identity: &Identity, parent: Option<Node<'a, 'i>>, parent_path: &str) -> Self {
        let mut groups: HashMap<String, VecDeque<Node>> = HashMap::new();
        if let Some(p) = parent {
            for c in elements(p) {
                groups
                    .entry(identity.key(c, &child_path(parent_path, p, c)))
                    .or_default()
                    .push_back(c);
            }
        }
        Siblings { groups }
    }

    /// Takes the next unmatched sibling with this identity key, by position alone.
    pub fn take(&mut self, key: &str) -> Option<Node<'a, 'i>> {
        self.groups.get_mut(key).and_then(|q| q.pop_front())
    }

    /// Pairs each of `nodes` (another parent's children with their identity keys, in document order)
    /// with one of these siblings and takes it: per key, an exact attribute set first, then (in a
    /// 3-way merge) the attribute set of the node's BASE twin given beside it, then by position.
    pub fn take_all(&mut self, nodes: &[(Node, &str, Option<Node>)]) -> Vec<Option<Node<'a, 'i>>> {
        let mut out = vec![None; nodes.len()];
        let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (_, key, _)) in nodes.iter().enumerate() {
            by_key.entry(key).or_default().push(i);
        }
        for (key, wanted) in by_key {
            let Some(q) = self.groups.get_mut(key).filter(|q| !q.is_empty()) else {
                continue;
            };
            if q.len() == 1 && wanted.len() == 1 {
                out[wanted[0]] = q.pop_front();
                continue;
            }
            let mut exact: HashMap<_, VecDeque<usize>> = HashMap::new();
            for (j, n) in q.iter().enumerate() {
                exact.entry(attribute_set(*n)).or_default().push_back(j);
            }
            let mut taken = vec![false; q.len()];
            for twin in [false, true] {
                for &i in &wanted {
                    let (node, _, base) = nodes[i];
                    let Some(n) = (if twin { base } else { Some(node) }) else {
                        continue;
                    };
                    if out[i].is_some() {
                        continue;
                    }
                    if let Some(j) = exact
                        .get_mut(&attribute_set(n))
                        .and_then(VecDeque::pop_front)
                    {
                        out[i] = Some(q[j]);
                        taken[j] = true;
                    }
                }
            }
            let mut rest = (0..q.len())
                .filter(|&j| !taken[j])
                .collect::<Vec<_>>()
                .into_iter();
            for &i in &wanted {
                if out[i].is_none() {
                    if let Some(j) = rest.next() {
                        out[i] = Some(q[j]);
                        taken[j] = true;
                    }
                }
            }
            let mut j = 0;
            q.retain(|_| {
                j += 1;
                !taken[j - 1]
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::parse;

    #[test]
    fn app_settings_follow_dotnet_rules() {
        let t = r#"<configuration><appSettings>
            <add key="A" value="1"/><add key="b" value="2"/><add key="a" value="3"/>
            <remove key="B"/><add key="C" value="4"/><clear/><add key="D" value="5"/><add key="c" value="6"/>
            </appSettings></configuration>"#;
        let doc = parse(t, FileId(0), "t").unwrap();
        let mut s = AppSettings::default();
        s.apply(child(doc.root_element(), "appSettings").unwrap(), FileId(0));
        let got: Vec<(&str, &str)> = s.entries().map(|e| (e.key, e.value)).collect();
        assert_eq!(got, vec![("D", "5"), ("c", "6")]);
        assert_eq!(s.duplicates.len(), 1);
        let removed: Vec<&str> = s.removed().map(|r| r.0.as_str()).collect();
        assert_eq!(
            removed,
            vec!["B", "a"],
            "the later add's spelling is the one .NET keeps"
        );
        assert_eq!(s.get("C").unwrap().value, "6");
    }

    /// Each `<clear/>` walks only the slots added since the last one (tombstones included): n
    /// add/clear pairs walk n slots in all, not n²/2 as when a clear walked every slot ever added.
    /// Counted, not timed (`cargo bench --bench scaling` times it).
    #[test]
    fn a_clear_walks_only_what_was_added_since_the_last_one() {
        for n in [1_000, 4_000] {
            let mut t = String::from("<configuration><appSettings>");
            for i in 0..n {
                t.push_str(&format!(
                    "<add key='k{i}' value='v'/><add key='k{i}' value='w'/>"
                ));
                t.push_str(&format!(
                    "<remove key='k{i}'/><add key='j{i}' value='v'/><clear/>"
                ));
            }
            t.push_str("</appSettings></configuration>");
            let doc = parse(&t, FileId(0), "t").unwrap();
            let mut s = AppSettings::default();
            s.apply(child(doc.root_element(), "appSettings").unwrap(), FileId(0));
            assert!(s.is_empty());
            assert_eq!(s.walked, 3 * n, "slots walked for {n} pairs");
        }
    }

    #[test]
    fn root_namespace_rules() {
        let ok = parse(
            r#"<configuration xmlns="http://schemas.microsoft.com/.NetConfiguration/v2.0"/>"#,
            FileId(0),
            "t",
        )
        .unwrap();
        assert!(check_root(&ok, FileId(0), "t").unwrap().is_some());
        let bad = parse(r#"<configuration xmlns="urn:x"/>"#, FileId(0), "t").unwrap();
        assert!(check_root(&bad, FileId(0), "t").is_err());
        let other = parse("<html/>", FileId(0), "t").unwrap();
        assert_eq!(
            check_root(&other, FileId(0), "t").unwrap_err().code,
            Code::NotAConfig
        );
    }

    #[test]
    fn settings_read_string_and_xml() {
        let t = "<configuration><applicationSettings><s.Settings>\
            <setting name='a' serializeAs='String'><value>x &amp; y</value></setting>\
            <setting name='b' serializeAs='Xml'><value>\r\n<ArrayOfString/></value></setting>\
            <setting name='c' serializeAs='String'><value><![CDATA[z]]></value></setting>\
            <setting name='a' serializeAs='String'><value>last</value></setting>\
            </s.Settings></applicationSettings></configuration>";
        let doc = parse(t, FileId(0), "t").unwrap();
        let secs = settings_sections(
            t,
            doc.root_element(),
            &["applicationSettings".into()],
            FileId(0),
        );
        let s = &secs[0].settings;
        assert_eq!((s[0].name, s[0].value.as_str()), ("a", "last"));
        assert_eq!(s[1].value, "\n<ArrayOfString/>");
        assert!(!s[2].plain);
        assert_eq!(secs[0].duplicates.len(), 1);
    }
}
