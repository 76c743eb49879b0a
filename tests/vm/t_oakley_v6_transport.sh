#!/bin/bash
# vm-timeout: 600
# In a kernel with ESP: oakleyd against oakleyd over IPv6 (tunnel between
# IPv6 subnets), and host-to-host transport mode over IPv4 with a protocol
# selector; each checked in the kernel and pinged through.  Then the peer's
# Delete (oakleyctl down on the other side) empties this side's kernel.
. "$(dirname "$0")/../net/oakley.sh"
require_esp

two_gateways v6
add_subnet "$W" 2001:db8:1::1/64
add_subnet "$E" 2001:db8:2::1/64
ip -n "$W" -6 route add 2001:db8:2::/64 via "$EAST"
ip -n "$E" -6 route add 2001:db8:1::/64 via "$WEST"
ip -n "$W" addr add 192.0.2.1/24 dev wan
ip -n "$E" addr add 192.0.2.2/24 dev wan
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
conn v6
	left=$WEST
	leftsubnet=2001:db8:1::/64
	right=$EAST
	rightsubnet=2001:db8:2::/64
	ike=aes256-sha256-ecp384
	esp=aes256-sha512
	auto=add

conn host
	left=192.0.2.1
	leftprotoport=icmp
	right=192.0.2.2
	rightprotoport=icmp
	type=transport
	esp=aes128-sha1
	auto=add
CONF
	cat >"$d/ipsec.secrets" <<SECRETS
$WEST $EAST : PSK "six"
192.0.2.1 192.0.2.2 : PSK "four"
SECRETS
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

out=$(octl "$WD" up v6) || fail "v6: $out: $(tail -n 5 "$WD/oakleyd.log")"
ip -n "$W" xfrm state >"$T_OUT/v6.state"
grep -q "src $WEST dst $EAST" "$T_OUT/v6.state" || fail "no IPv6 SA: $(cat "$T_OUT/v6.state")"
grep -q "mode tunnel" "$T_OUT/v6.state" || fail "IPv6 SA not in tunnel mode"
before=$(xfrm_packets "$W")
ip netns exec "$W" ping -6 -q -n -c 3 -i 0.2 -W 2 -I 2001:db8:1::1 2001:db8:2::1 >/dev/null ||
	fail "no IPv6 ping through the tunnel"
[ "$(xfrm_packets "$W")" -gt "$before" ] || fail "IPv6 ESP counters did not rise"
log "v6 tunnel: pinged"

out=$(octl "$ED" up host) || fail "host: $out: $(tail -n 5 "$ED/oakleyd.log")"
ip -n "$W" xfrm state >"$T_OUT/host.state"
grep -q "mode transport" "$T_OUT/host.state" || fail "no transport SA: $(cat "$T_OUT/host.state")"
ip -n "$W" xfrm policy >"$T_OUT/host.policy"
grep -q "proto icmp" "$T_OUT/host.policy" || fail "no icmp selector: $(cat "$T_OUT/host.policy")"
before=$(xfrm_packets "$E")
ping_ok "$E" 192.0.2.2 192.0.2.1 3 || fail "no ping over the transport SA"
[ "$(xfrm_packets "$E")" -gt "$before" ] || fail "transport ESP counters did not rise"
log "transport: pinged"

# The peer brings both down: its Deletes empty our kernel too.
octl "$ED" down host >/dev/null
octl "$ED" down v6 >/dev/null
wait_for 5 sh -c "[ \$(ip -n $W xfrm state | grep -c 'proto esp') -eq 0 ]" ||
	fail "west kept SAs after east's Deletes: $(ip -n "$W" xfrm state)"
ip -n "$W" xfrm policy | grep -q tmpl && fail "west kept policies: $(ip -n "$W" xfrm policy)"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
