#!/bin/bash
# vm-timeout: 400
# Remote access (issue 11) in a kernel with ESP: vpnc (Debian's
# Cisco-compatible client, its own ESP on a tun device) against oakleyd as
# XAUTH + Mode Config server (lib_ra.sh's conn vpnc: Aggressive Mode, the
# group as ID_KEY_ID with its own PSK, MODP-1024), the same server once in
# the strongSwan dialect (authby=xauthpsk xauth=server, rightsourceip=,
# rightdns=, "USER : XAUTH" in ipsec.secrets) and once in the Libreswan
# dialect (leftxauthserver=yes leftmodecfgserver=yes rightaddresspool=
# modecfgdns= xauthby=file, a passwd file of `openssl passwd -6` hashes).
# Each:
#   - alice connects: her address is the pool's first, a ping from it to
#     10.2.0.1 passes, oakley's kernel holds the ESP SAs and a policy for
#     the address, the ESP on the wire (vpnc's side) carries their SPIs, oakleyctl status names alice and the address, vpnc was
#     given the DNS server and 10.2.0.0/24 as a Unity split include, oakley
#     warned about Aggressive Mode PSK and MODP-1024;
#   - bob, from a second namespace, gets another address and pings;
#   - alice quits (vpnc's Delete) and reconnects: the same address;
#   - alice's vpnc is killed (no Delete) and comes back: the same address,
#     her old SAs cleared by INITIAL-CONTACT, bob's kept;
#   - alice with a wrong password: vpnc gives up (it quits after one
#     failure), no SA, oakley's log names alice.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_peers.sh"
RA_GROUP_PSK="the group's own secret"
. "$(dirname "$0")/lib_ra.sh"
require_esp
command -v vpnc >/dev/null || fail "no vpnc (scripts/deps.sh installs it)"

ra_topology
V1=v$$ V2=w$$ V1D=$T_OUT/vpnc1 V2D=$T_OUT/vpnc2
ra_client "$V1"
ra_client "$V2"

# vpnc_up NS DIR WHAT: connect, and fail with both sides' words if not.
vpnc_up() {
	start_vpnc "$1" "$2"
	vpnc_wait "$2" || fail "$3: vpnc did not connect: $(grep -v '^ *$' "$2/vpnc.log" | tail -n 15);
oakleyd: $(tail -n 25 "$SD/oakleyd.log")"
}

for dialect in strongswan libreswan; do
	oakley_ra_server_conf "$SD" $dialect
	start_oakleyd "$S" "$SD"
	cp "$SD/ipsec.conf" "$T_OUT/ipsec.conf.$dialect"

	# alice; the ESP on her link shows vpnc's side of the SAs (its own
	# ESP, not the kernel's): the SPIs on the wire are oakley's two
	vpnc_conf "$V1D" alice alicepw
	pcap=$T_OUT/esp.$dialect.pcapng
	start_capture "$S" c1 "$pcap" esp
	vpnc_up "$V1" "$V1D" "$dialect: alice"
	a1=$(vpnc_addr "$V1D")
	[ "$a1" = "$RA_FIRST" ] || fail "$dialect: alice got '$a1', not the pool's first address $RA_FIRST"
	ra_ping "$V1" "$a1" 10.2.0.1 "$dialect: alice"
	stop_capture "$pcap"
	expect_esp "$S" 2 "$dialect: alice"
	wire=$(tshark -n -r "$pcap" -T fields -e esp.spi 2>/dev/null | sort -u | tr '\n' ' ')
	[ "$wire" = "$(xfrm_spis "$S")" ] ||
		fail "$dialect: alice: ESP SPIs on the wire '$wire' are not oakley's SAs' '$(xfrm_spis "$S")'"
	ra_policy "$S" "$a1" "$dialect: alice"
	ra_status "$SD" "$dialect: alice" "*alice*" "*$a1*"
	# what vpnc was told besides the address: the DNS server and the
	# server's subnet as a Unity split include (its script's environment)
	cp "$V1D/vpnc.connect.env" "$T_OUT/vpnc-env.$dialect.txt"
	grep -qx "INTERNAL_IP4_DNS=$RA_DNS" "$V1D/vpnc.connect.env" ||
		fail "$dialect: vpnc was not given the DNS server $RA_DNS: $(grep '^INTERNAL\|^CISCO' "$V1D/vpnc.connect.env")"
	grep -qx "CISCO_SPLIT_INC_0_ADDR=10.2.0.0" "$V1D/vpnc.connect.env" &&
		grep -qx "CISCO_SPLIT_INC_0_MASKLEN=24" "$V1D/vpnc.connect.env" ||
		fail "$dialect: vpnc was not given 10.2.0.0/24 as a split include: $(grep '^INTERNAL\|^CISCO' "$V1D/vpnc.connect.env")"
	assert_log "$SD" "XAUTH user 'alice' authenticated"
	assert_log "$SD" "Aggressive Mode with a pre-shared key .*RFC 9395"
	assert_log "$SD" "modp1024"
	log "$dialect: vpnc alice: Aggressive Mode group $RA_GROUP, XAUTH, address $a1, pinged; SPIs $wire (oakley's kernel and the wire)"

	# bob, at the same time
	vpnc_conf "$V2D" bob bobpw
	vpnc_up "$V2" "$V2D" "$dialect: bob"
	a2=$(vpnc_addr "$V2D")
	ra_in_pool "$a2" || fail "$dialect: bob got '$a2', not an address of the pool"
	[ "$a2" != "$a1" ] || fail "$dialect: bob got alice's address $a1"
	ra_ping "$V2" "$a2" 10.2.0.1 "$dialect: bob"
	ra_ping "$V1" "$a1" 10.2.0.1 "$dialect: alice, with bob up"
	expect_esp "$S" 4 "$dialect: alice and bob"
	ra_policy "$S" "$a2" "$dialect: bob"
	ra_status "$SD" "$dialect: bob" "*alice*" "*$a1*" "*bob*" "*$a2*"
	log "$dialect: vpnc bob: address $a2, pinged, alice's still up"

	# alice quits and comes back: the same address
	stop_vpnc "$V1D"
	wait_for 10 sh -c "[ \$(ip -n $S xfrm state | grep -c 'proto esp') -eq 2 ]" ||
		fail "$dialect: oakley kept alice's SAs after vpnc's Delete: $(xfrm_esp_count "$S") ESP SAs"
	vpnc_up "$V1" "$V1D" "$dialect: alice again"
	a1b=$(vpnc_addr "$V1D")
	[ "$a1b" = "$a1" ] || fail "$dialect: alice reconnected with '$a1b', not her lease $a1"
	ra_ping "$V1" "$a1" 10.2.0.1 "$dialect: alice again"
	ra_status "$SD" "$dialect: alice again" "*alice*" "*$a1*"
	log "$dialect: vpnc alice reconnected: the same address $a1"

	# alice's vpnc dies (no Delete) and comes back while her SAs live: the
	# same address, and her INITIAL-CONTACT clears the old SAs (bob's stay)
	kill -9 "$(cat "$V1D/vpnc.bgpid")"
	wait "$(cat "$V1D/vpnc.bgpid")" 2>/dev/null || true
	vpnc_up "$V1" "$V1D" "$dialect: alice after a crash"
	a1c=$(vpnc_addr "$V1D")
	[ "$a1c" = "$a1" ] || fail "$dialect: alice came back from a crash with '$a1c', not her lease $a1"
	ra_ping "$V1" "$a1" 10.2.0.1 "$dialect: alice after a crash"
	wait_for 10 sh -c "[ \$(ip -n $S xfrm state | grep -c 'proto esp') -eq 4 ]" ||
		fail "$dialect: after alice's crash and return oakley holds $(xfrm_esp_count "$S") ESP SAs, not 4 (hers and bob's)"
	ra_ping "$V2" "$a2" 10.2.0.1 "$dialect: bob, after alice's return"
	assert_log "$SD" "INITIAL-CONTACT from 198\.51\.1\.1\[500\]: removed 1 earlier ISAKMP SA"
	ra_status "$SD" "$dialect: alice after a crash" "*alice*" "*$a1*" "*bob*" "*$a2*"
	log "$dialect: vpnc alice killed and back: the same address $a1, her old SAs gone, bob's kept"
	stop_vpnc "$V1D"
	stop_vpnc "$V2D"
	wait_for 10 sh -c "! ip -n $S xfrm state | grep -q 'proto esp'" ||
		fail "$dialect: oakley kept SAs after both quit: $(xfrm_spis "$S")"

	# a wrong password
	vpnc_conf "$V1D" alice wrong
	lo=$(log_lines "$SD/oakleyd.log")
	start_vpnc "$V1" "$V1D"
	wait_for 30 vpnc_gone "$V1D" || fail "$dialect: vpnc with a wrong password did not give up"
	! vpnc_connected "$V1D" || fail "$dialect: vpnc connected with a wrong password"
	sleep 1
	log_since "$SD/oakleyd.log" "$lo" >"$T_OUT/wrongpw.$dialect.log"
	grep -qi "xauth.*alice\|alice.*xauth" "$T_OUT/wrongpw.$dialect.log" ||
		fail "$dialect: oakley's log does not name alice after the wrong password: $(tail -n 15 "$T_OUT/wrongpw.$dialect.log")"
	expect_esp "$S" 0 "$dialect: wrong password"
	log "$dialect: wrong password refused: $(grep -i "alice" "$T_OUT/wrongpw.$dialect.log" | tail -n 1)"
	stop_oakleyd "$SD"
	cp "$SD/oakleyd.log" "$T_OUT/oakleyd.$dialect.log"
done
log ok
