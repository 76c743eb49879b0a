#!/bin/bash
# Half-open exhaustion (issue 7, defect 3): an attacker floods east with
# about 1,000 bogus MM1s a second (fresh cookies, acceptable by address:
# east has a right=%any connection for them); west, named in right=, still
# comes up.  Malformed first messages, MM1s with the encryption flag and
# MM1s to an address where no connection takes them make no state.
# Counts are asserted, not times; the time west took is printed.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
A=a$$ ATTACKER=192.0.3.1 EAST2=192.0.3.2
make_ns "$A"
link_ns "$A" "$ATTACKER/24" "$E" "$EAST2/24"
ping_ok "$A" "$ATTACKER" "$EAST2" || fail "no path from the attacker to east"
# East's other address, where only west is configured (conn site).
add_route "$A" "$EAST/32" "$EAST2"
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
CONF
	write_secrets "$d" "site key"
done
cat >>"$ED/ipsec.conf" <<CONF

conn rw
	left=$EAST2
	leftsubnet=10.2.0.0/24
	right=%any
	auto=add
CONF
printf '%s %%any : PSK "road warriors"\n' "$EAST2" >>"$ED/ipsec.secrets"
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

# The attacker: first 200 MM1s east refuses (no proposal chosen), 50 MM1s
# with the encryption flag, 50 malformed ones
# (a truncated SA payload) and 50 good ones to east's address that only
# west may use, paced; then bogus MM1s at about 1,000/s
# until told to stop (at most 60 s, 60,000 in all).
ip netns exec "$A" python3 - "$EAST2" "$EAST" "$T_OUT/stop" >"$T_OUT/flood.out" 2>&1 <<'PY' &
import os, socket, struct, sys, time
east = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 500))
def hdr(i, np, flags, body):
    return i + b"\0" * 8 + struct.pack("!BBBBII", np, 0x10, 2, flags, 0, 28 + len(body)) + body
attrs = b"".join(struct.pack("!HH", 0x8000 | t, v) for t, v in
                ((1, 7), (14, 128), (2, 2), (3, 1), (4, 14), (11, 1), (12, 3600)))
transform = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
proposal = struct.pack("!BBHBBBB", 0, 0, 8 + len(transform), 1, 1, 0, 1) + transform
sa = struct.pack("!II", 1, 1) + proposal
mm1 = struct.pack("!BBH", 0, 0, 4 + len(sa)) + sa
# An offer east refuses (DES, MD5, MODP-768): no state, and no log line each.
weak = b"".join(struct.pack("!HH", 0x8000 | t, v) for t, v in
               ((1, 1), (2, 1), (3, 1), (4, 1), (11, 1), (12, 3600)))
weak_t = struct.pack("!BBHBBH", 0, 0, 8 + len(weak), 1, 1, 0) + weak
weak_p = struct.pack("!BBHBBBB", 0, 0, 8 + len(weak_t), 1, 1, 0, 1) + weak_t
weak_sa = struct.pack("!II", 1, 1) + weak_p
refused = struct.pack("!BBH", 0, 0, 4 + len(weak_sa)) + weak_sa
for n in range(50):
    for k in range(4):
        s.sendto(hdr(os.urandom(8), 1, 0, refused), (east, 500))
    s.sendto(hdr(os.urandom(8), 1, 1, os.urandom(48)), (east, 500))
    s.sendto(hdr(os.urandom(8), 1, 0, mm1[:20]), (east, 500))
    s.sendto(hdr(os.urandom(8), 1, 0, mm1), (sys.argv[2], 500))   # no conn for us there
    time.sleep(0.01)
start, sent = time.time(), 0
while sent < 60000 and time.time() - start < 60 and not os.path.exists(sys.argv[3]):
    for n in range(50):
        s.sendto(hdr(os.urandom(8), 1, 0, mm1), (east, 500))
    sent += 50
    time.sleep(max(0, start + sent / 1000 - time.time()))
print("flood: %d MM1s in %.1f s" % (sent, time.time() - start))
PY
flood=$!
LIB_PIDS+=("$flood")

# count_status: east's half-open Main Modes (only the attacker makes them
# while west is not negotiating: they are not ISAKMP SAs until MM3), its
# ISAKMP SAs with the attacker, and the drops.
count_status() {
	octl "$ED" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
sas = [x for x in s["ike_sas"] if x["remote"].startswith(sys.argv[1] + "[")]
d = s["dropped"]
print(s["halfopen"], len(sas), d["halfopen_limits"], d["malformed_first"])' "$ATTACKER"
}
# Until the flood has run a few seconds (more than the 4,096 half-open SAs
# that once filled the whole table).
flooded() {
	read -r half sas over malformed <<<"$(count_status)"
	[ "$((half + over))" -ge 5000 ]
}
wait_for 60 flooded || fail "the flood did not reach east: $(cat "$T_OUT/flood.out")"
read -r half sas over malformed <<<"$(count_status)"
log "after the flood has run a while: $half half-open Main Modes, $sas ISAKMP SAs with the attacker, $over first messages over the limits, $malformed malformed dropped"
[ "$sas" -eq 0 ] || fail "$sas ISAKMP SAs with the attacker: a bogus MM1 makes only a half-open state"
[ "$half" -ge 1 ] && [ "$half" -le 16 ] || fail "$half half-open Main Modes from one address (at most 16 allowed)"
[ "$over" -ge 1000 ] || fail "only $over first messages dropped over the limits"
[ "$malformed" -eq 150 ] || fail "$malformed malformed, encrypted or unwanted MM1s dropped, 150 were sent"

timed ms octl "$WD" up site >"$T_OUT/up.out" 2>&1 || fail "west did not come up under the flood: $(cat "$T_OUT/up.out")"
log "west came up in $((ms / 1000)).$((ms % 1000 / 100)) s under the flood"
kill -0 "$flood" 2>/dev/null || fail "the flood ended before west was up: $(cat "$T_OUT/flood.out")"
touch "$T_OUT/stop"
wait "$flood" || fail "the flood sender failed: $(cat "$T_OUT/flood.out")"
log "$(cat "$T_OUT/flood.out")"
read -r half sas over malformed <<<"$(count_status)"
[ "$half" -le 16 ] || fail "$half half-open Main Modes from one address after the flood"
log "after the flood: $half half-open from the attacker, $over dropped over the limits"
# 200 refusals, explained in the log at most once a second each.
refusals=$(grep -c "Main Mode from $ATTACKER.* refused: no proposal chosen" "$ED/oakleyd.log")
log "200 refused MM1s, $refusals refusal lines in east's log"
[ "$refusals" -ge 1 ] || fail "east did not explain the refusals"
[ "$refusals" -le 20 ] || fail "east logged $refusals refusal lines for 200 refused MM1s"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
