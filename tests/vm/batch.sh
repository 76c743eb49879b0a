#!/bin/bash
# Inside one VM: run several scenarios one after another (run.sh, unless
# VM_ONE_BOOT=0).  For each NAME it writes $VM_SHARE/NAME.log, NAME.rc and
# NAME.secs; its own exit code is the number of failures (at most 100).
#
#   batch.sh BUILD_DIR SCENARIO...
set -u
build=$1
shift
fails=0
for t in "$@"; do
	name=${t##*/}
	name=${name%.sh}
	limit=$(sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$t" | head -n1)
	echo "vm: ---- $name"
	s=$SECONDS
	timeout -k 5 "${limit:-600}" "$t" "$build" </dev/null 2>&1 | tee "$VM_SHARE/$name.log"
	rc=${PIPESTATUS[0]}
	echo $((SECONDS - s)) >"$VM_SHARE/$name.secs"
	echo "$rc" >"$VM_SHARE/$name.rc"
	[ "$rc" -eq 0 ] || fails=$((fails + 1))
	# Whatever a scenario left behind must not trip the next one: its
	# processes (a scenario killed by the timeout skips its own cleanup)
	# and its namespaces.
	for ns in $(ip netns list | cut -d' ' -f1); do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -z "$pids" ] || kill -9 $pids 2>/dev/null
		ip netns del "$ns"
	done
done
[ "$fails" -le 100 ] || fails=100
exit "$fails"
