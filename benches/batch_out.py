#!/usr/bin/env python3
"""Times `wcmigrate batch --out` on 10,000 typical pairs, two threads, as docs/PERFORMANCE.md reports it.

Usage (as root: it mounts a file system):
    benches/batch_out.py [--runs N] NAME=BINARY [NAME=BINARY ...]
e.g. benches/batch_out.py before=/tmp/wcmigrate-before now=target/release/wcmigrate

The pairs are benches/merge.rs's `batch` ones: corpus/user-portal-basic with a different username in
each OLD, in 100 folders of 100. Each trial of each binary gets a freshly made 1 GB ext4 file system
on a loop device: on a shared disk, ext4 skips the inodes deleted in the last minutes (earlier runs'
outputs, other programs' files) on every file it creates, which made any run that creates 20,000
files 3-10x slower, and noisier, than the same run on a fresh file system. A trial times a dry run, a
run into a fresh OUTDIR, then a rerun into the OUTDIR that run filled. Binaries are interleaved, their
order reversed every other round, and the medians printed.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAIRS = 10_000


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_cases(dest):
    src = os.path.join(ROOT, "corpus", "user-portal-basic")
    old = open(os.path.join(src, "old.config"), "rb").read()
    new = open(os.path.join(src, "new.config"), "rb").read()
    for i in range(PAIRS):
        case = os.path.join(dest, f"{i % 100:02}", f"{i:05}")
        os.makedirs(case)
        open(os.path.join(case, "old.config"), "wb").write(old.replace(b"svc-pfportal", f"svc-{i}".encode()))
        open(os.path.join(case, "new.config"), "wb").write(new)


def main():
    args = sys.argv[1:]
    runs = 5
    if args[:1] == ["--runs"]:
        runs, args = int(args[1]), args[2:]
    bins = dict(a.split("=", 1) for a in args)
    if not bins:
        sys.exit(__doc__)
    bins = {name: os.path.abspath(path) for name, path in bins.items()}
    work = tempfile.mkdtemp(prefix="wcmigrate-batch-out-")
    image, mnt, cases = f"{work}/fs.img", f"{work}/mnt", f"{work}/cases"
    make_cases(cases)
    times = {}

    def timed(label, cmd):
        sh("sync")
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=mnt, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        took = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"{label}: exit {done.returncode}")
        times.setdefault(label, []).append(took)
        print(f"{label}: {took:.3f} s = {PAIRS / took:,.0f} pairs/s", flush=True)

    try:
        for r in range(runs):
            names = list(bins) if r % 2 == 0 else list(bins)[::-1]
            for name in names:
                if os.path.ismount(mnt):
                    sh("umount", mnt)
                if os.path.exists(image):
                    os.remove(image)
                sh("truncate", "-s", "1G", image)
                sh("mkfs.ext4", "-q", "-F", "-N", "300000", image)
                os.makedirs(mnt, exist_ok=True)
                sh("mount", "-o", "loop", image, mnt)
                shutil.copytree(cases, f"{mnt}/cases")
                batch = [bins[name], "batch", "cases", "--jobs", "2"]
                timed(f"{name} dry", batch)
                timed(f"{name} --out, fresh OUTDIR", batch + ["--out", "out"])
                timed(f"{name} --out, rerun into it", batch + ["--out", "out"])
    finally:
        if os.path.ismount(mnt):
            sh("umount", mnt)
        shutil.rmtree(work, ignore_errors=True)
    print()
    for label, t in sorted(times.items()):
        m = statistics.median(t)
        print(f"{label}: median {m:.3f} s = {PAIRS / m:,.0f} pairs/s (min {min(t):.3f}, max {max(t):.3f}, n={len(t)})")


if __name__ == "__main__":
    main()
