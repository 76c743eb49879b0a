#!/bin/bash
# vm-timeout: 300
# NAT traversal in a kernel with ESP, both sides behind NATs: oakleyd
# (172.16.0.2) behind one masquerading router initiates to oakleyd
# (172.16.1.2) behind another that forwards 500 and 4500 to it.  Both
# see "NAT: both", both kernels hold ESP in UDP, pings pass both ways,
# and both send keepalives.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
require_esp

nat_topology_both
oakley_conf "$CD" site "$CLIENT" 10.1.0.0/24 "$GWPUB" 10.2.0.0/24 rightid=$GW
oakley_conf "$GD" site "$GW" 10.2.0.0/24 %any 10.1.0.0/24
start_oakleyd "$C" "$CD"
start_oakleyd "$G" "$GD"
out=$(octl "$CD" up site) || fail "up through two NATs: $out: $(tail -n 20 "$CD/oakleyd.log")"
assert_status "$CD" site "*NAT: both, NAT-T RFC 3947, ports 4500 <-> 4500, ESP in UDP*" \
	"*UDP-encapsulated: ports 4500 <-> 4500*"
assert_status "$GD" site "*NAT: both, NAT-T RFC 3947, ports 4500 <-> *, ESP in UDP*" \
	"*UDP-encapsulated*"
assert_encap "$C"
assert_encap "$G"
ping_through "$C" 10.1.0.1 10.2.0.1
ping_through "$G" 10.2.0.1 10.1.0.1
for d in "$CD" "$GD"; do
	wait_for 8 sh -c "'$OAKLEYCTL' -c '$(ctl_sock "$d")' status site | grep -q 'keepalives sent'" ||
		fail "no NAT keepalives from $d: $(octl "$d" status site)"
done
stop_oakleyd "$CD"
stop_oakleyd "$GD"
log ok
