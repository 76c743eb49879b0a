#!/bin/bash
# vm-timeout: 300
# In a kernel with ESP: oakleyd (west) against Libreswan's pluto (east)
# with RSA certificates in Main Mode, oakley initiating, then pluto.
# pluto's key and certificate come from east-rsa.p12 (pk12util, password
# "test") into its NSS database, the root trusted with certutil -A -t CT,,.
# Each way: tunnel up, both kernels hold the same two SPIs, a ping passes,
# oakleyctl status names pluto's subject.  Libreswan is unpacked
# (dpkg-deb -x) by setup.sh into vm-cache/libreswan (or LIBRESWAN=DIR).
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_peers.sh"
. "$(dirname "$0")/lib_cert.sh"
require_esp
libreswan_unpacked || fail "Libreswan is not unpacked in $LIBRESWAN, or certutil is missing (tests/vm/setup.sh unpacks it; apt-get install libnss3-tools)"

DN_W=$(cert_dn west)
DN_E=$(cert_dn east)
two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_route "$W" 10.2.0.0/24 "$EAST"
add_route "$E" 10.1.0.0/24 "$WEST"

oakley_cert_dir "$WD" west-rsa
oakley_cert_conn "$WD" site "$WEST" "$EAST" 10.1.0.0/24 10.2.0.0/24 west-rsa.pem "$DN_W" "$DN_E"
cat >"$ED/ipsec.conf" <<CONF
config setup
	plutodebug=none
	ikev1-policy=accept
conn site
	ikev2=no
	authby=rsasig
	left=$EAST
	leftsubnet=10.2.0.0/24
	leftcert=east-rsa
	leftid=%fromcert
	leftsendcert=always
	right=$WEST
	rightsubnet=10.1.0.0/24
	rightid="$DN_W"
	rightca="$CERT_CA_DN"
	ike=aes128-sha2_256;modp2048
	esp=aes128-sha1
	pfs=no
	leftupdown=%disabled
	auto=add
CONF
: >"$ED/ipsec.secrets"

check_up() {
	local ws es st
	expect_esp "$W" 2 "$1, west"
	wait_for 5 sh -c "[ \$(ip -n $E xfrm state | grep -c 'proto esp') -eq 2 ]" ||
		fail "$1: pluto's kernel holds $(xfrm_esp_count "$E") ESP SAs, expected 2"
	ws=$(xfrm_spis "$W")
	es=$(xfrm_spis "$E")
	[ "$ws" = "$es" ] || fail "$1: west's SPIs $ws are not east's $es"
	ping_ok "$W" 10.1.0.1 10.2.0.1 2 || fail "$1: no ping through the tunnel"
	st=$(octl "$WD" status site 2>&1)
	printf '%s\n' "$st" >>"$T_OUT/status.txt"
	[[ $st == *", RSA signature, "* ]] || fail "$1: oakleyctl status does not show RSA signature: $st"
	[[ $st == *"peer certificate: $DN_E, issuer $CERT_CA_DN, valid "* ]] ||
		fail "$1: oakleyctl status does not show pluto's certificate $DN_E: $st"
	grep -q "$DN_W" "$ED/pluto.log" || fail "$1: pluto's log does not name oakley's subject"
	log "$1: SPIs $ws, pinged, peer $DN_E"
}

start_oakleyd "$W" "$WD"
# the IKE exchange on the wire, for whoever reads a failure
start_capture "$W" wan "$T_OUT/ike.pcapng" "udp port 500 or udp port 4500"
start_pluto_cert "$E" "$ED" east-rsa
t0=$(now_ms)
out=$(octl "$WD" up site 2>&1) || fail "oakley -> pluto: up site: $out; pluto: $(tail -n 20 "$ED/pluto.log")"
log "oakley -> pluto: up in $(($(now_ms) - t0)) ms"
check_up "oakley -> pluto"
octl "$WD" down site >/dev/null
wait_for 10 sh -c "[ \$(ip -n $E xfrm state | grep -c '^src') -eq 0 ]" ||
	fail "pluto kept SAs after oakley's Delete: $(xfrm_spis "$E")"

t0=$(now_ms)
whack_in "$E" "$ED" --initiate --name site >"$T_OUT/whack-up.txt" 2>&1 ||
	fail "pluto -> oakley: $(tail -n 10 "$T_OUT/whack-up.txt"); oakleyd: $(tail -n 10 "$WD/oakleyd.log")"
log "pluto -> oakley: up in $(($(now_ms) - t0)) ms"
check_up "pluto -> oakley"
stop_oakleyd "$WD"
log ok
