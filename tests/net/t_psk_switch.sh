#!/bin/bash
# Main Mode responders pick a connection before they know the peer's ID;
# the ID in MM5 may select another one, but only if that connection's key
# for the peer is the key the exchange was made with.  East has two road
# warriors, alice and bob (right=%any), each with its own key.  West as
# alice with alice's key and as bob with bob's key come up; west claiming
# to be bob with alice's key is refused (it used to get bob's tunnel).
. "$(dirname "$0")/oakley.sh"

two_gateways v4
cat >"$ED/ipsec.conf" <<CONF
config setup
	dataplane=none

conn alice
	left=$EAST
	leftid=@east
	leftsubnet=10.2.0.0/24
	right=%any
	rightid=@alice
	rightsubnet=10.1.1.0/24
	auto=add

conn bob
	left=$EAST
	leftid=@east
	leftsubnet=10.2.0.0/24
	right=%any
	rightid=@bob
	rightsubnet=10.1.2.0/24
	auto=add
CONF
cat >"$ED/ipsec.secrets" <<SECRETS
@east @alice : PSK "alice's key"
@east @bob : PSK "bob's key"
SECRETS
cat >"$WD/ipsec.conf" <<CONF
config setup
	dataplane=none
	retransmit_timeout=0.2
	retransmit_tries=2

conn alice
	left=$WEST
	leftid=@alice
	leftsubnet=10.1.1.0/24
	right=$EAST
	rightid=@east
	rightsubnet=10.2.0.0/24
	auto=add

conn bob
	left=$WEST
	leftid=@bob
	leftsubnet=10.1.2.0/24
	right=$EAST
	rightid=@east
	rightsubnet=10.2.0.0/24
	auto=add
CONF
west_keys() {
	printf '@alice @east : PSK "%s"\n@bob @east : PSK "%s"\n' "$1" "$2" >"$WD/ipsec.secrets"
}
west_keys "alice's key" "bob's key"
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

# established CONN: east has an ISAKMP SA or an IPsec SA for CONN.
established() {
	octl "$ED" status --json | python3 -c '
import json, sys
s, c = json.load(sys.stdin), sys.argv[1]
up = [x for x in s["ike_sas"] if x["connection"] == c and x["state"] == "established"]
up += [x for x in s["ipsec_sas"] if x["connection"] == c]
sys.exit(0 if up else 1)' "$1"
}

out=$(octl "$WD" up alice 2>&1) || fail "alice with alice's key: $out"
established alice || fail "east has no SA for alice"
# An established responder SA has no failure reason in status.
octl "$ED" status --json | python3 -c '
import json, sys
up = [x for x in json.load(sys.stdin)["ike_sas"] if x["state"] == "established"]
assert up and all(x["why"] == "" for x in up), up' || fail "an established SA shows a why in status"
octl "$ED" status | grep -q 'why:' && fail "east's status shows a why: $(octl "$ED" status)"
octl "$WD" down alice >/dev/null
out=$(octl "$WD" up bob 2>&1) || fail "bob with bob's key: $out"
established bob || fail "east has no SA for bob"
assert_log "$ED" "peer's ID selects connection bob"
octl "$WD" down bob >/dev/null
wait_for 10 sh -c "! $OAKLEYCTL -c $(ctl_sock "$ED") status | grep -q ' bob: established'" ||
	fail "east kept bob's SA after the Delete"
log "alice and bob each came up with their own key"

# West knows only alice's key and claims to be bob.
west_keys "alice's key" "alice's key"
octl "$WD" reload >/dev/null || fail "west: reload failed"
if out=$(octl "$WD" up bob 2>&1); then
	fail "bob came up with alice's key: $out"
fi
log "bob with alice's key: $out"
! established bob || fail "east established bob with alice's key"
assert_log "$ED" "peer identifies as bob \(connection bob\), but this exchange is keyed for alice \(connection alice\): refused"
echo "$out" | grep -q 'AUTHENTICATION_FAILED' || fail "west was not told AUTHENTICATION_FAILED: $out"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
