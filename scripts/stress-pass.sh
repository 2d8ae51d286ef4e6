#!/usr/bin/env bash
# Stress the syscall-cluster pass on real code with a synthetic "everything is hot" profile.
#
#   scripts/stress-pass.sh profile [--all-pairs] [--weight N] -o PROFILE BINARY...
#   scripts/stress-pass.sh build [--lto] -p PROFILE [--log DIR] -- BUILD COMMAND...
#
# A recorded profile makes only a few edges hot, so most of the pass's transformations (tail
# duplication, rotation, peeling, code motion, unrolling, inlining, whole-loop multi-calls,
# merged flags) never run on most of a package's code. This tool makes them run everywhere:
#
# `profile` reads the programs of a plain build of the package (clang-19 -O2 -g, no pass) and
# writes a profile (docs/profile-format.md) in which every pair of system-call sites that can
# follow each other is an edge of high weight: consecutive sites of one function (both ways),
# each site in a loop to itself, and a caller's sites next to a call of a helper with the
# helper's first and last sites, also between two helpers called one after the other
# (scripts/stress-profile.py says exactly which).
#
# `build` runs the package's build in the current directory through `syscluster build
# --verify` with that profile (`--lto`: the pass over each whole program when it is linked,
# with lld), so that LLVM's verifier checks every module the pass changed, then prints the
# driver's summary line and how often each transformation ran (the pass's `Passed` remarks by
# name). Its exit status is the build's. The stressed build is then for the package's own
# test suite (`make check`): a clustered program must behave exactly as the plain one.
#
# Environment: CARGO_TARGET_DIR, SYSCLUSTER (the CLI, default target/release/syscluster),
# SYSCLUSTER_PLUGIN; llvm-symbolizer-19 and objdump on the PATH. docs/pass.md ("Stress runs")
# has the results on gzip and coreutils.
set -uo pipefail

. "$(dirname "$0")/lib.sh" || exit 2
here=$(cd "$(dirname "$0")" && pwd)
export SYSCLUSTER_PLUGIN=${SYSCLUSTER_PLUGIN:-$target/release/libsyscluster_pass.so}
SYSCLUSTER=${SYSCLUSTER:-$target/release/syscluster}
export PKG_CONFIG_PATH="$target/release${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export SYSCLUSTER_CC=${SYSCLUSTER_CC:-clang-19} SYSCLUSTER_CXX=${SYSCLUSTER_CXX:-clang++-19}
export SYSCLUSTER_OPT=${SYSCLUSTER_OPT:-opt-19}

usage() {
	sed -n '4,5p' "$0" | sed 's/^# */usage: /' >&2
	exit 2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
profile)
	exec python3 "$here/stress-profile.py" "$@"
	;;
build)
	lto=() profile="" log=stress-build
	while [ $# -gt 0 ]; do
		case $1 in
		--lto) lto=(--lto) ;;
		-p) profile=${2:-} && shift ;;
		--log) log=${2:-} && shift ;;
		--) shift && break ;;
		*) usage ;;
		esac
		shift
	done
	[ -n "$profile" ] && [ $# -gt 0 ] || usage
	for f in "$SYSCLUSTER" "$SYSCLUSTER_PLUGIN"; do
		[ -e "$f" ] || {
			echo "stress-pass: $f missing (cargo build --release -p syscluster-cli -p syscluster-pass -p multicall)" >&2
			exit 1
		}
	done
	status=0
	"$SYSCLUSTER" build --verify "${lto[@]}" -p "$profile" --log "$log" -- "$@" || status=$?
	echo "stress-pass: build exit status $status"
	head -n 2 "$log/summary.txt" 2>/dev/null
	echo "stress-pass: transformations (passed remarks by name):"
	cat "$log"/remarks/*.yaml 2>/dev/null |
		awk '/^--- !/ { kind = $2 } /^Name:/ && kind == "!Passed" { n[$2]++ } END { for (k in n) printf "  %6d %s\n", n[k], k }' |
		sort -rn
	exit $status
	;;
*) usage ;;
esac
