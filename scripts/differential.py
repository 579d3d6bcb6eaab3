#!/usr/bin/env python3
"""Differential run: two wcmigrate binaries over the same inputs; stdout, stderr, exit code and written
files must be byte-identical.

usage: differential.py BASE_BIN NEW_BIN CORPUS_DIR REALWORLD_FILES REALWORLD_XDT GEN_DIRS... [--jobs N]
"""
import concurrent.futures as cf, os, re, shutil, subprocess, sys, tempfile, collections

args = [a for a in sys.argv[1:] if not a.startswith("--jobs")]
JOBS = 2
BASE, NEW, CORPUS, RW, RWX = [os.path.abspath(a) for a in args[:5]]
GENS = [os.path.abspath(a) for a in args[5:]]
W = tempfile.mkdtemp(prefix="wcm-differential-")

def variants(inputs, extra=()):
    """Command lines for one merge (inputs: list of argument strings)."""
    v = []
    for fmt in ([], ["--format", "json"]):
        for show in ([], ["--show-secrets"]):
            v.append(("merge", inputs + list(extra) + fmt + show, None))
    v.append(("merge", inputs + list(extra) + ["-o", "out.config", "--diff", "out.diff"], ["out.config", "out.diff"]))
    v.append(("merge", inputs + list(extra) + ["-o", "-"], None))
    v.append(("merge", inputs + list(extra) + ["-o", "-", "--show-secrets", "-q"], None))
    v.append(("merge", inputs + list(extra) + ["--check", "-v"], None))
    return v

def run(binary, argv, files, wd):
    os.makedirs(wd, exist_ok=True)
    for f in files or []:
        p = os.path.join(wd, f)
        if os.path.exists(p):
            os.chmod(p, 0o600); os.remove(p)
    p = subprocess.run([binary] + argv, cwd=wd, capture_output=True, timeout=600)
    out = [p.returncode, p.stdout, p.stderr]
    for f in files or []:
        path = os.path.join(wd, f)
        out.append(open(path, "rb").read() if os.path.exists(path) else None)
    return out

def job(i, label, argv, files):
    a = run(BASE, argv, files, os.path.join(W, "b%d" % i))
    b = run(NEW, argv, files, os.path.join(W, "n%d" % i))
    return label, argv, a == b, a, b

def edited(path, dst):
    """OLD for a real file: every other appSettings value (and String setting value) edited."""
    data = open(path, "rb").read()
    n = [0]
    def sub(m):
        n[0] += 1
        if n[0] % 2:
            return m.group(1) + b"OLD-" + m.group(2) + b"&amp;x" + m.group(3)
        return m.group(0)
    data2 = re.sub(rb'(<add\s+key="[^"]*"\s+value=")([^"]*)(")', sub, data)
    data2 = re.sub(rb'(<value>)([^<]{0,200})(</value>)', sub, data2)
    open(dst, "wb").write(data2)
    return data2 != data

jobs = []
# corpus: 2-way, 3-way (base.config, else OLD as BASE), with the case's args
for case in sorted(os.listdir(CORPUS)):
    d = os.path.join(CORPUS, case)
    old, new, base = (os.path.join(d, f) for f in ("old.config", "new.config", "base.config"))
    if not (os.path.exists(old) and os.path.exists(new)):
        continue
    extra = open(os.path.join(d, "args")).read().split() if os.path.exists(os.path.join(d, "args")) else []
    for inputs in ([old, new], [old, new, "--base", base if os.path.exists(base) else old]):
        for c, argv, files in variants(inputs, extra):
            jobs.append(("corpus/" + case, [c] + argv, files))
# real-world histories: consecutive versions, 2-way and 3-way with the earlier as BASE, swapped too;
# and each triple (A, B, C) as BASE, OLD, NEW
hist = os.path.join(RW, "history")
for proj in sorted(os.listdir(hist)):
    vs = sorted(os.path.join(hist, proj, f) for f in os.listdir(os.path.join(hist, proj)))
    for a, b in zip(vs, vs[1:]):
        for old, new in ((a, b), (b, a)):
            for inputs in ([old, new], [old, new, "--base", old]):
                for c, argv, files in variants(inputs):
                    jobs.append(("history/" + proj, [c] + argv, files))
    for a, b, c3 in zip(vs, vs[1:], vs[2:]):
        for c, argv, files in variants([b, c3, "--base", a]):
            jobs.append(("history3/" + proj, [c] + argv, files))
# every real-world file: merge(X, X) and merge(X edited, X), 2-way and 3-way with X as BASE
eds = os.path.join(W, "edited")
os.makedirs(eds, exist_ok=True)
for root, _, files in os.walk(RW):
    if "/history" in root:
        continue
    for f in sorted(files):
        if not f.lower().endswith(".config"):
            continue
        x = os.path.join(root, f)
        e = os.path.join(eds, "%d-%s" % (len(jobs), f))
        pairs = [[x, x]]
        if edited(x, e):
            pairs += [[e, x], [e, x, "--base", x]]
        for inputs in pairs:
            for c, argv, files in variants(inputs):
                jobs.append(("realworld/" + os.path.relpath(x, RW), [c] + argv, files))
# XDT (landed None: the whole-text path through the new renderer)
for d in sorted(os.listdir(RWX)):
    dd = os.path.join(RWX, d)
    if not os.path.isdir(dd):
        continue
    fs = os.listdir(dd)
    src = [f for f in fs if f.lower() in ("web.config", "app.config")]
    tr = [f for f in fs if f.lower().endswith(".config") and f.lower() not in ("web.config", "app.config", "xdt-output.config")]
    if not src or not tr:
        continue
    for fmt in ([], ["--format", "json"]):
        for show in ([], ["--show-secrets"]):
            jobs.append(("xdt/" + d, ["xdt", "apply", os.path.join(dd, src[0]), os.path.join(dd, tr[0])] + fmt + show, None))
# generated pairs
for g in GENS:
    o, n, b = (os.path.join(g, f) for f in ("old.config", "new.config", "base.config"))
    for inputs in ([o, n], [o, n, "--base", b]):
        for c, argv, files in variants(inputs):
            jobs.append(("gen/" + os.path.basename(g), [c] + argv, files))

counts = collections.Counter()
same = collections.Counter()
bad = []
with cf.ThreadPoolExecutor(JOBS) as ex:
    for label, argv, ok, a, b in ex.map(lambda ij: job(ij[0], *ij[1]), enumerate(jobs)):
        kind = label.split("/")[0]
        counts[kind] += 1
        if ok:
            same[kind] += 1
        else:
            bad.append((label, argv, a, b))
for k in sorted(counts):
    print("%-10s %5d compared, %5d identical" % (k, counts[k], same[k]))
print("total      %5d compared, %5d identical" % (sum(counts.values()), sum(same.values())))
for label, argv, a, b in bad[:20]:
    print("DIFFERS", label, " ".join(argv))
    for i, name in enumerate(["exit", "stdout", "stderr", "file1", "file2"][:len(a)]):
        if a[i] != b[i]:
            print("   ", name, "differs:", repr(a[i])[:300], "vs", repr(b[i])[:300])
shutil.rmtree(W, ignore_errors=True)
sys.exit(1 if bad else 0)
