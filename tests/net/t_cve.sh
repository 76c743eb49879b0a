#!/bin/bash
# The packets of published IKEv1 daemon CVEs, sent to oakleyd (east) by a
# scripted peer (west, tests/net/cve_peer.py) that first establishes an
# ISAKMP SA with it:
#   CVE-2009-0790  (Openswan/strongSwan pluto) DPD R-U-THERE with an SPI
#                  size other than 16, or for no SA: ignored, logged (a
#                  well-formed one gets its ACK);
#   CVE-2015-3204  (Libreswan) MM1s with a malformed SA payload and an
#                  unknown first payload: refused with a notify, or dropped;
#   CVE-2022-23094 (Libreswan) IKEv1 packets that name no ISAKMP SA:
#                  dropped, never answered;
#   DH public values 0, 1, p-1 and p (MODP-1024) and points off the
#   ECP-256 curve in MM3 and AM1: INVALID_KEY_INFORMATION or a logged drop.
# The peer checks each answer; here: oakleyd neither crashed nor reported a
# sanitizer error, the established SA was not disturbed, no SA came up
# from a bad KE, and the log says what was dropped.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
cat >"$ED/ipsec.conf" <<CONF
config setup
	dataplane=none

conn cve
	left=$EAST
	leftsubnet=10.2.0.0/24
	right=$WEST
	rightsubnet=10.1.0.0/24
	ike=aes128-sha1-modp1024,aes128-sha1-ecp256
	esp=aes128-sha1
	auto=add

conn cve-am-2
	left=$EAST
	leftsubnet=10.2.1.0/24
	right=$WEST
	rightid=@cve-am-2
	rightsubnet=10.1.1.0/24
	aggressive=yes
	ike=aes128-sha1-modp1024
	auto=add

conn cve-am-19
	also=cve-am-2
	rightid=@cve-am-19
	ike=aes128-sha1-ecp256
CONF
write_secrets "$ED" "cve test key"
start_oakleyd "$E" "$ED"

ip netns exec "$W" python3 "$(dirname "$0")/cve_peer.py" "$WEST" "$EAST" "cve test key" \
	>"$T_OUT/peer.out" 2>&1 || fail "the peer saw a wrong answer: $(tail -n 5 "$T_OUT/peer.out")"
cat "$T_OUT/peer.out"
read -r ic rc < <(sed -n 's/^cookies //p' "$T_OUT/peer.out")
[ -n "$ic" ] || fail "the peer did not finish"

kill -0 "$(cat "$ED/oakleyd.pid")" || fail "oakleyd died: $(tail -n 30 "$ED/oakleyd.log")"
octl "$ED" status --json >"$T_OUT/status.json" || fail "oakleyd stopped answering"
python3 - "$ic" "$rc" "$T_OUT/status.json" <<'PY' || fail "wrong SAs after the attacks (see $T_OUT/status.json)"
import json, sys
ic, rc, s = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
live = [x for x in s["ike_sas"] if x["icookie"] == ic and x["rcookie"] == rc]
assert live and live[0]["state"] == "established", live
up = [x for x in s["ike_sas"] if x["state"] == "established"]
assert len(up) == 1, up  # none from a bad KE
print("the peer's ISAKMP SA is still established; no other SA is")
PY

# What oakleyd logged: the well-formed R-U-THERE answered, the other
# protected DPD notifies ignored (10 of them: its replay, an ACK nobody
# asked for, and SPI sizes 0, 4, 8, 17 each as R-U-THERE and ACK), the clear
# one for the live SA, each bad KE (7 in MM3, 3 in AM1) refused, and the
# packets for no SA dropped.
answered=$(grep -c 'cve: R-U-THERE 1 answered' "$ED/oakleyd.log" || true)
[ "$answered" -eq 1 ] || fail "expected 1 R-U-THERE answered, found $answered"
dpd=$(grep -Ec 'cve: ignored (a malformed )?R.U.THERE' "$ED/oakleyd.log" || true)
[ "$dpd" -eq 10 ] || fail "expected 10 ignored DPD notifies in the log, found $dpd"
assert_log "$ED" 'ignored an unprotected Informational exchange'
bad_ke=$(grep -c "public DH value is invalid\|KE is [0-9]* bytes" "$ED/oakleyd.log" || true)
[ "$bad_ke" -eq 10 ] || fail "expected 10 refused KE payloads in the log, found $bad_ke"
assert_log "$ED" 'for an unknown ISAKMP SA|for no usable SA'
assert_log "$ED" 'peer sent INITIAL_CONTACT'
log "$dpd DPD notifies and $bad_ke bad KE payloads logged; oakleyd alive"
stop_oakleyd "$ED"
log ok
