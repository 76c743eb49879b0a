#!/bin/bash
# vm-timeout: 1200
# vm-mem: 1024
# Rekeying with no packet lost (issue 9), in a kernel with ESP: 50 pings a
# second from west's subnet to east's for REKEY_SECS (180) seconds across a
# tunnel whose ISAKMP SA lives 60 s and IPsec SA 40 s; not one ping may be
# lost, and the SAs must really have been rekeyed (at least 3 IPsec and 2
# ISAKMP rekeys).  Once against strongSwan's charon (IKEv1), once against
# oakleyd.  charon takes oakleyd's new Main Mode for a reauthentication
# and adopts its CHILD_SAs into the new IKE_SA, with unique = replace (as
# here) and with its default unique = no alike (CHARON_UNIQUE=no: 50 s, one
# ISAKMP rekey, no loss), since the new Main Mode carries no
# INITIAL-CONTACT; then oakleyd's Delete of the old ISAKMP SA leaves them.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_rekey.sh"
require_esp

SECS=${REKEY_SECS:-180}
SECRET="make before break"

rekey_topology
rekey_oakley_conf "$WD"
write_secrets "$WD" "$SECRET"

# ---- against charon -------------------------------------------------------
charon_conf "$ED"
sed -i 's/^\(\s*\)default = 1/\1flush_line = yes\n\1default = 1/' "$ED/strongswan.conf"
start_charon "$E" "$ED"
# charon's own timers stay out of the way (1h CHILD_SA rekey, no IKE
# reauthentication within the run): oakleyd does the rekeying.
PROPOSALS=aes128-sha256-ecp256 ESP_PROPOSALS=aes128-sha256 CONN_EXTRA="unique = ${CHARON_UNIQUE:-replace}" \
	swanctl_psk_conf "$ED" site "$EAST" "$WEST" 10.2.0.0/24 10.1.0.0/24 "$SECRET"
swanctl_in "$E" "$ED" --load-all --file "$ED/swanctl.conf" >/dev/null || fail "swanctl --load-all"
start_oakleyd "$W" "$WD"
out=$(octl "$WD" up site) || fail "oakleyd -> charon: $out; charon: $(tail -n 15 "$ED/charon.log")"
ping_ok "$W" 10.1.0.1 10.2.0.1 3 || fail "no ping through the tunnel to charon"
log "charon: tunnel up, $((SECS * 50)) pings over $SECS s"
rekey_ping charon "$SECS"
octl "$WD" status >"$T_OUT/charon.status"
swanctl_in "$E" "$ED" --list-sas >"$T_OUT/charon.sas" 2>&1
ipsec_rk=$(rekey_count "$WD/oakleyd.log" 'IPsec SA in [0-9a-f]+ out [0-9a-f]+ replaced by')
ike_rk=$(rekey_count "$WD/oakleyd.log" 'ISAKMP SA #[0-9]+ rekeyed by #')
ch_child=$(rekey_count "$ED/charon.log" 'CHILD_SA site\{[0-9]+\} established')
ch_ike=$(rekey_count "$ED/charon.log" 'IKE_SA site\[[0-9]+\] established')
log "charon: $SENT sent, $RECEIVED received; oakleyd: $ipsec_rk IPsec and $ike_rk ISAKMP rekeys;" \
	"charon: $ch_child CHILD_SAs and $ch_ike IKE_SAs established"
[ "$SENT" -eq "$RECEIVED" ] || {
	rekey_explain_loss charon
	fail "charon: $((SENT - RECEIVED)) of $SENT pings lost"
}
[ "$ipsec_rk" -ge 3 ] || fail "charon: only $ipsec_rk IPsec rekeys"
[ "$ike_rk" -ge 2 ] || fail "charon: only $ike_rk ISAKMP rekeys"
[ "$ch_child" -ge 4 ] || fail "charon saw only $ch_child CHILD_SAs"
[ "$ch_ike" -ge 3 ] || fail "charon saw only $ch_ike IKE_SAs"
# What is left: one pair in each kernel (old ones deleted, none leaked).
n=$(xfrm_esp_count "$W")
[ "$n" -le 4 ] || fail "charon: west's kernel holds $n ESP SAs: $(ip -n "$W" xfrm state)"
stop_oakleyd "$WD"
kill "$(cat "$ED/charon.pid")"
wait "$(cat "$ED/charon.pid")" 2>/dev/null || true
for ns in "$W" "$E"; do
	ip -n "$ns" xfrm state flush
	ip -n "$ns" xfrm policy flush
done
mv "$WD/oakleyd.log" "$WD/oakleyd-charon.log"

# ---- against oakleyd ------------------------------------------------------
rekey_oakley_conf "$ED"
write_secrets "$ED" "$SECRET"
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"
out=$(octl "$WD" up site) || fail "oakleyd -> oakleyd: $out"
ping_ok "$W" 10.1.0.1 10.2.0.1 3 || fail "no ping through the tunnel to oakleyd"
log "oakley: tunnel up, $((SECS * 50)) pings over $SECS s"
rekey_ping oakley "$SECS"
octl "$WD" status >"$T_OUT/oakley-west.status"
octl "$ED" status >"$T_OUT/oakley-east.status"
ipsec_rk=$(($(rekey_count "$WD/oakleyd.log" 'IPsec SA in [0-9a-f]+ out [0-9a-f]+ replaced by')))
ike_rk=$(($(rekey_count "$WD/oakleyd.log" 'ISAKMP SA #[0-9]+ rekeyed by #') +
	$(rekey_count "$ED/oakleyd.log" 'ISAKMP SA #[0-9]+ rekeyed by #')))
log "oakley: $SENT sent, $RECEIVED received; $ipsec_rk IPsec rekeys (west), $ike_rk ISAKMP rekeys"
[ "$SENT" -eq "$RECEIVED" ] || {
	rekey_explain_loss oakley
	fail "oakley: $((SENT - RECEIVED)) of $SENT pings lost"
}
[ "$ipsec_rk" -ge 3 ] || fail "oakley: only $ipsec_rk IPsec rekeys"
[ "$ike_rk" -ge 2 ] || fail "oakley: only $ike_rk ISAKMP rekeys"
for ns in "$W" "$E"; do
	n=$(xfrm_esp_count "$ns")
	[ "$n" -le 4 ] || fail "oakley: $ns's kernel holds $n ESP SAs: $(ip -n "$ns" xfrm state)"
done
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
