#!/bin/bash
# Aggressive Mode with pre-shared keys, oakleyd against oakleyd: the key
# found by the peer's ID (FQDN, USER_FQDN, KEY_ID), the RFC 9395 warning on
# both sides, and a responder that does not allow Aggressive Mode refusing
# it with the reason.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
config setup
	dataplane=none
	# a refusal is reported when retransmission gives up: keep that short
	retransmit_timeout=0.5
	retransmit_tries=3

conn am-fqdn
	left=$WEST
	leftid=@west.example.net
	leftsubnet=10.1.1.0/24
	right=$EAST
	rightid=@east.example.net
	rightsubnet=10.2.1.0/24
	aggressive=yes
	ike=aes256-sha256-modp2048
	auto=add

conn am-user
	left=$WEST
	leftid=road@west.example.net
	leftsubnet=10.1.2.0/24
	right=$EAST
	rightid=gw@east.example.net
	rightsubnet=10.2.2.0/24
	aggressive=yes
	ike=aes128-sha1-ecp256
	auto=add

conn am-keyid
	left=$WEST
	leftid=@#0a0b0c
	leftsubnet=10.1.3.0/24
	right=$EAST
	rightid=@#0d0e0f
	rightsubnet=10.2.3.0/24
	aggressive=yes
	ike=3des-sha1-modp1536
	auto=add
CONF
	cat >"$d/ipsec.secrets" <<SECRETS
@west.example.net @east.example.net : PSK "fqdn key"
road@west.example.net gw@east.example.net : PSK "user key"
@#0a0b0c @#0d0e0f : PSK "key id key"
SECRETS
done
cat >>"$WD/ipsec.conf" <<CONF

conn am-refused
	left=$WEST
	leftsubnet=10.1.4.0/24
	right=$EAST
	rightsubnet=10.2.4.0/24
	aggressive=yes
	auto=add
CONF
cat >>"$ED/ipsec.conf" <<CONF

conn am-refused
	left=$WEST
	leftsubnet=10.1.4.0/24
	right=$EAST
	rightsubnet=10.2.4.0/24
	auto=add
CONF
printf '%s %s : PSK "address key"\n' "$WEST" "$EAST" >>"$WD/ipsec.secrets"
printf '%s %s : PSK "address key"\n' "$WEST" "$EAST" >>"$ED/ipsec.secrets"
start_oakleyd "$W" "$WD" -l "$WD/am.pcap"
start_oakleyd "$E" "$ED"

for c in am-fqdn am-user am-keyid; do
	out=$(octl "$WD" up "$c") || fail "$c: $out"
	octl "$ED" status | grep -q " $c: established, responder" || fail "$c: east has no ISAKMP SA"
	octl "$ED" status | grep -q " $c: negotiated, ESP tunnel" || fail "$c: east has no IPsec SA"
	log "$c: up"
done
assert_log "$WD" 'Aggressive Mode with a pre-shared key exposes a hash of the key to offline guessing'
assert_log "$ED" 'Aggressive Mode with a pre-shared key exposes a hash of the key to offline guessing'
n=$(tshark -r "$WD/am.pcap" -Y 'isakmp.exchangetype == 4' 2>/dev/null | wc -l)
[ "$n" -eq 9 ] || fail "expected 9 Aggressive Mode messages in the capture, got $n"

out=$(octl "$WD" up am-refused 2>&1) && fail "am-refused came up"
echo "$out" | grep -q 'peer refused: it sent INVALID_EXCHANGE_TYPE' || fail "am-refused: west said: $out"
assert_log "$ED" 'proposes Aggressive Mode, which connection am-refused does not allow \(aggressive=no\)'
log "am-refused: $out"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
