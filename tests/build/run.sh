#!/bin/bash
# Tests of the build a user types (the Makefile itself): each t_*.sh runs
# make against a scratch BUILD directory.  One line per scenario, then
# "build: N passed, M failed".
set -u
cd "$(dirname "$0")"
pass=0 fail=0
for t in t_*.sh; do
	[ -n "${ONLY:-}" ] && [[ "$t" != *"$ONLY"* ]] && continue
	if out=$(bash "$t" 2>&1); then
		pass=$((pass + 1))
		echo "PASS $t"
	else
		fail=$((fail + 1))
		echo "FAIL $t"
		printf '%s\n' "$out" | tail -n 30 | sed 's/^/    /'
	fi
	[ -n "${VERBOSE:-}" ] && printf '%s\n' "$out" | sed 's/^/    /'
done
echo "build: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
