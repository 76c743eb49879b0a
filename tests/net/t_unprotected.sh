#!/bin/bash
# Unprotected messages before authentication (issue 7, defect 5) do not
# end a negotiation.  West initiates to a fake peer P (python): P's refusal
# from another address is dropped; a malformed MM2 does not give west a
# responder cookie; P's own unprotected NO_PROPOSAL_CHOSEN is remembered,
# west keeps retransmitting and fails with it at the end.  A fake
# initiator Q drives east to MM5 and sends garbage with the encryption
# flag: from Q's address it is dropped and counted (AUTHENTICATION_FAILED
# in the clear), from another address dropped silently; east keeps the SA.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
P=p$$ Q=q$$
make_ns "$P"
make_ns "$Q"
link_ns "$P" 192.0.3.3/24 "$W" 192.0.3.1/24
link_ns "$Q" 192.0.4.3/24 "$E" 192.0.4.1/24
ip -n "$P" addr add 192.0.3.4/24 dev "to-$W"
ip -n "$Q" addr add 192.0.4.4/24 dev "to-$E"
ping_ok "$P" 192.0.3.3 192.0.3.1 || fail "no path between P and west"
ping_ok "$Q" 192.0.4.3 192.0.4.1 || fail "no path between Q and east"
cat >"$WD/ipsec.conf" <<CONF
config setup
	dataplane=none
	retransmit_timeout=0.3
	retransmit_tries=4

conn fake
	left=192.0.3.1
	right=192.0.3.3
	auto=add
CONF
printf '192.0.3.1 192.0.3.3 : PSK "fake"\n' >"$WD/ipsec.secrets"
cat >"$ED/ipsec.conf" <<CONF
config setup
	dataplane=none

conn q
	left=192.0.4.1
	right=192.0.4.3
	ike=aes128-sha1-modp2048!
	auto=add
CONF
printf '192.0.4.1 192.0.4.3 : PSK "q"\n' >"$ED/ipsec.secrets"
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

# ---- west as initiator, P as a peer that only says no -------------------
ip netns exec "$P" python3 - >"$T_OUT/p.out" 2>&1 <<'PY' &
import socket, struct, time
me = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
me.bind(("192.0.3.3", 500))
other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
other.bind(("192.0.3.4", 500))
west = ("192.0.3.1", 500)
print("ready", flush=True)
me.settimeout(10)
mm1 = me.recv(65535)
ic = mm1[:8]
me.settimeout(3)
def hdr(r, np, xchg, flags, body):
    return ic + r + struct.pack("!BBBBII", np, 0x10, xchg, flags, 0, 28 + len(body)) + body
notify = struct.pack("!BBHIBBH", 0, 0, 12, 1, 1, 0, 14)   # NO_PROPOSAL_CHOSEN
other.sendto(hdr(b"\0" * 8, 11, 5, 0, notify), west)
time.sleep(0.1)
me.sendto(hdr(b"\x77" * 8, 1, 2, 0, b"\0\0\0\x30" + b"\0" * 4), west)  # MM2 cut short
time.sleep(0.1)
me.sendto(hdr(b"\0" * 8, 11, 5, 0, notify), west)
after = 0
try:
    while True:
        m = me.recv(65535)
        if m[:8] == ic:
            after += 1
except socket.timeout:
    pass
print("retransmits after the notify:", after)
PY
ppid=$!
LIB_PIDS+=("$ppid")
wait_for 10 grep -q ready "$T_OUT/p.out" || fail "P did not start: $(cat "$T_OUT/p.out")"
octl "$WD" up fake >"$T_OUT/up.out" 2>&1 &
up=$!
wait_for 5 grep -q 'peer refused: it sent NO_PROPOSAL_CHOSEN' "$WD/oakleyd.log" ||
	fail "west did not note P's refusal: $(tail -n 10 "$WD/oakleyd.log")"
octl "$WD" status --json | python3 -c '
import json, sys
sas = json.load(sys.stdin)["ike_sas"]
assert len(sas) == 1 and sas[0]["state"] == "negotiating", sas
assert sas[0]["rcookie"] == "0000000000000000", "adopted a cookie: " + sas[0]["rcookie"]
assert sas[0]["why"].startswith("peer refused: it sent NO_PROPOSAL_CHOSEN"), sas[0]["why"]
' || fail "west's SA after the unprotected messages: $(octl "$WD" status)"
assert_log "$WD" 'dropped an unprotected NO_PROPOSAL_CHOSEN from 192.0.3.4\[500\], not the peer'
wait "$up" && fail "west came up with a peer that refuses: $(cat "$T_OUT/up.out")"
grep -q 'peer refused: it sent NO_PROPOSAL_CHOSEN; we offered ike=.* (no valid answer after 4 retransmits)' \
	"$T_OUT/up.out" || fail "west's reason: $(cat "$T_OUT/up.out")"
wait "$ppid" || fail "P failed: $(cat "$T_OUT/p.out")"
n=$(sed -n 's/^retransmits after the notify: //p' "$T_OUT/p.out")
[ "$n" -ge 2 ] || fail "west retransmitted $n times after the notify"
log "west: $(cat "$T_OUT/up.out"); $n retransmits after P's notify"

# ---- east as responder, Q drives it to MM5 and sends garbage -------------
ip netns exec "$Q" python3 - >"$T_OUT/q.out" 2>&1 <<'PY' || fail "Q: $(cat "$T_OUT/q.out")"
import os, socket, struct, sys
me = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
me.bind(("192.0.4.3", 500))
other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
other.bind(("192.0.4.4", 500))
east = ("192.0.4.1", 500)
me.settimeout(5)
other.settimeout(1)
ic = os.urandom(8)
def hdr(r, np, flags, body, xchg=2):
    return ic + r + struct.pack("!BBBBII", np, 0x10, xchg, flags, 0, 28 + len(body)) + body
def payload(np, body):
    return struct.pack("!BBH", np, 0, 4 + len(body)) + body
attrs = b"".join(struct.pack("!HH", 0x8000 | t, v) for t, v in
                ((1, 7), (14, 128), (2, 2), (3, 1), (4, 14), (11, 1), (12, 3600)))
transform = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
proposal = struct.pack("!BBHBBBB", 0, 0, 8 + len(transform), 1, 1, 0, 1) + transform
me.sendto(hdr(b"\0" * 8, 1, 0, payload(0, struct.pack("!II", 1, 1) + proposal)), east)
mm2 = me.recv(65535)
rc = mm2[8:16]
assert mm2[18] == 2, "no MM2: %r" % mm2[:28]
ke = b"\x7f" + os.urandom(255)          # below the MODP-2048 prime
me.sendto(hdr(rc, 4, 0, payload(10, ke) + payload(0, os.urandom(32))), east)
mm4 = me.recv(65535)
assert mm4[16] == 4, "no MM4"
garbage = hdr(rc, 5, 1, os.urandom(64))
other.sendto(garbage, east)             # another address: dropped, no answer
try:
    r = other.recv(65535)
    sys.exit("east answered garbage from another address: %r" % r[:28])
except socket.timeout:
    pass
me.sendto(garbage, east)                # the peer's address: AUTHENTICATION_FAILED
r = me.recv(65535)
assert r[18] == 5 and r[19] == 0, "not an unprotected Informational: %r" % r[:28]
assert struct.unpack("!H", r[28 + 10:28 + 12])[0] == 24, "not AUTHENTICATION_FAILED: %r" % r
print(ic.hex())
PY
ic=$(cat "$T_OUT/q.out")
octl "$ED" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
sa = [x for x in s["ike_sas"] if x["icookie"] == sys.argv[1]]
assert sa and sa[0]["state"] == "negotiating", sa
assert sa[0]["why"] == "MM5 does not decrypt to valid payloads: the pre-shared keys probably differ", sa
assert s["dropped"]["undecryptable"] == 1, s["dropped"]
' "$ic" || fail "east's SA after garbage MM5s: $(octl "$ED" status)"
octl "$ED" status | grep -q 'dropped: 0 over the half-open limits, 0 first messages malformed or from no configured peer, 1 that did not decrypt, 0 Aggressive Mode over the rate' ||
	fail "status does not count it: $(octl "$ED" status)"
log "east: garbage MM5 dropped and counted, SA still negotiating"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
