#!/bin/bash
# The demo itself, on a kernel with ESP: two gateways (west, east) each with
# a subnet behind it, oakleyd in each, the tunnel brought up with
# oakleyctl, pings through it, what oakley and the kernel say, then
# everything torn down.  scripts/demo.sh runs it here or in the VM.
. "$(dirname "$0")/../tests/net/oakley.sh"
require_esp

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_route "$W" 10.2.0.0/24 "$EAST"
add_route "$E" 10.1.0.0/24 "$WEST"
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
conn site
	keyexchange=ikev1
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	authby=secret
	ike=aes256-sha256-modp3072
	esp=aes256-sha256
	auto=add
CONF
	write_secrets "$d" "demo secret, use a long random one"
done
say "west: 192.0.2.1 with 10.1.0.0/24 behind it; east: 192.0.2.2 with 10.2.0.0/24"
cat "$WD/ipsec.conf"
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

say "oakleyctl up site (on west)"
octl "$WD" up site || fail "the tunnel did not come up: $(tail -n 20 "$WD/oakleyd.log")"
say "ping 10.1.0.1 -> 10.2.0.1 through the tunnel"
ip netns exec "$W" ping -c 3 -i 0.3 -I 10.1.0.1 10.2.0.1 || fail "no ping through the tunnel"
say "oakleyctl status (west)"
octl "$WD" status
say "ip -s xfrm state (west)"
ip -n "$W" -s xfrm state
say "ip xfrm policy (west)"
ip -n "$W" xfrm policy
say "oakleyctl down site; oakleyd stopped on both sides"
octl "$WD" down site
stop_oakleyd "$WD"
stop_oakleyd "$ED"
echo "SAs left in west's kernel: $(xfrm_esp_count "$W"), in east's: $(xfrm_esp_count "$E")"
say "oakleyd logs"
sed 's/^/west: /' "$WD/oakleyd.log" | grep -v debug
sed 's/^/east: /' "$ED/oakleyd.log" | grep -v debug
