#!/bin/bash
# make check: every test suite in turn; the last line sums them up.
# Each suite prints its own "NAME: N passed, M failed" line.
set -u -o pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
suite() {
	name=$1; shift
	echo "=== $name"
	if "$@" 2>&1 | tee -a "$log"; then :; else status=1; echo "=== $name FAILED"; fi
}
suite unit make --no-print-directory check-unit
suite fuzz make --no-print-directory check-fuzz
[ -x tests/net/run.sh ] && suite net make --no-print-directory check-net
[ -x tests/vm/run.sh ] && suite vm make --no-print-directory check-vm
pass=$(sed -n 's/^[a-z]*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
fail=$(sed -n 's/^[a-z]*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$log" | awk '{s+=$1} END {print s+0}')
echo "check took $(( $(date +%s) - start )) s"
[ $status -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "$pass passed, $fail failed"
exit $status
