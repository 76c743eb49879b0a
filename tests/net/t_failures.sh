#!/bin/bash
# Negotiations that must fail, each with the reason on the side that can
# know it: a wrong pre-shared key, no common phase-1 or ESP proposal, IDs
# the responder does not cover, and a peer that never answers.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
# conn NAME, then west's and east's differing lines.
conn() {
	local name=$1 wextra=$2 eextra=$3
	cat >>"$WD/ipsec.conf" <<CONF
conn $name
	left=$WEST
	right=$EAST
	auto=add
$(printf '%b' "$wextra")

CONF
	cat >>"$ED/ipsec.conf" <<CONF
conn $name
	left=$WEST
	right=$EAST
	auto=add
$(printf '%b' "$eextra")

CONF
}
for d in "$WD" "$ED"; do
	printf 'config setup\n\tdataplane=none\n\tretransmit_timeout=0.2\n\tretransmit_tries=2\n\n' >"$d/ipsec.conf"
done
conn nop1 '\tike=aes128-sha1-modp2048\n\tleftsubnet=10.1.1.0/24\n\trightsubnet=10.2.1.0/24' \
	'\tike=aes256-sha256-modp3072\n\tleftsubnet=10.1.1.0/24\n\trightsubnet=10.2.1.0/24'
# The other conns share east's phase-1 policy, so nop1's offer fits none.
P1='\tike=aes256-sha256-modp3072\n'
conn noesp "$P1"'\tesp=aes128-sha1\n\tleftsubnet=10.1.2.0/24\n\trightsubnet=10.2.2.0/24' \
	"$P1"'\tesp=aes256-sha512\n\tleftsubnet=10.1.2.0/24\n\trightsubnet=10.2.2.0/24'
conn ids "$P1"'\tleftsubnet=10.1.0.0/16\n\trightsubnet=10.2.3.0/24' \
	"$P1"'\tleftsubnet=10.1.3.0/24\n\trightsubnet=10.2.3.0/24'
printf '%s %s : PSK "right key"\n' "$WEST" "$EAST" >"$WD/ipsec.secrets"
printf '%s %s : PSK "right key"\n' "$WEST" "$EAST" >"$ED/ipsec.secrets"
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

# expect_fail CONN REGEX_UP REGEX_EAST_LOG
expect_fail() {
	local out
	if out=$(octl "$WD" up "$1" 2>&1); then
		fail "$1 came up"
	fi
	echo "$out" | grep -Eq -- "$2" || fail "$1: oakleyctl up said: $out"
	assert_log "$ED" "$3"
	octl "$WD" status | grep -q "why:" || fail "$1: status does not say why"
	log "$1: west: $out"
}

expect_fail nop1 'peer refused: it sent NO_PROPOSAL_CHOSEN' \
	'nop1: no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1/MODP_2048; we accept ike=aes256-sha256-modp3072'
expect_fail noesp 'peer refused Quick Mode: it sent NO_PROPOSAL_CHOSEN' \
	'no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1 tunnel; we accept esp=aes256-sha512 tunnel'
expect_fail ids 'peer refused Quick Mode: it sent INVALID_ID_INFORMATION' \
	'invalid ID information: peer proposed 10.1.0.0/16 === 10.2.3.0/24, ids allows 10.1.3.0/24 === 10.2.3.0/24'
octl "$WD" down nop1 >/dev/null
octl "$WD" down noesp >/dev/null
octl "$WD" down ids >/dev/null

# A wrong key: east cannot read MM5 and says so in the clear.
printf '%s %s : PSK "wrong key"\n' "$WEST" "$EAST" >"$ED/ipsec.secrets"
octl "$ED" reload >/dev/null || fail "east: reload failed"
expect_fail nop1 . .  2>/dev/null || true
expect_fail noesp 'AUTHENTICATION_FAILED after our HASH_I: the pre-shared keys probably differ' \
	'MM5 does not decrypt to valid payloads: the pre-shared keys probably differ|HASH_I from peer does not verify: the pre-shared keys probably differ'

# A silent peer: east's daemon is gone; west retransmits, then gives up.
stop_oakleyd "$ED"
start=$(date +%s)
expect_silent() {
	local out
	out=$(octl "$WD" up noesp 2>&1) && fail "noesp came up with no peer"
	echo "$out" | grep -q 'peer did not answer Main Mode message 1 after 2 retransmits, giving up' ||
		fail "silent peer: $out"
	log "silent peer: $out ($(( $(date +%s) - start )) s)"
}
expect_silent
assert_log "$WD" 'no answer from peer yet, retransmit 2'
stop_oakleyd "$WD"
log ok
