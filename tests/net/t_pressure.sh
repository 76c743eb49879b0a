#!/bin/bash
# Half-open pressure (issue 7, defect 3): bogus MM1s from 30 addresses,
# 16 each (the per-address limit, so none gives way to a newer one), fill
# east with 480 half-open Main Modes, past a tenth of the 4,096 room: those
# made after that point expire after 5 s instead of 60 s unless the peer
# answers.  The count is asserted: it
# falls back to the threshold, not below it.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
A=a$$ EAST2=192.0.3.2
make_ns "$A"
link_ns "$A" 192.0.3.1/24 "$E" "$EAST2/24"
for i in $(seq 10 39); do ip -n "$A" addr add "192.0.3.$i/24" dev "to-$E"; done
ping_ok "$A" 192.0.3.10 "$EAST2" || fail "no path from the attacker to east"
cat >"$ED/ipsec.conf" <<CONF
config setup
	dataplane=none

conn rw
	left=$EAST2
	right=%any
	auto=add
CONF
printf '%s %%any : PSK "road warriors"\n' "$EAST2" >"$ED/ipsec.secrets"
start_oakleyd "$E" "$ED"

ip netns exec "$A" python3 - "$EAST2" >"$T_OUT/flood.out" 2>&1 <<'PY' || fail "sender: $(cat "$T_OUT/flood.out")"
import os, socket, struct, sys, time
east = (sys.argv[1], 500)
attrs = b"".join(struct.pack("!HH", 0x8000 | t, v) for t, v in
                ((1, 7), (14, 128), (2, 2), (3, 1), (4, 14), (11, 1), (12, 3600)))
transform = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
proposal = struct.pack("!BBHBBBB", 0, 0, 8 + len(transform), 1, 1, 0, 1) + transform
sa = struct.pack("!II", 1, 1) + proposal
mm1 = struct.pack("!BBH", 0, 0, 4 + len(sa)) + sa
socks = []
for i in range(10, 40):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.0.3.%d" % i, 500))
    socks.append(s)
for n in range(16):
    for s in socks:
        s.sendto(os.urandom(8) + b"\0" * 8 + struct.pack("!BBBBII", 1, 0x10, 2, 0, 0, 28 + len(mm1)) + mm1, east)
    time.sleep(0.02)
print("sent 480 MM1s from 30 addresses")
PY
halfopen() { octl "$ED" status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["halfopen"])'; }
# The count rises to 480 (16 per address), then the ones made past 409 (a
# tenth of 4,096) go after 5 s while the rest stay for 60 s.  Polling
# until the test has run a minute is no timing assertion: with the old 60 s
# lifetime for all, the count would not fall in that time.
peak=0 left=0
for _ in $(seq 200); do
	n=$(halfopen)
	[ "$n" -gt "$peak" ] && peak=$n
	[ "$peak" -ge 470 ] && [ "$n" -le 420 ] && left=$n && break
	[ "$SECONDS" -lt 60 ] || break
	sleep 0.2
done
log "peak $peak half-open Main Modes from 30 addresses (at most 16 each), then $left"
[ "$peak" -ge 470 ] && [ "$peak" -le 480 ] || fail "peak of $peak half-open Main Modes (480 expected)"
[ "$left" -ge 400 ] && [ "$left" -le 420 ] ||
	fail "$(halfopen) half-open Main Modes left: the late ones should go after 5 s, the early ones stay"
assert_log "$ED" 'did not send Main Mode message 3 in time: forgotten'
stop_oakleyd "$ED"
log ok
