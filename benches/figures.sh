#!/usr/bin/env bash
# Measures every figure of issue 16 and prints the table of docs/PERFORMANCE.md (one markdown row per
# figure: issue item, goal, figure, the command that reproduces it, the floor it is measured against).
#
#   benches/figures.sh                 # all: ratios, memory, process (about 10 minutes)
#   benches/figures.sh ratios memory   # some of them
#
# Each bench builds the release binary it runs (cargo bench's profile is the release one) and prints
# its own rows after criterion's report; this script runs them one after another, keeps their whole
# output in target/figures.log and prints the rows sorted by item, with the machine's load. It installs
# xmlstarlet (the start-up floor) with apt when it is missing; without it those figures say "skipped".
# It measures and exits 0 whatever the figures are: a gate on timing would fail on a busy machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v xmlstarlet >/dev/null 2>&1; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq xmlstarlet >/dev/null; } \
    || echo "figures: could not install xmlstarlet; its figures will be skipped" >&2
fi

benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(ratios memory process)
mkdir -p target
log=target/figures.log
: > "$log"
load() { cut -d' ' -f1-3 /proc/loadavg; }
loads=()
for b in "${benches[@]}"; do
  echo "figures: cargo bench --bench $b (load $(load))" >&2
  loads+=("$b $(load)")
  cargo bench --quiet --bench "$b" 2>&1 | tee -a "$log" | grep -i 'skipped' >&2 || true
done

echo "| # | goal (issue 16) | figure (this run) | command that reproduces it | floor |"
echo "|---|---|---|---|---|"
# By item; within one, the goals first and the figures in brackets (other sizes, context) after them.
grep -E '^\| [0-9]+ \|' "$log" \
  | awk -F'|' '{ printf "%d\t%d\t%s\n", $2, ($3 ~ /^ \(/), $0 }' \
  | sort -s -t$'\t' -k1,1n -k2,2n | cut -f3-
echo
echo "Measured $(date -u +%Y-%m-%d) on $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml || echo ' (with uncommitted changes)'),"
echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))," \
  "$(rustc --version | cut -d' ' -f1-2); load average (1, 5, 15 min) at the start of each bench:" \
  "$(IFS=';'; echo "${loads[*]}" | sed 's/;/; /g'); at the end: $(load)."
