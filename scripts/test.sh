#!/usr/bin/env bash
# Runs every test of syscluster: installs what is missing, builds the workspace, runs the Rust
# tests, then each stage in scripts/tests/ in name order (lit, end-to-end, kernel module in qemu).
#
#   scripts/test.sh                 # everything
#   scripts/test.sh --no-qemu       # skip stages that boot a guest kernel
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export SYSCLUSTER_QEMU=1
for arg in "$@"; do
    case "$arg" in
    --no-qemu) SYSCLUSTER_QEMU=0 ;;
    *)
        echo "test.sh: unknown option '$arg'" >&2
        exit 2
        ;;
    esac
done

if [ "$SYSCLUSTER_QEMU" = 1 ]; then
    scripts/setup.sh --qemu
else
    scripts/setup.sh
fi

echo "== cargo build --release"
cargo build --release --workspace --locked 2>&1 | tail -n 3
echo "== cargo test"
cargo test --release --workspace --locked

# The disk the stages write to (target/: builds, the test programs' runs, the packages of the
# safety net), before and after: a full run needs about 3 GiB beyond the installed tools, and
# a disk that fills up shows as failures of whichever program wrote last.
free_space() {
    df -P -m "${CARGO_TARGET_DIR:-target}" | awk 'NR == 2 { printf "%d MiB free of %d MiB", $4, $2 }'
}
echo "== disk: $(free_space)"

failed=()
# Each stage's duration, so that the run's time (a budget in CI) shows where it goes.
echo "== setup, build and cargo test took $SECONDS s"
for stage in scripts/tests/*.sh; do
    [ -e "$stage" ] || continue
    echo "== $stage"
    began=$SECONDS
    if ! bash "$stage"; then
        failed+=("$stage")
    fi
    echo "== $stage took $((SECONDS - began)) s"
done
cd "$root"
echo "== disk: $(free_space)"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "test.sh: failed stages: ${failed[*]}" >&2
    exit 1
fi
echo "test.sh: all stages passed"
