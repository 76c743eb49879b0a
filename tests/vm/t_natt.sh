#!/bin/bash
# vm-timeout: 300
# NAT traversal in a kernel with ESP: oakleyd behind a NAT router
# (nftables masquerade, private 172.16.0.2) initiates to a gateway on the
# public segment, first oakleyd (right=%any), then strongSwan's charon.
# Each: NAT detected on both sides (status "NAT: local" / "NAT: remote",
# ports 4500), the IKE float to 4500, the kernel's SAs ESP in UDP (ip
# xfrm state: encap espinudp), pings through the tunnel, keepalives sent.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
require_esp

nat_topology

# --- oakley behind the NAT -> oakley responder ---------------------------
oakley_conf "$CD" site "$CLIENT" 10.1.0.0/24 "$GW" 10.2.0.0/24
oakley_conf "$GD" site "$GW" 10.2.0.0/24 %any 10.1.0.0/24
start_oakleyd "$C" "$CD"
start_oakleyd "$G" "$GD"
out=$(octl "$CD" up site) || fail "up through the NAT: $out: $(tail -n 20 "$CD/oakleyd.log")"
log "oakley -> oakley: $out"
assert_status "$CD" site "*NAT: local, NAT-T RFC 3947, ports 4500 <-> 4500, ESP in UDP*" \
	"*UDP-encapsulated: ports 4500 <-> 4500*"
assert_status "$GD" site "*$NATPUB*" "*NAT: remote, NAT-T RFC 3947, ports 4500 <-> *, ESP in UDP*" \
	"*UDP-encapsulated: ports 4500 <-> *"
assert_encap "$C"
assert_encap "$G"
ping_through "$C" 10.1.0.1 10.2.0.1
ping_through "$G" 10.2.0.1 10.1.0.1
json=$(octl "$CD" status --json)
[[ $json == *'"nat":"local"'* && $json == *'"udp_encap":true'* ]] ||
	fail "status --json lacks the NAT fields: $json"
# keep_alive=2: the NATed side sends keepalives
wait_for 8 sh -c "'$OAKLEYCTL' -c '$(ctl_sock "$CD")' status site | grep -q 'keepalives sent'" ||
	fail "no NAT keepalives: $(octl "$CD" status site)"
assert_log "$CD" "NAT-T: moving to port 4500"
stop_oakleyd "$CD"
stop_oakleyd "$GD"
[ "$(xfrm_esp_count "$C")" -eq 0 ] || fail "the client left SAs behind"
log "oakley behind NAT -> oakley: ok"

# --- oakley behind the NAT -> strongSwan responder --------------------------
charon_conf "$GD"
start_charon "$G" "$GD"
swanctl_nat_conf "$GD" site "$GW" %any "$GW" "$CLIENT" 10.2.0.0/24 10.1.0.0/24
swanctl_in "$G" "$GD" --load-all --file "$GD/swanctl.conf" >/dev/null ||
	fail "swanctl --load-all failed"
start_oakleyd "$C" "$CD"
out=$(octl "$CD" up site) ||
	fail "up to charon through the NAT: $out: $(tail -n 20 "$CD/oakleyd.log"); charon: $(tail -n 20 "$GD/charon.log")"
assert_status "$CD" site "*NAT: local, NAT-T RFC 3947, ports 4500 <-> 4500, ESP in UDP*" \
	"*UDP-encapsulated*"
assert_encap "$C"
assert_encap "$G"
sas=$(swanctl_in "$G" "$GD" --list-sas)
printf '%s\n' "$sas" >"$T_OUT/charon-sas.txt"
[[ $sas == *"INSTALLED, TUNNEL-in-UDP"* ]] || fail "charon's CHILD_SA is not UDP-encapsulated: $sas"
[[ $sas == *"$NATPUB[4500]"* ]] || fail "charon does not see the client at the NAT's port 4500: $sas"
ping_through "$C" 10.1.0.1 10.2.0.1
stop_oakleyd "$CD"
log "oakley behind NAT -> strongSwan: ok"
log ok
