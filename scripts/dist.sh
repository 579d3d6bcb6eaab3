#!/usr/bin/env bash
# Builds the release binaries an admin downloads: Windows (x86_64, one .exe with the C runtime linked
# in) and Linux (x86_64, glibc), into dist/, and prints their SHA-256 checksums.
#
# Needs: the Rust toolchain with the x86_64-pc-windows-gnu target (rustup target add
# x86_64-pc-windows-gnu) and Debian's gcc-mingw-w64-x86-64. Run from anywhere: scripts/dist.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
out=dist
rm -rf "$out" && mkdir -p "$out"

# The C runtime is linked statically (see .cargo/config.toml), so wcmigrate.exe needs no DLL beside it.
cargo build --release --locked --target x86_64-pc-windows-gnu --bin wcmigrate
cargo build --release --locked --target x86_64-unknown-linux-gnu --bin wcmigrate

cp target/x86_64-pc-windows-gnu/release/wcmigrate.exe "$out/wcmigrate-$version-x86_64-windows.exe"
cp target/x86_64-unknown-linux-gnu/release/wcmigrate "$out/wcmigrate-$version-x86_64-linux"
(cd "$out" && sha256sum -- * | tee SHA256SUMS)
