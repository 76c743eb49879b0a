#!/bin/bash
# vm-timeout: 400
# In a kernel with ESP: oakleyd (west, 192.0.2.1) against strongSwan's
# charon (east, 192.0.2.2) with X.509 certificates from the test PKI
# (tests/pki/mkpki.sh, made on the host), each side initiating: RSA Main
# Mode, ECDSA P-256 and P-384 Main Mode, RSA Aggressive Mode, a chain
# through the intermediate CA (the receiver trusts only the root), and
# DN, @fqdn, user@fqdn and address IDs.  Each run: the tunnel comes up, a
# ping passes through it, both kernels hold the two ESP SAs with the same
# SPIs, oakleyctl status names the peer's subject and charon names
# oakley's ID.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_peers.sh"
. "$(dirname "$0")/lib_cert.sh"
require_esp

DN_W=$(cert_dn west)
DN_E=$(cert_dn east)
# what, who initiates, west's cert, east's cert, west's ID, east's ID, extra
RUNS=(
	"rsa-mm oakley west-rsa east-rsa DN DN -"
	"rsa-mm charon west-rsa east-rsa DN DN -"
	"ec256-mm oakley west-ec256 east-ec256 DN DN -"
	"ec256-mm charon west-ec256 east-ec256 DN DN -"
	"rsa-am oakley west-rsa east-rsa DN DN aggressive"
	"rsa-am charon west-rsa east-rsa DN DN aggressive"
	"chain-west oakley west-int east-rsa DN DN chain"
	"chain-east charon west-rsa east-int DN DN chain"
	"fqdn oakley west-rsa east-rsa @west.example @east.example -"
	"fqdn charon west-rsa east-rsa @west.example @east.example -"
	"ufqdn oakley west-ec256 east-ec256 west@example.com east@example.com -"
	"ufqdn charon west-ec256 east-ec256 west@example.com east@example.com -"
	"addr oakley west-rsa east-rsa 192.0.2.1 192.0.2.2 -"
	"addr charon west-rsa east-rsa 192.0.2.1 192.0.2.2 -"
	"ec384-mm oakley west-ec384 east-ec384 DN DN -"
	"ec384-mm charon west-ec384 east-ec384 DN DN -"
)

two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_route "$W" 10.2.0.0/24 "$EAST"
add_route "$E" 10.1.0.0/24 "$WEST"
charon_cert_conf "$ED"
start_charon "$E" "$ED"

n=0
for run in "${RUNS[@]}"; do
	read -r what who wc ec wid eid extra <<<"$run"
	n=$((n + 1))
	[ "$wid" = DN ] && wid=$DN_W
	[ "$eid" = DN ] && eid=$DN_E
	name="run $n ($what, $who initiating)"
	# oakley: west-int's chain file carries int.pem after the end entity;
	# the receiving side's anchors are the root alone.
	wfile=$wc.pem
	wlines=()
	ecas=ca.pem
	AGGRESSIVE=no SEND_CERT=ifasked
	case $extra in
	aggressive) wlines+=(aggressive=yes) AGGRESSIVE=yes ;;
	chain)
		[ "$wc" = west-int ] && wfile=chain-west-int.pem
		# charon sends the intermediates it holds in x509ca/
		[ "$ec" = east-int ] && ecas="ca.pem int.pem" SEND_CERT=always
		;;
	esac
	CERT_EXTRA=$([ "$wfile" = "$wc.pem" ] || echo "$wfile") oakley_cert_dir "$WD" "$wc"
	oakley_cert_conn "$WD" site "$WEST" "$EAST" 10.1.0.0/24 10.2.0.0/24 "$wfile" "$wid" "$eid" \
		${wlines[@]+"${wlines[@]}"}
	CERT_CAS=$ecas swanctl_cert_conf "$ED" site "$EAST" "$WEST" 10.2.0.0/24 10.1.0.0/24 "$ec" "$eid" "$wid"
	swanctl_load "$E" "$ED"
	start_oakleyd "$W" "$WD"
	le=$(charon_log_lines "$ED")
	t0=$(now_ms)
	if [ "$who" = oakley ]; then
		out=$(octl "$WD" up site 2>&1) ||
			fail "$name: up: $out; charon: $(charon_log_since "$ED" "$le" | grep -v 'ENC\|NET' | tail -n 15)"
	else
		swanctl_in "$E" "$ED" --initiate --child site --timeout 30 >"$T_OUT/init$n.txt" 2>&1 ||
			fail "$name: charon: $(tail -n 10 "$T_OUT/init$n.txt"); oakleyd: $(tail -n 10 "$WD/oakleyd.log")"
	fi
	ms=$(($(now_ms) - t0))
	wait_for 10 sh -c "[ \$(ip -n $E xfrm state | grep -c 'proto esp') -eq 2 ]" ||
		fail "$name: charon's kernel holds $(xfrm_esp_count "$E") ESP SAs, expected 2"
	expect_esp "$W" 2 "$name"
	ws=$(xfrm_spis "$W")
	es=$(xfrm_spis "$E")
	[ "$ws" = "$es" ] || fail "$name: west's SPIs $ws are not east's $es"
	ping_ok "$W" 10.1.0.1 10.2.0.1 2 || fail "$name: no ping through the tunnel"
	st=$(octl "$WD" status site 2>&1)
	printf '%s\n' "$st" >"$T_OUT/status$n.txt"
	# the ISAKMP SA's auth method, and the peer's certificate and issuer
	case $ec in east-ec256) auth="ECDSA P-256 signature" ;; east-ec384) auth="ECDSA P-384 signature" ;;
	*) auth="RSA signature" ;; esac
	issuer=$CERT_CA_DN
	[ "$ec" = east-int ] && issuer=$CERT_INT_DN
	[[ $st == *", $auth, "* ]] || fail "$name: oakleyctl status does not show the auth method $auth: $st"
	[[ $st == *"peer certificate: $DN_E, issuer $issuer, valid "* ]] ||
		fail "$name: oakleyctl status does not show the peer's certificate $DN_E from $issuer: $st"
	if [ "$n" = 1 ]; then
		# oakleyctl certs: our certificate and the anchor
		c=$(octl "$WD" certs 2>&1)
		printf '%s\n' "$c" >"$T_OUT/certs.txt"
		[[ $c == *"$DN_W"* && $c == *"CA certificates:"*"$CERT_CA_DN"* ]] ||
			fail "oakleyctl certs does not list $DN_W and the CA: $c"
	fi
	sas=$(swanctl_in "$E" "$ED" --list-sas 2>&1)
	printf '%s\n' "$sas" >"$T_OUT/sas$n.txt"
	[[ $sas == *"remote '${wid#@}'"* ]] || fail "$name: charon does not show oakley's ID '${wid#@}': $sas"
	log "$name: up in $ms ms, SPIs $ws, pinged, $auth, peer $DN_E from ${issuer##*CN=}"
	octl "$WD" down site >/dev/null 2>&1 || true
	wait_for 10 sh -c "! ip -n $E xfrm state | grep -q 'proto esp'" ||
		fail "$name: charon kept SAs after oakley's down: $(xfrm_spis "$E")"
	swanctl_in "$E" "$ED" --terminate --ike site --timeout 5 >/dev/null 2>&1 || true
	stop_oakleyd "$WD"
done
log ok
