#!/usr/bin/env bash
# End-to-end tests of the syscall-cluster pass (docs/testing.md):
#
#  1. the differential tests: copy.c and rotate.c built with and without the pass, run on the
#     same inputs on the host (direct, io_uring and automatic backend) and in a qemu guest with
#     multicall.ko (kmod backend; skipped when SYSCLUSTER_QEMU=0), compared output for output;
#  2. the safety net: gzip, mini-httpd, coreutils and mpeg2dec from Debian's sources built
#     with the pass (every module verified; gzip's make check). About 7 minutes on 2 cores;
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
