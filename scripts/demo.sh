#!/usr/bin/env bash
# Main job: profile the paper's copy program (testsuite/programs/copy.c, Figure 5a), cluster it,
# run the original and the clustered build side by side, and print what changed.
#
#   scripts/demo.sh              # host backends, then the kernel module in a qemu guest
#   scripts/demo.sh --no-qemu    # host backends only
#
# 1. builds copy.c with clang-19 -O2 -g and records a copy of 256 blocks of 4 KiB under strace
#    (`syscluster record`); prints the hottest edges of its syscall graph (`show --top 10`) and
#    draws it (the paper's Figure 5c) into build/demo/copy.svg;
# 2. builds the clustered copy from the same source through `syscluster build` with that profile,
#    printing its summary (clusters formed, and why other hot edges were not clustered);
# 3. copies a 16 MiB file with both builds, alternating, on each backend the host offers
#    (the direct backend; io_uring cannot express copy's result reference): crossings counted with
#    `perf stat -e raw_syscalls:sys_enter`, median wall time, ratio, and a byte comparison;
# 4. unless --no-qemu: the same two builds inside a guest running Debian's kernel with
#    multicall.ko loaded (scripts/qemu-run.sh), MULTICALL_BACKEND=kmod, crossings counted with
#    strace -c. Times under qemu's emulation say nothing about real hardware; counts do.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$root"

qemu=1
for arg in "$@"; do
    case "$arg" in
    --no-qemu) qemu=0 ;;
    -h | --help)
        sed -n '2,20p' "$0"
        exit 0
        ;;
    *)
        echo "demo.sh: unknown option '$arg' (try --help)" >&2
        exit 2
        ;;
    esac
done

if [ "$qemu" = 1 ]; then scripts/setup.sh --qemu; else scripts/setup.sh; fi
echo "== cargo build --release"
cargo build --release --locked --workspace 2>&1 | tail -n 1
syscluster=$target/release/syscluster

out=$root/build/demo
rm -rf "$out"
mkdir -p "$out"
cd "$out"

# --- 1. profile ------------------------------------------------------------------------------
blocks=256
cflags=(-O2 -g)
echo "== clang-19 ${cflags[*]} testsuite/programs/copy.c -o build/demo/copy"
clang-19 "${cflags[@]}" -o copy "$root/testsuite/programs/copy.c"
head -c $((blocks * 4096)) /dev/urandom >train.dat

echo "== syscluster record -o copy.prof.json -- ./copy train.dat train.out   ($blocks blocks of 4096 bytes)"
"$syscluster" record -o copy.prof.json -- ./copy train.dat train.out
cmp train.dat train.out

echo "== syscluster show copy.prof.json --top 10"
"$syscluster" show copy.prof.json --top 10

echo "== syscluster graph copy.prof.json -o copy.svg"
"$syscluster" graph copy.prof.json -o copy.svg
"$syscluster" graph copy.prof.json -o copy.dot

# --- 2. cluster ------------------------------------------------------------------------------
echo "== syscluster build --profile copy.prof.json -- clang-19 ${cflags[*]} testsuite/programs/copy.c -o build/demo/copy.clustered"
# The driver compiles with the pass plugin and the profile and links its own copy of the
# runtime (docs/build.md); it prints the clusters formed and why other hot edges were not.
"$syscluster" build --profile copy.prof.json -- \
    sh -c "\$CC ${cflags[*]} '$root/testsuite/programs/copy.c' -o copy.clustered" >build.txt 2>&1 || {
    cat build.txt >&2
    echo "demo: building the clustered copy failed" >&2
    exit 1
}
sed "s|$root/||g" build.txt
if ! grep -Eq ' [1-9][0-9]* clusters' build.txt; then
    echo "demo: the pass formed no cluster in copy.c (see build/demo/build.txt)" >&2
    exit 1
fi

# --- 3. side by side on the host -------------------------------------------------------------
mib=16
head -c $((mib * 1024 * 1024)) /dev/urandom >in.dat
rounds=7

# crossings PROGRAM...: kernel crossings (system call entries) of one run.
crossings() {
    perf stat -x, -e raw_syscalls:sys_enter -o perf.txt -- "$@" >/dev/null
    awk -F, '/raw_syscalls:sys_enter/ { print $1 }' perf.txt
}

# median of the numbers on stdin.
median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# now_ns: a monotonic-enough clock in nanoseconds.
now_ns() {
    date +%s%N
}

# The host has no kernel module; io_uring cannot run copy's batch (its write takes the read's
# result as its length, a result reference io_uring has no way to express), so the runtime runs
# it on the direct backend whatever MULTICALL_BACKEND says.
backends=(direct)

printf '\n%-22s %12s %12s %10s %10s  %s\n' "build (backend)" "crossings" "median ms" "x orig" "crossings" "output"
for backend in "${backends[@]}"; do
    export MULTICALL_BACKEND=$backend
    orig_x=$(crossings ./copy in.dat out.orig)
    clus_x=$(crossings ./copy.clustered in.dat out.clustered)
    : >t.orig
    : >t.clus
    for _ in $(seq "$rounds"); do
        t0=$(now_ns)
        ./copy in.dat out.orig
        t1=$(now_ns)
        ./copy.clustered in.dat out.clustered
        t2=$(now_ns)
        echo $((t1 - t0)) >>t.orig
        echo $((t2 - t1)) >>t.clus
    done
    mo=$(median <t.orig)
    mc=$(median <t.clus)
    same=identical
    cmp -s out.orig out.clustered && cmp -s in.dat out.clustered || same=DIFFERENT
    printf '%-22s %12s %12.2f %10s %10s  %s\n' "original" "$orig_x" "$(echo "$mo / 1000000" | bc -l)" "1.00" "1.00" "-"
    printf '%-22s %12s %12.2f %10.2f %10.2f  %s\n' "clustered ($backend)" "$clus_x" \
        "$(echo "$mc / 1000000" | bc -l)" "$(echo "$mc / $mo" | bc -l)" "$(echo "$clus_x / $orig_x" | bc -l)" "$same"
    if [ "$same" != identical ]; then
        echo "demo: the clustered copy differs from the original on the $backend backend" >&2
        exit 1
    fi
done
unset MULTICALL_BACKEND
echo "($mib MiB file, 4 KiB blocks, $rounds alternating runs each; crossings by perf stat -e raw_syscalls:sys_enter)"

# --- 4. the kernel module, in a guest --------------------------------------------------------
if [ "$qemu" = 0 ]; then
    echo "demo: skipping the kernel-module backend (--no-qemu)"
    exit 0
fi
gmib=2
head -c $((gmib * 1024 * 1024)) /dev/urandom >guest.dat
cat >guest.sh <<'GUEST'
#!/bin/sh
# Runs inside the guest: both builds under strace -c, which counts every crossing.
set -e
count() {
    strace -f -c -o strace.txt "$@" >/dev/null
    awk '$NF == "total" { print $(NF-2) ~ /^[0-9]+$/ ? $(NF-2) : $(NF-1) }' strace.txt | head -n 1
}
o=$(count ./copy guest.dat guest.orig)
c=$(MULTICALL_BACKEND=kmod count ./copy.clustered guest.dat guest.clustered)
cmp guest.orig guest.clustered
cmp guest.dat guest.clustered
echo "kmod: original $o crossings, clustered $c crossings, output identical"
GUEST
chmod +x guest.sh
echo
echo "== scripts/qemu-run.sh -- build/demo/guest.sh   (Debian's 6.1 kernel, multicall.ko loaded, MULTICALL_BACKEND=kmod)"
"$root/scripts/qemu-run.sh" --timeout 300 --file "$(command -v strace)" \
    --file "$out/copy" --file "$out/copy.clustered" --file "$out/guest.dat" \
    -- "$out/guest.sh" | tee guest.txt
line=$(grep '^kmod:' guest.txt || true)
if [ -z "$line" ]; then
    echo "demo: the guest run printed no result" >&2
    exit 1
fi
o=$(echo "$line" | awk '{ print $3 }')
c=$(echo "$line" | awk '{ print $6 }')
printf '%-22s %12s %12s %10s %10.2f  %s\n' "clustered (kmod)" "$c" "-" "-" "$(echo "$c / $o" | bc -l)" "identical"
echo "($gmib MiB file in the guest; crossings by strace -c; the original made $o)"
