#!/usr/bin/env bash
# Benchmark of multicall.ko in a qemu guest (measures, asserts nothing): nanoseconds per
# read+write pair of a 2 MiB copy in 512-byte blocks, done directly, as one ioctl per pair, as
# 16 pairs per ioctl and as one looped batch, with ratios to the direct copy; once with
# page-table isolation off and once booted with pti=on.
#
#   scripts/bench-kmod.sh [SIZE [BLOCK [REPS]]]     defaults: 2097152 512 7
#
# Under TCG (no KVM) the times say nothing about real hardware; the crossing counts and the
# direction of the ratios do.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$root"
mkdir -p "$target/kmod-bench"
bench="$target/kmod-bench/bench"
gcc -O2 -Wall -Wextra -static -o "$bench" testsuite/kmod/bench.c

for pti in off on; do
    echo "== pti=$pti"
    scripts/qemu-run.sh --timeout 600 --append "pti=$pti" -- "$bench" "$@"
done
accel=$(cat "$target"/qemu/kvm-probe-* 2>/dev/null | head -n1 || true)
echo "# accelerator: ${SYSCLUSTER_QEMU_ACCEL:-${accel:-unknown}} (tcg: emulated CPU, times are not those of real hardware)"
