#!/usr/bin/env bash
# Installs every system dependency of syscluster on Debian 12 (bookworm). Safe to run twice:
# packages already present are left alone, and nothing is downloaded when all are there.
# Without a `cargo` on PATH it also installs Debian's current Rust toolchain, rustc-web and
# cargo-web (Rust 1.96 from bookworm's security updates; they install /usr/bin/cargo).
#
#   scripts/setup.sh            # build + test dependencies (LLVM 19, strace, graphviz, perf, lit)
#   scripts/setup.sh --qemu     # also what the kernel-module harness needs (qemu, Debian kernel, busybox)
set -euo pipefail

want_qemu=0
for arg in "$@"; do
    case "$arg" in
    --qemu) want_qemu=1 ;;
    -h | --help)
        sed -n '2,7p' "$0"
        exit 0
        ;;
    *)
        echo "setup.sh: unknown option '$arg' (try --help)" >&2
        exit 2
        ;;
    esac
done

packages=(
    llvm-19-dev clang-19 llvm-19-tools lld-19 libclang-rt-19-dev
    strace graphviz linux-perf pkg-config make gcc libc6-dev python3 python3-pip
    binutils file bc
    curl patch xz-utils bzip2 util-linux libcrypt-dev
)
if [ "$want_qemu" = 1 ]; then
    packages+=(qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static cpio kmod)
fi
# A toolchain installed another way (rustup) is used as it is.
if ! command -v cargo >/dev/null 2>&1; then
    packages+=(rustc-web cargo-web)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# lit: LLVM's own test runner. Debian ships it in llvm-19-tools; fall back to PyPI.
if [ ! -f /usr/lib/llvm-19/build/utils/lit/lit.py ] && ! command -v lit >/dev/null 2>&1; then
    python3 -m pip install --quiet lit
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo is still missing after installing cargo-web: is bookworm-security in the apt sources?" >&2
    exit 1
fi
echo "setup: ok" >&2
