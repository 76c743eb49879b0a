#!/bin/bash
# oakleyctl status at scale: 600 tunnels (each its own IDs, dataplane=none)
# give a listing far larger than the control socket's buffer.  The whole
# listing arrives, in text and JSON; status NAME shows one connection;
# status --summary counts them; a client that stops reading its listing
# does not stop the daemon from answering another meanwhile, and gets the
# rest when it reads again.  Also "up" of several names in one process.
. "$(dirname "$0")/oakley.sh"

N=${T_STATUS_N:-600}
two_gateways v4
for d in "$WD" "$ED"; do
	printf 'config setup\n\tdataplane=none\n\n' >"$d/ipsec.conf"
	for i in $(seq 1 "$N"); do
		printf 'conn c%s\n\tleft=%s\n\tleftid=@c%s.west\n\tleftsubnet=10.%s.%s.0/24\n\tright=%s\n\trightid=@c%s.east\n\trightsubnet=10.200.%s.%s/32\n\tike=aes128-sha1-ecp256!\n\tesp=aes128-sha1!\n\tauto=add\n\n' \
			"$i" "$WEST" "$i" $((i / 250)) $((i % 250)) "$EAST" "$i" $((i / 250)) $((i % 250)) >>"$d/ipsec.conf"
	done
	write_secrets "$d" "status at scale"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

# One name: the old output, unchanged.
out=$(octl "$WD" up c1) || fail "up c1: $out"
[ "$out" = established ] || fail "up c1 said: $out (not the single-name output)"
# Several names, one process, one line each; a failure makes the exit 1.
if octl "$WD" up c1 nosuch >"$T_OUT/up-bad.out" 2>"$T_OUT/up-bad.err"; then
	fail "up of an unknown name among others exited 0"
fi
grep -q "^nosuch: no connection named 'nosuch'" "$T_OUT/up-bad.err" || fail "up nosuch: $(cat "$T_OUT/up-bad.err")"
grep -q '^c1: ' "$T_OUT/up-bad.out" || fail "up c1 nosuch: no line for c1: $(cat "$T_OUT/up-bad.out")"

log "bringing up $N tunnels"
# Half the names on the command line, half on stdin.
# shellcheck disable=SC2046
octl "$WD" up $(seq -f 'c%g' 1 $((N / 2))) >"$T_OUT/up1.out" 2>"$T_OUT/up1.err" ||
	fail "up of $((N / 2)): $(tail -n 5 "$T_OUT/up1.err") $(tail -n 1 "$T_OUT/up1.out")"
grep -q "^$((N / 2)) of $((N / 2)) up, 0 failed$" "$T_OUT/up1.out" || fail "up: $(tail -n 1 "$T_OUT/up1.out")"
[ "$(grep -c '^c[0-9]*: ' "$T_OUT/up1.out")" -eq $((N / 2)) ] || fail "up: not one line per name"
seq -f 'c%g' $((N / 2 + 1)) "$N" | octl "$WD" up - >"$T_OUT/up.out" 2>"$T_OUT/up.err" ||
	fail "up of $N: $(tail -n 5 "$T_OUT/up.err") $(tail -n 1 "$T_OUT/up.out")"
grep -q "^$((N - N / 2)) of $((N - N / 2)) up, 0 failed$" "$T_OUT/up.out" || fail "up -: $(tail -n 1 "$T_OUT/up.out")"
log "$(tail -n 1 "$T_OUT/up.out")"

# The whole listing, on both sides.
for d in "$WD" "$ED"; do
	octl "$d" status >"$T_OUT/status.txt" || fail "status failed"
	n=$(grep -c 'ESP tunnel' "$T_OUT/status.txt" || true)
	log "$(basename "$d"): status: $(wc -c <"$T_OUT/status.txt") bytes, $n IPsec SAs"
	[ "$n" -eq "$N" ] || fail "status shows $n IPsec SAs of $N ($(wc -c <"$T_OUT/status.txt") bytes)"
	[ "$(grep -c ': established, ' "$T_OUT/status.txt")" -eq "$N" ] || fail "status: not $N ISAKMP SAs"
	grep -q '^  half-open: 0;' "$T_OUT/status.txt" || fail "status: no half-open line"
	octl "$d" status --json >"$T_OUT/$(basename "$d").json" || fail "status --json failed"
done

# Counts.
octl "$ED" status --summary >"$T_OUT/summary.txt" || fail "status --summary failed"
cat "$T_OUT/summary.txt"
for want in "connections: $N" "isakmp_sas_established: $N" "isakmp_sas_negotiating: 0" \
	"ipsec_sas: $N" "quick_modes_negotiating: 0" "half_open: 0" "last_failures: 0"; do
	grep -qx "$want" "$T_OUT/summary.txt" || fail "status --summary: no '$want'"
done
octl "$WD" status --summary --json >"$T_OUT/summary.json" || fail "status --summary --json failed"

# One connection.
octl "$WD" status c7 >"$T_OUT/c7.txt" || fail "status c7 failed"
cat "$T_OUT/c7.txt"
grep -q '^  c7: 192.0.2.1 \[c7.west\] 10.0.7.0/24 ... 192.0.2.2 \[c7.east\] 10.200.0.7/32' "$T_OUT/c7.txt" ||
	fail "status c7: no connection line"
grep -q '^  #[0-9]* c7: established, initiator' "$T_OUT/c7.txt" || fail "status c7: no ISAKMP SA"
[ "$(grep -c 'ESP tunnel' "$T_OUT/c7.txt")" -eq 1 ] || fail "status c7: not one IPsec SA"
[ "$(grep -c '^  #' "$T_OUT/c7.txt")" -eq 2 ] || fail "status c7 shows other connections' SAs"
octl "$WD" status --json c7 >"$T_OUT/c7.json" || fail "status --json c7 failed"
# Every JSON answer, in one interpreter (it is slow to start under load).
python3 - "$T_OUT" "$N" <<'PY' || fail "status --json: $(cat "$T_OUT/json.err")"
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
try:
    for side in ("west", "east"):
        s = json.load(open(f"{out}/{side}.json"))
        for k in ("connections", "ike_sas", "ipsec_sas"):
            assert len(s[k]) == n, f"{side}: {len(s[k])} {k} of {n}"
        assert len({c["serial"] for c in s["ipsec_sas"]}) == n, f"{side}: serials repeat"
    s = json.load(open(f"{out}/summary.json"))
    assert s["ipsec_sas"] == n and s["isakmp_sas_established"] == n and s["connections"] == n, s
    s = json.load(open(f"{out}/c7.json"))
    assert [c["name"] for c in s["connections"]] == ["c7"], s
    assert [x["connection"] for x in s["ike_sas"]] == ["c7"], s
    assert [x["connection"] for x in s["ipsec_sas"]] == ["c7"], s
except Exception as e:
    open(f"{out}/json.err", "w").write(repr(e))
    raise
PY
if octl "$WD" status nosuch >/dev/null 2>"$T_OUT/nosuch.err"; then
	fail "status of an unknown connection exited 0"
fi
grep -qx "no connection named 'nosuch'" "$T_OUT/nosuch.err" || fail "status nosuch: $(cat "$T_OUT/nosuch.err")"

# A client that asks for the listing and stops reading: others are answered
# meanwhile, and it gets the whole listing when it reads again.  Another
# asks and hangs up at once.
python3 - "$(ctl_sock "$ED")" "$T_OUT/slow.out" "$T_OUT/slow.ready" "$T_OUT/slow.go" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(b"status\n")
h = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
h.connect(sys.argv[1])
h.sendall(b"status --json\n")
h.close()
open(sys.argv[3], "w").close()
for _ in range(600):
    if os.path.exists(sys.argv[4]):
        break
    time.sleep(0.1)
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
open(sys.argv[2], "wb").write(data)
PY
slow=$!
wait_for 30 test -e "$T_OUT/slow.ready" || fail "the slow client did not start"
t0=$(now_ms)
timeout 10 "$OAKLEYCTL" -c "$(ctl_sock "$ED")" status --summary >"$T_OUT/during.txt" ||
	fail "status --summary not answered while a client stalls"
timeout 10 "$OAKLEYCTL" -c "$(ctl_sock "$ED")" status >"$T_OUT/during-full.txt" ||
	fail "status not answered while a client stalls"
log "answered in $(( $(now_ms) - t0 )) ms while a client stalled"
touch "$T_OUT/slow.go"
grep -qx "ipsec_sas: $N" "$T_OUT/during.txt" || fail "status --summary meanwhile: $(cat "$T_OUT/during.txt")"
[ "$(grep -c 'ESP tunnel' "$T_OUT/during-full.txt")" -eq "$N" ] || fail "status meanwhile was cut"
wait "$slow" || fail "the slow client failed"
n=$(grep -c 'ESP tunnel' "$T_OUT/slow.out" || true)
[ "$n" -eq "$N" ] || fail "the slow client got $n IPsec SAs of $N"
head -n 1 "$T_OUT/slow.out" | grep -qx OK || fail "the slow client's reply does not start with OK"

octl "$WD" down c3 >/dev/null || fail "down c3"
wait_for 5 sh -c "'$OAKLEYCTL' -c '$(ctl_sock "$ED")' status --summary | grep -qx 'ipsec_sas: $((N - 1))'" ||
	fail "the responder's summary does not count $((N - 1)) IPsec SAs after down"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log "ok"
