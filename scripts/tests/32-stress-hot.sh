#!/usr/bin/env bash
# Test stage: every C file of the test suite through the pass with every edge hot, at -O1,
# -O2, -O3 and -Os (scripts/stress-hot.sh): no crash, every output valid IR.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
bash "$root/scripts/stress-hot.sh"
