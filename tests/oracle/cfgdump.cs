// cfgdump.cs - the .NET configuration oracle for wcmigrate's tests.
//
// Loads each config file through System.Configuration (ConfigurationManager.OpenMappedExeConfiguration,
// Mono's implementation) and prints ONE JSON line per file (UTF-8, no BOM):
//   {"file":"<path>","ok":true,"appSettings":{"<key>":"<value>",...},"connectionStrings":{"<name>":"<cs>",...},
//    "applicationSettings":{"<section>":{"<setting>":"<value>",...}},"userSettings":{...}}
// or, when the .NET Framework 4.x would refuse the file:
//   {"file":"<path>","ok":false,"error":"<message>","line":<n>|null}
// Exit code: 0 when every file loaded, 1 when any did not, 2 without arguments.
//
// Build: mcs -r:System.Configuration.dll -out:/tmp/cfgdump.exe tests/oracle/cfgdump.cs
// Run:   mono /tmp/cfgdump.exe FILE...        or        ls *.config | mono /tmp/cfgdump.exe -
//
// Values are as decoded by the XML parser, in the order .NET ends up with. connectionStrings: only
// the entries this file defines (machine.config's LocalSqlServer only if the file re-adds it).
// applicationSettings/userSettings: each section of the group present in the file; serializeAs="Xml"
// gives the inner XML of <value>, trimmed, any other serializeAs its text. A section with
// configSource="x" (and appSettings file="x") is read from x. <location path="."> or path="" is this
// file (.NET rule); other <location>s are validated, not dumped. Temporary files: $TMPDIR/cfgdump-PID.
//
// Mono 6.8 and .NET differ; the oracle answers as .NET would (own raw-XML checks run before Mono):
//  1. appSettings: Mono compares keys case-sensitively and accepts <add> without key. .NET
//     (KeyValueConfigurationCollection: OrdinalIgnoreCase, ThrowOnDuplicate=false,
//     internalAddToEnd=true) requires key, and in BaseAdd an <add> of an existing key REMOVES the old
//     entry and APPENDS the new one: the last add wins with ITS key spelling and position (NOT the
//     first add's spelling). So we replay the raw XML: document order, add = remove-if-present +
//     append, remove = delete, clear = delete all, then the same for file="x" (relative to the
//     config's folder, root <appSettings> without attributes, silently ignored when missing).
//  2. connectionStrings: Mono compares names case-sensitively; .NET (OrdinalIgnoreCase,
//     ThrowOnDuplicate) throws "The entry 'x' has already been added." unless the new element is
//     identical; a re-add after <remove> replaces in place. Replayed too, LocalSqlServer inherited.
//  3. Root: Mono accepts any xmlns on <configuration>; .NET only none or
//     http://schemas.microsoft.com/.NetConfiguration/v2.0, and no other attribute (e.g. xmlns:xdt).
//  4. Declarations: Mono's machine.config lacks sections .NET's declares (system.identityModel,
//     system.xml.serialization, system.data.*, system.web/fullTrustAssemblies, system.serviceModel/
//     tracking...) and has some .NET lacks (system.drawing, system.web/monoSettings). Mono always gets
//     a temporary machine.config = its own + each missing .NET section as System.Configuration.
//     IgnoreSection - LocalSqliteServer (Mono-only). Our own check uses .NET's list (NetSections).
//  5. Placement: Mono accepts a section found in ANY nested group (e.g. <compilation> right under
//     <configuration>); .NET only at its declared level. .NET lets an IgnoreSection (system.webServer,
//     runtime...) appear twice, e.g. at the top and in <location path=".">; Mono refuses (the copy
//     Mono reads keeps the first of repeated top-level elements). .NET forbids allowLocation="false"
//     sections (runtime, startup...) inside any <location>.
//  6. <location>: Mono rejects path="." (common in IIS configs) and two <location>s with the same path
//     (fine in .NET). Mono never reads <location> content here, so in its copy every <location> gets a
//     unique dummy path; we check paths with .NET's NormalizeLocationSubPath rules.
//  7. configSource: .NET accepts only a relative path without '/' (subfolder: "sub\x.config"), which
//     Mono on Linux cannot open; the copy Mono reads uses '/' (referenced files are copied next to it).
//  8. Client settings: SettingElementCollection is a BasicMap; a repeated setting name keeps the first
//     position in .NET, Mono moves it last. Values come from Mono's ClientSettingsSection, the order
//     from the raw XML, which is also the fallback when Mono cannot see the section (in <location>).
// Encoding: UTF-8 (with or without BOM) and UTF-16 LE/BE with BOM load. A UTF-16 file whose XML
// declaration says encoding="utf-8" fails in System.Xml (same code in .NET), so it is ok:false.
// Not emulated: re-declaring a machine.config section with another type, allowDefinition /
// allowExeDefinition, locks, and sections we do not read (system.web...: neither does .NET's
// Configuration object until asked; an unloadable section type is not noticed).
using System;
using System.Collections.Generic;
using System.Configuration;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml;
using KV = System.Collections.Generic.KeyValuePair<string, string>;

class ConfigError : Exception {
    public readonly int? Line;
    public ConfigError(string message, XmlNode at) : base(message) { Line = LineDoc.LineOf(at); }
}

// An XmlDocument whose elements remember their line, for the errors of our own .NET-rule checks.
class LineDoc : XmlDocument {
    public string FilePath;
    IXmlLineInfo info;
    public static LineDoc Read(string path) {
        var doc = new LineDoc { FilePath = path, PreserveWhitespace = true };
        using (var stream = File.OpenRead(path))
        // XmlTextReader, as .NET's configuration reader (ConfigXmlReader) is: it does not normalise a
        // literal line break or tab inside an attribute value into a space, as XmlReader.Create does.
        using (var reader = new XmlTextReader(stream) { DtdProcessing = DtdProcessing.Prohibit }) { doc.info = reader; doc.Load(reader); }
        doc.info = null;
        return doc;
    }
    public override XmlElement CreateElement(string prefix, string localName, string ns) {
        return new LineElement(prefix, localName, ns, this) { Line = info == null ? 0 : info.LineNumber };
    }
    public static int? LineOf(XmlNode n) { var e = n as LineElement; return e != null && e.Line > 0 ? e.Line : (int?)null; }
}
class LineElement : XmlElement {
    public int Line;
    public LineElement(string prefix, string localName, string ns, XmlDocument doc) : base(prefix, localName, ns, doc) {}
}

class Decl { public bool Group, Ignorable, NoLocation; }
class Conn { public string Name, Value, Provider; public bool Removed, Inherited; }

static class CfgDump {
    const string V2Ns = "http://schemas.microsoft.com/.NetConfiguration/v2.0";
    const string IgnoreSection = "System.Configuration.IgnoreSection, System.Configuration, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a";
    const string LocalSqlServer = @"data source=.\SQLEXPRESS;Integrated Security=SSPI;AttachDBFilename=|DataDirectory|aspnetdb.mdf;User Instance=true";
    // Sections declared by .NET 4.8's machine.config (plus the implicit configProtectedData and
    // configBuilders), as "group: section...". ~ = IgnoreSection, ! = allowLocation="false".
    static readonly string[] NetSections = {
        ": appSettings configBuilders configProtectedData connectionStrings mscorlib~! runtime~! assemblyBinding~! satelliteassemblies~! startup~! system.codedom system.data system.data.dataset system.data.odbc system.data.oledb system.data.oracleclient system.data.sqlclient system.diagnostics system.runtime.remoting~! system.windows.forms windows~! uri system.webServer~ system.identityModel system.identityModel.services",
        "system.runtime.caching: memoryCache",
        "system.runtime.serialization: dataContractSerializer",
        "system.xml.serialization: schemaImporterExtensions dateTimeSerialization xmlSerializer",
        "system.net: authenticationModules connectionManagement defaultProxy requestCaching settings webRequestModules",
        "system.net/mailSettings: smtp",
        "system.serviceModel: behaviors bindings client comContracts commonBehaviors diagnostics extensions machineSettings protocolMapping serviceHostingEnvironment services standardEndpoints routing tracking",
        "system.serviceModel.activation: diagnostics net.pipe net.tcp",
        "system.transactions: defaultSettings machineSettings",
        "system.web: anonymousIdentification authentication authorization browserCaps clientTarget compilation customErrors deployment deviceFilters fullTrustAssemblies globalization healthMonitoring hostingEnvironment httpCookies httpHandlers httpModules httpRuntime identity machineKey membership mobileControls pages partialTrustVisibleAssemblies processModel! profile protocols roleManager securityPolicy sessionPageState sessionState siteMap trace trust urlMappings webControls webParts webServices xhtmlConformance",
        "system.web/caching: cache outputCache outputCacheSettings sqlCacheDependency",
        "system.web.extensions/scripting: scriptResourceHandler",
        "system.web.extensions/scripting/webServices: jsonSerialization profileService authenticationService roleService",
        "system.xaml.hosting: httpHandlers",
    };
    static readonly string[] Locks = { "lockAttributes", "lockAllAttributesExcept", "lockElements", "lockAllElementsExcept", "lockItem" };
    static readonly Dictionary<string, Decl> Net = new Dictionary<string, Decl>();
    static string tempDir, machineConfig;
    static int copies;

    static int Main(string[] args) {
        if (args.Length == 0) { Console.Error.WriteLine("usage: mono cfgdump.exe FILE... | -"); return 2; }
        var files = args.Length == 1 && args[0] == "-"
            ? new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false)).ReadToEnd()
                .Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l != "").ToArray()
            : args;
        foreach (var line in NetSections) {
            var group = line.Substring(0, line.IndexOf(':')).Trim();
            for (var g = group; g != ""; g = g.Contains("/") ? g.Substring(0, g.LastIndexOf('/')) : "") Net[g] = new Decl { Group = true };
            foreach (var s in line.Substring(line.IndexOf(':') + 1).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
                Net[(group == "" ? "" : group + "/") + s.TrimEnd('~', '!')] = new Decl { Ignorable = s.Contains("~"), NoLocation = s.Contains("!") };
        }
        var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { NewLine = "\n" };
        int rc = 0;
        try {
            foreach (var file in files) {
                string json;
                try { json = Dump(file); } catch (Exception e) { rc = 1; json = ErrorJson(file, e); }
                stdout.WriteLine(json);
            }
        } finally {
            stdout.Flush();
            if (tempDir != null) try { Directory.Delete(tempDir, true); } catch (IOException) {}
        }
        return rc;
    }

    static string Dump(string file) {
        var doc = LineDoc.Read(file);
        var root = doc.DocumentElement;
        if (root.Name != "configuration") throw new ConfigError("Configuration file does not have root <configuration> tag", root);
        foreach (XmlAttribute a in root.Attributes) {
            if (a.Name != "xmlns") throw Unrecognized(a, root);
            if (a.Value != V2Ns) throw new ConfigError("Namespace '" + a.Value + "' is not valid on <configuration>: .NET accepts none or '" + V2Ns + "' (Mono accepts any)", root);
        }
        var decls = new Dictionary<string, Decl>(Net);
        var first = Kids(root).FirstOrDefault();
        if (first != null && first.Name == "configSections") ReadDecls(first, "", decls);
        CheckLevel(root, "", null, decls, new Dictionary<string, HashSet<string>>());
        var appSettings = AppSettings(root);
        var connectionStrings = ConnectionStrings(root);
        // Mono must load the file too; reading both sections makes it deserialize (validate) them.
        var map = new ExeConfigurationFileMap { ExeConfigFilename = MonoInput(file, doc), MachineConfigFilename = MachineConfig() };
        var cfg = ConfigurationManager.OpenMappedExeConfiguration(map, ConfigurationUserLevel.None);
        GC.KeepAlive(cfg.AppSettings.Settings.Count + cfg.ConnectionStrings.ConnectionStrings.Count);
        return "{\"file\":" + J(file) + ",\"ok\":true,\"appSettings\":" + Obj(appSettings)
            + ",\"connectionStrings\":" + Obj(connectionStrings)
            + ",\"applicationSettings\":" + ClientSettings(cfg, root, "applicationSettings")
            + ",\"userSettings\":" + ClientSettings(cfg, root, "userSettings") + "}";
    }

    // The file's own <configSections> (sections, groups; remove/clear are left to Mono to validate).
    static void ReadDecls(XmlElement group, string prefix, Dictionary<string, Decl> decls) {
        foreach (var e in Kids(group).Where(e => e.Name == "section" || e.Name == "sectionGroup")) {
            var key = prefix + e.GetAttribute("name");
            Decl old;
            if (decls.TryGetValue(key, out old) && old.Group != (e.Name == "sectionGroup"))
                throw new ConfigError("A section or section group named '" + key + "' already exists", e);
            decls[key] = new Decl { Group = e.Name == "sectionGroup", NoLocation = e.GetAttribute("allowLocation") == "false",
                                    Ignorable = e.GetAttribute("type").StartsWith("System.Configuration.IgnoreSection") };
            if (e.Name == "sectionGroup") ReadDecls(e, key + "/", decls);
        }
    }

    // .NET's ScanSectionsRecursive: see 5. and 6. in the header. loc: null outside <location>, else
    // its normalized path ("" = this file); seen: sections met so far per target path.
    static void CheckLevel(XmlElement parent, string prefix, string loc, Dictionary<string, Decl> decls, Dictionary<string, HashSet<string>> seen) {
        foreach (var e in Kids(parent)) {
            if (e.Name == "configSections" && loc == null && prefix == "" && e == Kids(parent).First()) continue;
            if (e.Name == "configSections")
                throw new ConfigError("Only one <configSections> element allowed per config file and if present must be the first child of the root <configuration> element.", e);
            if (e.Name == "location") {
                if (prefix != "" || loc != null) throw new ConfigError("<location> elements are only allowed in <configuration> elements.", e);
                CheckLevel(e, "", LocationPath(e), decls, seen);
                continue;
            }
            var key = prefix + e.Name;
            Decl d;
            if (!decls.TryGetValue(key, out d)) throw new ConfigError("Unrecognized configuration section " + key + ".", e);
            if (d.Group) { CheckLevel(e, key + "/", loc, decls, seen); continue; }
            if (loc != null && d.NoLocation)
                throw new ConfigError("It is an error to use a section registered as allowLocation=\"false\" in a location element.", e);
            HashSet<string> set;
            if (!seen.TryGetValue(loc ?? "", out set)) seen[loc ?? ""] = set = new HashSet<string>();
            if (!set.Add(key) && !d.Ignorable) throw new ConfigError("Sections must only appear once per config file (" + key + ").", e);
            if (!e.HasAttribute("configSource")) continue;
            var src = e.GetAttribute("configSource");
            if (e.Attributes.Count != 1 || Kids(e).Any())
                throw new ConfigError("A section using 'configSource' may contain no other attributes or elements.", e);
            if (src == "" || src.Trim() != src || src.Contains("/") || src.Contains(":") || src.StartsWith("\\"))
                throw new ConfigError("The configSource attribute must be a relative physical path ('\\' separators only).", e);
        }
    }

    // .NET's NormalizeLocationSubPath; returns "" for this file, else the lower-cased path.
    static string LocationPath(XmlElement loc) {
        foreach (XmlAttribute a in loc.Attributes)
            if (!new[] { "path", "allowOverride", "overrideMode", "inheritInChildApplications" }.Contains(a.Name)) throw Unrecognized(a, loc);
        var p = loc.GetAttribute("path");
        if (p == "" || p == ".") return "";
        const string bad = "<location> path attribute must be a relative virtual path.  It cannot ";
        if (p.TrimStart() != p || @"\./".IndexOf(p[0]) >= 0) throw new ConfigError(bad + "start with any of ' ' '.' '/' or '\\'.", loc);
        if (p.TrimEnd() != p || @"\./".IndexOf(p[p.Length - 1]) >= 0) throw new ConfigError(bad + "end with any of ' ' '.' '/' or '\\'.", loc);
        if (p.IndexOfAny(@"\?:*""<>|".ToCharArray()) >= 0) throw new ConfigError(bad + "contain any of '?' ':' '\\' '*' '\"' '<' '>' or '|'.", loc);
        return p.ToLowerInvariant();
    }

    // See 1. in the header.
    static List<KV> AppSettings(XmlElement root) {
        var items = new List<KV>();
        var sec = AtLevel(root, "appSettings").FirstOrDefault();
        if (sec == null) return items;
        sec = Content(sec);
        Attrs(sec, "file", "configSource");
        ReplayAppSettings(sec, items);
        var file = sec.GetAttribute("file");
        var path = Path.Combine(DirOf(sec), file.Replace('\\', '/'));
        if (file != "" && File.Exists(path)) {
            var ext = LineDoc.Read(path).DocumentElement;
            if (ext.Name != sec.Name) throw new ConfigError("The root element must match the name of the section referencing the file, '" + sec.Name + "' (" + file + ")", ext);
            if (ext.Attributes.Count > 0) throw Unrecognized(ext.Attributes[0], ext);
            ReplayAppSettings(ext, items);
        }
        return items;
    }

    static void ReplayAppSettings(XmlElement sec, List<KV> items) {
        foreach (var e in Kids(sec)) {
            if (e.Name == "clear") { if (e.Attributes.Count > 0) throw Unrecognized(e.Attributes[0], e); items.Clear(); continue; }
            if (e.Name != "add" && e.Name != "remove") throw new ConfigError("Unrecognized element '" + e.Name + "'.", e);
            if (e.Name == "add") Attrs(e, "key", "value"); else Attrs(e, "key");
            if (!e.HasAttribute("key")) throw new ConfigError("Required attribute 'key' not found.", e);
            var key = e.GetAttribute("key");
            items.RemoveAll(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase));
            if (e.Name == "add") items.Add(new KV(key, e.GetAttribute("value")));
        }
    }

    // See 2. in the header: .NET's ConfigurationElementCollection.BaseAdd for an AddRemoveClearMap.
    static List<KV> ConnectionStrings(XmlElement root) {
        var items = new List<Conn> { new Conn { Name = "LocalSqlServer", Value = LocalSqlServer, Provider = "System.Data.SqlClient", Inherited = true } };
        var sec = AtLevel(root, "connectionStrings").FirstOrDefault();
        foreach (var e in sec == null ? new XmlElement[0] : Kids(Content(sec))) {
            if (e.Name == "clear") { if (e.Attributes.Count > 0) throw Unrecognized(e.Attributes[0], e); items.Clear(); continue; }
            if (e.Name != "add" && e.Name != "remove") throw new ConfigError("Unrecognized element '" + e.Name + "'.", e);
            if (e.Name == "add") Attrs(e, "name", "connectionString", "providerName"); else Attrs(e, "name");
            if (!e.HasAttribute("name")) throw new ConfigError("Required attribute 'name' not found.", e);
            var name = e.GetAttribute("name");
            if (name == "") throw new ConfigError("The value for the property 'name' is not valid. The error is: The string must be at least 1 character long.", e);
            var old = items.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            if (e.Name == "remove") { if (old != null) old.Removed = true; else items.Add(new Conn { Name = name, Removed = true }); continue; }
            if (!e.HasAttribute("connectionString")) throw new ConfigError("Required attribute 'connectionString' not found.", e);
            var c2 = new Conn { Name = name, Value = e.GetAttribute("connectionString"), Provider = e.GetAttribute("providerName") };
            if (old == null) { items.Add(c2); continue; }
            if (!old.Removed && (old.Name != c2.Name || old.Value != c2.Value || old.Provider != c2.Provider))
                throw new ConfigError("The entry '" + name + "' has already been added.", e);
            old.Name = c2.Name; old.Value = c2.Value; old.Provider = c2.Provider; old.Removed = old.Inherited = false;
        }
        return items.Where(c => !c.Removed && !c.Inherited).Select(c => new KV(c.Name, c.Value)).ToList();
    }

    // Sections of applicationSettings/userSettings. Values come from Mono's ClientSettingsSection
    // (SettingElement.Value.ValueXml). The order is .NET's: SettingElementCollection is a BasicMap, so a
    // repeated name replaces the earlier value in place (Mono moves it to the end). Fallback, with the
    // same rules on the raw XML: sections Mono does not see (inside <location path=".">, hidden from
    // Mono, see 6.) or not typed ClientSettingsSection.
    static string ClientSettings(Configuration cfg, XmlElement root, string group) {
        var parts = new List<string>();
        foreach (var s in AtLevel(root, group).SelectMany(g => Kids(g))) {
            var items = new List<KV>();
            foreach (var e in Kids(Content(s))) {
                if (e.Name != "setting") throw new ConfigError("Unrecognized element '" + e.Name + "'.", e);
                var v = Kids(e).FirstOrDefault(x => x.Name == "value");
                var kv = new KV(e.GetAttribute("name"), v == null ? "" : e.GetAttribute("serializeAs") == "Xml" ? v.InnerXml.Trim() : v.InnerText);
                var i = items.FindIndex(x => x.Key == kv.Key);
                if (i >= 0) items[i] = kv; else items.Add(kv);
            }
            var css = s.ParentNode.ParentNode == root ? cfg.GetSection(group + "/" + s.Name) as ClientSettingsSection : null;
            if (css != null)
                items = items.Select(kv => {
                    var se = css.Settings.Get(kv.Key);
                    if (se == null || se.Value.ValueXml == null) return kv;
                    var x = se.Value.ValueXml;
                    return new KV(kv.Key, se.SerializeAs == SettingsSerializeAs.Xml ? x.InnerXml.Trim() : x.InnerText);
                }).ToList();
            parts.Add(J(s.Name) + ":" + Obj(items));
        }
        return "{" + string.Join(",", parts) + "}";
    }

    // The section element that configures this file: a child of <configuration> or of a <location>
    // meaning this file, following the path's groups. CheckLevel made sections unique.
    static List<XmlElement> AtLevel(XmlElement root, string path) {
        var cur = Kids(root).SelectMany(e => e.Name != "location" ? new[] { e } : LocationPath(e) == "" ? Kids(e) : new XmlElement[0]).ToList();
        var names = path.Split('/');
        for (int i = 0; ; i++) {
            var hits = cur.Where(e => e.Name == names[i]).ToList();
            if (i == names.Length - 1) return hits;
            cur = hits.SelectMany(e => Kids(e)).ToList();
        }
    }

    static XmlElement Content(XmlElement sec) {
        if (!sec.HasAttribute("configSource")) return sec;
        var src = sec.GetAttribute("configSource");
        var path = Path.Combine(DirOf(sec), src.Replace('\\', '/'));
        if (!File.Exists(path)) throw new ConfigError("Unable to open configSource file '" + src + "'.", sec);
        var root = LineDoc.Read(path).DocumentElement;
        if (root.Name != sec.Name) throw new ConfigError("The root element must match the name of the section referencing the file, '" + sec.Name + "' (" + src + ")", root);
        return root;
    }

    // What Mono reads: the file itself, or a copy (see 6. and 7.) when it has a <location> or a configSource.
    static string MonoInput(string file, LineDoc doc) {
        var top = Kids(doc.DocumentElement).Select(e => e.Name).ToList();
        if (!top.Contains("location") && top.Distinct().Count() == top.Count && doc.SelectNodes("//@configSource").Count == 0) return file;
        var copy = new XmlDocument { PreserveWhitespace = true };
        using (var stream = File.OpenRead(file)) copy.Load(stream);
        int n = 0;
        var seen = new HashSet<string>();
        foreach (var e in Kids(copy.DocumentElement).ToList()) {
            if (e.Name == "location") e.SetAttribute("path", "cfgdump-location-" + ++n);
            else if (!seen.Add(e.Name)) copy.DocumentElement.RemoveChild(e); // a repeated IgnoreSection (or group)
        }
        var dir = Path.Combine(TempDir(), "in" + ++copies);
        Directory.CreateDirectory(dir);
        foreach (XmlAttribute a in copy.SelectNodes("//@configSource | //*[local-name()='appSettings']/@file")) {
            a.Value = a.Value.Replace('\\', '/');
            string from = Path.Combine(DirOf(doc.DocumentElement), a.Value), to = Path.GetFullPath(Path.Combine(dir, a.Value));
            if (!File.Exists(from) || !to.StartsWith(dir + "/")) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(to));
            File.Copy(from, to, true);
        }
        var path = Path.Combine(dir, Path.GetFileName(file));
        copy.Save(path);
        return path;
    }

    // See 4. in the header.
    static string MachineConfig() {
        if (machineConfig != null) return machineConfig;
        var doc = new XmlDocument();
        doc.Load(RuntimeEnvironment.SystemConfigurationFile);
        foreach (var kv in Net.Where(kv => !kv.Value.Group)) {
            var parent = (XmlElement)doc.SelectSingleNode("/configuration/configSections");
            var names = kv.Key.Split('/');
            for (int i = 0; i < names.Length; i++) {
                var child = Kids(parent).FirstOrDefault(e => e.GetAttribute("name") == names[i]);
                if (child == null) {
                    child = (XmlElement)parent.AppendChild(doc.CreateElement(i == names.Length - 1 ? "section" : "sectionGroup"));
                    child.SetAttribute("name", names[i]);
                    if (i == names.Length - 1) child.SetAttribute("type", IgnoreSection);
                    if (i == names.Length - 1 && kv.Value.NoLocation) child.SetAttribute("allowLocation", "false");
                }
                parent = child;
            }
        }
        foreach (XmlNode n in doc.SelectNodes("/configuration/connectionStrings/add[@name='LocalSqliteServer']")) n.ParentNode.RemoveChild(n);
        machineConfig = Path.Combine(TempDir(), "machine.config");
        doc.Save(machineConfig);
        return machineConfig;
    }

    static string TempDir() {
        if (tempDir != null) return tempDir;
        tempDir = Path.Combine(Path.GetTempPath(), "cfgdump-" + System.Diagnostics.Process.GetCurrentProcess().Id);
        Directory.CreateDirectory(tempDir);
        return tempDir;
    }

    static string ErrorJson(string file, Exception e) {
        string message = e.Message;
        int? line = null;
        if (e is ConfigError) line = ((ConfigError)e).Line;
        if (e is XmlException) line = ((XmlException)e).LineNumber;
        var ce = e as ConfigurationException;
        if (ce != null) {
            message = ce.BareMessage;
            line = ce.Line > 0 ? ce.Line : ce.InnerException is XmlException ? ((XmlException)ce.InnerException).LineNumber : 0;
            var m = System.Text.RegularExpressions.Regex.Match(message, @"^(.*) \([^()]* line (\d+)\)$"); // Mono's "... (file line n)"
            if (m.Success) { message = m.Groups[1].Value; line = line > 0 ? line : int.Parse(m.Groups[2].Value); }
        }
        return "{\"file\":" + J(file) + ",\"ok\":false,\"error\":" + J(message) + ",\"line\":" + (line > 0 ? line.ToString() : "null") + "}";
    }

    static IEnumerable<XmlElement> Kids(XmlNode n) { return n.ChildNodes.OfType<XmlElement>(); }
    static string DirOf(XmlNode n) { return Path.GetDirectoryName(Path.GetFullPath(((LineDoc)n.OwnerDocument).FilePath)); }
    static ConfigError Unrecognized(XmlAttribute a, XmlElement e) {
        return new ConfigError("Unrecognized attribute '" + a.Name + "'. Note that attribute names are case-sensitive.", e);
    }
    static void Attrs(XmlElement e, params string[] allowed) {
        foreach (XmlAttribute a in e.Attributes) if (!allowed.Contains(a.Name) && !Locks.Contains(a.Name)) throw Unrecognized(a, e);
    }
    static string Obj(IEnumerable<KV> items) { return "{" + string.Join(",", items.Select(kv => J(kv.Key) + ":" + J(kv.Value))) + "}"; }
    static string J(string s) {
        var sb = new StringBuilder("\"");
        foreach (char c in s) {
            if (c == '"' || c == '\\') sb.Append('\\').Append(c);
            else if (c < 0x20) sb.AppendFormat("\\u{0:x4}", (int)c);
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
