#!/bin/bash
# oakleyd against oakleyd with certificates (issue 10), over the real
# sockets, each daemon privilege-dropped with its seccomp filter (OpenSSL
# verifies chains and signs there): RSA Main Mode up, status with the
# peer's subject (text and JSON), oakleyctl certs, and a reload that adds
# the CA's CRL, after which the revoked peer is refused.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
PKI=$T_OUT/pki
"$(dirname "$0")/../pki/mkpki.sh" "$PKI" "$WEST" "$EAST" >"$T_OUT/mkpki.log" 2>&1 ||
	fail "mkpki: $(tail -n 5 "$T_OUT/mkpki.log")"

# ipsec.d's layout beside ipsec.conf: certs/, private/, cacerts/, crls/.
# gw DIR ME PEER CERT
gw() {
	local d=$1 me=$2 peer=$3 cert=$4 lsub rsub
	if [ "$me" = "$WEST" ]; then lsub=10.1.0.0/24 rsub=10.2.0.0/24; else lsub=10.2.0.0/24 rsub=10.1.0.0/24; fi
	mkdir -p "$d/certs" "$d/private" "$d/cacerts" "$d/crls"
	cp "$PKI/$cert.pem" "$d/certs/"
	cp "$PKI/$cert.key" "$d/private/"
	chmod 600 "$d/private/$cert.key"
	cp "$PKI/ca.pem" "$d/cacerts/"
	cat >"$d/ipsec.conf" <<CONF
config setup
	dataplane=none

conn site
	keyexchange=ikev1
	left=$me
	leftsubnet=$lsub
	authby=rsasig
	leftcert=$cert.pem
	right=$peer
	rightsubnet=$rsub
	rightid="C=CH, O=oakley, CN=*"
	ike=aes128-sha256-modp2048
	esp=aes128-sha256
	auto=add
CONF
	printf ': RSA %s.key\n' "$cert" >"$d/ipsec.secrets"
}
gw "$WD" "$WEST" "$EAST" west-rsa
gw "$ED" "$EAST" "$WEST" east-revoked
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"
octl "$WD" status | grep -q 'seccomp on' || fail "west's oakleyd runs without its seccomp filter"

out=$(octl "$WD" up site) || fail "up failed: $out"
log "west: up: $out"
octl "$WD" status | tee "$T_OUT/west.status"
grep -q ', RSA signature, expires in ' "$T_OUT/west.status" || fail "status does not name the auth method"
grep -q 'peer certificate: C=CH, O=oakley, CN=east, issuer C=CH, O=oakley, CN=Test CA, valid ' \
	"$T_OUT/west.status" || fail "status does not show the peer's certificate"
python3 - "$(octl "$ED" status --json)" <<'PY' || fail "east's status --json lacks the peer's certificate"
import json, sys
s = json.loads(sys.argv[1])
sa = s["ike_sas"][0]
assert sa["state"] == "established" and sa["auth"] == "RSA signature", sa
assert sa["peer_cert"]["subject"] == "C=CH, O=oakley, CN=west", sa
assert sa["peer_cert"]["issuer"] == "C=CH, O=oakley, CN=Test CA", sa
PY

octl "$WD" certs | tee "$T_OUT/west.certs"
grep -q 'certs/west-rsa.pem' "$T_OUT/west.certs" || fail "certs does not list west's certificate"
grep -q 'subject C=CH, O=oakley, CN=west' "$T_OUT/west.certs" || fail "certs: no subject"
grep -q 'used by: site (leftcert)' "$T_OUT/west.certs" || fail "certs: no user"
grep -q 'C=CH, O=oakley, CN=Test CA (trust anchor)' "$T_OUT/west.certs" || fail "certs: no CA"
octl "$WD" certs --json | python3 -c 'import json,sys; c=json.load(sys.stdin); assert len(c["certificates"]) == 1 and len(c["cas"]) == 1 and c["crls"] == [], c' ||
	fail "certs --json"

# The CA revokes east's certificate: west reloads with the CRL, and east
# is refused from then on (the SA up before stays until it is taken down).
cp "$PKI/crl.pem" "$WD/crls/"
out=$(octl "$WD" reload) || fail "reload failed: $out"
octl "$WD" certs | grep -q ', 1 revoked' || fail "certs does not list the CRL after the reload"
octl "$WD" down site >/dev/null
if out=$(octl "$WD" up site); then
	fail "the revoked peer was accepted: $out"
fi
log "west: up: $out"
echo "$out" | grep -q 'revoked (CRL from CN=Test CA, ' || fail "up does not say the peer is revoked: $out"
assert_log "$WD" 'revoked \(CRL from CN=Test CA, '
wait_for 10 sh -c "$OAKLEYCTL -c $(ctl_sock "$ED") status | grep -q 'peer refused: it sent INVALID_CERTIFICATE'" ||
	fail "east does not show west's refusal: $(octl "$ED" status)"

# A CRL that does not parse: the reload is refused, the last one stays.
echo garbage >"$WD/crls/bad.pem"
if out=$(octl "$WD" reload); then
	fail "a reload with a broken CRL was accepted"
fi
log "west: reload: $out"
rm "$WD/crls/bad.pem"
octl "$WD" certs | grep -q ', 1 revoked' || fail "the refused reload changed the CRLs"

stop_oakleyd "$WD"
stop_oakleyd "$ED"
log "ok"
