#!/usr/bin/env bash
# Differential end-to-end tests of the syscall-cluster pass: copy.c and rotate.c built with
# and without the pass, run on the same inputs on the host (direct and automatic backend) and
# in a qemu guest with multicall.ko (kmod backend; skipped when SYSCLUSTER_QEMU=0), compared
# output for output. See docs/testing.md and testsuite/e2e/run.sh --help.
#
# The Debian-package safety net (scripts/safety-net.sh) is not part of this stage.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec testsuite/e2e/run.sh
