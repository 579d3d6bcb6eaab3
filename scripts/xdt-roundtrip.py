#!/usr/bin/env python3
"""Exported transforms on real version histories: does what `wcmigrate diff --format xdt` writes
re-apply cleanly, to the release it came from and to the next one?

Usage: scripts/xdt-roundtrip.py [--binary target/release/wcmigrate] [--verbose] HISTORY_DIR

HISTORY_DIR holds one folder per file history (the layout of ../shared/realworld/files/history/),
each with the file's releases in order (`01_*.config`, `02_*.config`, ...). A history has no admin,
so a release's changes stand in for one: for each three consecutive releases A, B, C, the
"customizations" are B relative to A (BASE = A, OLD = B), exported as XDT, and

  * round trip: `xdt apply --strict A T` must succeed (no error, no warning) and its result must mean
    B: `wcmigrate diff B RESULT` finds no customization (the crate's identity view);
  * next release: `xdt apply C T` (not strict) must apply without an error; warnings (a target the
    next release no longer has) are counted, since they are what XDT's hosts tolerate and Octopus
    refuses.

Not run by `cargo test`: the data is not part of the project.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile


def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/wcmigrate")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("dir")
    a = ap.parse_args()
    stats = dict(pairs=0, exported=0, diff_failed=0, customizations=0, rt_ok=0, rt_warn_or_error=0,
                 rt_differs=0, next_pairs=0, next_ok=0, next_warned=0, next_failed=0)
    tmp = tempfile.mkdtemp()
    for hist in sorted(os.listdir(a.dir)):
        folder = os.path.join(a.dir, hist)
        releases = sorted(f for f in os.listdir(folder) if f.endswith(".config"))
        paths = [os.path.join(folder, f) for f in releases]
        for i in range(1, len(paths)):
            base, old = paths[i - 1], paths[i]
            nxt = paths[i + 1] if i + 1 < len(paths) else None
            stats["pairs"] += 1
            t = os.path.join(tmp, "t.xdt")
            code, out, err = run(a.binary, "diff", base, old, "--format", "xdt", "-o", t)
            if code != 0:
                stats["diff_failed"] += 1
                print(f"{hist} {releases[i]}: diff failed: {err.strip()[:300]}")
                continue
            stats["exported"] += 1
            code, out, _ = run(a.binary, "diff", base, old, "--format", "json")
            stats["customizations"] += len(json.loads(out)["customizations"])
            res = os.path.join(tmp, "r.config")
            code, out, err = run(a.binary, "xdt", "apply", base, t, "--strict", "-o", res,
                                 "--color", "never")
            if code != 0:
                stats["rt_warn_or_error"] += 1
                print(f"{hist} {releases[i - 1]} -> {releases[i]}: strict apply failed:\n{err[:1500]}")
            else:
                code, out, _ = run(a.binary, "diff", old, res, "--format", "json")
                left = json.loads(out)["customizations"]
                if left:
                    stats["rt_differs"] += 1
                    print(f"{hist} {releases[i]}: result differs from OLD in {len(left)} places, e.g. "
                          + "; ".join(c["message"] for c in left[:3]))
                else:
                    stats["rt_ok"] += 1
            if nxt is None:
                continue
            stats["next_pairs"] += 1
            code, out, err = run(a.binary, "xdt", "apply", nxt, t, "--format", "json")
            if code != 0:
                stats["next_failed"] += 1
                print(f"{hist} {releases[i]} applied to {releases[i + 1]}: FAILED")
                if a.verbose:
                    print(out[:2000])
                continue
            warns = [d for d in json.loads(out).get("diagnostics", []) if d["severity"] == "warning"]
            if warns:
                stats["next_warned"] += 1
                if a.verbose:
                    print(f"{hist} {releases[i]} applied to {releases[i + 1]}: {len(warns)} warnings, e.g. "
                          + warns[0]["message"])
            else:
                stats["next_ok"] += 1
    print(json.dumps(stats, indent=2))
    bad = stats["diff_failed"] + stats["rt_warn_or_error"] + stats["rt_differs"] + stats["next_failed"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
