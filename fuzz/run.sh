#!/usr/bin/env bash
# Runs the fuzz targets one after another, each for SECONDS (default 900), one job each, and keeps going
# after a crash so one run can find several (each crash is saved in fuzz/artifacts/<target>/).
#
#   fuzz/run.sh [SECONDS] [TARGET...]          # default: 900 s for each of decode merge rules
#   SANITIZER=none fuzz/run.sh 600 merge       # without AddressSanitizer (faster; use if ASan fails)
#
# -O -a: optimised, with debug assertions (Edits::apply's overlap check, overflow checks) kept on.
# Works on the stable toolchain: RUSTC_BOOTSTRAP=1 lets stable rustc take the nightly-only flags
# cargo-fuzz passes (-Zsanitizer=..., -Cpasses=sancov-module, ...). Needs `cargo install cargo-fuzz`
# and a C++ compiler (libfuzzer-sys builds libFuzzer). Logs: fuzz/artifacts/<target>.log.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
secs="${1:-900}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(decode merge rules)
san="${SANITIZER:-address}"
export RUSTC_BOOTSTRAP=1

./seed.sh
cargo fuzz build -O -a -s "$san"
mkdir -p artifacts
for t in "${targets[@]}"; do
    echo "== $t: ${secs}s"
    mkdir -p "artifacts/$t"
    dict=xml.dict
    [ "$t" = rules ] && dict=toml.dict
    # -fork=1 + -ignore_*: a crash, timeout or OOM is saved and the run goes on.
    timeout --signal=INT $((secs + 120)) \
        cargo fuzz run -O -a -s "$san" "$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -dict="$dict" \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -print_final_stats=1 \
        > "artifacts/$t.log" 2>&1 || echo "   $t exited with $?"
    grep -E '^#[0-9]+: cov' "artifacts/$t.log" | tail -1 || true
    grep -E 'DONE|crashes|timeouts' "artifacts/$t.log" | tail -3 || true
    ls "artifacts/$t" | sed 's/^/   artifact: /' || true
done
