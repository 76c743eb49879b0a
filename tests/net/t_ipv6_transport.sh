#!/bin/bash
# IPv6 gateways with IPv6 subnets (tunnel), and host-to-host transport mode
# with a protocol/port selector, oakleyd against oakleyd (dataplane=none).
. "$(dirname "$0")/oakley.sh"

two_gateways v6
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
config setup
	dataplane=none

conn v6net
	left=$WEST
	leftsubnet=2001:db8:1::/64
	right=$EAST
	rightsubnet=2001:db8:2::/64
	ike=aes256-sha256-ecp256
	esp=aes256-sha256
	auto=add

conn v6host
	left=$WEST
	leftprotoport=udp/1701
	right=$EAST
	rightprotoport=udp/%any
	type=transport
	ike=aes128-sha1-modp2048
	esp=aes128-sha1
	auto=add
CONF
	write_secrets "$d" "six"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

out=$(octl "$WD" up v6net) || fail "v6net: $out"
octl "$ED" status >"$T_OUT/e.txt"
grep -q "v6net: established, responder, 2001:db8::2\[500\] <-> 2001:db8::1\[500\]" "$T_OUT/e.txt" ||
	fail "east has no IPv6 ISAKMP SA: $(cat "$T_OUT/e.txt")"
grep -q "v6net: negotiated, ESP tunnel, .*2001:db8:2::/64 === 2001:db8:1::/64" "$T_OUT/e.txt" ||
	fail "east has no IPv6 tunnel SA: $(cat "$T_OUT/e.txt")"

out=$(octl "$ED" up v6host) || fail "v6host: $out"
octl "$WD" status >"$T_OUT/w.txt"
grep -q "v6host: negotiated, ESP transport, .*2001:db8::1/128\[17/1701\] === 2001:db8::2/128\[17/0\]" "$T_OUT/w.txt" ||
	fail "west has no transport SA with the port selector: $(cat "$T_OUT/w.txt")"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
