#!/bin/bash
# Lifetimes and rekeying (make before break, rekey.h): the initiator rekeys
# an IPsec SA before its soft limit (a new Quick Mode, new SPIs); once the
# successor carries the traffic the old pair is replaced, deleted with a
# Delete and gone on both sides, and the successor stays.  The ISAKMP SA
# is rekeyed too (a new Main Mode while the old one is valid), the old one
# deleted, and the IPsec SAs stay.  oakleyd against oakleyd,
# dataplane=none.
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
	ikelifetime=20s
	auto=add
CONF
	write_secrets "$d" "short lived"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

octl "$WD" up site >/dev/null || fail "up failed"
first=$(octl "$WD" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ipsec_sas"][0]["spi_in"])')
log "first IPsec SA: $first"
# the default margin (9m) scaled into the second half of 12 s: 6 to 9 s
wait_for 12 grep -q "IPsec SA $first reaches its soft lifetime, rekeying" "$WD/oakleyd.log" ||
	fail "no rekey before the soft limit"
wait_for 5 grep -q "IPsec SA in $first out [0-9a-f]* replaced by" "$WD/oakleyd.log" ||
	fail "the successor did not replace the old SA: $(octl "$WD" status)"
for d in "$WD" "$ED"; do
	wait_for 5 sh -c "! $OAKLEYCTL -c $(ctl_sock "$d") status | grep -q $first" ||
		fail "$d still lists $first: $(octl "$d" status)"
	octl "$d" status | grep -q 'ESP tunnel' || fail "$d lost the successor too"
done
# The old pair goes with one Delete: from whichever side saw the other
# switch first (west names its inbound SPI, east its own, west's outbound).
old_out=$(sed -n "s/.*IPsec SA in $first out \([0-9a-f]*\) replaced by.*/\1/p" "$WD/oakleyd.log" | head -n 1)
[ -n "$old_out" ] || fail "no outbound SPI of the old pair in west's log"
wait_for 5 sh -c "grep -q 'peer deleted IPsec SA $first' '$ED/oakleyd.log' ||
	grep -q 'peer deleted IPsec SA $old_out' '$WD/oakleyd.log'" ||
	fail "no Delete of the old pair ($first / $old_out) reached either side"
log "rekeyed: $(octl "$WD" status | grep -c 'ESP tunnel') IPsec SA on west"
# The ISAKMP SA: rekeyed 10 to 15 s after it was made, the old one deleted.
wait_for 20 grep -Eq "ISAKMP SA #1 rekeyed by #[0-9]+" "$WD/oakleyd.log" "$ED/oakleyd.log" ||
	fail "the ISAKMP SA was not rekeyed"
for d in "$WD" "$ED"; do
	wait_for 5 sh -c "[ \$($OAKLEYCTL -c $(ctl_sock "$d") status --summary | sed -n 's/^isakmp_sas_established: //p') -eq 1 ]" ||
		fail "$d: not one ISAKMP SA after the rekey: $(octl "$d" status)"
	octl "$d" status | grep -q 'ESP tunnel' || fail "$d lost its IPsec SA with the ISAKMP SA"
done
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
