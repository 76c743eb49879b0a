#!/bin/bash
# Phase-1 IDs: FQDN and USER_FQDN from leftid/rightid, the key found by
# the gateways' addresses (Main Mode tells the IDs only under that key);
# and a peer whose ID is not the one configured, refused with both named.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
config setup
	dataplane=none

conn fqdn
	left=$WEST
	leftid=@west.example.net
	leftsubnet=10.1.1.0/24
	right=$EAST
	rightid=@east.example.net
	rightsubnet=10.2.1.0/24
	auto=add

conn user
	left=$WEST
	leftid=ops@west.example.net
	leftsubnet=10.1.2.0/24
	right=$EAST
	rightid=ops@east.example.net
	rightsubnet=10.2.2.0/24
	auto=add

CONF
	cat >"$d/ipsec.secrets" <<SECRETS
# Other peers' keys must not get in the way.
@elsewhere.example.net @east.example.net : PSK "someone else's"
$WEST $EAST : PSK "by address"
SECRETS
done
cat >>"$WD/ipsec.conf" <<CONF
conn wrongid
	left=$WEST
	leftsubnet=10.1.3.0/24
	right=$EAST
	rightid=@somebody.else
	rightsubnet=10.2.3.0/24
	auto=add
CONF
cat >>"$ED/ipsec.conf" <<CONF
conn wrongid
	left=$WEST
	leftsubnet=10.1.3.0/24
	right=$EAST
	rightsubnet=10.2.3.0/24
	auto=add
CONF
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

out=$(octl "$WD" up fqdn) || fail "fqdn: $out"
out=$(octl "$ED" up user) || fail "user: $out"
octl "$WD" status | grep -q ' user: negotiated, ESP tunnel' || fail "no IPsec SA for user"
out=$(octl "$WD" up wrongid 2>&1) && fail "wrongid came up"
echo "$out" | grep -q 'peer identifies as 192.0.2.2, but wrongid expects somebody.else' ||
	fail "wrongid: $out"
log "wrongid: $out"
# West told east, under the new keys: east drops the SA it had
# established at once, not when it expires.
wait_for 5 grep -q 'peer deleted the ISAKMP SA' "$ED/oakleyd.log" ||
	fail "east was not told of the refusal: $(tail -n 5 "$ED/oakleyd.log")"
octl "$ED" status | grep -q 'wrongid.*established' && fail "east keeps wrongid established: $(octl "$ED" status)"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
