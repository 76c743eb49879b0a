#!/bin/bash
# vm-timeout: 400
# Not a t_*.sh (make check-vm does not run it): the proof that the peer
# side of the certificate scenarios (t_cert_*.sh) is right without oakley.
# The test PKI and lib_cert.sh's charon and pluto configurations, charon
# against charon and charon against pluto, the way the scenarios use them:
#   tests/vm/run.sh build/san cert_peers_check
# charon "west" stands where oakleyd stands in the scenarios.  Each good
# case: tunnel up, 2 ESP SAs each side, a ping.  Each bad one: refused,
# charon's own log lines (the ones t_cert_fail.sh asserts) and the notify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_peers.sh"
. "$(dirname "$0")/lib_cert.sh"
require_esp
W=w$$ E=e$$ WD=$T_OUT/west ED=$T_OUT/east WEST=192.0.2.1 EAST=192.0.2.2
make_ns "$W"
make_ns "$E"
IFA=wan IFB=wan link_ns "$W" $WEST/24 "$E" $EAST/24
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_route "$W" 10.2.0.0/24 $EAST
add_route "$E" 10.1.0.0/24 $WEST
DN_W=$(cert_dn west)
DN_E=$(cert_dn east)
REV_DATE=$(date -u -d "$(openssl crl -in "$PKI/crl.pem" -noout -text |
	sed -n 's/^ *Revocation Date: //p' | head -n1)" '+%b %d %T %Z %Y')

# Libreswan (east) against charon (west), RSA Main Mode both ways.
if libreswan_unpacked; then
	charon_cert_conf "$WD"
	start_charon "$W" "$WD"
	PD=$T_OUT/pluto
	mkdir -p "$PD"
	cat >"$PD/ipsec.conf" <<CONF
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
	: >"$PD/ipsec.secrets"
	swanctl_cert_conf "$WD" site $WEST $EAST 10.1.0.0/24 10.2.0.0/24 west-rsa "$DN_W" "$DN_E"
	swanctl_load "$W" "$WD"
	start_pluto_cert "$E" "$PD" east-rsa
	swanctl_in "$W" "$WD" --initiate --child site --timeout 20 >"$T_OUT/init-pluto.txt" 2>&1 ||
		fail "charon -> pluto: $(tail -n 10 "$T_OUT/init-pluto.txt")"
	expect_esp "$E" 2 "charon -> pluto"
	ping_ok "$W" 10.1.0.1 10.2.0.1 2 || fail "charon -> pluto: no ping"
	swanctl_in "$W" "$WD" --terminate --ike site --timeout 5 >/dev/null 2>&1 || true
	wait_for 10 sh -c "! ip -n $E xfrm state | grep -q 'proto esp'" || fail "pluto kept SAs"
	whack_in "$E" "$PD" --initiate --name site >"$T_OUT/whack.txt" 2>&1 ||
		fail "pluto -> charon: $(tail -n 10 "$T_OUT/whack.txt")"
	expect_esp "$W" 2 "pluto -> charon"
	ping_ok "$W" 10.1.0.1 10.2.0.1 2 || fail "pluto -> charon: no ping"
	grep -q "authenticated peer .* certificate '$DN_W' issued by CA '$CERT_CA_DN'" "$PD/pluto.log" ||
		fail "pluto did not authenticate west's certificate"
	log "pluto <-> charon: RSA Main Mode up both ways, pinged"
	kill "$(cat "$PD/pluto.pid")"
	kill "$(cat "$WD/charon.pid")"
	sleep 1
	rm -f "$WD/charon.log"
else
	log "Libreswan not unpacked: its part skipped"
fi

charon_cert_conf "$WD"
charon_cert_conf "$ED"
start_charon "$W" "$WD" "$E" "$ED"
n=0
# run WHAT WEST-CERT EAST-CERT WEST-ID EAST-ID ok|"LINE\nLINE" (east's log)
# env: W_* for west's swanctl_cert_conf (W_CAS W_SEND), E_* for east's
# (E_CAS E_CRLS E_PIN E_SEND E_FRAG)
run() {
	local what=$1 wc=$2 ec=$3 wid=$4 eid=$5 want=$6 r le lw line
	n=$((n + 1))
	CERT_CAS=${W_CAS:-ca.pem} SEND_CERT=${W_SEND:-ifasked} \
		swanctl_cert_conf "$WD" site $WEST $EAST 10.1.0.0/24 10.2.0.0/24 "$wc" "$wid" "$eid"
	swanctl_load "$W" "$WD"
	CERT_CAS=${E_CAS:-ca.pem} CERT_CRLS=${E_CRLS:-} SEND_CERT=${E_SEND:-ifasked} FRAG=${E_FRAG:-yes} \
		REMOTE_EXTRA=${E_PIN:+certs = $E_PIN.pem} \
		swanctl_cert_conf "$ED" site $EAST $WEST 10.2.0.0/24 10.1.0.0/24 "$ec" "$eid" "$wid"
	[ -z "${E_PIN:-}" ] || cp "$PKI/$E_PIN.pem" "$ED/x509/"
	swanctl_load "$E" "$ED"
	le=$(charon_log_lines "$ED")
	lw=$(charon_log_lines "$WD")
	r=ok
	swanctl_in "$W" "$WD" --initiate --child site --timeout 20 >"$T_OUT/init$n.txt" 2>&1 || r=failed
	charon_log_since "$ED" "$le" >"$T_OUT/east$n.log"
	if [ "$want" = ok ]; then
		[ $r = ok ] || fail "$what: $(tail -n 5 "$T_OUT/init$n.txt")"
		expect_esp "$E" 2 "$what"
		ping_ok "$W" 10.1.0.1 10.2.0.1 2 || fail "$what: no ping"
	else
		[ $r = failed ] || fail "$what: charon accepted it"
		while IFS= read -r line; do
			grep -qF -- "$line" "$T_OUT/east$n.log" || fail "$what: east did not log \"$line\""
		done <<<"$want"
		charon_log_since "$WD" "$lw" | grep -qF 'received AUTHENTICATION_FAILED error notify' ||
			fail "$what: west did not get AUTHENTICATION_FAILED"
	fi
	log "$what: ${want%%$'\n'*}"
	swanctl_in "$W" "$WD" --terminate --ike site --timeout 5 >/dev/null 2>&1 || true
	swanctl_in "$E" "$ED" --terminate --ike site --timeout 5 >/dev/null 2>&1 || true
}
run rsa-mm west-rsa east-rsa "$DN_W" "$DN_E" ok
run ec256-mm west-ec256 east-ec256 "$DN_W" "$DN_E" ok
run ec384-mm west-ec384 east-ec384 "$DN_W" "$DN_E" ok
AGGRESSIVE=yes run rsa-am west-rsa east-rsa "$DN_W" "$DN_E" ok
run fqdn west-rsa east-rsa @west.example @east.example ok
run ufqdn west-ec256 east-ec256 west@example.com east@example.com ok
run addr west-rsa east-rsa $WEST $EAST ok
W_CAS="ca.pem int.pem" W_SEND=always run chain west-int east-rsa "$DN_W" "$DN_E" ok
start_capture "$W" wan "$T_OUT/frag.pcapng" "udp port 500 or udp port 4500"
W_CAS="ca.pem int.pem" W_SEND=always E_CAS="ca.pem int.pem" E_SEND=always E_FRAG=force \
	run frag west-int east-int "$DN_W" "$DN_E" ok
stop_capture "$T_OUT/frag.pcapng"
fw=$(frag_count "$T_OUT/frag.pcapng" $WEST)
fe=$(frag_count "$T_OUT/frag.pcapng" $EAST)
[ "$fw" -ge 2 ] && [ "$fe" -ge 2 ] || fail "frag: $fw fragments from west, $fe from east"
log "frag: $fw fragments from west, $fe from east"
# t_cert_fail's charon_refuses cases, west offending
run expired east-expired east-rsa "$DN_E" "$DN_E" \
	"subject certificate invalid (valid from Jan 01 00:00:00 2025 to Jan 01 00:00:00 2026)
no trusted RSA public key found for '$DN_E'"
run other-ca east-other east-rsa "$DN_E" "$DN_E" "no issuer certificate found for \"$DN_E\"
  issuer is \"C=CH, O=other, CN=Other CA\"
no trusted RSA public key found for '$DN_E'"
E_CRLS=crl.pem run revoked east-revoked east-rsa "$DN_E" "$DN_E" \
	"certificate was revoked on $REV_DATE, reason: key compromise
no trusted RSA public key found for '$DN_E'"
W_SEND=never E_PIN=east-rsa run id-pin west-rsa east-rsa @west.example "$DN_E" \
	"no trusted RSA public key found for 'west.example'"
W_SEND=never E_PIN=west-int E_CAS="ca.pem int.pem" run sig-pin west-rsa east-rsa "$DN_W" "$DN_E" \
	"signature validation failed, looking for another key
no trusted RSA public key found for '$DN_W'"
log ok
