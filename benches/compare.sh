#!/usr/bin/env bash
# Times `wcmigrate merge` against xmlstarlet on the same generated inputs, in one run, and prints the
# ratio. xmlstarlet does what a scripter would do instead: one `ed -u XPATH -v VALUE` per value that
# differs (all in one invocation), with no remapping, no inserts, no diagnostics — so it is a lower
# bound on the work, not an equal one. Usage: benches/compare.sh [KEYS ...]  (default: 1000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
if ! need xmlstarlet || ! need hyperfine; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq xmlstarlet hyperfine >/dev/null
fi
cargo build --release --quiet --bin wcmigrate --example gen_pair
bin=target/release/wcmigrate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for keys in "${@:-1000 10000}"; do
  for k in $keys; do
    dir="$work/$k"
    target/release/examples/gen_pair "$dir" "$k" >/dev/null
    # The xmlstarlet script: one -u per appSettings key and setting whose value OLD changed.
    python3 - "$dir" > "$dir/xmlstarlet.args" <<'PY'
import sys, xml.etree.ElementTree as ET
d = sys.argv[1]
old, new = ET.parse(d + "/old.config").getroot(), ET.parse(d + "/new.config").getroot()
nv = {a.get("key").upper(): a.get("value") for a in new.find("appSettings")}
for a in old.find("appSettings"):
    k, v = a.get("key"), a.get("value")
    if k.upper() in nv and nv[k.upper()] != v:
        print("-u"); print(f"/configuration/appSettings/add[@key='{k.upper()}']/@value"); print("-v"); print(v)
ns = {s.get("name"): s.find("value").text for s in new.iter("setting")}
for s in old.iter("setting"):
    n, v = s.get("name"), s.find("value").text
    if ns.get(n) != v:
        print("-u"); print(f"//setting[@name='{n}']/value"); print("-v"); print(v)
PY
    updates=$(( $(wc -l < "$dir/xmlstarlet.args") / 4 ))
    # One xmlstarlet process with every update (-x: fail rather than split across processes).
    printf 'xargs -x -s 1900000 -d "\\n" -a %s sh -c '"'"'exec xmlstarlet ed "$@" %s > %s'"'"' sh\n' \
      "$dir/xmlstarlet.args" "$dir/new.config" "$dir/xs.config" > "$dir/xs.sh"
    echo "== $k keys: NEW $(stat -c %s "$dir/new.config") bytes, $updates values differ"
    hyperfine --warmup 1 --runs 5 --style basic --export-json "$dir/h.json" \
      -n wcmigrate "$bin merge $dir/old.config $dir/new.config -o $dir/merged.config" \
      -n xmlstarlet "sh $dir/xs.sh" \
      2>/dev/null | grep -E "Time|±" || true
    python3 - "$dir/h.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print(f"median: wcmigrate {r['wcmigrate']*1000:.1f} ms, xmlstarlet {r['xmlstarlet']*1000:.1f} ms, ratio wcmigrate/xmlstarlet = {r['wcmigrate']/r['xmlstarlet']:.2f}")
PY
  done
done
