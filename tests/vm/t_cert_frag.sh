#!/bin/bash
# vm-timeout: 300
# In a kernel with ESP: IKEv1 fragmentation between oakleyd (west) and
# strongSwan's charon (east, fragmentation = force), each side
# initiating, with certificate chains that outgrow a 1500-byte path: RSA-3072
# end entities from the intermediate CA, sent with the intermediate
# (leftsendcert=always, send_cert = always), so that Main Mode 5 and 6 are
# about 3 KB.  Each way: the tunnel comes up and carries a ping, and the
# wire shows fragments (ISAKMP payload 132) from both sides.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_peers.sh"
. "$(dirname "$0")/lib_cert.sh"
require_esp

DN_W=$(cert_dn west)
DN_E=$(cert_dn east)
two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_route "$W" 10.2.0.0/24 "$EAST"
add_route "$E" 10.1.0.0/24 "$WEST"

CERT_EXTRA=chain-west-int.pem oakley_cert_dir "$WD" west-int
oakley_cert_conn "$WD" site "$WEST" "$EAST" 10.1.0.0/24 10.2.0.0/24 chain-west-int.pem "$DN_W" "$DN_E" \
	leftsendcert=always fragmentation=yes
charon_cert_conf "$ED"
CERT_CAS="ca.pem int.pem" SEND_CERT=always FRAG=force \
	swanctl_cert_conf "$ED" site "$EAST" "$WEST" 10.2.0.0/24 10.1.0.0/24 east-int "$DN_E" "$DN_W"
start_charon "$E" "$ED"
swanctl_load "$E" "$ED"

for who in oakley charon; do
	cap=$T_OUT/wire-$who.pcapng
	start_oakleyd "$W" "$WD"
	start_capture "$W" wan "$cap" "udp port 500 or udp port 4500"
	le=$(charon_log_lines "$ED")
	if [ "$who" = oakley ]; then
		out=$(octl "$WD" up site 2>&1) ||
			fail "oakley -> charon: up: $out; charon: $(charon_log_since "$ED" "$le" | tail -n 15)"
	else
		swanctl_in "$E" "$ED" --initiate --child site --timeout 30 >"$T_OUT/init-$who.txt" 2>&1 ||
			fail "charon -> oakley: $(tail -n 10 "$T_OUT/init-$who.txt"); oakleyd: $(tail -n 10 "$WD/oakleyd.log")"
	fi
	expect_esp "$W" 2 "$who initiating"
	ping_ok "$W" 10.1.0.1 10.2.0.1 2 || fail "$who initiating: no ping through the tunnel"
	stop_capture "$cap"
	fw=$(frag_count "$cap" "$WEST")
	fe=$(frag_count "$cap" "$EAST")
	# charon says how it split and what it reassembled.
	charon_log_since "$ED" "$le" >"$T_OUT/charon-$who.log"
	grep -q 'splitting IKE message' "$T_OUT/charon-$who.log" || fail "$who initiating: charon did not fragment"
	grep -q 'reassembled fragmented IKE message' "$T_OUT/charon-$who.log" ||
		fail "$who initiating: charon reassembled nothing from oakley"
	[ "$fw" -ge 2 ] && [ "$fe" -ge 2 ] ||
		fail "$who initiating: fragments on the wire: $fw from oakley, $fe from charon (want >= 2 each)"
	big=$(tshark -n -r "$cap" -Y "ip.src == $WEST && isakmp" -T fields -e udp.length 2>/dev/null | sort -n | tail -n 1)
	# fragment_size defaults to a 1280-byte IP datagram: UDP length 1260 on IPv4
	[ "${big:-0}" -le 1260 ] || fail "$who initiating: oakley sent an IKE datagram of $big bytes"
	log "$who initiating: up, pinged; fragments: $fw from oakley (largest IKE datagram $big bytes), $fe from charon"
	octl "$WD" down site >/dev/null 2>&1 || true
	wait_for 10 sh -c "! ip -n $E xfrm state | grep -q 'proto esp'" || fail "$who initiating: charon kept SAs after down"
	swanctl_in "$E" "$ED" --terminate --ike site --timeout 5 >/dev/null 2>&1 || true
	stop_oakleyd "$WD"
done
log ok
