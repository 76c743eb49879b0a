#!/bin/bash
# vm-timeout: 300
# Two oakleyd road warriors behind one masquerading NAT (172.16.0.2 and
# 172.16.0.18, one outside address 192.0.2.1) to one oakleyd responder
# with right=%any: each gets its own ISAKMP SA and IPsec SAs, on its own
# NAT port, and both carry traffic at once.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
require_esp

nat_modules
C1=a$$ C2=b$$ N=n$$ G=g$$
C1D=$T_OUT/client1 C2D=$T_OUT/client2 GD=$T_OUT/gateway
NATPUB=192.0.2.1 GW=192.0.2.2
mkdir -p "$C1D" "$C2D" "$GD"
for ns in "$C1" "$C2" "$N" "$G"; do make_ns "$ns"; done
nat_client "$C1" "$N" 172.16.0.2/28 172.16.0.1/28 lan1
nat_client "$C2" "$N" 172.16.0.18/28 172.16.0.17/28 lan2
IFA=wan IFB=wan link_ns "$N" "$NATPUB/24" "$G" "$GW/24"
nat_router "$N" wan
add_subnet "$C1" 10.1.0.1/24
add_subnet "$C2" 10.3.0.1/24
add_subnet "$G" 10.2.0.1/24
add_route "$C1" 10.2.0.0/24 172.16.0.1
add_route "$C2" 10.2.0.0/24 172.16.0.17
add_route "$G" 10.1.0.0/24 "$NATPUB"
add_route "$G" 10.3.0.0/24 "$NATPUB"

oakley_conf "$C1D" site 172.16.0.2 10.1.0.0/24 "$GW" 10.2.0.0/24
oakley_conf "$C2D" site 172.16.0.18 10.3.0.0/24 "$GW" 10.2.0.0/24
{
	printf 'config setup\n\tkeep_alive=2\n'
	printf 'conn rw1\n\tleft=%s\n\tleftsubnet=10.2.0.0/24\n\tright=%%any\n\trightid=172.16.0.2\n\trightsubnet=10.1.0.0/24\n\tike=aes128-sha256-modp2048\n\tesp=aes128-sha256\n\tauto=add\n' "$GW"
	printf 'conn rw2\n\tleft=%s\n\tleftsubnet=10.2.0.0/24\n\tright=%%any\n\trightid=172.16.0.18\n\trightsubnet=10.3.0.0/24\n\tike=aes128-sha256-modp2048\n\tesp=aes128-sha256\n\tauto=add\n' "$GW"
} >"$GD/ipsec.conf"
printf ': PSK "%s"\n' "behind the nat" >"$GD/ipsec.secrets"
start_oakleyd "$G" "$GD"
start_oakleyd "$C1" "$C1D"
start_oakleyd "$C2" "$C2D"
out=$(octl "$C1D" up site) || fail "client 1: up: $out: $(tail -n 20 "$C1D/oakleyd.log")"
out=$(octl "$C2D" up site) || fail "client 2: up: $out: $(tail -n 20 "$C2D/oakleyd.log")"

for c in "$C1D" "$C2D"; do
	assert_status "$c" site "*NAT: local, NAT-T RFC 3947, ports 4500 <-> 4500, ESP in UDP*"
done
# The responder: two ISAKMP SAs, one per connection, from the same
# address on two different ports.
st=$(octl "$GD" status)
printf '%s\n' "$st" >"$T_OUT/gateway-status.txt"
re1="rw1: established, responder, [^ ]+ <-> $NATPUB\[([0-9]+)\]"
re2="rw2: established, responder, [^ ]+ <-> $NATPUB\[([0-9]+)\]"
[[ $st =~ $re1 ]] || fail "no ISAKMP SA for rw1 from $NATPUB: $st"
p1=${BASH_REMATCH[1]}
[[ $st =~ $re2 ]] || fail "no ISAKMP SA for rw2 from $NATPUB: $st"
p2=${BASH_REMATCH[1]}
[ "$p1" != "$p2" ] || fail "both clients on the same NAT port $p1"
[[ $st == *"rw1: installed, ESP tunnel"* && $st == *"rw2: installed, ESP tunnel"* ]] ||
	fail "the responder lacks an IPsec SA per client: $st"
log "the NAT mapped the clients to ports $p1 and $p2"
state=$(ip -n "$G" xfrm state)
printf '%s\n' "$state" >"$T_OUT/gateway-xfrm.txt"
[[ $state == *"encap type espinudp sport 4500 dport $p1 "* ]] ||
	fail "no SA encapsulated to port $p1: $state"
[[ $state == *"encap type espinudp sport 4500 dport $p2 "* ]] ||
	fail "no SA encapsulated to port $p2: $state"
[ "$(xfrm_esp_count "$G")" -eq 4 ] || fail "the responder should hold 4 ESP SAs: $state"
# Both at once: one ping run each, in parallel.
ping_ok "$C1" 10.1.0.1 10.2.0.1 5 &
pa=$!
ping_ok "$C2" 10.3.0.1 10.2.0.1 5 &
pb=$!
wait $pa || fail "client 1: no ping through its tunnel"
wait $pb || fail "client 2: no ping through its tunnel"
ping_through "$G" 10.2.0.1 10.1.0.1
ping_through "$G" 10.2.0.1 10.3.0.1
for c in "$C1D" "$C2D"; do stop_oakleyd "$c"; done
stop_oakleyd "$GD"
log ok
