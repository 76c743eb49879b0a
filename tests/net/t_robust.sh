#!/bin/bash
# Bad input never crashes oakleyd nor disturbs an established SA: garbage,
# truncated and oversized datagrams, messages with the live SA's cookies
# but nonsense bodies, an unprotected Delete and notify for it,
# one MM1 sent twice (answered by one SA), and a flood of half-open Main
# Modes (at most 64 kept from one address).  Afterwards the SA is still
# established and a new Quick Mode under it works.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
config setup
	dataplane=none

conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	auto=add

conn other
	left=$WEST
	leftsubnet=10.1.9.0/24
	right=$EAST
	rightsubnet=10.2.9.0/24
	auto=add
CONF
	write_secrets "$d" "robust"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"
octl "$WD" up site >/dev/null || fail "up failed"
json=$(octl "$ED" status --json)
ic=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["ike_sas"][0]["icookie"])' <<<"$json")
rc=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["ike_sas"][0]["rcookie"])' <<<"$json")

# From west's address (source port 500 is taken by west's oakleyd: use 501;
# east answers nothing to these, or answers to 501).
ip netns exec "$W" python3 - "$EAST" "$ic" "$rc" <<'PY' || fail "sender failed"
import os, random, socket, struct, sys
east, ic, rc = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
random.seed(7)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 501))
def hdr(i, r, np, xchg, flags, msgid, body):
    return i + r + struct.pack("!BBBBII", np, 0x10, xchg, flags, msgid, 28 + len(body)) + body
sent = 0
def send(b):
    global sent
    s.sendto(b, (east, 500)); sent += 1
for n in range(300):                       # garbage of every size
    send(os.urandom(random.randrange(0, 200)))
send(b"\0" * 27)                            # short header
send(hdr(ic, rc, 8, 2, 1, 0, b"")[:-0 or None][:40])   # truncated
send(b"\x01" * 65000)                       # big
for n in range(50):                         # the live SA's cookies, nonsense bodies
    for xchg, flags, msgid in ((2, 1, 0), (32, 1, random.getrandbits(32)), (5, 1, random.getrandbits(32)), (2, 0, 0)):
        body = os.urandom(16 * random.randrange(1, 8))
        send(hdr(ic, rc, 8, xchg, flags, msgid, body))
# an unprotected Delete of the ISAKMP SA and an unprotected notify
delete = struct.pack("!BBHIBBH", 0, 0, 28, 1, 1, 16, 1) + ic + rc
send(hdr(ic, rc, 12, 5, 0, 0, delete))
notify = struct.pack("!BBHIBBH", 0, 0, 12, 1, 1, 0, 14)
send(hdr(ic, rc, 11, 5, 0, 0, notify))
# valid-looking MM1s: their SA payload
attrs = b"".join(struct.pack("!HH", 0x8000 | t, v) for t, v in
                ((1, 7), (14, 128), (2, 2), (3, 1), (4, 14), (11, 1), (12, 3600)))
transform = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
proposal = struct.pack("!BBHBBBB", 0, 0, 8 + len(transform), 1, 1, 0, 1) + transform
sa = struct.pack("!II", 1, 1) + proposal
# One MM1 sent twice: the same SA answers both times, with one cookie.
s.settimeout(2)
while True:
    try:
        s.recv(65535)
    except socket.timeout:
        break
again = hdr(b"\x42" * 8, b"\0" * 8, 1, 2, 0, 0, struct.pack("!BBH", 0, 0, 4 + len(sa)) + sa)
rcookies = []
for n in range(2):
    s.sendto(again, (east, 500))
    while True:
        r = s.recv(65535)
        if r[:8] == b"\x42" * 8:
            rcookies.append(r[8:16])
            break
assert rcookies[0] == rcookies[1] and rcookies[0] != b"\0" * 8, rcookies
# half-open Main Modes: valid-looking MM1s from fresh cookies, more than
# one address may have half-open (64 for a peer named in right=)
for n in range(200):
    body = struct.pack("!BBH", 0, 0, 4 + len(sa)) + sa
    send(hdr(os.urandom(8), b"\0" * 8, 1, 2, 0, 0, body))
print("sent", sent, "; a retransmitted MM1 was answered by the same SA")
PY
sleep 1
kill -0 "$(cat "$ED/oakleyd.pid")" || fail "east's oakleyd died: $(tail -n 30 "$ED/oakleyd.log")"
octl "$ED" status --json >"$T_OUT/after.json" || fail "east stopped answering"
python3 - "$ic" "$T_OUT/after.json" <<'PY' || fail "the established SA was disturbed (see $T_OUT/after.json)"
import json, sys
s = json.load(open(sys.argv[2]))
live = [x for x in s["ike_sas"] if x["icookie"] == sys.argv[1]]
assert live and live[0]["state"] == "established", live
assert len(s["ipsec_sas"]) == 1, s["ipsec_sas"]
half = s["halfopen"]
print(half, "half-open Main Modes from the flood")
# UDP may drop some of a burst; none may be lost track of or crash us, and
# one address gets at most 64 half-open states (the MM1 sent twice is one).
assert 1 <= half <= 64, half
assert not [x for x in s["ike_sas"] if x["state"] == "negotiating"], s["ike_sas"]
assert s["dropped"]["halfopen_limits"] >= 1, s["dropped"]
PY
out=$(octl "$WD" up other) || fail "a new Quick Mode under the old SA failed: $out"
log "after the storm: SA established, new Quick Mode ok"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
