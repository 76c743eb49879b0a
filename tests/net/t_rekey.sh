#!/bin/bash
# Lifetimes: the initiator rekeys an IPsec SA before its soft limit (a new
# Quick Mode, new SPIs), the old pair goes at its hard limit on both
# sides, and the successor stays.  ISAKMP SA lifetime likewise ends with a
# Delete.  oakleyd against oakleyd, dataplane=none.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
config setup
	dataplane=none

conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	lifetime=12s
	ikelifetime=60s
	auto=add
CONF
	write_secrets "$d" "short lived"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

octl "$WD" up site >/dev/null || fail "up failed"
first=$(octl "$WD" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ipsec_sas"][0]["spi_in"])')
log "first IPsec SA: $first"
wait_for 15 grep -q "IPsec SA $first reaches its soft lifetime, rekeying" "$WD/oakleyd.log" ||
	fail "no rekey before the soft limit"
wait_for 5 sh -c "[ \$($OAKLEYCTL -c $(ctl_sock "$WD") status | grep -c 'ESP tunnel') -eq 2 ]" ||
	fail "no successor next to the old SA: $(octl "$WD" status)"
log "rekeyed: $(octl "$WD" status | grep -c 'ESP tunnel') IPsec SAs"
# Whichever side's hard limit fires first deletes the pair on both.
wait_for 10 grep -q "reached its lifetime of 12 s" "$WD/oakleyd.log" "$ED/oakleyd.log" ||
	fail "the old SA did not expire"
for d in "$WD" "$ED"; do
	wait_for 5 sh -c "! $OAKLEYCTL -c $(ctl_sock "$d") status | grep -q $first" ||
		fail "$d still lists $first: $(octl "$d" status)"
	octl "$d" status | grep -q 'ESP tunnel' || fail "$d lost the successor too"
done
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
