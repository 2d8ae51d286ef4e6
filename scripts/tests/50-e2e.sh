#!/usr/bin/env bash
# End-to-end tests of the syscall-cluster pass (docs/testing.md):
#
#  1. the differential tests: the programs of testsuite/programs built with and without the
#     pass, run on the same inputs on the host (direct and io_uring backends) and in a qemu
#     guest with multicall.ko (kmod backend, and the automatic one for a sample of copy
#     loops; skipped when SYSCLUSTER_QEMU=0), compared output for output. About 21 minutes;
#  2. the safety net: ten packages from Debian's sources built through `syscluster build
#     --verify` (every module verified; their own make check where they have one). About 11
#     minutes on 2 cores;
#     SYSCLUSTER_SAFETY_NET=0 skips it with a message.
set -uo pipefail
cd "$(dirname "$0")/../.."

status=0
testsuite/e2e/run.sh || status=1
if [ "${SYSCLUSTER_SAFETY_NET:-1}" = 0 ]; then
	echo "skip safety net: SYSCLUSTER_SAFETY_NET=0 (run scripts/safety-net.sh on its own)"
else
	scripts/safety-net.sh || status=1
fi
exit $status
