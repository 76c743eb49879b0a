#!/bin/bash
# vm-timeout: 300
# Remote access (issue 11) in a kernel with ESP: oakleyd as XAUTH + Mode
# Config client -> strongSwan's charon as server (lib_ra.sh's swanctl:
# pools, remote-xauth round, Main Mode PSK; proven charon against charon
# by ra_peers_check.sh), oakley in both dialects: strongSwan's
# (leftsourceip=%config, leftauth2=xauth, xauth_identity=; it asks for the
# address) and Libreswan's (leftmodecfgclient=yes, leftxauthclient=yes,
# leftusername=; modecfgpull=no: charon pushes the address, pull = no).
# Each: charon names the XAUTH user and the address it handed out, the
# address lands on oakley's lo, traffic to 10.2.0.0/24 leaves from it
# (table 220) through the tunnel (pings, ESP counters), both kernels hold
# the same two ESP SAs, oakleyctl status shows the address; down removes it.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_peers.sh"
. "$(dirname "$0")/lib_ra.sh"
require_esp

ra_topology
O=o$$ OD=$T_OUT/oakley-client
ra_client "$O"
OADDR=$RA_ADDR
mkdir -p "$OD"
charon_ra_conf "$SD"
start_charon "$S" "$SD"
charon_ra_plugins "$SD"
RA_FIRST=10.3.0.1
for dialect in strongswan libreswan; do
	name="oakley client, $dialect"
	# strongSwan's spelling asks for the address (modeconfig=pull, the
	# default); Libreswan's waits for it (modecfgpull=no, the default):
	# charon pushes (pull = no)
	SERVER_CONN_EXTRA=$([ $dialect = libreswan ] && echo "pull = no" || true) \
		swanctl_ra_server_conf "$SD" alice:alicepw bob:bobpw carol:carolpw
	ra_swanctl_load "$S" "$SD"
	oakley_ra_client_conf "$OD" $dialect "$OADDR" carol
	cp "$OD/ipsec.conf" "$T_OUT/ipsec.conf.client.$dialect"
	start_oakleyd "$O" "$OD"
	out=$(timeout 60 "$OAKLEYCTL" -c "$(ctl_sock "$OD")" up rw 2>&1) ||
		fail "$name: up: $out; oakleyd: $(tail -n 20 "$OD/oakleyd.log"); charon: $(grep -v 'ENC\|NET' "$SD/charon.log" | tail -n 20)"
	sas=$(swanctl_in "$S" "$SD" --list-sas 2>&1)
	printf '%s\n' "$sas" >"$T_OUT/sas.server.$dialect.txt"
	[[ $sas =~ XAuth:\ \'carol\'\ \[([0-9.]+)\] ]] || fail "$name: charon names no XAuth carol with an address: $sas"
	vip=${BASH_REMATCH[1]}
	ra_in_pool "$vip" || fail "$name: charon handed out '$vip'?"
	wait_for 5 sh -c "ip -n $O addr show dev lo | grep -q 'inet $vip/32'" ||
		fail "$name: $vip is not on oakley's lo: $(ip -n "$O" addr show dev lo)"
	r=$(ip -n "$O" route get 10.2.0.1 2>&1)
	[[ $r == *"src $vip"* ]] || fail "$name: traffic to 10.2.0.1 does not leave from $vip: $r; table 220: $(ip -n "$O" route show table 220)"
	expect_esp "$O" 2 "$name"
	expect_esp "$S" 2 "$name"
	[ "$(xfrm_spis "$O")" = "$(xfrm_spis "$S")" ] || fail "$name: SPIs differ: oakley $(xfrm_spis "$O"), charon $(xfrm_spis "$S")"
	ra_policy "$O" "$vip" "$name"
	before=$(xfrm_packets "$O")
	ip netns exec "$O" ping -q -n -c 3 -i 0.2 -W 2 10.2.0.1 >/dev/null 2>&1 || fail "$name: no ping to 10.2.0.1"
	[ "$(xfrm_packets "$O")" -gt "$before" ] || fail "$name: the ping did not go through the tunnel"
	ra_status "$OD" "$name" "*$vip*"
	log "$name -> charon: XAUTH carol, address $vip on lo, pinged from it; SPIs $(xfrm_spis "$O")"
	octl "$OD" down rw >/dev/null 2>&1 || true
	wait_for 10 sh -c "! ip -n $O addr show dev lo | grep -q 'inet $vip/'" ||
		fail "$name: $vip stays on lo after down"
	stop_oakleyd "$OD"
	cp "$OD/oakleyd.log" "$T_OUT/oakleyd.client.$dialect.log"
	swanctl_in "$S" "$SD" --terminate --ike mm --timeout 5 >/dev/null 2>&1 || true
	wait_for 10 sh -c "! ip -n $S xfrm state | grep -q 'proto esp'" || true
done
log ok
