#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the example corpus (corpus/), the rules, and the few small seeds kept
# in fuzz/seeds/. fuzz/corpus is git-ignored: run this before `cargo fuzz run`; it is idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
mkdir -p "$here"/corpus/{decode,merge,rules}

for t in decode merge rules; do
    cp "$here"/seeds/"$t"/* "$here/corpus/$t/" 2>/dev/null || true
done

for case in "$repo"/corpus/*/; do
    name="$(basename "$case")"
    for f in old new expected; do
        [ -f "$case/$f.config" ] && cp "$case/$f.config" "$here/corpus/decode/$name-$f.config"
    done
    if [ -f "$case/old.config" ] && [ -f "$case/new.config" ]; then
        # OLD SEP NEW, and NEW SEP NEW (the merge(X, X) == X shape).
        { cat "$case/old.config"; printf '\xff\x00SEP\x00\xff'; cat "$case/new.config"; } \
            > "$here/corpus/merge/$name.pair"
        { cat "$case/new.config"; printf '\xff\x00SEP\x00\xff'; cat "$case/new.config"; } \
            > "$here/corpus/merge/$name.same"
        # 3-way: OLD SEP NEW SEP BASE (BASE = the case's own, or NEW: "the admin changed OLD only").
        base="$case/base.config"
        [ -f "$base" ] || base="$case/new.config"
        { cat "$case/old.config"; printf '\xff\x00SEP\x00\xff'; cat "$case/new.config"
          printf '\xff\x00SEP\x00\xff'; cat "$base"; } > "$here/corpus/merge/$name.triple"
    fi
done

cp "$repo"/rules/*.toml "$here/corpus/rules/"
echo "seeded: decode $(ls "$here/corpus/decode" | wc -l), merge $(ls "$here/corpus/merge" | wc -l), rules $(ls "$here/corpus/rules" | wc -l)"
