#!/bin/bash
# Side by side, in one run, interleaved: tunnel setup rate and responder
# memory per tunnel (IKEv1 PSK Main Mode + Quick Mode, no kernel install),
# both peers in network namespaces on this machine:
#   load-oakley   oakley-load -> oakleyd responder
#   load-charon   oakley-load -> strongSwan charon responder (Debian's)
#   oakley-pair   oakleyd -> oakleyd (the plain daemon initiates:
#                 `oakleyctl up` of each connection, C at a time)
# Each (kind, group) runs ROUNDS times; the table shows the median rate and
# memory, and the ratio oakley responder / charon responder.  Not a test:
# nothing is asserted on the figures.
#   bench/compare.sh [-n N] [-c C] [-p NPAIR] [-g "GROUPS"] [-r ROUNDS] [-k "KINDS"] [-S "KEY=VALUE ..."] [-b BASE] [-P] [BUILD]
# N tunnels for the load generator (default 2000), NPAIR for oakley-pair
# (default 500: `oakleyctl status` output was cut off past ~600 SAs, the
# count here comes from the responder's log), C at a time (default 32; an
# oakleyd responder admits 64 half-open SAs from one named peer).  -P:
# perf (Debian's linux-perf) records the oakleyd responder and oakley-load
# during each load-oakley run and prints the top of both profiles.  -S:
# more config setup lines for every oakleyd and for oakley-load (-s), such
# as "threads=2 max_inflight=64" once those exist.  -b BASE: a second
# build (say, of the commit before a change) whose oakleyd and oakley-load
# run each oakley kind too, interleaved with BUILD's (kind "NAME@base"),
# for before/after figures taken under the same load.
set -eu
cd "$(dirname "$0")/.."
N=2000 C=32 NPAIR=500 DH_GROUPS="ecp256 modp2048" ROUNDS=3 KINDS="load-oakley load-charon oakley-pair oakley-auto" PERF= SETUP= BASE=
while getopts n:c:p:g:r:k:S:b:P opt; do
	case $opt in
	n) N=$OPTARG ;;
	c) C=$OPTARG ;;
	p) NPAIR=$OPTARG ;;
	g) DH_GROUPS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	k) KINDS=$OPTARG ;;
	P) PERF=1 ;;
	S) SETUP=$OPTARG ;;
	b) BASE=$(realpath "$OPTARG") ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
SETUP_LINES=$(for kv in $SETUP; do printf '\t%s\n' "$kv"; done)
LOAD_SETUP=()
for kv in $SETUP; do LOAD_SETUP+=(-s "$kv"); done
BUILD=$(realpath "${1:-build}")
[ -x "$BUILD/oakleyd" ] && [ -x "$BUILD/oakley-load" ] || make -s -j2 all bench >/dev/null
LOAD=$BUILD/oakley-load
if [ -n "$BASE" ] && ! { [ -x "$BASE/oakleyd" ] && [ -x "$BASE/oakley-load" ]; }; then
	echo "compare.sh: $BASE has no oakleyd or oakley-load (make all bench)" >&2
	exit 2
fi
PSK=bench-secret
export T_NAME=compare
. tests/net/oakley.sh "$BUILD"
command -v swanctl >/dev/null && [ -x /usr/lib/ipsec/charon ] ||
	fail "strongSwan is missing: apt-get install strongswan-charon strongswan-swanctl"

two_gateways v4 # west initiates, east responds
RESULTS=$T_OUT/results.tsv
: >"$RESULTS"

# A daemon that died (a seccomp kill, say) reads as 0 and says so.
rss_kb() {
	awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null && return 0
	echo "    process $1 is gone: $(grep -h 'is not allowed\| error: ' "$WD/oakleyd.log" "$ED/oakleyd.log" 2>/dev/null | tail -n 2)" >&2
	echo 0
}
# CPU time (user + system, all threads) of a process, in ms.  On a shared
# machine the rate depends on what else runs; the responder's CPU time per
# tunnel much less.
CLK_TCK=$(getconf CLK_TCK)
cpu_ms() { awk -v hz="$CLK_TCK" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# oakleyd without -v (a debug line per message would be what is measured).
oakleyd_up() {
	local ns=$1 dir=$2
	chmod 600 "$dir/ipsec.secrets"
	rm -f "$(ctl_sock "$dir")"
	ip netns exec "$ns" "$OAKLEYD" -d -f "$dir/ipsec.conf" -s "$dir/ipsec.secrets" \
		-c "$(ctl_sock "$dir")" </dev/null >"$dir/oakleyd.log" 2>&1 &
	echo $! >"$dir/oakleyd.pid"
	LIB_PIDS+=("$!")
	wait_for 20 test -S "$(ctl_sock "$dir")" ||
		fail "oakleyd in $ns did not start: $(tail -n 20 "$dir/oakleyd.log")"
}

oakleyd_down() {
	local pid
	pid=$(cat "$1/oakleyd.pid")
	kill -TERM "$pid" 2>/dev/null || return 0
	wait "$pid" || true
}

# The responder for load-oakley and oakley-pair: one connection that takes
# every initiator ID and every 10.0.0.0/8 host selector, as charon's does.
oakley_responder_conf() {
	local dir=$1 group=$2
	mkdir -p "$dir"
	cat >"$dir/ipsec.conf" <<EOF
config setup
	dataplane=none
	uniqueids=no
$SETUP_LINES

conn load
	left=$EAST
	leftsubnet=172.16.0.0/16
	right=$WEST
	rightid=%any
	rightsubnet=10.0.0.0/8
	ike=aes128-sha1-$group!
	esp=aes128-sha1!
	auto=add
EOF
	printf ': PSK "%s"\n' "$PSK" >"$dir/ipsec.secrets"
}

# The initiator of oakley-pair: what oakley-load builds in memory, as a file.
oakley_initiator_conf() {
	local dir=$1 group=$2 n=$3
	mkdir -p "$dir"
	printf 'config setup\n\tdataplane=none\n\tuniqueids=no\n%s\n\n' "$SETUP_LINES" >"$dir/ipsec.conf"
	awk -v n="$n" -v w="$WEST" -v e="$EAST" -v g="$group" 'BEGIN {
		for (i = 0; i < n; i++) {
			h = i + 1
			printf "conn t%d\n\tleft=%s\n\tleftid=@t%d.load\n\tleftsubnet=10.%d.%d.%d/32\n", i, w, i, int(h / 65536), int(h / 256) % 256, h % 256
			printf "\tright=%s\n\trightsubnet=172.16.0.0/16\n\tike=aes128-sha1-%s!\n\tesp=aes128-sha1!\n\tauto=add\n\n", e, g
		}
	}' >>"$dir/ipsec.conf"
	printf ': PSK "%s"\n' "$PSK" >"$dir/ipsec.secrets"
}

# charon as the load generator's responder.  kernel-netlink is loaded
# for SPIs, in a namespace: this kernel has no ESP, so each CHILD_SA's
# install fails after Quick Mode and charon deletes that CHILD_SA (its
# ISAKMP SA stays).  The hash table and per-peer half-open limits are
# raised, as strongSwan advises for load tests: one peer brings them all.
charon_responder_conf() {
	local dir=$1 group=$2
	mkdir -p "$dir"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	cat >"$dir/strongswan.conf" <<EOF
charon {
	load = random nonce openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici
	install_routes = no
	ikesa_table_size = 65536
	ikesa_table_segments = 16
	block_threshold = 1000000
	filelog {
		out {
			path = $dir/charon.log
			default = 1
		}
	}
}
swanctl {
	load = pem pkcs1 x509 pubkey openssl random
}
EOF
	cat >"$dir/swanctl.conf" <<EOF
connections {
	load {
		version = 1
		local_addrs = $EAST
		remote_addrs = $WEST
		proposals = aes128-sha1-$group
		local {
			auth = psk
			id = $EAST
		}
		remote {
			auth = psk
		}
		children {
			load {
				local_ts = 172.16.0.0/16
				remote_ts = 10.0.0.0/8
				esp_proposals = aes128-sha1
				mode = tunnel
			}
		}
	}
}
secrets {
	ike-load {
		secret = "$PSK"
	}
}
EOF
}

# perf_start NAME PID / perf_stop NAME: a profile of one process, its top printed.
perf_start() {
	perf record -q -F ${PERF_FREQ:-499} ${PERF_CALLGRAPH:--g} -p "$2" -o "$T_OUT/perf-$1.data" >/dev/null 2>&1 &
	PERF_PIDS+=("$!")
	LIB_PIDS+=("$!")
}
perf_stop() {
	local p
	for p in ${PERF_PIDS[@]+"${PERF_PIDS[@]}"}; do
		kill -INT "$p" 2>/dev/null || true
		wait "$p" || true
	done
	PERF_PIDS=()
}
perf_top() {
	echo "    perf: $1 (self time by object)"
	perf report -q -i "$T_OUT/perf-$1.data" --no-children -g none --sort dso 2>/dev/null |
		grep -v '^$' | head -n 6 | sed 's/^/    /'
	echo "    perf: $1 (self time, top 25)"
	perf report -q -i "$T_OUT/perf-$1.data" --no-children -g none --sort dso,symbol 2>/dev/null |
		grep -v '^$' | head -n 25 | sed 's/^/    /'
}
PERF_PIDS=()

# PAIR_PROBE="CMD": during each oakley-pair and oakley-auto run, CMD
# INITIATOR_PID RESPONDER_PID runs in the background (perf stat, strace
# -c ...), its output in $T_OUT/probe-KIND-GROUP.out and printed; it gets
# SIGTERM when the last tunnel is up.
probe_start() {
	PROBE_PID=
	[ -n "${PAIR_PROBE:-}" ] || return 0
	PROBE_OUT=$T_OUT/probe-$kind-$GROUP.out
	$PAIR_PROBE "$1" "$2" >"$PROBE_OUT" 2>&1 &
	PROBE_PID=$!
	LIB_PIDS+=("$PROBE_PID")
}
probe_stop() {
	[ -n "${PROBE_PID:-}" ] || return 0
	kill -TERM "$PROBE_PID" 2>/dev/null || true
	wait "$PROBE_PID" || true
	sed 's/^/    probe: /' "$PROBE_OUT"
	PROBE_PID=
}

# load_run PID: oakley-load in west holds its tunnels (-H) while the
# responder PID's memory is read.  Sets UP, RATE, RSS1.
load_run() {
	local pid=$1 out=$T_OUT/load.out lpid
	: >"$out"
	ip netns exec "$W" "$LOAD" -n "$N" -c "$C" -g "$GROUP" -k "$PSK" -l "$WEST" ${LOAD_SETUP[@]+"${LOAD_SETUP[@]}"} -H -q "$EAST" \
		>"$out" 2>"$T_OUT/load.err" &
	lpid=$!
	LIB_PIDS+=("$lpid")
	local tag=${kind#load-oakley}
	if [ -n "$PERF" ] && [ "${kind%@base}" = load-oakley ]; then
		perf_start "responder$tag" "$pid"
		perf_start "oakley-load$tag" "$lpid"
	fi
	until grep -q 'tunnels/s' "$out"; do
		kill -0 "$lpid" 2>/dev/null || fail "oakley-load died: $(cat "$T_OUT/load.err")"
		sleep 0.2
	done
	sleep 0.5 # the responder finishes its last Quick Modes
	RSS1=$(rss_kb "$pid")
	CPU1=$(cpu_ms "$pid")
	LOAD_CPU=$(cpu_ms "$lpid")
	if [ -n "$PERF" ] && [ "${kind%@base}" = load-oakley ]; then
		perf_stop
		perf_top "responder$tag"
		perf_top "oakley-load$tag"
		[ -z "${PERF_DIR:-}" ] || cp "$T_OUT/perf-responder$tag.data" "$T_OUT/perf-oakley-load$tag.data" "$PERF_DIR/"
	fi
	kill -TERM "$lpid"
	wait "$lpid" || true
	# A sanitizer build (BUILD=build/san) reports at exit.
	if grep -q 'Sanitizer\|runtime error' "$T_OUT/load.err"; then
		echo "    oakley-load: sanitizer report:"
		sed 's/^/    /' "$T_OUT/load.err" | head -n 40
	fi
	sed 's/^/    /' "$out"
	UP=$(sed -n 's/.*: \([0-9]*\) of [0-9]* tunnels up.*/\1/p' "$out")
	RATE=$(sed -n 's/.* = \([0-9]*\) tunnels\/s/\1/p' "$out")
	LOAD_US=$(awk -v c="$LOAD_CPU" -v n="$UP" 'BEGIN { printf "%.0f", (n ? c * 1000 / n : 0) }')
	echo "    oakley-load CPU $LOAD_CPU ms: $LOAD_US us per tunnel"
}

run_load_oakley() {
	local pid
	oakley_responder_conf "$ED" "$GROUP"
	oakleyd_up "$E" "$ED"
	pid=$(cat "$ED/oakleyd.pid")
	sleep 0.3
	RSS0=$(rss_kb "$pid")
	CPU0=$(cpu_ms "$pid")
	load_run "$pid"
	oakleyd_down "$ED"
}

run_load_charon() {
	local pid
	rm -f "$ED/charon.log"
	charon_responder_conf "$ED" "$GROUP"
	start_charon "$E" "$ED"
	swanctl_in "$E" "$ED" --load-all --file "$ED/swanctl.conf" >/dev/null
	pid=$(cat "$ED/charon.pid")
	RSS0=$(rss_kb "$pid")
	CPU0=$(cpu_ms "$pid")
	load_run "$pid"
	kill -TERM "$pid"
	wait "$pid" || true
}

run_oakley_pair() {
	local pid t0 t1
	oakley_responder_conf "$ED" "$GROUP"
	oakley_initiator_conf "$WD" "$GROUP" "$NPAIR"
	oakleyd_up "$E" "$ED"
	oakleyd_up "$W" "$WD"
	pid=$(cat "$ED/oakleyd.pid")
	sleep 0.3
	RSS0=$(rss_kb "$pid")
	CPU0=$(cpu_ms "$pid")
	probe_start "$(cat "$WD/oakleyd.pid")" "$pid"
	ICPU0=$(cpu_ms "$(cat "$WD/oakleyd.pid")")
	t0=$(now_ms)
	# One oakleyctl for all of them (names on stdin), C at a time.
	seq 0 $((NPAIR - 1)) | sed 's/^/t/' |
		"$OAKLEYCTL" -c "$(ctl_sock "$WD")" -p "$C" up - >/dev/null 2>&1 || true
	t1=$(now_ms)
	probe_stop
	sleep 0.5
	RSS1=$(rss_kb "$pid")
	CPU1=$(cpu_ms "$pid")
	UP=$(grep -c 'IPsec SA established' "$ED/oakleyd.log" || true)
	initiator_cpu "$ICPU0"
	RATE=$(awk -v n="$UP" -v ms=$((t1 - t0)) 'BEGIN { printf "%.0f", (ms ? n * 1000 / ms : 0) }')
	echo "    $UP of $NPAIR tunnels up in $((t1 - t0)) ms = $RATE tunnels/s"
	oakleyd_down "$WD"
	oakleyd_down "$ED"
}

# initiator_cpu CPU0: the oakleyd initiator's CPU time per tunnel since
# CPU0 (ms) into LOAD_US, the table's last column.  Both daemons of a
# pair share the machine: the pair's ceiling is the cores over the sum of
# the two sides' CPU per tunnel.
initiator_cpu() {
	local c
	c=$(($(cpu_ms "$(cat "$WD/oakleyd.pid")") - $1))
	LOAD_US=$(awk -v c="$c" -v n="$UP" 'BEGIN { printf "%.0f", (n ? c * 1000 / n : 0) }')
	echo "    initiator CPU $c ms: $LOAD_US us per tunnel"
}

# The log's HH:MM:SS.mmm as ms since midnight.
log_ms() { awk -F'[:. ]' '{ print (($1 * 60 + $2) * 60 + $3) * 1000 + $4; exit }'; }

# oakley-auto: the same pair, every connection auto=start: the daemon
# initiates them all itself, no oakleyctl.  Timed from the initiator's
# "started" line to the responder's last "IPsec SA established" line.
run_oakley_auto() {
	local pid n=0 last=-1 still=0 t0 t1
	oakley_responder_conf "$ED" "$GROUP"
	oakley_initiator_conf "$WD" "$GROUP" "$NPAIR"
	sed -i 's/auto=add/auto=start/' "$WD/ipsec.conf"
	oakleyd_up "$E" "$ED"
	pid=$(cat "$ED/oakleyd.pid")
	sleep 0.3
	RSS0=$(rss_kb "$pid")
	CPU0=$(cpu_ms "$pid")
	oakleyd_up "$W" "$WD"
	probe_start "$(cat "$WD/oakleyd.pid")" "$pid"
	# From its start: it initiates before its control socket is up, so
	# this includes loading its NPAIR connections (a few us each).
	ICPU0=0
	# Done when all are up, or when none came up for 30 s.
	while [ "$n" -lt "$NPAIR" ] && [ "$still" -lt 150 ]; do
		sleep 0.2
		n=$(grep -c 'IPsec SA established' "$ED/oakleyd.log" || true)
		if [ "$n" = "$last" ]; then still=$((still + 1)); else still=0 last=$n; fi
	done
	probe_stop
	sleep 0.5
	RSS1=$(rss_kb "$pid")
	CPU1=$(cpu_ms "$pid")
	UP=$(grep -c 'IPsec SA established' "$ED/oakleyd.log" || true)
	initiator_cpu "$ICPU0"
	t0=$(grep 'oakleyd started' "$WD/oakleyd.log" | log_ms)
	t1=$(grep 'IPsec SA established' "$ED/oakleyd.log" | tail -n 1 | log_ms)
	[ -n "$t1" ] || t1=$t0
	RATE=$(awk -v n="$UP" -v ms=$((t1 - t0)) 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }')
	echo "    $UP of $NPAIR tunnels up in $((t1 - t0)) ms = $RATE tunnels/s;" \
		"$(grep -c 'retransmit' "$WD/oakleyd.log" || true) retransmission lines in the initiator's log"
	oakleyd_down "$WD"
	oakleyd_down "$ED"
}

# The kinds in the order they run: with -b, each oakley kind's base run
# right after it.  use_build KIND points the binaries at its build.
RUN_KINDS=
for k in $KINDS; do
	RUN_KINDS+=" $k"
	case $k in load-charon) ;; *) [ -z "$BASE" ] || RUN_KINDS+=" $k@base" ;; esac
done
use_build() {
	local b=$BUILD
	case $1 in *@base) b=$BASE ;; esac
	OAKLEYD=$b/oakleyd OAKLEYCTL=$b/oakleyctl LOAD=$b/oakley-load
}

log "$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
log "N=$N (oakley-pair: $NPAIR), $C at a time, groups: $DH_GROUPS, $ROUNDS rounds${SETUP:+, config setup: $SETUP}"
for round in $(seq 1 "$ROUNDS"); do
	for GROUP in $DH_GROUPS; do
		for kind in $RUN_KINDS; do
			log "round $round: $kind $GROUP"
			UP=0 RATE=0 RSS0=0 RSS1=0 CPU0=0 CPU1=0 LOAD_US=0
			use_build "$kind"
			fn=${kind%@base}
			"run_${fn//-/_}"
			per=$(awk -v a="$RSS0" -v b="$RSS1" -v n="$UP" 'BEGIN { printf "%.1f", n ? (b - a) / n : 0 }')
			cpu=$(awk -v a="$CPU0" -v b="$CPU1" -v n="$UP" 'BEGIN { printf "%.0f", n ? (b - a) * 1000 / n : 0 }')
			echo "    responder RSS $RSS0 KB -> $RSS1 KB: $per KB per tunnel;" \
				"CPU $((CPU1 - CPU0)) ms: $cpu us per tunnel"
			want=$N
			case $kind in oakley-*) want=$NPAIR ;; esac
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$GROUP" "${UP:-0}" "${RATE:-0}" "$per" "$cpu" "$want" "$LOAD_US" >>"$RESULTS"
		done
	done
done

# Medians over the rounds, then the ratio of the two responders.
echo
awk -F'\t' -v kinds="$RUN_KINDS" -v groups="$DH_GROUPS" '
function median(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : 0
}
{ k = $1 SUBSEP $2; if (!(k in low) || $3 + 0 < low[k]) low[k] = $3 + 0; want[k] = $7; rate[k] = rate[k] " " $4; kb[k] = kb[k] " " $5; cpu[k] = cpu[k] " " $6; lcpu[k] = lcpu[k] " " $8 }
END {
	nk = split(kinds, K, " "); ng = split(groups, G, " ")
	printf "%-17s %-9s %-12s %-20s %8s %10s %12s %12s\n", "kind", "group", "up (min)", "tunnels/s, rounds", "median", "KB/tunnel", "responder CPU", "initiator CPU"
	printf "%-17s %-9s %-12s %-20s %8s %10s %12s %12s\n", "", "", "", "", "", "(median)", "us/tunnel", "us/tunnel"
	for (g = 1; g <= ng; g++)
		for (i = 1; i <= nk; i++) {
			k = K[i] SUBSEP G[g]
			if (!(k in rate)) continue
			m[k] = median(rate[k]); c[k] = median(cpu[k])
			printf "%-17s %-9s %-12s %-20s %8.0f %10.1f %12.0f %12s\n", K[i], G[g], low[k] "/" want[k], substr(rate[k], 2), m[k], median(kb[k]), c[k], sprintf("%.0f", median(lcpu[k]))
		}
	for (g = 1; g <= ng; g++) {
		a = "load-oakley" SUBSEP G[g]; b = "load-charon" SUBSEP G[g]
		if ((a in m) && (b in m) && m[b] > 0 && c[a] > 0)
			printf "%s: oakley responder / charon responder: %.2fx the rate, %.2fx less CPU per tunnel (goal: 8x the rate)\n", G[g], m[a] / m[b], c[b] / c[a]
		for (i = 1; i <= nk; i++) {
			a = K[i] SUBSEP G[g]; b = K[i] "@base" SUBSEP G[g]
			if ((a in m) && (b in m) && m[b] > 0 && c[a] > 0)
				printf "%s %s: this build / base: %.2fx the rate, %.2fx less responder CPU per tunnel\n", K[i], G[g], m[a] / m[b], c[b] / c[a]
		}
	}
}' "$RESULTS"
