#!/bin/bash
# Replays under an established ISAKMP SA (issue 7, defect 6), with packets
# captured on the wire:
# - a copy of QM2 while west's Quick Mode still lingers is answered with
#   QM3 again (a genuine retransmission still works);
# - QM1 replayed to east after its Quick Mode state is gone makes no state
#   and no QM2 (its message ID was used);
# - a protected error notify replayed to west does not fail the Quick Mode
#   west has under way.
. "$(dirname "$0")/oakley.sh"
RAW=$(dirname "$0")/ike_raw.py

two_gateways v4
# east lingers 2 s after a Quick Mode; west retransmits for 30 s.
conf() {
	cat >"$1/ipsec.conf" <<CONF
config setup
	dataplane=none
	retransmit_timeout=$2
	retransmit_tries=$3

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
	write_secrets "$1" "replays"
}
conf "$WD" 2 3
conf "$ED" 0.5 2
# Only west knows this one: east refuses it with a protected notify.
cat >>"$WD/ipsec.conf" <<CONF

conn bad
	left=$WEST
	leftsubnet=10.1.8.0/24
	right=$EAST
	rightsubnet=10.2.8.0/24
	auto=add
CONF
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

ip netns exec "$W" tcpdump -i wan -n -U -w "$T_OUT/wire.pcap" udp port 500 2>"$T_OUT/tcpdump.err" &
LIB_PIDS+=("$!")
wait_for 10 grep -q "listening on" "$T_OUT/tcpdump.err" || fail "tcpdump did not start"

octl "$WD" up site >/dev/null || fail "up failed"
# pcap_of SRC EXCHANGE: SRC's messages of that exchange, in order
# (columns: exchange flags msgid hex).
pcap_of() { python3 "$RAW" pick "$T_OUT/wire.pcap" "$1" | awk -v x="$2" '$1 == x'; }
wait_for 5 sh -c "[ \$(python3 $RAW pick $T_OUT/wire.pcap $EAST | awk '\$1 == 32' | wc -l) -ge 1 ]" ||
	fail "no QM2 in the capture"
msgid=$(pcap_of "$WEST" 32 | awk 'NR == 1 {print $3}')
qm1=$(pcap_of "$WEST" 32 | awk 'NR == 1 {print $4}')
qm2=$(pcap_of "$EAST" 32 | awk -v m="$msgid" '$3 == m {print $4; exit}')
[ -n "$qm1" ] && [ -n "$qm2" ] || fail "Quick Mode $msgid not found in the capture"
from_west() { pcap_of "$WEST" 32 | awk -v m="$msgid" '$3 == m' | wc -l; }
from_east() { pcap_of "$EAST" 32 | awk -v m="$msgid" '$3 == m' | wc -l; }

# A copy of QM2 while west's state lingers: west sends QM3 again.
ip netns exec "$E" python3 "$RAW" send "$EAST" "$WEST" "$qm2"
wait_for 10 sh -c "[ \$(python3 $RAW pick $T_OUT/wire.pcap $WEST | awk '\$1 == 32 && \$3 == \"$msgid\"' | wc -l) -ge 3 ]" ||
	fail "west did not answer a copy of QM2 with QM3 again ($(from_west) messages)"
log "a copy of QM2 was answered with QM3 again"

# QM1 again once east's state is gone: no state, no QM2.
quick_modes() { octl "$ED" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ike_sas"][0]["quick_modes"])'; }
wait_for 20 sh -c "[ \"\$($OAKLEYCTL -c $(ctl_sock "$ED") status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"ike_sas\"][0].get(\"quick_modes\", 0))')\" = 0 ]" ||
	fail "east's Quick Mode state did not go"
before=$(from_east)
ip netns exec "$W" python3 "$RAW" send "$WEST" "$EAST" "$qm1"
# Another message after it, so east has read the replay: an Informational
# exchange (east's answer to `up other` comes after the replay's).
out=$(octl "$WD" up other) || fail "up other failed: $out"
after=$(from_east)
log "east sent $before message(s) of Quick Mode $msgid before the replay, $after after"
[ "$after" = "$before" ] || fail "east answered a replayed QM1 ($before -> $after messages)"
assert_log "$ED" "Quick Mode $msgid: dropped a replayed message 1"
[ "$(quick_modes)" -le 1 ] || fail "east holds state for the replayed QM1"

# A protected error notify from east, then replayed while west waits.
octl "$WD" up bad >/dev/null && fail "east accepted conn bad"
wait_for 5 sh -c "python3 $RAW pick $T_OUT/wire.pcap $EAST | awk '\$1 == 5 && \$2 % 2 == 1' | grep -q ." ||
	fail "no protected notify from east in the capture"
notify=$(pcap_of "$EAST" 5 | awk '$2 % 2 == 1 {print $4; exit}')
refused=$(grep -c "peer refused Quick Mode" "$WD/oakleyd.log")
octl "$WD" down other >/dev/null
kill -STOP "$(cat "$ED/oakleyd.pid")"
octl "$WD" up other >"$T_OUT/up-other.txt" 2>&1 &
upid=$!
wait_for 10 sh -c "[ \$(grep -c 'initiating Quick Mode' $WD/oakleyd.log) -ge 4 ]" ||
	fail "west did not start the Quick Mode for other"
ip netns exec "$E" python3 "$RAW" send "$EAST" "$WEST" "$notify"
wait_for 10 grep -q "dropped a replayed Informational exchange" "$WD/oakleyd.log" ||
	fail "west did not drop the replayed notify: $(tail -n 5 "$WD/oakleyd.log")"
kill -CONT "$(cat "$ED/oakleyd.pid")"
wait "$upid" || fail "the Quick Mode under way failed: $(cat "$T_OUT/up-other.txt")"
[ "$(grep -c "peer refused Quick Mode" "$WD/oakleyd.log")" = "$refused" ] ||
	fail "the replayed notify failed a Quick Mode"
log "a replayed protected notify was dropped; the Quick Mode under way came up"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
