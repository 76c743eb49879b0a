#!/bin/bash
# oakleyd as the unit runs it, without systemd: the bounding set and
# no_new_privs read from the generated oakleyd.service (setpriv applies
# them), a stand-in notify socket (notify_listen.py) in NOTIFY_SOCKET, a
# network namespace of its own.  READY=1 with STATUS= after start; a reload
# by oakleyctl (ExecReload) brackets RELOADING=1 ... READY=1 and exits 0,
# a refused one exits 1 with the reason; SIGHUP still reloads; SIGTERM
# sends STOPPING=1 and oakleyd exits 0.  It also proves the privilege drop
# works inside CapabilityBoundingSet=.
set -u
cd "$(dirname "$0")/../.."
. tests/install/lib.sh
out=${1:?usage: t_notify.sh BUILD_DIR}
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! command -v python3 >/dev/null; then
	echo "SKIP - t_notify needs root, setpriv and python3"
	echo "install-notify: 0 passed, 0 failed (skipped)"
	exit 0
fi
tmp=$(mktemp -d)
chmod 755 "$tmp" # the notify socket is reached after the drop, as /run/systemd/notify is
lp= dp=
cleanup() {
	[ -n "$dp" ] && kill "$dp" 2>/dev/null
	[ -n "$lp" ] && kill "$lp" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

make -s --no-print-directory "$out/oakleyd.service" >/dev/null
unit=$out/oakleyd.service
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_/+/p' | paste -sd, -)
check "the unit names a bounding set" test -n "$caps"
nnp=
grep -qx 'NoNewPrivileges=yes' "$unit" && nnp=--no-new-privs

printf 'config setup\n\tdataplane=none\n' >"$tmp/ipsec.conf"
install -m 0600 /dev/null "$tmp/ipsec.secrets"
python3 tests/install/notify_listen.py "$tmp/notify" "$tmp/notify.log" &
lp=$!
for _ in $(seq 50); do grep -q LISTENING "$tmp/notify.log" 2>/dev/null && break; sleep 0.1; done

# wait_for PATTERN: a notify line matching PATTERN, within 10 s
wait_for() {
	local i
	for i in $(seq 100); do
		grep -qE "$1" "$tmp/notify.log" && return 0
		sleep 0.1
	done
	return 1
}

NOTIFY_SOCKET=$tmp/notify unshare -n setpriv --bounding-set "-all,$caps" $nnp \
	"$out/oakleyd" -d -f "$tmp/ipsec.conf" -s "$tmp/ipsec.secrets" -c "$tmp/ctl.sock" \
	2>"$tmp/oakleyd.log" &
dp=$!
check "READY=1 with STATUS= once started" wait_for '^READY=1\|STATUS=0 connections, IKE on UDP port 500$'
check "privileges dropped inside the unit's bounding set" \
	grep -q 'running as .* with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE under a seccomp filter' "$tmp/oakleyd.log"

"$out/oakleyctl" -c "$tmp/ctl.sock" reload >"$tmp/reload.out" 2>&1
check "oakleyctl reload (ExecReload): exit 0" test $? -eq 0
check "reload: RELOADING=1 with MONOTONIC_USEC, then READY=1" \
	bash -c "grep -A1 -E '^RELOADING=1\|MONOTONIC_USEC=[0-9]+$' '$tmp/notify.log' | grep -qx 'READY=1|STATUS=0 connections'"

printf 'conn broken\n\tnot-a-key=1\n' >>"$tmp/ipsec.conf"
"$out/oakleyctl" -c "$tmp/ctl.sock" reload >"$tmp/refused.out" 2>&1
check "a refused reload: oakleyctl exits 1" test $? -eq 1
check "a refused reload: oakleyctl says why" grep -q "not-a-key" "$tmp/refused.out"
check "a refused reload: READY=1 again, STATUS= says why" wait_for '^READY=1\|STATUS=reload refused.*not-a-key'

n=$(grep -c '^RELOADING=1' "$tmp/notify.log")
kill -HUP "$dp"
check "SIGHUP reloads too (RELOADING=1 once more)" \
	bash -c "for i in \$(seq 100); do [ \$(grep -c '^RELOADING=1' '$tmp/notify.log') -gt $n ] && exit 0; sleep 0.1; done; exit 1"

kill -TERM "$dp"
wait "$dp"
rc=$?
dp=
check "SIGTERM: STOPPING=1" wait_for '^STOPPING=1$'
check "SIGTERM: oakleyd exits 0" test $rc -eq 0
check "nothing but notify lines on the socket" \
	bash -c "! grep -vE '^(LISTENING|READY=1\|STATUS=.*|RELOADING=1\|MONOTONIC_USEC=[0-9]+|STOPPING=1)$' '$tmp/notify.log'"
[ "$fail" -eq 0 ] || { cat "$tmp/notify.log" "$tmp/oakleyd.log"; }
finish install-notify
