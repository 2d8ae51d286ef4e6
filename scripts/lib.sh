# Shared by the project's shell scripts; source it, do not run it:
#
#   . "$(dirname "$0")/lib.sh"          # from scripts/*.sh
#   . "$(dirname "$0")/../lib.sh"       # from scripts/tests/*.sh
#
# It sets
#   root     the repository's root directory (absolute; the caller's directory is left alone)
#   target   ${CARGO_TARGET_DIR:-target}, a relative directory taken from the root, made absolute
# and defines the result helpers of the test scripts:
#   ok TEXT       counts a passed check and prints it
#   fail TEXT     counts a failed check, prints it and keeps TEXT in the array `failures`
#   summary NAME  prints "NAME: P passed, F failed" and returns 1 when anything failed
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${CARGO_TARGET_DIR:-target}
case $target in
/*) ;;
*) target=$root/$target ;;
esac

sc_passed=0
sc_failed=0
failures=()

ok() {
    sc_passed=$((sc_passed + 1))
    echo "ok   $*"
}

fail() {
    sc_failed=$((sc_failed + 1))
    failures+=("$*")
    echo "FAIL $*"
}

summary() {
    echo "$1: $sc_passed passed, $sc_failed failed"
    [ "$sc_failed" = 0 ]
}
