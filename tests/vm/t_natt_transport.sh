#!/bin/bash
# vm-timeout: 300
# Transport mode behind a NAT, in a kernel with ESP: oakleyd at
# 172.16.0.2 behind a masquerading router, type=transport to oakleyd at
# 192.0.2.2 (right=%any).  Quick Mode proposes UDP-encapsulated
# transport, both send NAT-OA and the responder keeps the peer's original
# address (the kernel's encap "addr", used for transport checksums); the
# responder's selector is the address the peer is seen at.  Host-to-host
# pings go in ESP in UDP both ways.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
require_esp

nat_topology
conf() {
	printf 'config setup\n\tkeep_alive=2\nconn host\n\tleft=%s\n\tright=%s\n\ttype=transport\n\tike=aes128-sha256-modp2048\n\tesp=aes128-sha256\n\tauto=add\n' \
		"$2" "$3" >"$1/ipsec.conf"
	printf ': PSK "transport behind the nat"\n' >"$1/ipsec.secrets"
}
conf "$CD" "$CLIENT" "$GW"
conf "$GD" "$GW" %any
start_oakleyd "$C" "$CD"
start_oakleyd "$G" "$GD"
out=$(octl "$CD" up host) || fail "transport up through the NAT: $out: $(tail -n 20 "$CD/oakleyd.log")"
assert_status "$CD" host "*NAT: local*ESP in UDP*" "*ESP transport*" "*UDP-encapsulated*"
wait_for 5 sh -c "'$OAKLEYCTL' -c '$(ctl_sock "$GD")' status host | grep -q 'UDP-encapsulated'" ||
	fail "the responder has no UDP-encapsulated SA: $(octl "$GD" status host)"
assert_status "$GD" host "*NAT: remote*ESP in UDP*" "*ESP transport*" "*$GW/32 === $NATPUB/32*"
assert_log "$GD" "NAT-OA\) is $CLIENT"
assert_log "$CD" "NAT-OA\) is $GW"
assert_encap "$C"
assert_encap "$G"
st=$(ip -n "$G" xfrm state)
[[ $st == *"mode transport"* ]] || fail "the responder's SAs are not in transport mode: $st"
[[ $st == *"encap type espinudp sport 4500 dport 4500 addr $CLIENT"* ]] ||
	fail "the responder's outbound SA lacks the peer's original address: $st"
ping_through "$C" "$CLIENT" "$GW"
ping_through "$G" "$GW" "$NATPUB"
stop_oakleyd "$CD"
stop_oakleyd "$GD"
log ok
