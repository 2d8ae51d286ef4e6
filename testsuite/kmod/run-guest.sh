#!/bin/sh
# Runs the kernel module's tests inside the guest that scripts/qemu-run.sh boots (busybox sh,
# root, multicall.ko loaded): the C test programs of testsuite/kmod, module reloads (device
# mode parameter, rmmod while busy, during a batch and while idle), and the runtime library's own test
# binaries with MULTICALL_BACKEND=kmod. Prints one "== name" section per test and a summary;
# exits with the number of failed tests.
#
#   run-guest.sh DIR        DIR holds the programs built by scripts/tests/40-kmod.sh
#                           (and DIR/runtime/ the runtime's test binaries, when built)
#
# MC_FUZZ_SECONDS (default 20) bounds the fuzzer.
dir=${1:?usage: run-guest.sh DIR}
fuzz_seconds=${MC_FUZZ_SECONDS:-20}
module=/lib/modules/multicall.ko
passed=0
failed=""

run() {
    name=$1
    shift
    echo "== $name"
    "$@"
    status=$?
    if [ "$status" = 0 ]; then
        passed=$((passed + 1))
    else
        echo "== $name FAILED (exit status $status)"
        failed="$failed $name"
    fi
}

reload() {
    rmmod multicall && insmod "$module" "$@"
}

device_mode() {
    reload mode=0600 || return 1
    "$dir/perms" device 600
    status=$?
    reload || return 1
    return $status
}

rmmod_cycle() {
    exec 3</dev/multicall
    if rmmod multicall 2>/dev/null; then
        echo "not ok - rmmod succeeded while /dev/multicall was open"
        exec 3<&-
        insmod "$module"
        return 1
    fi
    echo "ok - rmmod refuses while the device is open"
    exec 3<&-
    if ! rmmod multicall; then
        echo "not ok - rmmod of the idle module failed"
        return 1
    fi
    echo "ok - rmmod of the idle module"
    if [ -e /dev/multicall ] || [ -e /sys/class/misc/multicall ]; then
        echo "not ok - /dev/multicall or its sysfs directory outlived the module"
        return 1
    fi
    echo "ok - the device and its counters are gone"
    insmod "$module" || return 1
    if [ "$(cat /sys/class/misc/multicall/batches)" != 0 ]; then
        echo "not ok - a reloaded module starts with zero batches"
        return 1
    fi
    echo "ok - loaded again, counters at zero"
}

# The runtime's tests use only descriptors they own and run on several threads; io_uring takes
# only batches that are sure to complete. Each binary is bounded by MC_RUNTIME_TIMEOUT seconds.
runtime_tests() {
    status=0
    before=$(cat /sys/class/misc/multicall/batches)
    for t in "$dir"/runtime/*; do
        [ -x "$t" ] || continue
        echo "-- $(basename "$t") (MULTICALL_BACKEND=kmod)"
        MULTICALL_BACKEND=kmod timeout "${MC_RUNTIME_TIMEOUT:-240}" "$t" -q
        st=$?
        if [ $st != 0 ]; then
            [ $st = 143 ] && echo "not ok - $(basename "$t") did not finish within ${MC_RUNTIME_TIMEOUT:-240} s"
            status=1
        fi
    done
    after=$(cat /sys/class/misc/multicall/batches)
    echo "# the runtime's tests ran $((after - before)) batches through the module"
    if [ "$after" = "$before" ]; then
        echo "not ok - the runtime's tests never reached the module"
        status=1
    fi
    return $status
}

run semantics "$dir/semantics"
run sums "$dir/sums"
run advance "$dir/advance"
run watch "$dir/watch"
run hostile "$dir/hostile"
run perms "$dir/perms"
run device-mode device_mode
run seccomp "$dir/seccomp"
run signals "$dir/signals"
run threads "$dir/threads"
run crossings "$dir/crossings"
run fuzz "$dir/fuzz" "$fuzz_seconds"
run bench-smoke "$dir/bench" 262144 512 1
run audit "$dir/audit"
run rcu-tasks "$dir/rcu_tasks"
run unload "$dir/unload" "$module"
if [ -d "$dir/runtime" ] && [ -n "$(ls "$dir/runtime")" ]; then
    run runtime runtime_tests
else
    echo "== runtime: no test binaries of the runtime were given"
fi
run rmmod rmmod_cycle

echo "# module counters:"
for f in /sys/class/misc/multicall/*; do
    [ -f "$f" ] && [ "$(basename "$f")" != uevent ] && [ "$(basename "$f")" != dev ] &&
        echo "#   $(basename "$f"): $(cat "$f")"
done
if [ -n "$failed" ]; then
    echo "kmod guest tests: $passed passed, failed:$failed"
    set -- $failed
    exit $#
fi
echo "kmod guest tests: all $passed passed"
exit 0
