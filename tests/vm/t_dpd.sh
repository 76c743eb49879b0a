#!/bin/bash
# vm-timeout: 420
# Dead Peer Detection (RFC 3706) with charon as the peer, real ESP:
#  1. charon probes (dpd_delay 2 s, dpd_timeout 8 s) an idle tunnel and
#     oakleyd, its own DPD off (dpdaction=none), answers: charon keeps its IKE SA past its dpd_timeout, and
#     its log shows the ACKs it parsed;
#  2. charon is gone (kill -STOP) and oakleyd (dpddelay=2, dpdtimeout=8)
#     finds it dead and takes each dpdaction:
#     clear: SAs and policies gone;
#     hold: SAs gone, policies kept: pings dropped by the kernel
#           (XfrmOutNoStates rises), none seen in the clear at east; down
#           removes the policies;
#     restart: retried with back-off (short retransmissions here) until
#           charon is back (kill -CONT), then the tunnel carries pings again.
#  Log and status say "peer dead: no answer to N R-U-THERE in S s".
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_dpd.sh"
require_esp

SECRET="dpd in a real kernel"
CHARON_DPD_DELAY=2 CHARON_DPD_TIMEOUT=8
DELAY=2 TIMEOUT=8

two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_route "$W" 10.2.0.0/24 "$EAST"
add_route "$E" 10.1.0.0/24 "$WEST"
write_secrets "$WD" "$SECRET"
charon_conf "$ED"
sed -i 's/^\(\s*\)default = 1/\1flush_line = yes\n\1default = 1/' "$ED/strongswan.conf"
start_charon "$E" "$ED"
CHARON=$(cat "$ED/charon.pid")
# run_bg's pid is the netns/unshare wrapper's; charon is exec'd in it.
on_exit "kill -CONT $CHARON 2>/dev/null"
dpd_charon_load

# ---- 1: charon's R-U-THEREs answered ------------------------------------------
dpd_oakley_conf "$WD" none "$DELAY" "$TIMEOUT"
start_oakleyd "$W" "$WD"
out=$(octl "$WD" up site) || fail "up: $out; charon: $(tail -n 15 "$ED/charon.log")"
ping_ok "$W" 10.1.0.1 10.2.0.1 2 || fail "no ping through the tunnel"
before=$(charon_sas)
[ -n "$before" ] || fail "charon has no IKE SA"
: >"$T_OUT/mark"
sleep $((CHARON_DPD_TIMEOUT + 2 * CHARON_DPD_DELAY + 2))
after=$(charon_sas)
[ "$after" = "$before" ] || fail "charon's IKE SA changed while oakleyd answered: '$before' -> '$after'"
acks=$(grep -c 'N(DPD_ACK)' "$ED/charon.log" || true)
[ "$acks" -ge 2 ] || fail "charon parsed $acks DPD ACKs: $(grep -i dpd "$ED/charon.log" | tail -n 5)"
grep -q 'peer dead\|DPD check timed out' "$ED/charon.log" && fail "charon took oakleyd for dead"
[ "$(xfrm_esp_count "$W")" -eq 2 ] || fail "oakleyd's SAs went while charon probed"
grep -q "R-U-THERE [0-9]* sent" "$WD/oakleyd.log" && fail "oakleyd probed with dpdaction=none"
log "1: charon sent R-U-THEREs, parsed $acks ACKs from oakleyd (dpdaction=none), kept IKE SA $before"
stop_oakleyd "$WD"
swanctl_in "$E" "$ED" --terminate --ike site --force --timeout 5 >/dev/null 2>&1 || true

# Pings for 4 dpddelays: inbound ESP (the kernel's counters) is the only
# sign of life (charon sends no IKE while traffic flows), and oakleyd sends
# no R-U-THERE.
busy_not_probed() {
	local sent0 sent1 ch0 ch1 esp0 esp1
	sent0=$(grep -c "R-U-THERE [0-9]* sent" "$WD/oakleyd.log" || true)
	ch0=$(grep -c "generating INFORMATIONAL_V1" "$ED/charon.log" || true)
	esp0=$(xfrm_packets "$W")
	ip netns exec "$W" ping -q -n -c $((DELAY * 4 * 5)) -i 0.2 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1 ||
		fail "busy: pings lost"
	sent1=$(grep -c "R-U-THERE [0-9]* sent" "$WD/oakleyd.log" || true)
	ch1=$(grep -c "generating INFORMATIONAL_V1" "$ED/charon.log" || true)
	esp1=$(xfrm_packets "$W")
	[ "$ch1" = "$ch0" ] || fail "busy: charon sent IKE messages while traffic flowed"
	[ "$sent1" = "$sent0" ] || fail "busy: oakleyd probed $((sent1 - sent0)) times while ESP came in"
	log "busy: $((esp1 - esp0)) ESP packets in $((DELAY * 4)) s, no R-U-THERE sent"
}

# One dpdaction: up, ping, charon stopped, oakleyd finds it dead.  Sets T0
# (when charon stopped) and T_DEAD (seconds to the verdict).
dead_run() {
	local action=$1 t0
	dpd_oakley_conf "$WD" "$action" "$DELAY" "$TIMEOUT"
	start_oakleyd "$W" "$WD"
	out=$(octl "$WD" up site) || fail "$action: up: $out"
	ping_ok "$W" 10.1.0.1 10.2.0.1 2 || fail "$action: no ping through the tunnel"
	[ "$(xfrm_esp_count "$W")" -eq 2 ] || fail "$action: no SAs"
	octl "$WD" status | grep -q "DPD: idle (dpdaction=$action, delay $DELAY s, timeout $TIMEOUT s)" ||
		fail "$action: status shows no idle DPD: $(octl "$WD" status)"
	if [ "$action" = clear ]; then busy_not_probed; fi
	kill -STOP "$CHARON"
	t0=$SECONDS
	dpd_wait_dead "$WD" $((DELAY + TIMEOUT + 10))
	T_DEAD=$((SECONDS - t0))
	line=$(grep -o 'peer dead: no answer to [0-9]* R-U-THERE in [0-9]* s' "$WD/oakleyd.log" | head -n 1)
	[ -n "$line" ] || fail "$action: no 'peer dead' sentence: $(grep -i dead "$WD/oakleyd.log")"
	# dpdtimeout 8, one every dpddelay 2: four probes in 8 s
	[ "$line" = "peer dead: no answer to 4 R-U-THERE in 8 s" ] ||
		fail "$action: expected 4 R-U-THERE in 8 s, said: $line"
	octl "$WD" status >"$T_OUT/status-$action.txt"
	grep -q "$line" "$T_OUT/status-$action.txt" ||
		fail "$action: status does not say why: $(cat "$T_OUT/status-$action.txt")"
	log "$action: charon stopped, oakleyd says '$line' after ${T_DEAD}s"
}

# charon back, its stale SA gone, ready for the next run.
charon_back() {
	kill -CONT "$CHARON"
	swanctl_in "$E" "$ED" --terminate --ike site --force --timeout 5 >/dev/null 2>&1 || true
}

# ---- 2a: clear -----------------------------------------------------------------
dead_run clear
[ "$(xfrm_esp_count "$W")" -eq 0 ] || fail "clear: SAs left: $(ip -n "$W" xfrm state)"
[ "$(xfrm_policy_count "$W")" -eq 0 ] || fail "clear: policies left: $(ip -n "$W" xfrm policy)"
grep -q '"state":"established"' <(octl "$WD" status --json) && fail "clear: ISAKMP SA left"
stop_oakleyd "$WD"
charon_back

# ---- 2b: hold ------------------------------------------------------------------
clear_icmp_counter "$E"
dead_run hold
[ "$(xfrm_esp_count "$W")" -eq 0 ] || fail "hold: SAs left: $(ip -n "$W" xfrm state)"
pols=$(xfrm_policy_count "$W")
[ "$pols" -ge 2 ] || fail "hold: policies gone ($pols): $(ip -n "$W" xfrm policy)"
seen0=$(clear_icmp_seen "$E")
drop0=$(xfrm_out_nostates "$W")
ping_ok "$W" 10.1.0.1 10.2.0.1 3 && fail "hold: a ping got through with no SA"
drop1=$(xfrm_out_nostates "$W")
seen1=$(clear_icmp_seen "$E")
[ "$drop1" -ge $((drop0 + 3)) ] || fail "hold: the kernel did not drop the pings ($drop0 -> $drop1)"
[ "$seen1" = "$seen0" ] || fail "hold: $((seen1 - seen0)) pings leaked in the clear"
octl "$WD" down site >/dev/null
[ "$(xfrm_policy_count "$W")" -eq 0 ] || fail "hold: down left policies: $(ip -n "$W" xfrm policy)"
log "hold: $pols policies kept, pings dropped by the kernel ($drop0 -> $drop1), none in the clear; down removed them"
stop_oakleyd "$WD"
charon_back

# ---- 2c: restart ---------------------------------------------------------------
# A Main Mode try gives up after 0.5 + 1 + 2 s: the back-off is seen.
SETUP="retransmit_timeout=0.5
	retransmit_tries=2" dead_run restart
wait_for 20 grep -q "restart 2 failed" "$WD/oakleyd.log" ||
	fail "restart: not retried while charon was gone: $(tail -n 10 "$WD/oakleyd.log")"
grep -o "restart [0-9] failed.*next try in [0-9]* ms" "$WD/oakleyd.log" >"$T_OUT/retries.txt"
kill -CONT "$CHARON"
t1=$SECONDS
wait_for 60 sh -c "[ \$(ip -n $W xfrm state | grep -c 'proto esp') -eq 2 ]" ||
	fail "restart: no tunnel after charon came back: $(tail -n 20 "$WD/oakleyd.log")"
wait_for 10 ping_ok "$W" 10.1.0.1 10.2.0.1 1 || fail "restart: no ping through the new tunnel"
ping_ok "$W" 10.1.0.1 10.2.0.1 3 || fail "restart: pings lost in the new tunnel"
assert_log "$WD" "site: restarted after its peer was dead"
log "restart: $(wc -l <"$T_OUT/retries.txt") tries failed while charon was gone ($(sed -n 's/.*next try in //p' "$T_OUT/retries.txt" | tr '\n' ' ')); up again $((SECONDS - t1))s after charon came back"
stop_oakleyd "$WD"
log ok
