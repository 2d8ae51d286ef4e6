#!/usr/bin/env bash
# Runs one program inside a throwaway Linux guest that has multicall.ko loaded, and exits with
# the program's exit status. Lets anyone try the kernel module without loading it into their
# own kernel.
#
#   scripts/qemu-run.sh [OPTIONS] -- PROGRAM [ARGS...]
#
# What it does: installs what it needs (scripts/setup.sh --qemu: qemu, Debian's kernel and its
# headers, busybox-static), builds kmod/ against that kernel's headers, packs a busybox
# initramfs with the module, PROGRAM (with its shared libraries), every file or directory
# named in ARGS and every --file, boots the kernel under qemu-system-x86_64 (KVM when it works,
# TCG otherwise), loads the module, runs PROGRAM as root from the same working directory and
# paths as on the host, prints its output, then the guest powers off.
#
# The run fails (exit status 125) when the guest's kernel log shows an oops, BUG, WARNING,
# general protection fault, lockup or panic (the log is printed), and exits 124 when the
# guest does not finish within the timeout.
#
# Options:
#   --file HOST[=GUEST]   also copy HOST (file or directory) into the guest, at GUEST
#                         (default: the same absolute path)
#   --env NAME=VALUE      set an environment variable for PROGRAM
#   --append "ARGS"       extra kernel command line (e.g. "pti=on")
#   --module-args "ARGS"  parameters for insmod (e.g. "mode=0660")
#   --no-module           do not load the module at boot (PROGRAM may insmod
#                         /lib/modules/multicall.ko itself)
#   --timeout SECONDS     bound on the whole guest run (default 600)
#   --mem MIB             guest memory (default 1024)
#   --smp N               guest CPUs (default 2)
#   --log PATH            keep the guest's whole console log at PATH
#   --accel kvm|tcg       force an accelerator (default: KVM if a probe boot works, else TCG;
#                         SYSCLUSTER_QEMU_ACCEL does the same)
#
# Environment: SYSCLUSTER_KVER picks the guest kernel version (default: the newest one with
# both /boot/vmlinuz-VERSION and /lib/modules/VERSION/build); CARGO_TARGET_DIR (default
# target/) holds the build and the cached uncompressed kernel under qemu/.
set -euo pipefail

die() {
    echo "qemu-run: $*" >&2
    exit 2
}

. "$(dirname "$0")/lib.sh"
files=()
envs=()
append=""
module_args=""
load_module=1
timeout_s=600
mem=1024
smp=2
log_out=""
accel="${SYSCLUSTER_QEMU_ACCEL:-}"

while [ $# -gt 0 ]; do
    case "$1" in
    --file) [ $# -ge 2 ] || die "--file needs HOST[=GUEST]"; files+=("$2"); shift 2 ;;
    --env)
        [ $# -ge 2 ] || die "--env needs NAME=VALUE"
        [[ "$2" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env '$2' is not NAME=VALUE"
        envs+=("$2"); shift 2 ;;
    --append) [ $# -ge 2 ] || die "--append needs kernel arguments"; append="$2"; shift 2 ;;
    --module-args) [ $# -ge 2 ] || die "--module-args needs insmod parameters"; module_args="$2"; shift 2 ;;
    --no-module) load_module=0; shift ;;
    --timeout)
        [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--timeout needs a number of seconds"
        timeout_s="$2"; shift 2 ;;
    --mem) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--mem needs MiB"; mem="$2"; shift 2 ;;
    --smp) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--smp needs a CPU count"; smp="$2"; shift 2 ;;
    --log) [ $# -ge 2 ] || die "--log needs a path"; log_out="$2"; shift 2 ;;
    --accel) [ $# -ge 2 ] || die "--accel needs kvm or tcg"; accel="$2"; shift 2 ;;
    -h | --help) sed -n '2,36p' "$0"; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (usage: scripts/qemu-run.sh [OPTIONS] -- PROGRAM [ARGS...]; try --help)" ;;
    esac
done
[ $# -ge 1 ] || die "no program given (usage: scripts/qemu-run.sh [OPTIONS] -- PROGRAM [ARGS...])"
case "$accel" in "" | kvm | tcg) ;; *) die "--accel must be kvm or tcg, not '$accel'" ;; esac

prog="$1"
shift
if [[ "$prog" != */* ]]; then
    found=$(command -v "$prog" || true)
    [ -n "$found" ] || die "program '$prog' not found (give a path or a command on PATH)"
    prog="$found"
fi
[ -f "$prog" ] || die "program '$prog' does not exist"
prog=$(realpath "$prog")

# Everything this script needs from the system.
"$root/scripts/setup.sh" --qemu >/dev/null 2>"${TMPDIR:-/tmp}/qemu-run-setup.$$" || {
    cat "${TMPDIR:-/tmp}/qemu-run-setup.$$" >&2
    rm -f "${TMPDIR:-/tmp}/qemu-run-setup.$$"
    die "scripts/setup.sh --qemu failed"
}
rm -f "${TMPDIR:-/tmp}/qemu-run-setup.$$"

# The guest kernel.
kver="${SYSCLUSTER_KVER:-}"
if [ -z "$kver" ]; then
    for v in $(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V); do
        [ -d "/lib/modules/$v/build" ] && kver="$v"
    done
fi
[ -n "$kver" ] || die "no kernel with both /boot/vmlinuz-VERSION and /lib/modules/VERSION/build: install linux-image-amd64 and linux-headers-amd64"
[ -f "/boot/vmlinuz-$kver" ] || die "/boot/vmlinuz-$kver is missing (SYSCLUSTER_KVER=$kver)"
[ -d "/lib/modules/$kver/build" ] || die "/lib/modules/$kver/build is missing: install linux-headers-$kver"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && file -L "$busybox" | grep -q 'statically linked' ||
    die "a static busybox is needed (Debian: busybox-static)"

qdir="$target/qemu"
mkdir -p "$qdir"

# Booting the uncompressed kernel (an ELF with a PVH entry) skips the decompressor: ~2 s less
# under TCG.
vmlinux="$qdir/vmlinux-$kver"
if [ ! -s "$vmlinux" ]; then
    kernel_image="/boot/vmlinuz-$kver"
    tmp="$vmlinux.tmp.$$"
    : >"$tmp"
    for magic in '\xfd7zXZ\x00' '\x28\xb5\x2f\xfd' '\x1f\x8b\x08'; do
        for off in $(LC_ALL=C grep -obUaP "$magic" "$kernel_image" 2>/dev/null | cut -d: -f1 | head -5); do
            case "$magic" in
            *XZ*) tail -c +$((off + 1)) "$kernel_image" | xz -dc --single-stream >"$tmp" 2>/dev/null || true ;;
            *xb5*) tail -c +$((off + 1)) "$kernel_image" | zstd -dc >"$tmp" 2>/dev/null || true ;;
            *) tail -c +$((off + 1)) "$kernel_image" | gzip -dc >"$tmp" 2>/dev/null || true ;;
            esac
            if file "$tmp" | grep -q 'ELF 64-bit'; then
                break 2
            fi
            : >"$tmp"
        done
    done
    if [ -s "$tmp" ]; then
        mv "$tmp" "$vmlinux"
    else
        rm -f "$tmp"
        vmlinux="$kernel_image" # boots too, a little slower
    fi
fi

# The module, built out of the source tree.
kbuild="$qdir/kmod-$kver"
mkdir -p "$kbuild"
cp -a "$root/kmod/Kbuild" "$root/kmod/multicall.c" "$root/kmod/include" "$kbuild/"
if ! make -s -C "/lib/modules/$kver/build" M="$kbuild" modules >"$kbuild/build.log" 2>&1; then
    cat "$kbuild/build.log" >&2
    die "building multicall.ko against /lib/modules/$kver/build failed"
fi
[ -f "$kbuild/multicall.ko" ] || die "the build left no multicall.ko in $kbuild"

# The initramfs.
work=$(mktemp -d "${TMPDIR:-/tmp}/qemu-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs="$work/root"
mkdir -p "$rootfs"/{bin,sbin,dev,proc,sys,tmp,run,root,etc,lib/modules,usr/bin,usr/sbin}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done
cp "$kbuild/multicall.ko" "$rootfs/lib/modules/multicall.ko"
echo "root:x:0:0:root:/root:/bin/sh" >"$rootfs/etc/passwd"
echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh" >>"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

# Copies a host file or directory to the same path (or GUEST) in the guest, with the shared
# libraries of any dynamic executable in it.
copy_in() {
    local src="$1" dst="$2"
    if [ -d "$src" ]; then
        mkdir -p "$rootfs$dst"
        cp -a -L "$src/." "$rootfs$dst/"
    else
        mkdir -p "$rootfs$(dirname "$dst")"
        cp -a -L "$src" "$rootfs$dst"
    fi
    local f
    while IFS= read -r -d '' f; do
        if file -L "$f" | grep -q 'dynamically linked'; then
            add_libs "$f"
        fi
    done < <(find -L "$src" -type f -perm -u+x -print0)
}
add_libs() {
    local lib
    for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true); do
        [ -e "$rootfs$lib" ] && continue
        mkdir -p "$rootfs$(dirname "$lib")"
        cp -L "$lib" "$rootfs$lib"
    done
}

copy_in "$prog" "$prog"
for spec in "${files[@]}"; do
    host="${spec%%=*}"
    guest="${spec#*=}"
    [ "$guest" != "$spec" ] || guest=""
    [ -e "$host" ] || die "--file '$host' does not exist"
    [ -n "$guest" ] || guest=$(realpath "$host")
    copy_in "$host" "$guest"
done
for arg in "$@"; do
    if [ -e "$arg" ] && [ "$arg" != / ]; then
        copy_in "$arg" "$(realpath "$arg")"
    fi
done

# Quote for the guest's busybox sh.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
    echo "cd $(q "$PWD") 2>/dev/null || cd /"
    for e in "${envs[@]}"; do
        echo "export $(q "$e")"
    done
    printf 'exec %s' "$(q "$prog")"
    for arg in "$@"; do printf ' %s' "$(q "$arg")"; done
    echo
} >"$rootfs/etc/mc-program"
mkdir -p "$rootfs$PWD"

cat >"$rootfs/init" <<EOF
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
hostname guest
# The loopback device, for programs that talk TCP to themselves (the runtime's socket tests).
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
if [ $load_module = 1 ]; then
    insmod /lib/modules/multicall.ko $module_args || echo "@@MC-INSMOD-FAILED@@"
fi
echo
echo "@@MC-BEGIN@@"
sh /etc/mc-program
status=\$?
echo "@@MC-EXIT@@ \$status"
echo "@@MC-DMESG-BEGIN@@"
dmesg
echo "@@MC-DMESG-END@@"
sync
reboot -f
EOF
chmod +x "$rootfs/init"
(cd "$rootfs" && find . | cpio -o -H newc --quiet) >"$work/initrd.cpio"

cmdline="console=ttyS0 loglevel=4 panic=-1 $append"

# KVM when a probe boot shows it works here (cached per kernel), TCG otherwise.
run_qemu() { # accel timeout initrd log
    timeout --foreground -k 5 "$2" qemu-system-x86_64 -accel "$1" -m "$mem" -smp "$smp" \
        -nic none -kernel "$vmlinux" -initrd "$3" -append "$cmdline" \
        -nographic -no-reboot </dev/null >"$4" 2>&1
}
if [ -z "$accel" ]; then
    probe="$qdir/kvm-probe-$kver"
    if [ -f "$probe" ]; then
        accel=$(cat "$probe")
    elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
        mkdir -p "$work/probe"
        printf '#!/bin/sh\necho @@MC-KVM-OK@@\n/bin/busybox reboot -f\n' >"$work/probe/init"
        chmod +x "$work/probe/init"
        mkdir -p "$work/probe/bin" && cp "$busybox" "$work/probe/bin/busybox" && ln -s busybox "$work/probe/bin/sh"
        (cd "$work/probe" && find . | cpio -o -H newc --quiet) >"$work/probe.cpio"
        accel=tcg
        if run_qemu kvm 20 "$work/probe.cpio" "$work/probe.log" && grep -q '@@MC-KVM-OK@@' "$work/probe.log"; then
            accel=kvm
        fi
        echo "$accel" >"$probe"
    else
        accel=tcg
    fi
fi
[ "$accel" = tcg ] && accel="tcg,thread=multi"

log="$work/console.log"
status=0
run_qemu "$accel" "$timeout_s" "$work/initrd.cpio" "$log" || status=$?
tr -d '\r' <"$log" >"$log.txt"
[ -z "$log_out" ] || cp "$log.txt" "$log_out"

# The program's output: between the markers.
awk '/^@@MC-BEGIN@@$/ { on = 1; next }
     on && /@@MC-EXIT@@ [0-9]+$/ { sub(/@@MC-EXIT@@ [0-9]+$/, ""); if ($0 != "") print; exit }
     on { print }' "$log.txt"


bad='Oops|BUG:|WARNING:|general protection|Kernel panic|kernel BUG|Call Trace|soft lockup|hard LOCKUP|hung_task|blocked for more than|UBSAN|KASAN|rcu: INFO|stack-protector|double fault'
kernel_log=$( (sed -n '/^@@MC-DMESG-BEGIN@@$/,/^@@MC-DMESG-END@@$/p' "$log.txt"; grep -E '^\[ *[0-9]+\.[0-9]+\]' "$log.txt") || true)
if grep -qE "$bad" <<<"$kernel_log"; then
    echo "qemu-run: the guest kernel reported a problem; its log:" >&2
    grep -E '^\[ *[0-9]+\.[0-9]+\]' <<<"$kernel_log" | awk '!seen[$0]++' >&2 || true
    exit 125
fi
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    echo "qemu-run: the guest did not finish within ${timeout_s}s; the end of its console:" >&2
    tail -n 40 "$log.txt" >&2
    exit 124
fi
if grep -q '^@@MC-INSMOD-FAILED@@' "$log.txt"; then
    echo "qemu-run: insmod multicall.ko failed in the guest:" >&2
    grep -E '^\[|insmod' "$log.txt" | tail -n 20 >&2
    exit 2
fi
exit_line=$(grep -m1 -o '@@MC-EXIT@@ [0-9]*$' "$log.txt" || true)
if [ -z "$exit_line" ]; then
    echo "qemu-run: the guest stopped before the program finished (qemu status $status); its console:" >&2
    tail -n 60 "$log.txt" >&2
    exit 2
fi
exit "${exit_line#@@MC-EXIT@@ }"
