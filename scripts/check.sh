#!/bin/bash
# make check: every test suite in turn; the last line sums them up.
# Each suite prints its own "NAME: N passed, M failed" line.  Every build
# here has warnings as errors (WERROR=1) unless the caller says otherwise.
set -u -o pipefail
cd "$(dirname "$0")/.."
export WERROR=${WERROR:-1}
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
count='s/^[A-Za-z0-9-]*: \([0-9]*\) passed, \([0-9]*\) failed.*/'
# suite NAME CMD...: runs CMD, keeps its count line; a suite that fails
# without counting a failure (a build error, say) counts as one.
suite() {
	local name=$1 out f
	shift
	echo "=== $name"
	out=$(mktemp)
	if "$@" 2>&1 | tee "$out"; then :; else
		status=1
		echo "=== $name FAILED"
		f=$(sed -n "$count\\2/p" "$out" | awk '{s+=$1} END {print s+0}')
		[ "$f" -gt 0 ] || echo "$name: 0 passed, 1 failed" | tee -a "$out"
	fi
	cat "$out" >>"$log"
	rm -f "$out"
}
suite build make --no-print-directory check-build
suite unit make --no-print-directory check-unit
suite fuzz make --no-print-directory check-fuzz
suite install make --no-print-directory check-install
[ -x tests/net/run.sh ] && suite net make --no-print-directory check-net
[ -x tests/net/run.sh ] && suite net-O2 make --no-print-directory check-net-opt
[ -x tests/vm/run.sh ] && suite vm make --no-print-directory check-vm
# the manual against the code: mandoc -Tlint, -h flags, keys (tests/man)
suite man sh -c 'make -s --no-print-directory all && tests/man/t_man.sh build'
pass=$(sed -n "$count\\1/p" "$log" | awk '{s+=$1} END {print s+0}')
fail=$(sed -n "$count\\2/p" "$log" | awk '{s+=$1} END {print s+0}')
echo "check took $(( $(date +%s) - start )) s"
echo "$pass passed, $fail failed"
exit $status
