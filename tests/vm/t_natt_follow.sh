#!/bin/bash
# vm-timeout: 300
# A NAT that forgets its mapping, in a kernel with ESP: oakleyd behind a
# masquerading router, its tunnel up to oakleyd; the router's UDP
# bindings are made to expire and its new ones come from ports
# 30000-30099.  ESP from the new port makes the responder's kernel say
# XFRM_MSG_MAPPING; oakleyd moves its IPsec SAs' encapsulation and its
# ISAKMP SA to the new port, and traffic flows again both ways.  Then a
# new Quick Mode (IKE from the new port, authenticated) runs on it.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
require_esp

nat_topology
oakley_conf "$CD" site "$CLIENT" 10.1.0.0/24 "$GW" 10.2.0.0/24
oakley_conf "$GD" site "$GW" 10.2.0.0/24 %any 10.1.0.0/24
start_oakleyd "$C" "$CD"
start_oakleyd "$G" "$GD"
out=$(octl "$CD" up site) || fail "up through the NAT: $out: $(tail -n 20 "$CD/oakleyd.log")"
assert_status "$GD" site "*<-> $NATPUB\[4500\], *NAT: remote*" "*UDP-encapsulated: ports 4500 <-> 4500*"
ping_through "$C" 10.1.0.1 10.2.0.1

# New bindings from 30000 on; old ones expire within a second of silence.
ip netns exec "$N" nft flush chain ip nat post
ip netns exec "$N" nft add rule ip nat post oifname wan meta l4proto udp masquerade to :30000-30099
ip netns exec "$N" nft add rule ip nat post oifname wan masquerade
ip netns exec "$N" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1 \
	net.netfilter.nf_conntrack_udp_timeout_stream=1
# Silence (keepalives every 2 s outlive a 1 s binding): the old ones go.
sleep 5
moved() {
	ping_ok "$C" 10.1.0.1 10.2.0.1 || true
	octl "$GD" status site | grep -q "UDP-encapsulated: ports 4500 <-> 300[0-9][0-9]"
}
wait_for 30 moved || fail "the responder did not follow the new NAT port: $(octl "$GD" status site); $(tail -n 10 "$GD/oakleyd.log")"
ip netns exec "$N" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 \
	net.netfilter.nf_conntrack_udp_timeout_stream=120
assert_log "$GD" "the kernel saw ESP from the peer's new port 300[0-9][0-9]"
assert_status "$GD" site "*<-> $NATPUB\[300[0-9][0-9]\], *NAT: remote*"
st=$(ip -n "$G" xfrm state)
printf '%s\n' "$st" >"$T_OUT/gateway-xfrm-after.txt"
[[ $st =~ encap\ type\ espinudp\ sport\ 4500\ dport\ 300[0-9][0-9] ]] ||
	fail "the outbound SA still goes to the old port: $st"
[[ $st =~ encap\ type\ espinudp\ sport\ 300[0-9][0-9]\ dport\ 4500 ]] ||
	fail "the inbound SA still expects the old port: $st"
wait_for 10 ping_ok "$C" 10.1.0.1 10.2.0.1 || fail "no traffic after the NAT's new mapping"
ping_through "$G" 10.2.0.1 10.1.0.1
log "followed the NAT to a new port"

# A second Quick Mode under the same ISAKMP SA, from the new port.
printf 'conn site2\n\tleft=%s\n\tleftsubnet=10.1.9.0/24\n\tright=%s\n\trightsubnet=10.2.9.0/24\n\tike=aes128-sha256-modp2048\n\tesp=aes128-sha256\n\tauto=add\n' \
	"$CLIENT" "$GW" >>"$CD/ipsec.conf"
printf 'conn site2\n\tleft=%s\n\tleftsubnet=10.2.9.0/24\n\tright=%%any\n\trightsubnet=10.1.9.0/24\n\tike=aes128-sha256-modp2048\n\tesp=aes128-sha256\n\tauto=add\n' \
	"$GW" >>"$GD/ipsec.conf"
octl "$CD" reload >/dev/null || fail "client reload failed"
octl "$GD" reload >/dev/null || fail "gateway reload failed"
out=$(octl "$CD" up site2) || fail "site2 after the move: $out: $(tail -n 20 "$CD/oakleyd.log")"
assert_status "$GD" site2 "*UDP-encapsulated: ports 4500 <-> 300[0-9][0-9]*"
stop_oakleyd "$CD"
stop_oakleyd "$GD"
log ok
