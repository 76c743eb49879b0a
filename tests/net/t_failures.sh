#!/bin/bash
# Negotiations that must fail, each explained in one line on the side that
# can know it (the responder: what the peer offered and how the closest
# local proposal differs, side by side) and on the other side (the notify
# it got and what it had offered): a DH group, all of phase 1, ciphers,
# PFS on one side only, another PFS group, tunnel vs transport, IDs not
# covered, a wrong pre-shared key, and a peer that never answers.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
# conn NAME, then west's and east's own lines ('\n\t'-separated).
conn() {
	local name=$1 wextra=$2 eextra=$3
	printf 'conn %s\n\tleft=%s\n\tright=%s\n\tauto=add\n%b\n\n' "$name" "$WEST" "$EAST" "$wextra" >>"$WD/ipsec.conf"
	printf 'conn %s\n\tleft=%s\n\tright=%s\n\tauto=add\n%b\n\n' "$name" "$WEST" "$EAST" "$eextra" >>"$ED/ipsec.conf"
}
for d in "$WD" "$ED"; do
	printf 'config setup\n\tdataplane=none\n\tretransmit_timeout=0.2\n\tretransmit_tries=2\n\n' >"$d/ipsec.conf"
done
# Strict lists ('!'): without it the defaults are accepted too, as in strongSwan.
P1='\tike=aes256-sha256-modp3072!\n'
net() { printf '\tleftsubnet=10.1.%s.0/24\n\trightsubnet=10.2.%s.0/24\n' "$1" "$1"; }
conn p1dh '\tike=aes128-sha1-modp1024!\n'"$(net 1)" '\tike=aes128-sha1-modp2048!\n'"$(net 1)"
conn p1all '\tike=3des-md5-modp1536!\n'"$(net 2)" "$P1$(net 2)"
conn esp "$P1"'\tesp=aes128-sha1!\n'"$(net 3)" "$P1"'\tesp=aes256-sha512!\n'"$(net 3)"
conn pfsone "$P1"'\tesp=aes128-sha1!\n'"$(net 4)" "$P1"'\tesp=aes128-sha1-modp2048!\n'"$(net 4)"
conn pfsgroup "$P1"'\tesp=aes128-sha1-modp1024!\n'"$(net 5)" "$P1"'\tesp=aes128-sha1-modp2048!\n'"$(net 5)"
conn mode "$P1"'\ttype=transport\n\tleftprotoport=udp/1701\n\trightprotoport=udp/1701' "$P1"'\ttype=tunnel\n\tleftprotoport=udp/1701\n\trightprotoport=udp/1701'
conn ids "$P1"'\tleftsubnet=10.1.0.0/16\n\trightsubnet=10.2.7.0/24' "$P1$(net 7)"
printf '%s %s : PSK "right key"\n' "$WEST" "$EAST" >"$WD/ipsec.secrets"
printf '%s %s : PSK "right key"\n' "$WEST" "$EAST" >"$ED/ipsec.secrets"
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

# expect_fail CONN REGEX_WEST REGEX_EAST_LOG
expect_fail() {
	local out
	if out=$(octl "$WD" up "$1" 2>&1); then
		fail "$1 came up"
	fi
	echo "$out" | grep -Eq -- "$2" || fail "$1: oakleyctl up said: $out"
	assert_log "$ED" "$3"
	octl "$WD" status | grep -q "why:" || fail "$1: status does not say why"
	log "$1: west: $out"
	log "$1: east: $(grep -Eo -- "$3" "$ED/oakleyd.log" | tail -n 1)"
}
re() { printf '%s' "$1" | sed 's/[][().*+?/]/\\&/g'; }

expect_fail p1dh "$(re 'peer refused: it sent NO_PROPOSAL_CHOSEN; we offered ike=aes128-sha1-modp1024')" \
	"$(re 'no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1/MODP_1024; closest local proposal ike=aes128-sha1-modp2048 differs in DH group (MODP_1024 vs MODP_2048)')"
expect_fail p1all "$(re 'we offered ike=3des-md5-modp1536')" \
	"$(re 'peer offered 3DES_CBC/HMAC_MD5/MODP_1536; closest local proposal ike=')"
expect_fail esp "$(re 'peer refused Quick Mode: it sent NO_PROPOSAL_CHOSEN; we offered esp=aes128-sha1 tunnel, 10.1.3.0/24 === 10.2.3.0/24')" \
	"$(re 'no proposal chosen: peer offered AES_CBC-128/HMAC_SHA1 tunnel; closest local proposal esp=aes256-sha512 differs in cipher (AES_CBC-128 vs AES_CBC-256), integrity (HMAC_SHA1 vs HMAC_SHA2_512)')"
expect_fail pfsone "$(re 'we offered esp=aes128-sha1 tunnel')" \
	"$(re 'closest local proposal esp=aes128-sha1-modp2048 differs in PFS (none vs MODP_2048)')"
expect_fail pfsgroup "$(re 'we offered esp=aes128-sha1-modp1024 tunnel')" \
	"$(re 'closest local proposal esp=aes128-sha1-modp2048 differs in PFS group (MODP_1024 vs MODP_2048)')"
expect_fail mode "$(re 'we offered esp=aes128-sha256,aes128-sha1 transport')" \
	"$(re 'differs in mode (transport vs tunnel)')"
expect_fail ids "$(re 'peer refused Quick Mode: it sent INVALID_ID_INFORMATION; we offered')" \
	"$(re 'invalid ID information: peer proposed 10.1.0.0/16 === 10.2.7.0/24, ids allows 10.1.7.0/24 === 10.2.7.0/24')"
for c in p1dh p1all esp pfsone pfsgroup mode ids; do octl "$WD" down "$c" >/dev/null; done

# A wrong key: east cannot read MM5 and says so in the clear.
printf '%s %s : PSK "wrong key"\n' "$WEST" "$EAST" >"$ED/ipsec.secrets"
octl "$ED" reload >/dev/null || fail "east: reload failed"
expect_fail esp 'AUTHENTICATION_FAILED after our HASH_I: the pre-shared keys probably differ' \
	'MM5 does not decrypt to valid payloads: the pre-shared keys probably differ|HASH_I from peer does not verify: the pre-shared keys probably differ'

# A silent peer: east's daemon is gone; west retransmits, then gives up.
stop_oakleyd "$ED"
start=$(date +%s)
out=$(octl "$WD" up esp 2>&1) && fail "esp came up with no peer"
echo "$out" | grep -q 'peer did not answer Main Mode message 1 after 2 retransmits, giving up' ||
	fail "silent peer: $out"
log "silent peer: $out ($(($(date +%s) - start)) s)"
assert_log "$WD" 'no answer from peer yet, retransmit 2'
stop_oakleyd "$WD"
log ok
