#!/bin/bash
# Scale: two oakleyds, dataplane=none, N connections (default 20,000; env
# SCALE_N) with distinct IDs, auto=start on west.  All come up: every
# auto=start succeeds and both sides log N ISAKMP SAs and N IPsec SAs
# established.  West starts at most max_inflight Main Modes at once (the
# rest are queued), so our own burst never overflows the peer: no
# datagram is dropped for a full socket buffer (the kernel's UDP
# RcvbufErrors, both sides) and the responder refuses no first message
# (half-open limits).  Retransmissions are counted and printed: on a busy
# machine a stalled process makes a few, which narrow the window.  The responder finds each connection by its index
# (address, then ID), not by a scan.
# SCALE_BENCH=1 only measures: it prints the rate, failures and
# retransmissions (e.g. with SCALE_MAX_INFLIGHT=100000, no pacing) and
# asserts nothing about them.
# Counts come from the logs and from `oakleyctl status --summary`, and the
# full `status` listing must hold all N.
. "$(dirname "$0")/oakley.sh"

N=${SCALE_N:-20000}
MAX=${SCALE_MAX_INFLIGHT:-64}
WAIT=${SCALE_WAIT:-600}

two_gateways v4
gen_conf() { # DIR AUTO N MAX
	awk -v n="$3" -v west="$WEST" -v east="$EAST" -v auto="$2" -v max="$4" 'BEGIN {
		printf "config setup\n\tdataplane=none\n\tmax_inflight=%d\n\n", max
		printf "conn %%default\n\tleft=%s\n\tright=%s\n\tike=aes128-sha1-ecp256!\n\tesp=aes128-sha1!\n\tauto=%s\n\n", west, east, auto
		for (i = 1; i <= n; i++)
			printf "conn c%d\n\tleftid=@c%d.west\n\tleftsubnet=10.%d.%d.0/24\n\trightid=@c%d.east\n\trightsubnet=10.200.%d.%d/32\n\n",
				i, i, 1 + int(i / 250), i % 250, i, int(i / 250), i % 250
	}' >"$1/ipsec.conf"
	printf ': PSK "scale test"\n' >"$1/ipsec.secrets"
}
gen_conf "$WD" start "$N" "$MAX"
gen_conf "$ED" add "$N" "$MAX"

# First the queue itself, with max_inflight=2 and east not listening yet,
# so that the first two Main Modes wait for it and the rest stay queued:
# each `oakleyctl up` gets its answer when its start finally completes, a
# second `up` of a queued name joins it, and `down` takes one back.
PD=$T_OUT/pacing
mkdir -p "$PD"
gen_conf "$PD" add 6 2
start_oakleyd "$W" "$PD"
pids=()
for i in 1 2 3 4 5 6 6; do
	octl "$PD" up "c$i" >"$PD/up$i.${#pids[@]}" 2>&1 &
	pids+=("$!")
	# in order: c1 and c2 take the two slots, the rest queue behind them
	wait_for 5 grep -q "c$i: \(initiating\|queued\)" "$PD/oakleyd.log" || fail "c$i did not start or queue"
done
wait_for 5 sh -c "[ \$(grep -c 'c6: queued' $PD/oakleyd.log) -eq 2 ]" || fail "the second up c6 did not join the queue"
out=$(octl "$PD" down c5) || fail "down of a queued conn: $out"
start_oakleyd "$E" "$ED"
for i in 0 1 2 3 5 6; do
	wait "${pids[$i]}" || fail "up ${i}: $(cat "$PD"/up*."$i")"
done
wait "${pids[4]}" && fail "up c5 succeeded after its down"
grep -q 'brought down by the operator before it started' "$PD/up5.4" || fail "up c5: $(cat "$PD/up5.4")"
grep -q 'c6: queued (2 in flight, 4 queued, max_inflight=2)' "$PD/oakleyd.log" ||
	fail "west did not queue behind 2 in flight"
stop_oakleyd "$PD"
stop_oakleyd "$ED"
log "queue: ok"

start_oakleyd "$E" "$ED"
t0=$(now_ms)
start_oakleyd "$W" "$WD"
done_count() { grep -c 'auto=start \(succeeded\|failed\)' "$WD/oakleyd.log" || true; }
last=0
while :; do
	n=$(done_count)
	[ "$n" -ge "$N" ] && break
	[ -z "${SCALE_BENCH:-}" ] && grep -q 'auto=start failed' "$WD/oakleyd.log" &&
		fail "a start failed: $(grep -m 3 'auto=start failed' "$WD/oakleyd.log")"
	[ $(( $(now_ms) - t0 )) -lt $((WAIT * 1000)) ] || fail "only $n of $N up after $WAIT s"
	if [ $((n / 2000)) -ne $((last / 2000)) ]; then log "$n of $N up"; fi
	last=$n
	sleep 0.5
done
t1=$(now_ms)
log "$N tunnels up in $((t1 - t0)) ms: $((N * 1000 / (t1 - t0 + 1))) tunnels/s (max_inflight=$MAX)"
if [ -n "${SCALE_BENCH:-}" ]; then
	log "failed: $(grep -c 'auto=start failed' "$WD/oakleyd.log"), retransmissions: west $(grep -c 'retransmit [0-9]' "$WD/oakleyd.log"), east $(grep -c 'retransmit [0-9]' "$ED/oakleyd.log")"
	stop_oakleyd "$WD"
	stop_oakleyd "$ED"
	exit 0
fi

count() { grep -c -- "$2" "$1/oakleyd.log" || true; }
for d in "$WD" "$ED"; do
	[ "$(count "$d" 'ISAKMP SA established')" -eq "$N" ] ||
		fail "$d: $(count "$d" 'ISAKMP SA established') ISAKMP SAs established, not $N"
	[ "$(count "$d" 'IPsec SA established')" -eq "$N" ] ||
		fail "$d: $(count "$d" 'IPsec SA established') IPsec SAs established, not $N"
done
# The pacing did its work: starts were queued, never more in flight than
# allowed, and nothing was sent twice for want of an answer.
[ "$N" -le "$MAX" ] || assert_log "$WD" ": queued \([0-9]+ in flight, [0-9]+ queued, max_inflight=$MAX\)"
most=$(grep -o 'queued ([0-9]* in flight' "$WD/oakleyd.log" | tr -dc '0-9\n' | sort -n | tail -n 1)
[ "${most:-0}" -le "$MAX" ] || fail "$most in flight, over max_inflight=$MAX"
rcvbuf_errors() { # NS
	ip netns exec "$1" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["RcvbufErrors"] }' /proc/net/snmp
}
for ns in "$W" "$E"; do
	r=$(rcvbuf_errors "$ns")
	[ "$r" -eq 0 ] || fail "$ns: $r datagrams dropped for a full receive buffer"
done
for d in "$WD" "$ED"; do
	grep -q 'dropped .* message 1\|new exchange dropped' "$d/oakleyd.log" &&
		fail "$d: first messages were refused: $(grep -m 3 'dropped' "$d/oakleyd.log")"
done
log "retransmissions: west $(count "$WD" 'retransmit [0-9]'), east $(count "$ED" 'retransmit [0-9]'); window changes: $(count "$WD" 'initiations: a retransmission')"
# The daemons' own counts agree with their logs, and the full listing
# streams whole at this size.
for d in "$WD" "$ED"; do
	sum=$(octl "$d" status --summary)
	printf '%s\n' "$sum" | grep -qx "isakmp_sas_established: $N" ||
		fail "$d: status --summary: $(printf '%s\n' "$sum" | grep isakmp_sas_established), not $N"
	printf '%s\n' "$sum" | grep -qx "ipsec_sas: $N" ||
		fail "$d: status --summary: $(printf '%s\n' "$sum" | grep '^ipsec_sas:'), not $N"
	full=$(octl "$d" status | grep -c 'ESP tunnel')
	[ "$full" -eq "$N" ] || fail "$d: status lists $full IPsec SAs, not $N"
done
octl "$WD" status | grep -q "initiations: 0 in flight, 0 queued (window [0-9]*, max_inflight=$MAX)" ||
	fail "west's status does not show an empty queue: $(octl "$WD" status | grep initiations)"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log "ok"
