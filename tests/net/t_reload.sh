#!/bin/bash
# Reload while an auto=start bring-up is pending (defect 7): the bring-up's
# callback must not refer into the configuration the reload freed.  East
# is silent, so west's Main Mode retransmits; two reloads (oakleyctl and
# SIGHUP) happen meanwhile, then the bring-up gives up and reports it.
# Under ASan the old code died with heap-use-after-free in auto_start_done.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
conf() {
	printf 'config setup\n\tdataplane=none\n\tretransmit_timeout=0.3\n\tretransmit_tries=3\n\n'
	printf 'conn %s\n\tleft=%s\n\tright=%s\n\tauto=start\n\n' "$1" "$WEST" "$EAST"
}
conf silent >"$WD/ipsec.conf"
write_secrets "$WD" "nobody answers"
start_oakleyd "$W" "$WD"
wait_for 10 grep -q 'retransmit' "$WD/oakleyd.log" || fail "no retransmission of MM1"

# A new configuration with other names: the old one's memory goes away.
conf renamed >"$WD/ipsec.conf"
octl "$WD" reload | grep -q 'configuration reloaded' || fail "reload failed"
kill -HUP "$(cat "$WD/oakleyd.pid")"
wait_for 20 grep -Eq 'auto=start failed|ERROR: AddressSanitizer' "$WD/oakleyd.log" ||
	fail "the pending auto=start never finished: $(tail -n 20 "$WD/oakleyd.log")"
grep -q 'ERROR: AddressSanitizer' "$WD/oakleyd.log" &&
	fail "$(grep -A3 'ERROR: AddressSanitizer' "$WD/oakleyd.log")"
assert_log "$WD" 'silent: auto=start failed'
[ "$(grep -c 'configuration reloaded' "$WD/oakleyd.log")" -eq 2 ] ||
	fail "expected two reloads in the log"
# The renamed connection is the one the daemon knows now.
octl "$WD" status | grep -q renamed || fail "status does not show the reloaded conn"
stop_oakleyd "$WD"

# Relative -f/-s/-c paths on a daemon that forks into the background (it
# moves to /): a reload later must still find the files the operator meant.
conf relative >"$WD/ipsec.conf"
rel_ctl=relative-$$.sock
(cd "$WD" && ip netns exec "$W" "$OAKLEYD" -f ipsec.conf -s ipsec.secrets -c "$rel_ctl") ||
	fail "oakleyd did not start in the background with relative paths"
wait_for 20 test -S "$WD/$rel_ctl" || fail "no control socket at $WD/$rel_ctl"
# The daemon is the one that is not root (its root helper goes with it).
bg=""
for p in $(ip netns pids "$W"); do
	[ "$(readlink "/proc/$p/exe")" = "$(realpath "$OAKLEYD")" ] && LIB_PIDS+=("$p") &&
		[ "$(stat -c %u "/proc/$p")" != 0 ] && bg=$p
done
[ -n "$bg" ] || fail "no unprivileged oakleyd in $W"
conf relative2 >"$WD/ipsec.conf"
out=$("$OAKLEYCTL" -c "$WD/$rel_ctl" reload 2>&1) || fail "reload with relative paths: $out"
"$OAKLEYCTL" -c "$WD/$rel_ctl" status | grep -q relative2 || fail "the reload did not read $WD/ipsec.conf"
kill -TERM "$bg"
wait_for 10 sh -c "! test -S '$WD/$rel_ctl'" || fail "the background daemon did not stop"
log ok
