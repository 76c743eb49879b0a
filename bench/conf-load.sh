#!/bin/bash
# Configuration load time: N connections (default 100,000), each to its own
# peer address with its own IDs, read by oakleyd at start and again by
# `oakleyctl reload` (through the privileged helper when run as root).
# Prints the times; not a test: no assertion on the figures.
#   bench/conf-load.sh [BUILD_DIR] [N]
# PERF_OUT=DIR runs oakleyd under `perf record` (cpu-clock, call graphs)
# and leaves DIR/start.data, then records the daemon and its helper during
# the reload into DIR/reload.data: `perf report -i DIR/start.data
# --no-children`.  The times then include perf's own cost.
set -eu
cd "$(dirname "$0")/.."
BUILD=$(realpath "${1:-build}")
N=${2:-100000}
[ -x "$BUILD/oakleyd" ] || make -s all >/dev/null
export T_NAME=conf-load
. tests/net/oakley.sh "$BUILD"

two_gateways v4
gen_start=$(now_ms)
# Peers 10.a.b.c, one per conn; every 7th conn is right=%any with its own
# rightid, every 11th auto=ignore: the lookups the daemon builds see them all.
awk -v n="$N" -v west="$WEST" 'BEGIN {
	printf "config setup\n\tdataplane=none\n\nconn %%default\n\tleft=%s\n\tike=aes128-sha256-ecp256!\n\tesp=aes128-sha256!\n\tauto=add\n\n", west
	for (i = 1; i <= n; i++) {
		right = (i % 7 == 0) ? "%any" : sprintf("10.%d.%d.%d", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
		printf "conn c%d\n\tleftid=@c%d.west\n\tleftsubnet=10.250.%d.%d/32\n\tright=%s\n\trightid=@c%d.east\n", i, i, int(i / 256) % 256, i % 256, right, i
		if (i % 11 == 0)
			printf "\tauto=ignore\n"
		printf "\n"
	}
}' >"$WD/ipsec.conf"
printf ': PSK "conf-load bench"\n' >"$WD/ipsec.secrets"
log "generated $N connections ($(wc -c <"$WD/ipsec.conf") bytes) in $(($(now_ms) - gen_start)) ms"

sock=$(ctl_sock "$WD")
start=$(now_ms)
chmod 600 "$WD/ipsec.secrets"
perf_cmd=()
if [ -n "${PERF_OUT:-}" ]; then
	mkdir -p "$PERF_OUT"
	rm -f "$PERF_OUT"/conf-load.data*
	# SIGUSR2 makes perf write what it has to a new file and go on.
	perf_cmd=(perf record -q -e cpu-clock -F 4000 -g --switch-output=signal
		-o "$PERF_OUT/conf-load.data" --)
fi
ip netns exec "$W" ${perf_cmd[@]+"${perf_cmd[@]}"} "$OAKLEYD" -d -f "$WD/ipsec.conf" \
	-s "$WD/ipsec.secrets" -c "$sock" </dev/null >"$WD/oakleyd.log" 2>&1 &
echo $! >"$WD/oakleyd.pid"
LIB_PIDS+=("$!")
# perf_cut NAME: the profile so far becomes PERF_OUT/NAME.data.
perf_cut() {
	local pid=$(cat "$WD/oakleyd.pid") f
	[ -n "${PERF_OUT:-}" ] || return 0
	kill -USR2 "$pid"
	until f=$(ls "$PERF_OUT"/conf-load.data.[0-9]* 2>/dev/null) && [ -n "$f" ]; do sleep 0.05; done
	sleep 0.2
	mv "$f" "$PERF_OUT/$1.data"
}
# Up once it answers a command: the configuration is loaded and the
# daemon's lookups are built.
until [ -S "$sock" ] && octl "$WD" down no-such-conn 2>&1 | grep -q 'no connection named'; do
	kill -0 "$(cat "$WD/oakleyd.pid")" 2>/dev/null || fail "oakleyd died: $(tail -n 5 "$WD/oakleyd.log")"
	sleep 0.01
done
started=$(now_ms)
daemon_pid=$(cat "$WD/oakleyd.pid")
[ -z "${PERF_OUT:-}" ] || daemon_pid=$(pgrep -P "$daemon_pid" -x oakleyd | head -n 1)
helper_pid=$(pgrep -P "$daemon_pid" | head -n 1)
# CPU time (user + system, ms) of the daemon and its helper: on a shared
# machine the wall times above wait for the CPU, these do not.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{t += $14 + $15} END {print int(t * 1000 / hz)}' \
	/proc/"$daemon_pid"/stat ${helper_pid:+/proc/"$helper_pid"/stat}; }
start_cpu=$(cpu_ms)
perf_cut start
if [ -n "${PERF_OUT:-}" ]; then
	# Attached to both (the helper forked into the start profile, where
	# a cut would leave its samples without symbols).
	# Started disabled and enabled through its control FIFO, whose
	# acknowledgement says that it counts: on a busy machine attaching
	# takes a while, and a reload started before would be missed.
	rm -f "$WD/perf.ctl" "$WD/perf.ack"
	mkfifo "$WD/perf.ctl" "$WD/perf.ack"
	perf record -q -e cpu-clock -F 4000 -g -D -1 -p "$daemon_pid${helper_pid:+,$helper_pid}" \
		--control "fifo:$WD/perf.ctl,$WD/perf.ack" -o "$PERF_OUT/reload.data" 2>/dev/null &
	perf_reload=$!
	exec {perf_ctl}>"$WD/perf.ctl" {perf_ack}<"$WD/perf.ack"
	echo enable >&"$perf_ctl"
	read -r -u "$perf_ack" _
fi
reload_start=$(now_ms)
out=$(octl "$WD" reload) || fail "reload failed: $out"
reload_end=$(now_ms)
reload_cpu=$(($(cpu_ms) - start_cpu))
if [ -n "${PERF_OUT:-}" ]; then
	kill -INT "$perf_reload"
	wait "$perf_reload" || true
	exec {perf_ctl}>&- {perf_ack}<&-
fi
rss=$(awk '/VmRSS/ {print $2}' /proc/"$daemon_pid"/status)
loaded=$(grep -o 'configuration reloaded: [0-9]* connections' "$WD/oakleyd.log" | tail -n 1)
echo "conf-load: $N connections: oakleyd start $((started - start)) ms (CPU $start_cpu ms), oakleyctl reload $((reload_end - reload_start)) ms (CPU $reload_cpu ms) ($loaded), RSS $((rss / 1024)) MB"
if [ -n "${PERF_OUT:-}" ]; then
	kill -INT "$(cat "$WD/oakleyd.pid")"
	wait "$(cat "$WD/oakleyd.pid")" || true
	rm -f "$PERF_OUT"/conf-load.data*
else
	stop_oakleyd "$WD"
fi
