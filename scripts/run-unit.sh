#!/bin/sh
# Runs every unit test binary in DIR (and the BINs given); prints one summary line that counts
# the cmocka tests of all of them, and fails if any binary failed.
dir=${1:?usage: run-unit.sh DIR [BIN...]}
shift
pass=0 fail=0 bad=""
for t in "$dir"/test_* "$@"; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	pass=$((pass + p)); fail=$((fail + f))
	if [ $rc -ne 0 ]; then
		bad="$bad ${t#"$dir"/}"
		[ "$f" -eq 0 ] && fail=$((fail + 1))
	fi
done
echo "unit: $pass passed, $fail failed"
[ -z "$bad" ] || { echo "failing unit binaries:$bad"; exit 1; }
[ $pass -gt 0 ] || { echo "no unit test ran"; exit 1; }
