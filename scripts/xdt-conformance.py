#!/usr/bin/env python3
"""Conformance of `wcmigrate xdt apply` with Microsoft's XDT on real (web.config, transform) pairs.

Usage: scripts/xdt-conformance.py [--binary target/release/wcmigrate] [--verbose] DIR [DIR...]

Each DIR holds pair folders: `web.config`, the transform (any other *.config name, or
`transform.config`), XDT's `xdt.log` and, when XDT applied it, `xdt-output.config` (the layout of
../shared/realworld/xdt/ and ../shared/realworld/xdt-experiments/). Not run by `cargo test`: the data
is not part of the project.

For every pair:
  * where XDT applied the transform, our result must equal xdt-output.config in meaning: both parsed,
    compared as trees after normalising only what XDT-FACTS §10 lists (quote style, entity and
    character-reference spellings, BOM, the declaration's quoting and spacing, whitespace between
    attributes and whitespace-only text, which XDT regenerates around new content, and namespace
    declarations, which XDT re-derives; element namespaces are compared by URI);
  * XDT's warnings must be ours (same message texts), and where XDT failed (load error or an error
    during apply) we must fail (exit 2) too;
  * bytes changed outside the transformed nodes: the regions of SOURCE our JSON report names (each
    target with its surrounding whitespace, each changed start tag, each receiving parent's end) are
    the transformed nodes; every other byte of SOURCE that XDT's output, or ours, does not keep is
    counted.
"""

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from xml.dom import minidom

XMLNS = "http://www.w3.org/2000/xmlns/"


def decode(data):
    """Text of a config file as both tools read it: BOM first, then UTF-8, then the declared charset."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le")
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        m = re.match(rb"<\?xml[^>]*encoding=[\"']([A-Za-z0-9_.-]+)", data)
        return data.decode(m.group(1).decode() if m else "cp1252", errors="replace")


def declaration(text):
    m = re.match(r"\s*<\?xml(.*?)\?>", text, re.S)
    if not m:
        return None
    return tuple(re.findall(r"(\w+)\s*=\s*[\"']([^\"']*)[\"']", m.group(1)))


def canon_comment(data):
    s = data.strip()
    try:
        d = minidom.parseString("<r>" + s + "</r>")
        kids = canon_children(d.documentElement)
        if any(k[0] == "E" for k in kids):
            return ("XC", tuple(kids))
    except Exception:
        pass
    return ("C", " ".join(s.split()))


def canon_children(node):
    out, text = [], None
    for c in node.childNodes:
        if c.nodeType in (c.TEXT_NODE, c.CDATA_SECTION_NODE):
            text = (text or "") + c.data
            continue
        if text is not None and text.strip():
            out.append(("T", text.replace("\r\n", "\n")))
        text = None
        if c.nodeType == c.ELEMENT_NODE:
            out.append(canon(c))
        elif c.nodeType == c.COMMENT_NODE:
            out.append(canon_comment(c.data))
        elif c.nodeType == c.PROCESSING_INSTRUCTION_NODE:
            out.append(("P", c.target, c.data.strip()))
    if text is not None and text.strip():
        out.append(("T", text.replace("\r\n", "\n")))
    return out


def canon(e):
    attrs = []
    for i in range(e.attributes.length):
        a = e.attributes.item(i)
        if a.namespaceURI == XMLNS or a.name == "xmlns" or a.name.startswith("xmlns:"):
            continue
        # .NET reads a literal line break or tab in a value as itself and XDT writes it back as a
        # character reference (XDT-FACTS §6.2); a conforming parser reads it as a space.
        value = re.sub(r"\r\n|[\r\n\t]", " ", a.value)
        attrs.append((a.namespaceURI or "", a.localName, value))
    return ("E", e.namespaceURI or "", e.localName, tuple(attrs), tuple(canon_children(e)))


def meaning(text):
    """A comparable form of a document, or a string saying why it has none."""
    decl = declaration(text)
    body = text
    try:
        d = minidom.parseString(body.encode("utf-8") if not decl else strip_decl(body).encode("utf-8"))
    except Exception as e:
        if not re.search(r"<[A-Za-z_]", re.sub(r"<\?xml.*?\?>|<!--.*?-->", "", text, flags=re.S)):
            return ("no-root", decl)
        return "unparseable: %s" % e
    top = canon_children(d)
    return (decl, tuple(top))


def strip_decl(text):
    return re.sub(r"^\s*<\?xml.*?\?>", "", text, count=1, flags=re.S)


def xdt_messages(log):
    warnings, errors, failed = [], [], False
    for line in log.splitlines():
        m = re.search(r"\): (warning|error): (.*)$", line) or re.match(r"(warning|error): (.*)$", line)
        if m:
            (warnings if m.group(1) == "warning" else errors).append(m.group(2).strip())
        if line.startswith("exception:"):
            failed = True
        if line.startswith("summary:") and "ok=False" in line:
            failed = True
    return warnings, errors, failed


def changed_outside(source, output, regions):
    """Bytes of SOURCE outside `regions` (byte ranges of SOURCE) that `output` does not keep.

    SOURCE is cut at the regions into the stretches no transform acts on; each must come out in order.
    A stretch found verbatim costs nothing; one that is not is aligned with the output between its
    neighbours, and every byte of it not kept (and every byte inserted inside it) counts.
    """
    cuts = sorted((max(0, a), min(b, len(source))) for a, b in regions)
    merged = []
    for a, b in cuts:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    stretches, pos = [], 0
    for a, b in merged:
        if a > pos:
            stretches.append(source[pos:a])
        pos = max(pos, b)
    if pos < len(source):
        stretches.append(source[pos:])
    found, at = [], 0
    for st in stretches:
        k = output.find(st, at)
        found.append(k)
        if k >= 0:
            at = k + len(st)
    total, at = 0, 0
    for n, st in enumerate(stretches):
        if found[n] >= 0:
            at = found[n] + len(st)
            continue
        nxt = next((found[m] for m in range(n + 1, len(stretches)) if found[m] >= 0), len(output))
        window = output[at:nxt]
        sm = difflib.SequenceMatcher(None, st, window, autojunk=False)
        for t, x1, x2, y1, y2 in sm.get_opcodes():
            if t == "equal":
                continue
            if x1 == x2:
                if 0 < x1 < len(st):
                    total += y2 - y1
            else:
                total += x2 - x1
        at = nxt
    return total


def contained(theirs, ours):
    """Each of XDT's messages is (part of) one of ours, one for one."""
    left = list(ours)
    for m in theirs:
        hit = next((o for o in left if m in o), None)
        if hit is None:
            return False
        left.remove(hit)
    return not left


def transform_of(pair):
    if os.path.exists(os.path.join(pair, "transform.config")):
        return os.path.join(pair, "transform.config")
    for f in sorted(os.listdir(pair)):
        if f.endswith(".config") and f not in ("web.config",) and not f.startswith("xdt-output"):
            return os.path.join(pair, f)
    return None


def run_pair(binary, pair, tmp):
    src = os.path.join(pair, "web.config")
    tf = transform_of(pair)
    log = open(os.path.join(pair, "xdt.log"), encoding="utf-8", errors="replace").read()
    x_warn, x_err, x_failed = xdt_messages(log)
    out_path = os.path.join(tmp, "out.config")
    if os.path.exists(out_path):
        os.remove(out_path)
    p = subprocess.run([binary, "xdt", "apply", src, tf, "--format", "json", "-o", out_path],
                       capture_output=True)
    try:
        report = json.loads(p.stdout.decode("utf-8"))
    except ValueError:
        report = {"diagnostics": []}
    diags = report.get("diagnostics", [])
    o_warn = [d["message"] for d in diags if d["severity"] == "warning"]
    o_err = [d["message"] for d in diags if d["severity"] == "error"]
    r = {"pair": os.path.basename(pair), "xdt_failed": x_failed, "our_exit": p.returncode,
         "xdt_warnings": x_warn, "our_warnings": o_warn, "xdt_errors": x_err, "our_errors": o_err}
    if x_failed:
        # Load failures (not well-formed input) have no XDT message of their own to compare with.
        r["same_errors"] = not x_err or contained(x_err, o_err)
        r["agree"] = p.returncode == 2 and r["same_errors"]
        r["kind"] = "rejected"
        return r
    if p.returncode != 0:
        r["agree"] = False
        r["kind"] = "we failed"
        return r
    src_bytes = open(src, "rb").read()
    source = decode(src_bytes).encode("utf-8")
    ours = decode(open(out_path, "rb").read())
    theirs = decode(open(os.path.join(pair, "xdt-output.config"), "rb").read())
    m_ours, m_theirs = meaning(ours), meaning(theirs)
    r["same_meaning"] = m_ours == m_theirs
    r["same_warnings"] = sorted(x_warn) == sorted(w for w in o_warn if not w.startswith("the transform removed the root"))
    regions = report.get("regions", [])
    bom = src_bytes.startswith(b"\xef\xbb\xbf")
    x_bytes = open(os.path.join(pair, "xdt-output.config"), "rb").read()
    o_bytes = open(out_path, "rb").read()
    # A BOM gained or lost changes 3 bytes no transform asked for (XDT-FACTS §6.3).
    r["xdt_outside"] = changed_outside(source, theirs.encode("utf-8"), regions) + 3 * (x_bytes.startswith(b"\xef\xbb\xbf") != bom)
    r["our_outside"] = changed_outside(source, ours.encode("utf-8"), regions) + 3 * (o_bytes.startswith(b"\xef\xbb\xbf") != bom)
    r["agree"] = r["same_meaning"] and r["same_warnings"]
    r["kind"] = "applied"
    if not r["same_meaning"]:
        r["detail"] = first_difference(m_ours, m_theirs)
    return r


def first_difference(a, b, path="doc"):
    if isinstance(a, tuple) and isinstance(b, tuple):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, "%s/%d" % (path, i))
        if len(a) != len(b):
            return "%s: lengths %d vs %d: ours %r / xdt %r" % (path, len(a), len(b), a[len(b):][:1], b[len(a):][:1])
    return "%s: ours %r / xdt %r" % (path, str(a)[:300], str(b)[:300])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "wcmigrate"))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    pairs = []
    for d in args.dirs:
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if os.path.isdir(p) and os.path.exists(os.path.join(p, "xdt.log")):
                pairs.append(p)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for p in pairs:
            results.append(run_pair(args.binary, p, tmp))
    applied = [r for r in results if r["kind"] != "rejected"]
    rejected = [r for r in results if r["kind"] == "rejected"]
    same = [r for r in applied if r.get("same_meaning")]
    warn_same = [r for r in applied if r.get("same_warnings")]
    for r in results:
        if not r["agree"] or args.verbose:
            print("%-100s %s" % (r["pair"], "ok" if r["agree"] else "DIFFERS"))
            if not r["agree"]:
                for k in ("kind", "our_exit", "xdt_warnings", "our_warnings", "xdt_errors", "our_errors", "detail"):
                    if r.get(k):
                        print("    %s: %s" % (k, r[k]))
    print()
    print("pairs: %d (XDT applied %d, rejected %d)" % (len(results), len(applied), len(rejected)))
    print("equal in meaning: %d / %d applied" % (len(same), len(applied)))
    print("same warnings: %d / %d applied" % (len(warn_same), len(applied)))
    print("rejected the same way (exit 2, and XDT's error messages where it gave some): %d / %d"
          % (sum(1 for r in rejected if r["agree"]), len(rejected)))
    x = sum(r.get("xdt_outside", 0) for r in same)
    o = sum(r.get("our_outside", 0) for r in same)
    print("bytes changed outside the transformed nodes, over the %d pairs equal in meaning: XDT %d, ours %d"
          % (len(same), x, o))
    for r in same:
        if r.get("our_outside", 0) > 0 or args.verbose:
            print("  outside bytes %-90s XDT %6d  ours %6d" % (r["pair"][:90], r["xdt_outside"], r["our_outside"]))
    touched = sum(1 for r in same if r.get("xdt_outside", 0) > 0)
    print("pairs where XDT changed bytes outside the transformed nodes: %d; where we did: %d"
          % (touched, sum(1 for r in same if r.get("our_outside", 0) > 0)))
    return 0 if all(r["agree"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
