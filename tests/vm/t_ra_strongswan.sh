#!/bin/bash
# vm-timeout: 400
# Remote access (issue 11) in a kernel with ESP, oakleyd and strongSwan's
# charon in both roles (lib_ra.sh's configurations, proven charon against
# charon by ra_peers_check.sh):
#   1. charon as XAUTH client (swanctl: local-xauth round, IKEv1 Main Mode
#      PSK, vips = 0.0.0.0) -> oakleyd as XAUTH + Mode Config server (conn
#      rw), the server in the strongSwan dialect (rightauth2=xauth,
#      rightsourceip=, rightdns=, ipsec.secrets XAUTH users) and in the
#      Libreswan dialect (leftxauthserver, leftmodecfgserver,
#      rightaddresspool, modecfgdns, xauthby=file with a passwd file, the
#      address pushed: charon's pull = no); each
#      once from a client on the server's link and once from one behind
#      lib_nat.sh's NAT router: charon's virtual IP is from oakley's pool,
#      a ping from it passes, both kernels hold the same two ESP SAs (in
#      UDP behind the NAT), oakleyctl status names the user and address.
#   2. A wrong password from charon: oakley asks 3 times, then refuses, its
#      log naming the user; no SA.
# oakley as the client of charon: t_ra_client.sh.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
. "$(dirname "$0")/lib_peers.sh"
. "$(dirname "$0")/lib_ra.sh"
require_esp

NAT=1 ra_topology
K=k$$ KD=$T_OUT/direct
ra_client "$K"
KADDR=$RA_ADDR
mkdir -p "$KD"
charon_ra_conf "$KD"
charon_ra_conf "$CD"
start_charon "$K" "$KD" "$C" "$CD"
charon_ra_plugins "$KD"

# ---- 1, 2: charon -> oakley ------------------------------------------------------
for dialect in strongswan libreswan; do
	oakley_ra_server_conf "$SD" $dialect
	cp "$SD/ipsec.conf" "$T_OUT/ipsec.conf.$dialect"
	start_oakleyd "$S" "$SD"
	for where in direct nat; do
		name="$dialect, $where"
		if [ $where = nat ]; then
			ns=$C dir=$CD l=$CLIENT
		else
			ns=$K dir=$KD l=$KADDR
		fi
		# Libreswan's rw conn pushes the address: charon waits for it
		RA_PULL=$([ $dialect = libreswan ] && echo no || echo yes) \
			swanctl_ra_client_conf "$dir" "$l" carol carolpw
		ra_swanctl_load "$ns" "$dir"
		lc=$(log_lines "$dir/charon.log")
		swanctl_in "$ns" "$dir" --initiate --child rw --timeout 30 >"$T_OUT/init.$dialect.$where.txt" 2>&1 ||
			fail "$name: charon -> oakley: $(grep -v 'ENC\|NET' "$T_OUT/init.$dialect.$where.txt" | tail -n 15);
oakleyd: $(tail -n 25 "$SD/oakleyd.log")"
		vip=$(charon_vip "$ns" "$dir")
		cp "$dir/sas.txt" "$T_OUT/sas.$dialect.$where.txt"
		ra_in_pool "$vip" || fail "$name: charon's virtual IP '$vip' is not from oakley's pool: $(cat "$dir/sas.txt")"
		log_since "$dir/charon.log" "$lc" | grep -q "XAuth authentication of 'carol' (myself) successful" ||
			fail "$name: charon did not log its XAUTH success as carol"
		expect_esp "$S" 2 "$name"
		expect_esp "$ns" 2 "$name"
		ss=$(xfrm_spis "$S")
		cs=$(xfrm_spis "$ns")
		[ "$ss" = "$cs" ] || fail "$name: oakley's SPIs $ss are not charon's $cs"
		ra_policy "$S" "$vip" "$name"
		ra_policy "$ns" "$vip" "$name"
		if [ $where = nat ]; then
			assert_encap "$S"
			assert_encap "$ns"
		else
			assert_no_encap "$S"
		fi
		ping_through "$ns" "$vip" 10.2.0.1
		ra_status "$SD" "$name" "*carol*" "*$vip*"
		log "$name: charon -> oakley: Main Mode PSK, XAUTH carol, virtual IP $vip, pinged; SPIs $ss"
		swanctl_in "$ns" "$dir" --terminate --ike rw --timeout 10 >/dev/null 2>&1 || true
		wait_for 10 sh -c "! ip -n $S xfrm state | grep -q 'proto esp'" ||
			fail "$name: oakley kept SAs after charon's Delete: $(xfrm_spis "$S")"
	done

	if [ $dialect = strongswan ]; then
		# a wrong password: 3 requests, then refused
		swanctl_ra_client_conf "$KD" "$KADDR" alice wrong
		ra_swanctl_load "$K" "$KD"
		lo=$(log_lines "$SD/oakleyd.log")
		lc=$(log_lines "$KD/charon.log")
		! swanctl_in "$K" "$KD" --initiate --child rw --timeout 40 >"$T_OUT/init.wrongpw.txt" 2>&1 ||
			fail "charon got in with a wrong password"
		sleep 1
		log_since "$SD/oakleyd.log" "$lo" >"$T_OUT/wrongpw.oakleyd.log"
		log_since "$KD/charon.log" "$lc" >"$T_OUT/wrongpw.charon.log"
		tries=$(grep -c 'parsed TRANSACTION request .*X_PWD' "$T_OUT/wrongpw.charon.log" || true)
		[ "$tries" = 3 ] || fail "wrong password: oakley asked $tries times, not 3: $(grep TRANSACTION "$T_OUT/wrongpw.charon.log")"
		grep -qi "xauth.*alice\|alice.*xauth" "$T_OUT/wrongpw.oakleyd.log" ||
			fail "wrong password: oakley's log does not name alice: $(tail -n 15 "$T_OUT/wrongpw.oakleyd.log")"
		expect_esp "$S" 0 "wrong password"
		log "wrong password: asked $tries times, refused: $(grep -i alice "$T_OUT/wrongpw.oakleyd.log" | tail -n 1)"
		swanctl_in "$K" "$KD" --terminate --ike rw --timeout 5 >/dev/null 2>&1 || true
	fi
	stop_oakleyd "$SD"
	cp "$SD/oakleyd.log" "$T_OUT/oakleyd.server.$dialect.log"
done

log ok
