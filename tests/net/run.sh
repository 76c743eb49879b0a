#!/bin/bash
# Host tests in network namespaces (this kernel: XFRM without ESP, so
# oakleyd runs with dataplane=none or checks the kernel's refusal).
# Runs every tests/net/t_*.sh with BUILD_DIR; one line per scenario, then
# "net: N passed, M failed".
set -u
build=$(realpath "${1:?usage: run.sh BUILD_DIR}")
cd "$(dirname "$0")"
pass=0 fail=0 failed=""
for t in t_*.sh; do
	[ -n "${ONLY:-}" ] && [[ "$t" != *"$ONLY"* ]] && continue
	start=$(date +%s)
	if out=$(bash "$t" "$build" 2>&1); then
		pass=$((pass + 1))
		echo "PASS $t ($(( $(date +%s) - start )) s)"
	else
		fail=$((fail + 1))
		failed="$failed $t"
		echo "FAIL $t ($(( $(date +%s) - start )) s)"
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
	fi
	[ -n "${VERBOSE:-}" ] && printf '%s\n' "$out" | sed 's/^/    /'
done
echo "net: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
