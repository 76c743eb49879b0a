#!/bin/bash
# Quick Mode under abuse (issue 7, defect 2): datagrams with an established
# ISAKMP SA's cookies, the encryption flag and garbage, sent from the peer's
# own address and port and from a third address, make no Quick Mode state:
# east's count of Quick Modes stays bounded and its memory does not grow.
# A real Quick Mode still works afterwards.
. "$(dirname "$0")/oakley.sh"
# No quarantine: freed memory is reused, so RSS measures what is kept.
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=0"

two_gateways v4
THIRD=192.0.2.3
ip -n "$W" addr add "$THIRD/24" dev wan
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
config setup
	dataplane=none

conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	auto=add

conn other
	left=$WEST
	leftsubnet=10.1.9.0/24
	right=$EAST
	rightsubnet=10.2.9.0/24
	auto=add
CONF
	write_secrets "$d" "quick abuse"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"
octl "$WD" up site >/dev/null || fail "up failed"

RAW=$(dirname "$0")/ike_raw.py

json=$(octl "$ED" status --json)
ic=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["ike_sas"][0]["icookie"])' <<<"$json")
rc=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["ike_sas"][0]["rcookie"])' <<<"$json")
epid=$(cat "$ED/oakleyd.pid")
rss() { awk '/^VmRSS/ {print $2}' "/proc/$epid/status"; }
# Warm up (first allocations of the decrypt path), then measure.
ip netns exec "$W" python3 "$RAW" garbage "$WEST" "$EAST" 200 "$ic" "$rc"
sleep 1
before=$(rss)
N=3000
ip netns exec "$W" python3 "$RAW" garbage "$WEST" "$EAST" $N "$ic" "$rc" ||
	fail "sender failed"
ip netns exec "$W" python3 "$RAW" garbage "$THIRD" "$EAST" $N "$ic" "$rc" ||
	fail "sender failed"
# Wait until east has read its socket (its control socket answers after).
sleep 2
octl "$ED" status --json >"$T_OUT/after.json" || fail "east stopped answering"
after=$(rss)
kill -0 "$epid" || fail "east's oakleyd died"
log "east's RSS: $before kB before, $after kB after $((2 * N)) garbage Quick Mode datagrams"
[ $((after - before)) -lt 2048 ] ||
	fail "east's RSS grew by $((after - before)) kB for garbage that must leave no state"
python3 - "$ic" "$T_OUT/after.json" <<'PY' || fail "Quick Mode state was made (see $T_OUT/after.json)"
import json, sys
s = json.load(open(sys.argv[2]))
live = [x for x in s["ike_sas"] if x["icookie"] == sys.argv[1]]
assert live and live[0]["state"] == "established", live
n = live[0]["quick_modes"]
print("east holds", n, "Quick Mode states")
assert n <= 16, n
PY
n=$(grep -c 'dropped a first message that does not decrypt' "$ED/oakleyd.log" || true)
log "$n datagrams from west's address and port were decrypted and dropped without state"
[ "$n" -ge 1 ] || fail "no garbage from the peer's own address reached the decrypt check"
assert_log "$ED" "dropped a Quick Mode message from $THIRD\\[500\\], which is not this SA's peer"

out=$(octl "$WD" up other) || fail "a new Quick Mode after the garbage failed: $out"
[ "$(octl "$ED" status --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ipsec_sas"]))')" = 2 ] ||
	fail "east does not have both IPsec SAs"
log "after the garbage: a real Quick Mode works"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
