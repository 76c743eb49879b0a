#!/bin/bash
# Scale: two oakleyds, dataplane=none, N connections (default 20,000; env
# SCALE_N) with distinct IDs, auto=start on west.  All come up: every
# auto=start succeeds and both sides log N ISAKMP SAs and N IPsec SAs
# established.  West starts at most max_inflight Main Modes at once (the
# rest are queued), so no message is retransmitted: our own burst never
# overflows the peer.  The responder finds each connection by its index
# (address, then ID), not by a scan.
# Counts come from the logs: `oakleyctl status` lists every SA and is cut
# short at this size until it streams; `status --summary` will replace them.
. "$(dirname "$0")/oakley.sh"

N=${SCALE_N:-20000}
MAX=${SCALE_MAX_INFLIGHT:-64}
WAIT=${SCALE_WAIT:-600}

two_gateways v4
gen_conf() { # DIR AUTO LEFTISWEST
	awk -v n="$N" -v west="$WEST" -v east="$EAST" -v auto="$2" -v max="$MAX" 'BEGIN {
		printf "config setup\n\tdataplane=none\n\tmax_inflight=%d\n\n", max
		printf "conn %%default\n\tleft=%s\n\tright=%s\n\tike=aes128-sha1-ecp256!\n\tesp=aes128-sha1!\n\tauto=%s\n\n", west, east, auto
		for (i = 1; i <= n; i++)
			printf "conn c%d\n\tleftid=@c%d.west\n\tleftsubnet=10.%d.%d.0/24\n\trightid=@c%d.east\n\trightsubnet=10.200.%d.%d/32\n\n",
				i, i, 1 + int(i / 250), i % 250, i, int(i / 250), i % 250
	}' >"$1/ipsec.conf"
	printf ': PSK "scale test"\n' >"$1/ipsec.secrets"
}
gen_conf "$WD" start
gen_conf "$ED" add

start_oakleyd "$E" "$ED"
t0=$(now_ms)
start_oakleyd "$W" "$WD"
done_count() { grep -c 'auto=start succeeded' "$WD/oakleyd.log" || true; }
last=0
while :; do
	n=$(done_count)
	[ "$n" -ge "$N" ] && break
	grep -q 'auto=start failed' "$WD/oakleyd.log" &&
		fail "a start failed: $(grep -m 3 'auto=start failed' "$WD/oakleyd.log")"
	[ $(( $(now_ms) - t0 )) -lt $((WAIT * 1000)) ] || fail "only $n of $N up after $WAIT s"
	if [ $((n / 2000)) -ne $((last / 2000)) ]; then log "$n of $N up"; fi
	last=$n
	sleep 0.5
done
t1=$(now_ms)
log "$N tunnels up in $((t1 - t0)) ms: $((N * 1000 / (t1 - t0 + 1))) tunnels/s (max_inflight=$MAX)"

count() { grep -c -- "$2" "$1/oakleyd.log" || true; }
for d in "$WD" "$ED"; do
	[ "$(count "$d" 'ISAKMP SA established')" -eq "$N" ] ||
		fail "$d: $(count "$d" 'ISAKMP SA established') ISAKMP SAs established, not $N"
	[ "$(count "$d" 'IPsec SA established')" -eq "$N" ] ||
		fail "$d: $(count "$d" 'IPsec SA established') IPsec SAs established, not $N"
done
# The pacing did its work: starts were queued, never more in flight than
# allowed, and nothing was sent twice for want of an answer.
[ "$N" -le "$MAX" ] || assert_log "$WD" ": queued: $MAX initiations in flight \(max_inflight=$MAX\)"
grep -q "queued: $((MAX + 1)) initiations" "$WD/oakleyd.log" && fail "more than $MAX in flight"
for d in "$WD" "$ED"; do
	r=$(count "$d" 'retransmit [0-9]')
	[ "$r" -eq 0 ] || fail "$d: $r retransmissions: $(grep -m 3 'retransmit [0-9]' "$d/oakleyd.log")"
done
octl "$WD" status | grep -q "initiations: 0 in flight, 0 queued (max_inflight=$MAX)" ||
	fail "west's status does not show an empty queue: $(octl "$WD" status | grep initiations)"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log "ok"
