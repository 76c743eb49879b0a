#!/bin/bash
# vm-timeout: 300
# NAT traversal in a kernel with ESP: strongSwan's charon behind a NAT
# router (private 172.16.0.2) initiates to oakleyd on the public segment
# (right=%any), in Main Mode and then in Aggressive Mode.  Each: oakleyd
# sees the NAT (status "NAT: remote", ports 4500), the kernels of both
# hold ESP in UDP, charon's CHILD_SA is TUNNEL-in-UDP, pings pass.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
require_esp

nat_topology
charon_conf "$CD"
start_charon "$C" "$CD"

run=0
for mode in main aggressive; do
	run=$((run + 1))
	if [ $mode = aggressive ]; then
		oakley_conf "$GD" site "$GW" 10.2.0.0/24 %any 10.1.0.0/24 aggressive=yes
		CONN_EXTRA="aggressive = yes"
	else
		oakley_conf "$GD" site "$GW" 10.2.0.0/24 %any 10.1.0.0/24
		CONN_EXTRA=""
	fi
	CONN_EXTRA=$CONN_EXTRA swanctl_nat_conf "$CD" site "$CLIENT" "$GW" "$CLIENT" "$GW" \
		10.1.0.0/24 10.2.0.0/24
	swanctl_in "$C" "$CD" --load-all --clear --file "$CD/swanctl.conf" >/dev/null ||
		fail "swanctl --load-all failed"
	start_oakleyd "$G" "$GD"
	swanctl_in "$C" "$CD" --initiate --child site --timeout 40 >"$T_OUT/init$run.txt" 2>&1 ||
		fail "$mode: charon -> oakleyd through the NAT: $(tail -n 10 "$T_OUT/init$run.txt"); oakleyd: $(tail -n 20 "$GD/oakleyd.log")"
	wait_for 10 sh -c "'$OAKLEYCTL' -c '$(ctl_sock "$GD")' status site | grep -q 'UDP-encapsulated'" ||
		fail "$mode: oakleyd has no UDP-encapsulated IPsec SA: $(octl "$GD" status site)"
	assert_status "$GD" site "*NAT: remote, NAT-T RFC 3947, ports 4500 <-> *, ESP in UDP*" \
		"*$NATPUB*"
	assert_encap "$C"
	assert_encap "$G"
	sas=$(swanctl_in "$C" "$CD" --list-sas)
	printf '%s\n' "$sas" >"$T_OUT/charon-sas$run.txt"
	[[ $sas == *"INSTALLED, TUNNEL-in-UDP"* ]] ||
		fail "$mode: charon's CHILD_SA is not UDP-encapsulated: $sas"
	ping_through "$C" 10.1.0.1 10.2.0.1
	ping_through "$G" 10.2.0.1 10.1.0.1
	swanctl_in "$C" "$CD" --terminate --ike site --timeout 10 >/dev/null 2>&1 || true
	stop_oakleyd "$GD"
	log "strongSwan behind NAT -> oakley, $mode mode: ok"
done
log ok
