#!/usr/bin/env bash
# Test stage: the kernel module, in a qemu guest booting Debian's kernel (scripts/qemu-run.sh).
# Builds the module's C tests (testsuite/kmod) statically and the runtime's test binaries, then
# boots one guest that runs them all (testsuite/kmod/run-guest.sh): semantics, hostile input,
# permissions, seccomp, signals, threads, crossing counts, a bounded fuzzer, audit and RCU-tasks
# bounds, rmmod (also during a batch that closed its own descriptor), and the
# runtime's semantic tests with MULTICALL_BACKEND=kmod. A kernel oops/WARN/BUG fails it.
#
# SYSCLUSTER_QEMU=0 skips the stage (scripts/test.sh --no-qemu). MC_FUZZ_SECONDS bounds the
# fuzzer (default 20).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$root"

if [ "${SYSCLUSTER_QEMU:-1}" = 0 ]; then
    echo "40-kmod: skipped: SYSCLUSTER_QEMU=0 (no guest kernel is booted; run scripts/test.sh without --no-qemu to test the module)"
    exit 0
fi

out="$target/kmod-tests"
rm -rf "$out"
mkdir -p "$out/runtime"

echo "40-kmod: building the module's test programs"
for src in testsuite/kmod/*.c; do
    name=$(basename "$src" .c)
    gcc -O2 -Wall -Wextra -Werror -static -pthread -o "$out/$name" "$src"
done
cp testsuite/kmod/run-guest.sh "$out/"

echo "40-kmod: building the runtime's tests"
cargo test -p multicall --release --locked --no-run --message-format=json 2>"$out/cargo.log" >"$out/cargo.json" || {
    tail -n 30 "$out/cargo.log" >&2
    echo "40-kmod: building the runtime's tests failed" >&2
    exit 1
}
python3 - "$out/cargo.json" "$out/runtime" <<'EOF'
import json, shutil, sys, os
# Every test binary of the runtime, except abi: it compiles C at run time, and the guest has no
# compiler (it checks the header against the Rust mirror, which the host's cargo test does).
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") != "compiler-artifact" or not m.get("executable"):
        continue
    if not m.get("profile", {}).get("test") or m["target"]["name"] == "abi":
        continue
    shutil.copy(m["executable"], os.path.join(sys.argv[2], m["target"]["name"]))
EOF
echo "40-kmod: runtime test binaries: $(ls "$out/runtime" | tr '\n' ' ')"

echo "40-kmod: booting the guest"
scripts/qemu-run.sh --timeout 540 --env "MC_FUZZ_SECONDS=${MC_FUZZ_SECONDS:-20}" \
    --log "$out/console.log" -- "$out/run-guest.sh" "$out"
