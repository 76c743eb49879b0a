#!/bin/bash
# vm-timeout: 300
# forceencaps=yes with no NAT, in a kernel with ESP: oakleyd on a flat
# wire forces ESP in UDP, first against oakleyd, then against strongSwan
# (neither peer configured for it).  Its faked NAT-D makes the peer see a
# NAT: status says "NAT: none, encapsulation forced" here and "NAT:
# remote" there, both kernels hold ESP in UDP on 4500, pings pass.  And
# without forceencaps the same tunnel is plain ESP.  Last, over IPv6
# against oakleyd (the IPv6 port 4500 socket and ESP in UDP over IPv6).
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
require_esp

two_gateways v6
WEST6=$WEST EAST6=$EAST WEST=192.0.2.1 EAST=192.0.2.2
ip -n "$W" addr add "$WEST/24" dev wan
ip -n "$E" addr add "$EAST/24" dev wan
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_subnet "$W" 2001:db8:1::1/64
add_subnet "$E" 2001:db8:2::1/64
add_route "$W" 10.2.0.0/24 "$EAST"
add_route "$E" 10.1.0.0/24 "$WEST"
ip -n "$W" -6 route add 2001:db8:2::/64 via "$EAST6"
ip -n "$E" -6 route add 2001:db8:1::/64 via "$WEST6"

# --- no NAT, no forceencaps: plain ESP --------------------------------------
oakley_conf "$WD" site "$WEST" 10.1.0.0/24 "$EAST" 10.2.0.0/24
oakley_conf "$ED" site "$EAST" 10.2.0.0/24 "$WEST" 10.1.0.0/24
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"
out=$(octl "$WD" up site) || fail "up: $out: $(tail -n 20 "$WD/oakleyd.log")"
assert_status "$WD" site "*NAT: none, NAT-T RFC 3947, ports 500 <-> 500*"
assert_no_encap "$W"
ping_through "$W" 10.1.0.1 10.2.0.1
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log "no NAT: plain ESP"

# --- forceencaps -> oakley ------------------------------------------------------
oakley_conf "$WD" site "$WEST" 10.1.0.0/24 "$EAST" 10.2.0.0/24 forceencaps=yes
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"
out=$(octl "$WD" up site) || fail "up with forceencaps: $out: $(tail -n 20 "$WD/oakleyd.log")"
assert_status "$WD" site "*NAT: none, encapsulation forced, NAT-T RFC 3947, ports 4500 <-> 4500, ESP in UDP*" \
	"*UDP-encapsulated: ports 4500 <-> 4500*"
assert_status "$ED" site "*NAT: remote, NAT-T RFC 3947, ports 4500 <-> 4500, ESP in UDP*"
assert_encap "$W"
assert_encap "$E"
ping_through "$W" 10.1.0.1 10.2.0.1
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log "forceencaps -> oakley: ok"

# --- encapsulation=yes (Libreswan's spelling) -> strongSwan ---------------------
oakley_conf "$WD" site "$WEST" 10.1.0.0/24 "$EAST" 10.2.0.0/24 encapsulation=yes
charon_conf "$ED"
start_charon "$E" "$ED"
swanctl_nat_conf "$ED" site "$EAST" "$WEST" "$EAST" "$WEST" 10.2.0.0/24 10.1.0.0/24
swanctl_in "$E" "$ED" --load-all --file "$ED/swanctl.conf" >/dev/null || fail "swanctl --load-all failed"
start_oakleyd "$W" "$WD"
out=$(octl "$WD" up site) ||
	fail "up with encapsulation=yes to charon: $out: $(tail -n 20 "$WD/oakleyd.log"); charon: $(tail -n 20 "$ED/charon.log")"
assert_status "$WD" site "*NAT: none, encapsulation forced*ESP in UDP*" "*UDP-encapsulated*"
assert_encap "$W"
assert_encap "$E"
sas=$(swanctl_in "$E" "$ED" --list-sas)
[[ $sas == *"INSTALLED, TUNNEL-in-UDP"* ]] || fail "charon's CHILD_SA is not UDP-encapsulated: $sas"
ping_through "$W" 10.1.0.1 10.2.0.1
stop_oakleyd "$WD"
log "encapsulation=yes -> strongSwan: ok"
kill "$(cat "$ED/charon.pid")" 2>/dev/null || true
wait_for 10 sh -c "! kill -0 $(cat "$ED/charon.pid") 2>/dev/null" || fail "charon did not stop"

# --- forceencaps over IPv6 -> oakley: the IPv6 port 4500 socket ---------------
oakley_conf "$WD" site "$WEST6" 2001:db8:1::/64 "$EAST6" 2001:db8:2::/64 forceencaps=yes
oakley_conf "$ED" site "$EAST6" 2001:db8:2::/64 "$WEST6" 2001:db8:1::/64
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"
out=$(octl "$WD" up site) || fail "IPv6 up with forceencaps: $out: $(tail -n 20 "$WD/oakleyd.log")"
assert_status "$WD" site "*[[]4500[]] <-> *[[]4500[]]*" \
	"*NAT: none, encapsulation forced, NAT-T RFC 3947, ports 4500 <-> 4500, ESP in UDP*"
assert_status "$ED" site "*NAT: remote*ESP in UDP*"
assert_encap "$W"
assert_encap "$E"
ping_through "$W" 2001:db8:1::1 2001:db8:2::1
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log "forceencaps over IPv6 -> oakley: ok"
log ok
