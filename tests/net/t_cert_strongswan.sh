#!/bin/bash
# oakleyd (west) against strongSwan's charon (east) with certificates,
# Main Mode, each side initiating: ECDSA P-384 by default (KT=rsa, ec256,
# ec384, ec521), whose HASH_I/HASH_R are HMAC-SHA-384 whatever the prf
# (strongSwan's keymat_v1), with a SHA-256 prf here.  This kernel has no
# ESP: phase 1 must complete both ways (charon's CHILD_SA install fails).
# AGGR=aggressive=yes SWAGGR=aggressive=yes: Aggressive Mode.
. "$(dirname "$0")/oakley.sh"
KT=${KT:-ec384}
two_gateways v4
PKI=$T_OUT/pki
"$(dirname "$0")/../pki/mkpki.sh" "$PKI" >/dev/null 2>&1 || fail mkpki
mkdir -p "$WD/certs" "$WD/private" "$WD/cacerts"
cp "$PKI/west-$KT.pem" "$WD/certs/"; cp "$PKI/west-$KT.key" "$WD/private/"; chmod 600 "$WD/private/"*
cp "$PKI/ca.pem" "$WD/cacerts/"
cat >"$WD/ipsec.conf" <<CONF
config setup
	dataplane=none
conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	leftcert=west-$KT.pem
	right=$EAST
	rightsubnet=10.2.0.0/24
	rightid="C=CH, O=oakley, CN=east"
	authby=pubkey
	ike=aes128-sha256-modp2048
	esp=aes128-sha256
	auto=add
	${AGGR:-}
CONF
case $KT in rsa) kw=RSA;; *) kw=ECDSA;; esac
printf ': %s west-%s.key\n' $kw $KT >"$WD/ipsec.secrets"
mkdir -p "$ED/x509" "$ED/private" "$ED/x509ca"
cp "$PKI/east-$KT.pem" "$ED/x509/"; cp "$PKI/east-$KT.key" "$ED/private/"; cp "$PKI/ca.pem" "$ED/x509ca/"
cat >"$ED/strongswan.conf" <<CONF
charon {
	load = random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey kernel-netlink socket-default vici
	install_routes = no
	filelog { out { path = $ED/charon.log
		flush_line = yes
		default = 1
		ike = 2
		cfg = 2 } }
}
swanctl { load = pem pkcs1 pkcs8 x509 pubkey openssl random }
CONF
cat >"$ED/swanctl.conf" <<CONF
connections {
  site {
    version = 1
    local_addrs = $EAST
    remote_addrs = $WEST
    ${SWAGGR:-}
    proposals = aes128-sha256-modp2048
    local {
      auth = pubkey
      certs = east-$KT.pem
      id = "C=CH, O=oakley, CN=east"
    }
    remote {
      auth = pubkey
      id = "C=CH, O=oakley, CN=west"
    }
    children {
      site {
        local_ts = 10.2.0.0/24
        remote_ts = 10.1.0.0/24
        esp_proposals = aes128-sha256
      }
    }
  }
}
CONF
start_charon "$E" "$ED"
swanctl_in "$E" "$ED" --load-all --file "$ED/swanctl.conf" >/dev/null
start_oakleyd "$W" "$WD"
case $KT in rsa) auth="RSA signature" ;; ec256) auth="ECDSA P-256 signature" ;;
	ec384) auth="ECDSA P-384 signature" ;; ec521) auth="ECDSA P-521 signature" ;; esac

# oakleyd initiates
out=$(octl "$WD" up site 2>&1) || fail "up failed: $out"
log "west: up: $out"
octl "$WD" status >"$T_OUT/west.status"
grep -q ", $auth, " "$T_OUT/west.status" || fail "status: not $auth: $(cat "$T_OUT/west.status")"
grep -q 'peer certificate: C=CH, O=oakley, CN=east, issuer C=CH, O=oakley, CN=Test CA' \
	"$T_OUT/west.status" || fail "status: no peer certificate"
wait_for 5 grep -q 'IKE_SA site\[1\] established' "$ED/charon.log" || fail "charon did not establish"
octl "$WD" down site >/dev/null
wait_for 10 sh -c "! grep -q 'IKE_SA site\[1\] established' '$ED/charon.log' || grep -q 'deleting IKE_SA site\[1\]' '$ED/charon.log'" || true

# charon initiates a new IKE_SA
swanctl_in "$E" "$ED" --initiate --child site --timeout 20 >"$T_OUT/initiate.log" 2>&1 || true
wait_for 10 grep -q 'IKE_SA site\[2\] established' "$ED/charon.log" ||
	fail "charon's Main Mode was not established: $(grep -E 'IKE|CFG' "$ED/charon.log" | tail -n 10)"
wait_for 5 sh -c "$OAKLEYCTL -c $(ctl_sock "$WD") status | grep -q 'responder.*$auth'" ||
	fail "oakleyd has no responder SA by $auth: $(octl "$WD" status)"
stop_oakleyd "$WD"
log "ok"
