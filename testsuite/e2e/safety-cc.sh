#!/usr/bin/env bash
# The C compiler of the safety net (scripts/safety-net.sh): a package is configured once with
# CC pointing here, then built twice without reconfiguring:
#
#   SAFETY_CC_MODE=plain   clang-19 as it is (the original build, profiled)
#   SAFETY_CC_MODE=pass    clang-19 with the IR verifier on (-fverify-intermediate-code: a
#                          release clang skips it by default), the syscall-cluster plugin and
#                          the package's profile; every compiled module is logged, its remarks
#                          saved as YAML, and a module the pass changed is compiled once more to
#                          bitcode and checked by `opt -passes=verify` on its own; programs are
#                          linked with the runtime library
#
# Environment (set by safety-net.sh): SAFETY_CC [clang-19], OPT [opt-19], SYSCLUSTER_PLUGIN,
# SAFETY_PROFILE, SAFETY_LOG (a directory), SAFETY_LIBS (link flags of the runtime).
set -uo pipefail

cc=${SAFETY_CC:-clang-19}
mode=${SAFETY_CC_MODE:-plain}
if [ "$mode" = plain ]; then
	exec "$cc" "$@"
fi
if [ "$mode" != pass ]; then
	echo "safety-cc: SAFETY_CC_MODE must be plain or pass, not '$mode'" >&2
	exit 2
fi
for v in SYSCLUSTER_PLUGIN SAFETY_PROFILE SAFETY_LOG; do
	if [ -z "${!v:-}" ]; then
		echo "safety-cc: $v is not set (run through scripts/safety-net.sh)" >&2
		exit 2
	fi
done

# What kind of invocation this is: compiling a C file to an object, or linking a program.
compile=0 link=1 source="" out=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	a=${args[i]}
	case $a in
	-c) compile=1 link=0 ;;
	-E | -S | -M | -MM | -fsyntax-only) link=0 ;;
	-o) out=${args[i + 1]:-} ;;
	*.c) source=$a ;;
	esac
done

passflags=(-fverify-intermediate-code -fplugin="$SYSCLUSTER_PLUGIN" -fpass-plugin="$SYSCLUSTER_PLUGIN"
	-mllvm -syscluster-profile="$SAFETY_PROFILE")
if [ "$compile" = 1 ] && [ -n "$source" ]; then
	[ -n "$out" ] || out=$(basename "${source%.c}").o
	key=$(printf '%s' "$PWD/$out" | md5sum | cut -c1-16)
	yaml=$SAFETY_LOG/remarks/$key.yaml
	mkdir -p "$SAFETY_LOG/remarks"
	"$cc" "${passflags[@]}" -fsave-optimization-record=yaml -foptimization-record-file="$yaml" \
		-foptimization-record-passes=syscall-cluster "$@"
	rc=$?
	echo "$rc $key $PWD/$out" >>"$SAFETY_LOG/modules"
	if [ "$rc" -eq 0 ] && grep -q '^--- !Passed' "$yaml" 2>/dev/null; then
		# The pass changed this module: verify the bitcode it produces independently.
		bc=$SAFETY_LOG/remarks/$key.bc
		bcargs=()
		for ((i = 0; i < ${#args[@]}; i++)); do
			if [ "${args[i]}" = -o ]; then
				i=$((i + 1))
				continue
			fi
			bcargs+=("${args[i]}")
		done
		if "$cc" "${passflags[@]}" "${bcargs[@]}" -emit-llvm -o "$bc" 2>/dev/null &&
			"${OPT:-opt-19}" -passes=verify -disable-output "$bc" 2>"$bc.log"; then
			echo "ok $key $PWD/$out" >>"$SAFETY_LOG/opt-verify"
		else
			echo "FAIL $key $PWD/$out" >>"$SAFETY_LOG/opt-verify"
		fi
		rm -f "$bc"
	fi
	exit "$rc"
fi
# Anything else: a link (with the runtime), a compile and link in one, preprocessing.
[ -n "$source" ] || passflags=()
if [ "$link" = 1 ]; then
	# shellcheck disable=SC2086 # SAFETY_LIBS is a list of flags
	exec "$cc" "${passflags[@]}" "$@" ${SAFETY_LIBS:-}
fi
exec "$cc" "${passflags[@]}" "$@"
