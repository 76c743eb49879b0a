#!/bin/bash
# vm-timeout: 240
# L2TP/IPsec behind a NAT, in a kernel with ESP: oakleyd on the public
# segment (192.0.2.2) holds a transport-mode conn limited to UDP 1701
# (leftprotoport=17/1701, rightprotoport=17/%any, right=%any) with
# Windows' proposals, and xl2tpd as an LNS; a client behind the
# masquerading router (172.16.0.2) runs xl2tpd as a LAC (autodial) and
# pppd.  Two clients, one after the other:
#   (a) charon playing Windows: AES-256/SHA1/MODP-2048 or
#       3DES/SHA1/MODP-1024, its side udp/%any (port 0 in its ID);
#   (b) oakleyd: 3DES/SHA1/MODP-1024, udp/1701 both sides.
# Each: ppp0 up on both ends with the pool's addresses, pings across PPP;
# the ESP SAs (transport, ESP in UDP) carried the traffic both ways; the
# NAT router forwarded no cleartext UDP 1701, only 4500; the server's
# kernel policies are UDP port 1701 only; oakleyd shows transport behind
# NAT with the client's NAT-OA.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
. "$(dirname "$0")/lib_l2tp.sh"
require_esp

nat_topology
l2tp_modules
l2tp_chap_secrets
l2tp_wire_counters "$N"

cat >"$GD/ipsec.conf" <<EOF2
conn l2tp
	left=$GW
	right=%any
	type=transport
	authby=secret
	leftprotoport=17/1701
	rightprotoport=17/%any
	ike=aes256-sha1-modp2048,3des-sha1-modp1024
	esp=aes256-sha1,3des-sha1
	auto=add
EOF2
printf ': PSK "%s"\n' "$L2TP_PSK" >"$GD/ipsec.secrets"
l2tp_server_conf "$GD" "$GW"
l2tp_client_conf "$CD" "$GW"
start_oakleyd "$G" "$GD"

# l2tp_checks WHAT: the link, the pings and the wire, as said above.
l2tp_checks() {
	local what=$1 before after
	before=$(l2tp_wire_count "$N")
	start_xl2tpd "$G" "$GD"
	start_xl2tpd "$C" "$CD"
	l2tp_wait_link "$C" "$G" "$CD" "$GD" "$what"
	l2tp_ping "$C" "$G"
	l2tp_sas_carried "$G" "$what"
	l2tp_sas_carried "$C" "$what"
	l2tp_policy_udp1701 "$G" "$GW"
	after=$(l2tp_wire_count "$N")
	[ "${after% *}" = "${before% *}" ] ||
		fail "$what: the NAT router forwarded cleartext UDP 1701 ($before -> $after)"
	[ "${after#* }" -gt "$((${before#* } + 10))" ] ||
		fail "$what: little ESP in UDP through the NAT ($before -> $after)"
	wait_for 5 sh -c "'$OAKLEYCTL' -c '$(ctl_sock "$GD")' status l2tp | grep -q 'UDP-encapsulated'" ||
		fail "$what: oakleyd has no UDP-encapsulated SA: $(octl "$GD" status l2tp)"
	assert_status "$GD" l2tp "*NAT: remote*ESP in UDP*" "*ESP transport*" \
		"*$GW/32\[17/1701\] === $NATPUB/32\[17/*"
	assert_log "$GD" "NAT-OA\) is $CLIENT"
	stop_xl2tpd "$CD"
	stop_xl2tpd "$GD"
	wait_for 10 sh -c "! ip -n '$G' link show ppp0" || fail "$what: ppp0 stays on the server"
	log "$what: ok"
}

# (a) charon as Windows
charon_conf "$CD"
start_charon "$C" "$CD"
mkdir -p "$CD"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
cat >"$CD/swanctl.conf" <<EOF2
connections {
	win {
		version = 1
		local_addrs = $CLIENT
		remote_addrs = $GW
		proposals = aes256-sha1-modp2048,3des-sha1-modp1024
		local {
			auth = psk
			id = $CLIENT
		}
		remote {
			auth = psk
			id = $GW
		}
		children {
			win {
				local_ts = dynamic[udp]
				remote_ts = dynamic[udp/1701]
				esp_proposals = aes256-sha1,3des-sha1
				mode = transport
			}
		}
	}
}
secrets {
	ike-win {
		secret = "$L2TP_PSK"
	}
}
EOF2
swanctl_in "$C" "$CD" --load-all --clear --file "$CD/swanctl.conf" >"$T_OUT/load.txt" 2>&1 ||
	fail "swanctl --load-all: $(cat "$T_OUT/load.txt")"
swanctl_in "$C" "$CD" --initiate --child win --timeout 40 >"$T_OUT/init.txt" 2>&1 ||
	fail "charon -> oakleyd: $(tail -n 10 "$T_OUT/init.txt"); oakleyd: $(tail -n 20 "$GD/oakleyd.log")"
sas=$(swanctl_in "$C" "$CD" --list-sas)
printf '%s\n' "$sas" >"$T_OUT/charon-sas.txt"
[[ $sas == *"INSTALLED, TRANSPORT-in-UDP"* ]] || fail "charon's CHILD_SA is not transport in UDP: $sas"
[[ $sas == *"AES_CBC-256/HMAC_SHA1_96"* ]] || fail "charon's CHILD_SA is not AES-256/SHA1: $sas"
l2tp_checks "charon as Windows"
swanctl_in "$C" "$CD" --terminate --ike win --timeout 10 >/dev/null 2>&1 || true
kill "$(cat "$CD/charon.pid")"
wait_for 10 sh -c "[ -z \"\$(ip -n '$G' xfrm state)\" ]" || fail "oakleyd kept the SAs of charon: $(ip -n "$G" xfrm state)"

# (b) oakleyd as the client
cat >"$CD/ipsec.conf" <<EOF2
config setup
	keep_alive=2
conn l2tp
	left=$CLIENT
	right=$GW
	type=transport
	authby=secret
	leftprotoport=17/1701
	rightprotoport=17/1701
	ike=3des-sha1-modp1024
	esp=3des-sha1
	auto=add
EOF2
printf ': PSK "%s"\n' "$L2TP_PSK" >"$CD/ipsec.secrets"
start_oakleyd "$C" "$CD"
out=$(octl "$CD" up l2tp) || fail "oakleyd -> oakleyd: $out: $(tail -n 20 "$CD/oakleyd.log")"
assert_status "$CD" l2tp "*NAT: local*ESP in UDP*" "*ESP transport*" "*3DES_CBC*"
l2tp_checks "oakleyd as the client"
assert_log "$CD" "NAT-OA\) is $GW"
stop_oakleyd "$CD"
stop_oakleyd "$GD"
log ok
