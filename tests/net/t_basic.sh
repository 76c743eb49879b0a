#!/bin/bash
# oakleyd against oakleyd over IPv4, dataplane=none: Main Mode + Quick Mode
# with PSK, both directions, status agreeing on both sides, and down.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
config setup
	dataplane=none

conn site
	keyexchange=ikev1
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	authby=secret
	ike=aes128-sha1-modp2048
	esp=aes128-sha1
	auto=add
CONF
	write_secrets "$d" "correct horse battery staple"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

# A second oakleyd on the same control socket refuses to start.
if ip netns exec "$W" "$OAKLEYD" -d -f "$WD/ipsec.conf" -s "$WD/ipsec.secrets" \
	-c "$(ctl_sock "$WD")" >"$T_OUT/second.log" 2>&1; then
	fail "a second oakleyd started"
fi
grep -q 'another oakleyd is running' "$T_OUT/second.log" || fail "second oakleyd: $(cat "$T_OUT/second.log")"
octl "$WD" status >/dev/null || fail "the first oakleyd lost its control socket"

out=$(octl "$WD" up site) || fail "up failed: $out"
log "west: up: $out"
octl "$WD" status | tee "$T_OUT/west.status"
octl "$ED" status
grep -q '  site: 192.0.2.1 \[192.0.2.1\] 10.1.0.0/24 ... 192.0.2.2 \[192.0.2.2\] 10.2.0.0/24, Main Mode PSK, tunnel, auto=add' "$T_OUT/west.status" ||
	fail "status does not show the configured connection"
grep -q 'ike=aes128-sha1-modp2048,aes128-sha256-modp2048 esp=aes128-sha1,aes128-sha256' "$T_OUT/west.status" ||
	fail "status does not show the proposals with their defaults"
ws=$(octl "$WD" status --json)
es=$(octl "$ED" status --json)
python3 - "$ws" "$es" <<'PY' || fail "status does not agree"
import json, sys
w, e = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for s in (w, e):
    assert len(s["ike_sas"]) == 1 and s["ike_sas"][0]["state"] == "established", s
    assert s["ike_sas"][0]["encryption"] == "AES_CBC-128", s
    assert s["ike_sas"][0]["dh_group"] == "MODP_2048", s
    assert len(s["ipsec_sas"]) == 1, s
wc, ec = w["ipsec_sas"][0], e["ipsec_sas"][0]
assert wc["spi_in"] == ec["spi_out"] and wc["spi_out"] == ec["spi_in"], (wc, ec)
assert wc["local_ts"] == "10.1.0.0/24" and wc["remote_ts"] == "10.2.0.0/24", wc
assert ec["local_ts"] == "10.2.0.0/24" and ec["remote_ts"] == "10.1.0.0/24", ec
assert wc["encryption"] == "AES_CBC-128" and wc["integrity"] == "HMAC_SHA1", wc
assert wc["state"] == "negotiated", wc
PY
assert_log "$WD" 'ISAKMP SA established with AES_CBC-128/HMAC_SHA1/MODP_2048'
assert_log "$ED" 'IPsec SA established: ESP tunnel 10.2.0.0/24 === 10.1.0.0/24'

# down sends Deletes: the peer removes its SAs too.
octl "$WD" down site >/dev/null || fail "down failed"
wait_for 5 sh -c "! $OAKLEYCTL -c $(ctl_sock "$ED") status | grep -q 'ESP tunnel'" ||
	fail "east kept its IPsec SA after west's Delete"
assert_log "$ED" 'peer deleted IPsec SA'

# And the other way round: east initiates.
out=$(octl "$ED" up site) || fail "up from east failed: $out"
octl "$ED" status | grep -q 'ESP tunnel' || fail "east has no IPsec SA"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log "ok"
