#!/bin/bash
# Lifetimes in seconds and kilobytes: west proposes 3600 s and 100 MB; east
# allows 1800 s and 10 MB, answers with RESPONDER-LIFETIME, and west
# applies it; east's shorter ikelifetime bounds the ISAKMP SA on its side.  Both sides show what is in force and where it came from.
# The other way round, a responder that allows more keeps the proposal.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
conf() {
	cat >"$1/ipsec.conf" <<CONF
config setup
	dataplane=none

conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	lifetime=$2
	lifebytes=$3
	ikelifetime=$4
	auto=add
CONF
	write_secrets "$1" "lifetimes"
}
conf "$WD" 3600s 104857600 3h
conf "$ED" 30m 10485760 1h
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

octl "$WD" up site >/dev/null || fail "up failed"
for d in "$WD" "$ED"; do
	octl "$d" status >"$T_OUT/status.txt"
	grep -q "lifetime 1800 s or 10240 KB (the responder's, shorter than proposed)" "$T_OUT/status.txt" ||
		fail "$d: $(cat "$T_OUT/status.txt")"
done
assert_log "$WD" "peer's RESPONDER-LIFETIME: 1800 s instead of the 3600 s we proposed"
assert_log "$WD" "peer's RESPONDER-LIFETIME: 10240 KB instead of 102400 KB"
assert_log "$ED" "peer proposed a lifetime of 3600 s and 102400 KB, beyond our policy of 1800 s and 10240 KB: answering with RESPONDER-LIFETIME 1800 s, 10240 KB"
log "west proposed 3600 s / 102400 KB, east's RESPONDER-LIFETIME made it 1800 s / 10240 KB"
# Phase 1: east's ikelifetime bounds its side of the ISAKMP SA.
assert_log "$ED" "peer proposed an ISAKMP SA lifetime of 10800 s, beyond our ikelifetime of 3600 s"
octl "$ED" status | grep -Eq 'site: established, responder, .*expires in 3[0-9]{3} s' ||
	fail "east's ISAKMP SA does not expire within its ikelifetime: $(octl "$ED" status)"

# East initiates: west allows more than east proposes, so east's proposal stands.
octl "$WD" down site >/dev/null
octl "$ED" up site >/dev/null || fail "up from east failed"
for d in "$WD" "$ED"; do
	octl "$d" status | grep -q "lifetime 1800 s or 10240 KB (as proposed)" ||
		fail "$d: $(octl "$d" status)"
done
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
