#!/usr/bin/env bash
# Every C file of the test suite through the pass with every edge hot, at four levels.
#
#   scripts/stress-hot.sh [FILE.c...]      # default: testsuite/programs/*.c testsuite/lit/*.c
#
# Each file is compiled to IR at -O1, -O2, -O3 and -Os (clang-19 -g), then run through
# `opt -passes=syscall-cluster` with a profile in which every ordered pair of 18 system
# calls (read, write, their positioned, socket and vector kin, sendfile, copy_file_range,
# splice, openat, close, fstat, lseek, accept, fcntl, select), and each call to itself, is a
# hot edge, so that every transformation and legality check meets every loop and pair of
# calls the files have; the output must pass `opt -passes=verify`, and with
# `-syscluster-verify-sites` the pass checks after each transformation that changed the IR
# that no system-call site holds an instruction the transformation deleted (a PANIC
# otherwise). A file that clang cannot compile on its own (a fragment another file includes) is skipped. At -O2 the pass runs a
# second time on the same input, and must give the same output: a build is reproducible
# (nothing the pass decides may follow the addresses of the IR's objects, which differ from
# run to run). Prints one line per failure (CRASH: opt failed; VERIFY: the output is not
# valid IR; PANIC: the pass met a bug of its own and left the module as it was; NONDET: the
# second run's output differs) with the log kept under
# $target/stress-hot/, then the count. Exit status 0 only when nothing failed.
#
# Environment: CARGO_TARGET_DIR, SYSCLUSTER_PLUGIN (default the release build's plugin),
# STRESS_HOT_CFLAGS (more compiler flags, e.g. `-I. -Ilib` for the sources of a configured
# package: `cd coreutils-9.1 && STRESS_HOT_CFLAGS="-I. -Ilib" .../stress-hot.sh src/*.c`).
set -uo pipefail

. "$(dirname "$0")/lib.sh" || exit 2
plugin=${SYSCLUSTER_PLUGIN:-$target/release/libsyscluster_pass.so}
[ -f "$plugin" ] || {
	echo "stress-hot: no plugin at $plugin: run 'cargo build --release' first" >&2
	exit 2
}
work=$target/stress-hot
mkdir -p "$work" || exit 2
python3 - "$work/all.json" <<'PY' || exit 2
import json, sys
calls = [("read", 0), ("write", 1), ("pread64", 17), ("pwrite64", 18), ("sendto", 44),
         ("recvfrom", 45), ("sendfile", 40), ("copy_file_range", 326), ("openat", 257),
         ("close", 3), ("fstat", 5), ("lseek", 8), ("accept", 43), ("fcntl", 72),
         ("select", 23), ("splice", 275), ("readv", 19), ("writev", 20)]
nodes = [{"syscall": n, "nr": nr, "count": 1000} for n, nr in calls]
edges = [{"from": i, "to": j, "weight": 900 if i == j else 500}
         for i in range(len(calls)) for j in range(len(calls))]
json.dump({"version": 1, "program": "stress-hot", "nodes": nodes, "edges": edges},
          open(sys.argv[1], "w"))
PY
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$root"/testsuite/programs/*.c "$root"/testsuite/lit/*.c)
modules=0 failed=0
for f in "${files[@]}"; do
	for level in -O1 -O2 -O3 -Os; do
		b=$work/$(basename "$f" .c)$level
		# shellcheck disable=SC2086 # the extra flags are words
		clang-19 "$level" -g -S -emit-llvm -I"$root/testsuite/programs" ${STRESS_HOT_CFLAGS:-} "$f" -o "$b.ll" 2>/dev/null || continue
		modules=$((modules + 1))
		if ! opt-19 -load-pass-plugin="$plugin" -passes="syscall-cluster<profile=$work/all.json>" \
			-syscluster-verify-sites "$b.ll" -S -o "$b.out.ll" 2>"$b.log"; then
			echo "CRASH $f $level ($b.log)"
			failed=$((failed + 1))
			continue
		fi
		if ! opt-19 -passes=verify -disable-output "$b.out.ll" 2>>"$b.log"; then
			echo "VERIFY $f $level ($b.log)"
			failed=$((failed + 1))
			continue
		fi
		# A panic of the pass leaves the module as it was, with a warning: a bug all the same.
		if grep -q 'internal error' "$b.log"; then
			echo "PANIC $f $level ($b.log)"
			failed=$((failed + 1))
			continue
		fi
		if [ "$level" = -O2 ]; then
			opt-19 -load-pass-plugin="$plugin" -passes="syscall-cluster<profile=$work/all.json>" \
				"$b.ll" -S -o "$b.again.ll" 2>>"$b.log"
			if ! cmp -s "$b.out.ll" "$b.again.ll"; then
				echo "NONDET $f $level ($b.out.ll, $b.again.ll)"
				failed=$((failed + 1))
				continue
			fi
		fi
		rm -f "$b.ll" "$b.out.ll" "$b.again.ll" "$b.log"
	done
done
echo "stress-hot: $modules modules, $failed failed"
[ "$failed" -eq 0 ]
