#!/usr/bin/env bash
# Main job: profile the paper's copy program (testsuite/programs/copy.c, Figure 5a).
#
# Builds copy.c with clang-19 -O2 -g, makes an input file of 256 blocks of 4 KiB, records the copy
# under strace with `syscluster record`, prints the hottest edges of its syscall graph with their
# call sites (`show --top 10`), and draws the graph (the paper's Figure 5c) into
# build/demo/copy.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/setup.sh
echo "== cargo build --release"
cargo build --release --locked -p syscluster-cli 2>&1 | tail -n 1
target=${CARGO_TARGET_DIR:-target}
case "$target" in
/*) ;;
*) target=$root/$target ;;
esac
syscluster=$target/release/syscluster

out=$root/build/demo
mkdir -p "$out"
cd "$out"
blocks=256
echo "== clang-19 -O2 -g testsuite/programs/copy.c -o build/demo/copy"
clang-19 -O2 -g -o copy "$root/testsuite/programs/copy.c"
head -c $((blocks * 4096)) /dev/urandom >in.dat
rm -f out.dat

echo "== syscluster record -o copy.prof.json -- ./copy in.dat out.dat   ($blocks blocks of 4096 bytes)"
"$syscluster" record -o copy.prof.json -- ./copy in.dat out.dat
cmp in.dat out.dat

echo "== syscluster show copy.prof.json --top 10"
"$syscluster" show copy.prof.json --top 10

echo "== syscluster graph copy.prof.json -o copy.svg"
"$syscluster" graph copy.prof.json -o copy.svg
"$syscluster" graph copy.prof.json -o copy.dot
echo "demo: wrote build/demo/copy.prof.json, build/demo/copy.svg and build/demo/copy.dot"
