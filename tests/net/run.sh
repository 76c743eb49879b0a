#!/bin/bash
# Host tests in network namespaces (this kernel: XFRM without ESP, so
# oakleyd runs with dataplane=none or checks the kernel's refusal).
# Runs every tests/net/t_*.sh (or the NAMEs given) with BUILD_DIR; one line
# per scenario, then "SUITE: N passed, M failed" (SUITE from NET_SUITE,
# default net).
#   tests/net/run.sh BUILD_DIR [NAME...]
set -u
build=$(realpath "${1:?usage: run.sh BUILD_DIR [NAME...]}")
shift
cd "$(dirname "$0")"
tests=()
for n in "$@"; do
	n=${n%.sh}
	[ -f "$n.sh" ] || { echo "net: no scenario $n.sh" >&2; exit 2; }
	tests+=("$n.sh")
done
[ $# -gt 0 ] || tests=(t_*.sh)
pass=0 fail=0 failed=""
for t in "${tests[@]}"; do
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
echo "${NET_SUITE:-net}: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
