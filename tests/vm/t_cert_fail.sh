#!/bin/bash
# vm-timeout: 400
# In a kernel with ESP: each certificate failure of issue 10 between
# oakleyd (west) and strongSwan's charon (east), asserted word for word on
# both sides, and no SA installed.
#
# oakley refuses (charon initiates; oakley checks charon's Main Mode 5):
#   expired, from an untrusted CA, revoked by the root's CRL: oakley's
#   sentence in its log and status, charon's "received NOTIFY error notify";
#   a peer ID that is not in the certificate and a signature that does not
#   verify: charon sends no certificate (send_cert = never) and oakley holds
#   a stale rightcert= (another host's, or east's revoked one: another key).
# charon refuses (oakley initiates; charon checks oakley's Main Mode 5):
#   oakley presents the expired, foreign or revoked certificate as "CN=east"
#   (charon's CRL revokes it), or sends none while charon's remote certs=
#   pins another key: charon's own log line, and oakley's "peer refused: ..."
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_peers.sh"
. "$(dirname "$0")/lib_cert.sh"
require_esp

DN_W=$(cert_dn west)
DN_E=$(cert_dn east)
# The revocation date of east-revoked in the root's CRL, as oakley prints
# it (YYYY-MM-DD, UTC) and as charon does.
REVOKED=$(openssl crl -in "$PKI/crl.pem" -noout -text | sed -n 's/^ *Revocation Date: //p' | head -n1)
CRL_DATE=$(date -u -d "$REVOKED" +%F)
REV_DATE=$(date -u -d "$REVOKED" '+%b %d %T %Z %Y')

two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
charon_cert_conf "$ED"
start_charon "$E" "$ED"

# expect_none WHAT: no ESP SA in either kernel.
expect_none() {
	expect_esp "$W" 0 "$1, west"
	expect_esp "$E" 0 "$1, east"
}
# has FILE-or-TEXT-label TEXT SENTENCE: fail unless SENTENCE is in TEXT.
has() { [[ $2 == *"$3"* ]] || fail "$1: expected \"$3\" in: $(tail -n 20 <<<"$2")"; }

n=0
# oakley_refuses WHAT EAST-CERT WHY NOTIFY [OAKLEY-LINES...]: charon
# initiates with EAST-CERT (env: EID, SEND_CERT, CERT_CRLS for oakley);
# oakley refuses saying WHY and sends NOTIFY.
oakley_refuses() {
	local what=$1 ec=$2 why=$3 notify=$4 le out st
	shift 4
	n=$((n + 1))
	CERT_CRLS=${O_CRLS:-} CERT_EXTRA=${O_EXTRA:-} oakley_cert_dir "$WD" west-rsa
	oakley_cert_conn "$WD" site "$WEST" "$EAST" 10.1.0.0/24 10.2.0.0/24 west-rsa.pem \
		"$DN_W" "${EID:-$DN_E}" "$@"
	SEND_CERT=${SEND_CERT:-ifasked} swanctl_cert_conf "$ED" site "$EAST" "$WEST" 10.2.0.0/24 10.1.0.0/24 \
		"$ec" "${EID:-$DN_E}" "$DN_W"
	swanctl_load "$E" "$ED"
	start_oakleyd "$W" "$WD"
	le=$(charon_log_lines "$ED")
	if swanctl_in "$E" "$ED" --initiate --child site --timeout 20 >"$T_OUT/init$n.txt" 2>&1; then
		fail "$what: charon's initiate succeeded"
	fi
	wait_for 10 grep -qF -- "$why" "$WD/oakleyd.log" ||
		fail "$what: oakleyd did not say \"$why\": $(tail -n 10 "$WD/oakleyd.log")"
	st=$(octl "$WD" status site 2>&1)
	printf '%s\n' "$st" >"$T_OUT/status$n.txt"
	has "$what: oakleyctl status" "$st" "$why"
	wait_for 10 sh -c "tail -n +$((le + 1)) '$ED/charon.log' | grep -qF 'received $notify error notify'" ||
		fail "$what: charon did not log \"received $notify error notify\": $(charon_log_since "$ED" "$le" | grep -v 'ENC\|NET' | tail -n 8)"
	expect_none "$what"
	log "$what: oakley: \"$why\"; charon: received $notify"
	stop_oakleyd "$WD"
}

# charon_refuses WHAT WEST-CERT CHARON-SAYS [OAKLEY-LINES...]: oakley
# initiates as "CN=east" (or as west, env WID) with WEST-CERT; charon's log
# says each line of CHARON-SAYS (\n between); oakley reports the refusal.
charon_refuses() {
	local what=$1 wc=$2 says=$3 le out line
	shift 3
	n=$((n + 1))
	oakley_cert_dir "$WD" "$wc"
	# oakley takes an unprotected notify as the likely reason and retransmits
	# until it gives up: keep that short.
	CONFIG_SETUP="retransmit_timeout=1 retransmit_tries=2" oakley_cert_conn "$WD" site "$WEST" "$EAST" 10.1.0.0/24 10.2.0.0/24 "$wc.pem" \
		"${WID:-$DN_E}" "$DN_E" "$@"
	CERT_CAS=${C_CAS:-ca.pem} CERT_CRLS=${C_CRLS:-} REMOTE_EXTRA=${C_PIN:+certs = $C_PIN.pem} \
		swanctl_cert_conf "$ED" site "$EAST" "$WEST" 10.2.0.0/24 10.1.0.0/24 east-rsa "$DN_E" "${WID:-$DN_E}"
	# charon's remote certs= (a pin) is a file in x509/
	[ -z "${C_PIN:-}" ] || cp "$PKI/$C_PIN.pem" "$ED/x509/"
	swanctl_load "$E" "$ED"
	start_oakleyd "$W" "$WD"
	le=$(charon_log_lines "$ED")
	if out=$(timeout 60 "$OAKLEYCTL" -c "$(ctl_sock "$WD")" up site 2>&1); then
		fail "$what: oakley's up succeeded: $out"
	fi
	printf '%s\n' "$out" >"$T_OUT/up$n.txt"
	while IFS= read -r line; do
		charon_log_since "$ED" "$le" | grep -qF -- "$line" ||
			fail "$what: charon did not log \"$line\": $(charon_log_since "$ED" "$le" | grep -v 'ENC\|NET' | tail -n 10)"
	done <<<"$says"
	st=$(octl "$WD" status site 2>&1)
	printf '%s\n' "$st" >"$T_OUT/status$n.txt"
	has "$what: oakleyctl up" "$out" "peer refused: it sent AUTHENTICATION_FAILED"
	has "$what: oakleyctl status" "$st" "peer refused: it sent AUTHENTICATION_FAILED"
	expect_none "$what"
	log "$what: charon: \"${says%%$'\n'*}\"; oakley: $(grep -o 'peer refused[^;]*' <<<"$out" | head -n1)"
	stop_oakleyd "$WD"
}

charon_refuses expired east-expired \
	"subject certificate invalid (valid from Jan 01 00:00:00 2025 to Jan 01 00:00:00 2026)
no trusted RSA public key found for '$DN_E'"
charon_refuses other-ca east-other "no issuer certificate found for \"$DN_E\"
  issuer is \"C=CH, O=other, CN=Other CA\"
no trusted RSA public key found for '$DN_E'"
C_CRLS=crl.pem charon_refuses revoked east-revoked \
	"certificate was revoked on $REV_DATE, reason: key compromise
no trusted RSA public key found for '$DN_E'"
# oakley sends @west.example and no certificate; charon pins east's.
WID=@west.example C_PIN=east-rsa charon_refuses id-not-in-san west-rsa \
	"no trusted RSA public key found for 'west.example'" leftsendcert=never
# oakley signs with west-rsa's key; charon pins west-int (CN=west, another key).
WID=$DN_W C_PIN=west-int C_CAS="ca.pem int.pem" charon_refuses bad-signature west-rsa \
	"signature validation failed, looking for another key
no trusted RSA public key found for '$DN_W'" leftsendcert=never
oakley_refuses expired east-expired "certificate for CN=east expired 2026-01-01" INVALID_CERTIFICATE
oakley_refuses other-ca east-other "no trusted path: issuer CN=Other CA not in cacerts/" INVALID_CERT_AUTHORITY
O_CRLS=crl.pem oakley_refuses revoked east-revoked "revoked (CRL from CN=Test CA, $CRL_DATE)" INVALID_CERTIFICATE
# charon sends @east.example and no certificate; oakley's rightcert= is west's.
EID=@east.example SEND_CERT=never O_EXTRA=west-rsa.pem oakley_refuses id-not-in-san east-rsa \
	"peer ID @east.example not in certificate subjectAltName" INVALID_ID_INFORMATION rightcert=west-rsa.pem
# charon signs with east-rsa's key; oakley's rightcert= is east-revoked (CN=east, another key).
SEND_CERT=never O_EXTRA=east-revoked.pem oakley_refuses bad-signature east-rsa \
	"signature does not verify" AUTHENTICATION_FAILED rightcert=east-revoked.pem

log ok
