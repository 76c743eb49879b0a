#!/bin/bash
# oakleyd drops root once its sockets and files are open: the process that
# parses packets runs as the user oakley (nobody, with a warning, where
# there is none) with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only, empty
# ambient and inheritable sets, a bounding set of those two, no_new_privs
# and a seccomp filter (Seccomp: 2); a privileged helper does reloads and captures.
# Then a tunnel, a reload and capture on/off must all still work, and
# status must show the privileges.
. "$(dirname "$0")/oakley.sh"

if getent passwd oakley >/dev/null; then
	USER_EXPECTED=oakley
else
	USER_EXPECTED=nobody
fi
UID_EXPECTED=$(id -u "$USER_EXPECTED")
GID_EXPECTED=$(getent passwd "$USER_EXPECTED" | cut -d: -f4)
CAPS=0000000000001400 # CAP_NET_BIND_SERVICE (10) | CAP_NET_ADMIN (12)

two_gateways v4
for d in "$WD" "$ED"; do
	printf 'config setup\n\tdataplane=none\n\tretransmit_timeout=0.3\n\n' >"$d/ipsec.conf"
	printf 'conn site\n\tleft=%s\n\tright=%s\n\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.2.0.0/24\n\tauto=add\n\n' \
		"$WEST" "$EAST" >>"$d/ipsec.conf"
	write_secrets "$d" "privileges"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"
pid=$(cat "$WD/oakleyd.pid")

# field NAME: the value of NAME: in the daemon's /proc status.
field() { awk -v k="$1:" '$1 == k { print $2; exit }' "/proc/$pid/status"; }
[ "$(field Uid)" = "$UID_EXPECTED" ] || fail "uid $(grep Uid "/proc/$pid/status"), expected $UID_EXPECTED"
[ "$(field Gid)" = "$GID_EXPECTED" ] || fail "gid $(grep Gid "/proc/$pid/status"), expected $GID_EXPECTED"
grep -Eq "^Uid:\s+$UID_EXPECTED\s+$UID_EXPECTED\s+$UID_EXPECTED\s+$UID_EXPECTED\$" "/proc/$pid/status" ||
	fail "real, effective, saved and fs uids differ: $(grep Uid "/proc/$pid/status")"
[ "$(grep '^Groups:' "/proc/$pid/status" | awk '{print $2}')" = "$GID_EXPECTED" ] ||
	fail "supplementary groups: $(grep Groups "/proc/$pid/status")"
for k in CapEff CapPrm CapBnd; do
	[ "$(field $k)" = "$CAPS" ] || fail "$k is $(field $k), expected $CAPS"
done
for k in CapInh CapAmb; do
	[ "$(field $k)" = 0000000000000000 ] || fail "$k is $(field $k), expected 0"
done
[ "$(field NoNewPrivs)" = 1 ] || fail "NoNewPrivs is $(field NoNewPrivs)"
[ "$(field Seccomp)" = 2 ] || fail "Seccomp is $(field Seccomp), expected 2 (a filter)"
[ "$USER_EXPECTED" = oakley ] || assert_log "$WD" "there is no user 'oakley': running as 'nobody' instead"
log "daemon $pid: $(grep -E '^(Uid|Gid|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "/proc/$pid/status" | tr -s '\t ' ' ' | tr '\n' ';')"

# The helper is root, a child of the daemon, and touches no socket but its channel.
helper=$(pgrep -P "$pid") || fail "no privileged helper under $pid"
[ "$(awk '$1 == "Uid:" {print $2}' "/proc/$helper/status")" = 0 ] || fail "the helper is not root"
n=$(find "/proc/$helper/fd" -lname 'socket:*' | wc -l)
[ "$n" -eq 1 ] || fail "the helper holds $n sockets, expected its channel only"

# Status says it, in text and JSON.
octl "$WD" status | grep -q "^Privileges: user $USER_EXPECTED (uid $UID_EXPECTED, gid $GID_EXPECTED), capabilities cap_net_admin,cap_net_bind_service, no_new_privs on, seccomp on, privileged helper pid $helper" ||
	fail "status: $(octl "$WD" status | head -n 2)"
octl "$WD" status --json | python3 -c '
import json, sys
p = json.load(sys.stdin)["privileges"]
assert p["dropped"] and p["uid"] == int(sys.argv[1]), p
assert p["capabilities"] == "cap_net_admin,cap_net_bind_service", p
assert p["no_new_privs"] and p["seccomp"] and p["helper_pid"] > 0, p
' "$UID_EXPECTED" || fail "status --json privileges"

# A tunnel, a reload that adds a connection, the new one up too.
octl "$WD" up site >/dev/null || fail "up site failed"
for d in "$WD" "$ED"; do
	printf 'conn second\n\tleft=%s\n\tright=%s\n\tleftsubnet=10.1.9.0/24\n\trightsubnet=10.2.9.0/24\n\tauto=add\n\n' \
		"$WEST" "$EAST" >>"$d/ipsec.conf"
	octl "$d" reload | grep -q 'configuration reloaded' || fail "reload in $d failed"
done
octl "$WD" up second >/dev/null || fail "up second (after the reload) failed"
[ "$(octl "$WD" status --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ipsec_sas"]))')" -eq 2 ] ||
	fail "expected 2 IPsec SAs"
# A reload that fails keeps the running configuration, and says why.
cp "$WD/ipsec.conf" "$T_OUT/good.conf"
printf '\tbogus=1\n' >>"$WD/ipsec.conf"
out=$(octl "$WD" reload 2>&1) && fail "a reload of a broken configuration succeeded"
echo "$out" | grep -q "ipsec.conf:[0-9]*: " || fail "the refused reload says: $out"
log "refused reload: $out"
cp "$T_OUT/good.conf" "$WD/ipsec.conf"
chmod 640 "$WD/ipsec.secrets"
out=$(octl "$WD" reload 2>&1) && fail "a reload with a group-readable secrets file succeeded"
echo "$out" | grep -q "(mode 0640): refusing to use it (chmod 600 $WD/ipsec.secrets)" ||
	fail "the refused reload says: $out"
log "refused reload: $out"
chmod 600 "$WD/ipsec.secrets"
kill -HUP "$pid"
# A function, so that wait_for counts again on each try (an argument
# "$(grep ...)" would be counted once, before the daemon saw the signal).
reloads_logged() { [ "$(grep -c 'configuration reloaded' "$WD/oakleyd.log")" -ge "$1" ]; }
wait_for 10 reloads_logged 2 || fail "SIGHUP did not reload"

# capture on FILE: opened by the helper, written by the daemon.
mkdir -m 700 "$T_OUT/cap"
octl "$WD" capture on "$T_OUT/cap/privs.pcap" >/dev/null || fail "capture on failed"
octl "$WD" down second >/dev/null
octl "$WD" up second >/dev/null || fail "up second with capture failed"
octl "$WD" capture off >/dev/null || fail "capture off failed"
[ "$(stat -c '%U %a' "$T_OUT/cap/privs.pcap")" = "root 600" ] ||
	fail "the capture is $(stat -c '%U %a' "$T_OUT/cap/privs.pcap"), expected root's, mode 600"
n=$(tshark -r "$T_OUT/cap/privs.pcap" -Y isakmp -T fields -e frame.number 2>/dev/null | wc -l)
[ "$n" -ge 2 ] || fail "the capture holds $n ISAKMP messages"
out=$(octl "$WD" capture on "$T_OUT/cap/not-a-capture.conf" 2>&1) && fail "capture on a .conf accepted"
echo "$out" | grep -q 'must end in .pcap' || fail "refusal says: $out"
[ ! -e "$T_OUT/cap/not-a-capture.conf" ] || fail "the refused file was created"
# Nor does root make a directory at a path the daemon names.
out=$(octl "$WD" capture on "$T_OUT/cap/new-dir/x.pcap" 2>&1) && fail "capture in a new directory accepted"
echo "$out" | grep -q 'no such directory' || fail "refusal says: $out"
[ ! -e "$T_OUT/cap/new-dir" ] || fail "the helper made $T_OUT/cap/new-dir"
log "capture: $n ISAKMP messages; refused: $out"

sock=$(ctl_sock "$WD")
stop_oakleyd "$WD"
stop_oakleyd "$ED"
[ ! -e "$sock" ] || fail "the control socket $sock is left behind"
kill -0 "$helper" 2>/dev/null && fail "the helper $helper outlived the daemon"
log ok
