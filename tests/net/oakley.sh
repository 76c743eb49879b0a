# oakleyd helpers for scenarios (bash), on top of tests/vm/lib.sh.
#   . "$(dirname "$0")/../net/oakley.sh"     (from tests/vm)
#   . "$(dirname "$0")/oakley.sh"            (from tests/net)
# BUILD (the build dir with oakleyd and oakleyctl) comes from $1.

. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"

[ -n "$BUILD" ] || fail "usage: $0 BUILD_DIR"
OAKLEYD=$BUILD/oakleyd
OAKLEYCTL=$BUILD/oakleyctl
[ -x "$OAKLEYD" ] || fail "no $OAKLEYD: build first"
# Sanitizer runs: a leak or error fails the daemon's exit, which we check.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The control socket of the daemon of DIR: on a local tmpfs, since T_OUT
# may be a 9p share (in the VM) where sockets do not work.
ctl_sock() { echo "/tmp/oakley-$$-$(basename "$1").sock"; }

# start_oakleyd NS DIR [ARGS...]: oakleyd -d with DIR/ipsec.conf and
# DIR/ipsec.secrets, log DIR/oakleyd.log.
start_oakleyd() {
	local ns=$1 dir=$2
	shift 2
	chmod 600 "$dir/ipsec.secrets"
	ip netns exec "$ns" "$OAKLEYD" -d -v -f "$dir/ipsec.conf" -s "$dir/ipsec.secrets" \
		-c "$(ctl_sock "$dir")" "$@" </dev/null >"$dir/oakleyd.log" 2>&1 &
	echo $! >"$dir/oakleyd.pid"
	LIB_PIDS+=("$!")
	wait_for 20 test -S "$(ctl_sock "$dir")" ||
		fail "oakleyd in $ns did not start: $(tail -n 20 "$dir/oakleyd.log")"
}

# octl DIR ARGS...: oakleyctl against the daemon of DIR.
octl() {
	local dir=$1
	shift
	"$OAKLEYCTL" -c "$(ctl_sock "$dir")" "$@"
}

# stop_oakleyd DIR: SIGTERM, wait, and fail if it did not exit cleanly
# (a sanitizer report makes the exit non-zero).
stop_oakleyd() {
	local dir=$1 pid rc=0
	pid=$(cat "$dir/oakleyd.pid")
	kill -TERM "$pid" 2>/dev/null || return 0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "oakleyd ($dir) exited with $rc: $(tail -n 30 "$dir/oakleyd.log")"
	if grep -q 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$dir/oakleyd.log"; then
		fail "sanitizer report in $dir/oakleyd.log"
	fi
}

# assert_log DIR REGEX: the daemon's log says it.
assert_log() {
	grep -Eq -- "$2" "$1/oakleyd.log" ||
		fail "expected /$2/ in $1/oakleyd.log; it ends: $(tail -n 15 "$1/oakleyd.log")"
}

# Two gateways west and east on one veth, each with oakleyd.  Sets W and E
# (namespace names) and WD, ED (their directories).
#   two_gateways v4|v6
two_gateways() {
	W=w$$ E=e$$
	WD=$T_OUT/west ED=$T_OUT/east
	mkdir -p "$WD" "$ED"
	make_ns "$W"
	make_ns "$E"
	if [ "$1" = v6 ]; then
		WEST=2001:db8::1 EAST=2001:db8::2
		IFA=wan IFB=wan link_ns "$W" "$WEST/64" "$E" "$EAST/64"
		ip netns exec "$W" sysctl -qw net.ipv6.conf.all.accept_dad=0 || true
		# DAD would hold the address "tentative" for a second.
		ip -n "$W" addr change "$WEST/64" dev wan nodad
		ip -n "$E" addr change "$EAST/64" dev wan nodad
		wait_for 5 sh -c "! ip -n $W -6 addr show tentative | grep -q inet6 &&
			! ip -n $E -6 addr show tentative | grep -q inet6" ||
			fail "IPv6 addresses stay tentative"
		ping_ok "$W" "$WEST" "$EAST" || fail "no IPv6 path between the gateways"
	else
		WEST=192.0.2.1 EAST=192.0.2.2
		IFA=wan IFB=wan link_ns "$W" "$WEST/24" "$E" "$EAST/24"
		ping_ok "$W" "$WEST" "$EAST" || fail "no IPv4 path between the gateways"
	fi
}

# write_secrets DIR SECRET
write_secrets() {
	printf '%s %s : PSK "%s"\n' "$WEST" "$EAST" "$2" >"$1/ipsec.secrets"
}
