#!/usr/bin/env bash
# libmulticall from C, the way users and the pass's end-to-end tests link it: through
# pkg-config (multicall.pc, written by the runtime's build script next to the libraries).
#
#   - builds the runtime (release) unless it is built already;
#   - compiles testsuite/runtime/*.c with $(pkg-config --cflags --libs multicall): dynamically,
#     fully statically (-static + --static), and against the archive (multicall-static.pc);
#   - runs the smoke test on each, and on every backend that can be forced here;
#   - copies files of 0, 1, 4095, 4096, 4097 bytes and 2 MiB with mc_copy (a looped
#     multi-call) and compares them byte for byte;
#   - interrupts the first batch's set-up of the runtime with a signal whose handler jumps
#     out of it or runs a batch itself (setup_signal), on each backend, under a timeout.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$root"
lib=$target/release

if [ ! -f "$lib/multicall.pc" ] || [ ! -f "$lib/libmulticall.a" ] || [ ! -f "$lib/libmulticall.so" ]; then
    echo "20-runtime: building the runtime"
    cargo build --release -p multicall --locked 2>&1 | tail -n 1
fi
export PKG_CONFIG_PATH=$lib${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { # name command...
    local name=$1
    shift
    if "$@" >"$work/out" 2>&1; then ok "$name"; else fail "$name"; sed 's/^/       /' "$work/out"; fi
}

for prog in smoke mc_copy pipe_after_setup; do
    src=testsuite/runtime/$prog.c
    # shellcheck disable=SC2046
    check "$prog: dynamic link" $cc -O2 -Wall -Werror -o "$work/$prog-dyn" "$src" $(pkg-config --cflags --libs multicall)
    # shellcheck disable=SC2046
    check "$prog: static link (-static)" $cc -O2 -Wall -Werror -static -o "$work/$prog-static" "$src" $(pkg-config --static --cflags --libs multicall)
    # shellcheck disable=SC2046
    check "$prog: archive link (multicall-static)" $cc -O2 -Wall -Werror -o "$work/$prog-ar" "$src" $(pkg-config --cflags --libs multicall-static)
done

check "dynamic binary needs libmulticall.so" sh -c "readelf -d '$work/smoke-dyn' | grep -q 'libmulticall.so'"
check "static binary is static" sh -c "! readelf -d '$work/smoke-static' 2>/dev/null | grep -q NEEDED"
check "archive binary does not need libmulticall.so" sh -c "! readelf -d '$work/smoke-ar' | grep -q 'libmulticall.so'"

for kind in dyn static ar; do
    [ -x "$work/smoke-$kind" ] || continue
    check "smoke ($kind)" "$work/smoke-$kind"
    check "smoke ($kind, MULTICALL_BACKEND=direct)" env MULTICALL_BACKEND=direct "$work/smoke-$kind"
done
if [ -x "$work/smoke-dyn" ]; then
    check "smoke (MULTICALL_BACKEND=io_uring)" env MULTICALL_BACKEND=io_uring "$work/smoke-dyn"
    if [ ! -e /dev/multicall ]; then
        # Forcing a missing backend must fail loudly, never pass by running direct.
        check "smoke (MULTICALL_BACKEND=kmod without /dev/multicall) fails" sh -c "! MULTICALL_BACKEND=kmod '$work/smoke-dyn'"
    else
        check "smoke (MULTICALL_BACKEND=kmod)" env MULTICALL_BACKEND=kmod "$work/smoke-dyn"
    fi
fi

# A blocking pipe write right after the set-up: io_uring's probe must leave no task work
# behind that stops it short (docs/runtime.md, io_uring backend).
for kind in dyn static; do
    [ -x "$work/pipe_after_setup-$kind" ] || continue
    check "pipe_after_setup ($kind, MULTICALL_BACKEND=io_uring)" env MULTICALL_BACKEND=io_uring "$work/pipe_after_setup-$kind"
    check "pipe_after_setup ($kind)" "$work/pipe_after_setup-$kind"
done

if [ -x "$work/mc_copy-dyn" ]; then
    for size in 0 1 4095 4096 4097 2097152; do
        head -c "$size" /dev/urandom >"$work/in-$size"
        for kind in dyn static; do
            [ -x "$work/mc_copy-$kind" ] || continue
            check "mc_copy $size bytes ($kind)" sh -c "'$work/mc_copy-$kind' '$work/in-$size' '$work/out-$size' && cmp '$work/in-$size' '$work/out-$size'"
        done
    done
    check "mc_copy of a missing file fails like copy.c" sh -c "! '$work/mc_copy-dyn' '$work/none' '$work/x' 2>'$work/err' && grep -q 'No such file' '$work/err'"
fi

# A signal during the first batch's set-up of the runtime, or during a later batch: a handler
# that jumps out of it, or runs a batch of its own, must leave no batch waiting for ever (each
# run under a timeout). The direct backend and auto (direct here, the module in a guest); the
# io_uring backend's ring is no place for a handler (docs/runtime.md). The set-up's window is
# a few instructions wide: 400 runs per case, timers 1 to 40 us, two at a time (a busy
# machine spreads where the signal lands), each failure named by its delay and exit status.
# shellcheck disable=SC2046
check "setup_signal: dynamic link" $cc -O2 -Wall -Werror -o "$work/setup_signal" testsuite/runtime/setup_signal.c $(pkg-config --cflags --libs multicall)
if [ -x "$work/setup_signal" ]; then
    setup_runs() { # mode backend first-usec: 200 runs, usec first, first+2, ... modulo 40
        local usec i
        for i in $(seq 0 199); do
            usec=$((($3 + 2 * i) % 40 + 1))
            MULTICALL_BACKEND=$2 timeout 5 "$work/setup_signal" "$1" "$usec" >/dev/null 2>&1 ||
                echo "$usec us: exit $?"
        done
    }
    for mode in jump nested; do
        for backend in direct auto; do
            setup_runs "$mode" "$backend" 0 >"$work/setup-0" &
            setup_runs "$mode" "$backend" 1 >"$work/setup-1"
            wait
            check "setup_signal $mode ($backend): 400 runs finished and every batch ran" \
                sh -c "cat '$work/setup-0' '$work/setup-1'; ! test -s '$work/setup-0' && ! test -s '$work/setup-1'"
        done
    done
fi

summary 20-runtime
