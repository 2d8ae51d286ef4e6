#!/usr/bin/env bash
# The pass plugin's regression tests: LLVM's lit and FileCheck over testsuite/lit, against
# ${CARGO_TARGET_DIR:-target}/release/libsyscluster_pass.so (built here if missing), with
# libmulticall (the runtime) for the executable tests.
#
#   scripts/tests/30-lit.sh            # all lit tests
#   scripts/tests/30-lit.sh --filter=cluster   # extra arguments go to lit
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$root"
export CARGO_TARGET_DIR=$target

if [ ! -f "$target/release/libsyscluster_pass.so" ] || [ ! -f "$target/release/multicall.pc" ]; then
    echo "30-lit: building the pass plugin and the runtime"
    cargo build --release -p syscluster-pass -p multicall --locked 2>&1 | tail -n 1
fi

lit=/usr/lib/llvm-19/build/utils/lit/lit.py
if [ -f "$lit" ]; then
    run_lit=(python3 "$lit")
elif command -v lit >/dev/null; then
    run_lit=(lit)
else
    echo "30-lit: LLVM's lit not found: install llvm-19-tools (scripts/setup.sh)" >&2
    exit 1
fi
if [ ! -x /usr/lib/llvm-19/bin/FileCheck ]; then
    echo "30-lit: FileCheck not found in /usr/lib/llvm-19/bin: install llvm-19-tools (scripts/setup.sh)" >&2
    exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"${run_lit[@]}" -sv -j2 "$@" testsuite/lit | tee "$out" || status=$?
# One closing line in the form test.sh's readers expect.
passed=$(sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p' "$out" | head -n1)
failed=$(sed -n 's/^ *Failed *: *\([0-9]*\).*/\1/p' "$out" | head -n1)
unsupported=$(sed -n 's/^ *Unsupported *: *\([0-9]*\).*/\1/p' "$out" | head -n1)
echo "lit: ${passed:-0} passed, ${failed:-0} failed, ${unsupported:-0} skipped"
exit "$status"
