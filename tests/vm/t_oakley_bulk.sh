#!/bin/bash
# vm-timeout: 900
# vm-mem: 2048
# In a kernel with ESP: two oakleyds, N tunnels (OAKLEY_BULK_N, default
# 400) between /24 subnets, brought up by west and installed in both
# kernels (dataplane=kernel) with config setup policy_hash_thresholds=24/24
# on both sides.  All come up; on each side the kernel holds what oakleyd
# says it installed (status --summary: ipsec_sas_installed SA pairs, a
# policy each way per tunnel); the thresholds are the kernel's and the log
# says so.  Then both stop and the kernel is empty (no SA, no policy).
# Prints the time from west's first initiation to the last IPsec SA
# installed on each side (from the daemons' logs), and the shutdowns':
# figures, not assertions.
#
# OAKLEY_BULK_HTHRESH: the setting's value (default 24/24); "none" leaves
# it out, the kernel's /32 thresholds stay and /24 policies are not hashed.
# OAKLEY_BULK_IDS: "shared" (default) gives every conn the gateways' IDs:
# west brings up the first, then the rest with `oakleyctl -p 8 up -` over
# its ISAKMP SA, each a Quick Mode (no PFS), 8 at a time (a responder takes
# 16 at once under one ISAKMP SA).  At most 2000: an ISAKMP SA has 4096
# message IDs, for the Quick Modes and the Deletes at shutdown.  (With
# auto=start they would all start Quick Modes at once as soon as one
# ISAKMP SA is up: max_inflight paces Main Modes only; the responder drops
# Quick Modes beyond 16 and, under TCG, the retransmitted ones outlived
# their larval SAs, net.core.xfrm_acq_expires.)  "distinct" gives each
# its own IDs and auto=start on west, so each is a Main Mode too, paced by
# max_inflight: 4 more Diffie-Hellman operations a tunnel, about 20
# tunnels/s under TCG (10,000: OAKLEY_BULK_N=10000 OAKLEY_BULK_IDS=distinct
# OAKLEY_BULK_WAIT=1800 with vm-run.sh -t 2400).
# OAKLEY_BULK_WAIT: seconds to wait for all to be up (default 600).
. "$(dirname "$0")/../net/oakley.sh"
require_esp

N=${OAKLEY_BULK_N:-400}
HTHRESH=${OAKLEY_BULK_HTHRESH:-24/24}
IDS=${OAKLEY_BULK_IDS:-shared}
WAIT=${OAKLEY_BULK_WAIT:-600}
[ "$N" -ge 1 ] && [ "$N" -le 32768 ] || fail "OAKLEY_BULK_N=$N: 1 to 32768 (10.0-127.x.0/24)"
[ "$IDS" = distinct ] || [ "$N" -le 2000 ] || fail "OAKLEY_BULK_N=$N: at most 2000 over one ISAKMP SA (use OAKLEY_BULK_IDS=distinct)"

two_gateways v4
# Tunnel i: 10.(i/256).(i%256).0/24 (west) === 10.(128+i/256).(i%256).0/24 (east).
gen_conf() { # DIR AUTO
	awk -v n="$N" -v west="$WEST" -v east="$EAST" -v auto="$2" -v ht="$HTHRESH" -v ids="$IDS" 'BEGIN {
		printf "config setup\n"
		if (ht != "none")
			printf "\tpolicy_hash_thresholds=%s\n", ht
		printf "\nconn %%default\n\tleft=%s\n\tright=%s\n\tike=aes128-sha1-ecp256!\n\tesp=aes128-sha1!\n\tauto=%s\n\n", west, east, auto
		for (i = 0; i < n; i++) {
			printf "conn t%d\n\tleftsubnet=10.%d.%d.0/24\n\trightsubnet=10.%d.%d.0/24\n", i, int(i / 256), i % 256, 128 + int(i / 256), i % 256
			if (ids == "distinct")
				printf "\tleftid=@t%d.west\n\trightid=@t%d.east\n", i, i
			printf "\n"
		}
	}' >"$1/ipsec.conf"
	printf ': PSK "bulk kernel test"\n' >"$1/ipsec.secrets"
}
if [ "$IDS" = distinct ]; then gen_conf "$WD" start; else gen_conf "$WD" add; fi
gen_conf "$ED" add

# "SAD count N" and "SPD IN a OUT b FWD c (Sock: ...)" into SAS, POL.
kernel_counts() { # NS
	local line w
	SAS=x POL=x
	while read -r line; do
		[[ $line =~ SAD\ count\ ([0-9]+) ]] && SAS=${BASH_REMATCH[1]}
	done < <(ip -n "$1" xfrm state count)
	while read -r line; do
		read -ra w <<<"$line"
		[ "${w[0]:-}" = SPD ] && POL="${w[2]} ${w[4]} ${w[6]}"
	done < <(ip -n "$1" xfrm policy count)
}

# A log line's time of day in ms: "HH:MM:SS.mmm oakleyd ...".
log_ms() {
	local t=${1%% *} h m s
	IFS=: read -r h m s <<<"$t"
	echo $(((10#$h * 3600 + 10#$m * 60) * 1000 + 10#${s%.*} * 1000 + 10#${s#*.}))
}
# First and last lines matching REGEX in DIR's log, ms apart.
log_span() { # DIR FIRST_REGEX LAST_REGEX
	local a b
	a=$(grep -m1 -E -- "$2" "$1/oakleyd.log") || return 1
	b=$(grep -E -- "$3" "$1/oakleyd.log" | tail -n 1) || return 1
	echo $(($(log_ms "$b") - $(log_ms "$a")))
}
rate() { echo $((N * 1000 / ($1 > 0 ? $1 : 1))); }

log "$N tunnels /24 === /24, ids $IDS, policy_hash_thresholds=$HTHRESH"
start_oakleyd "$E" "$ED"
start_oakleyd "$W" "$WD"
if [ "$HTHRESH" != none ]; then
	for d in "$WD" "$ED"; do
		assert_log "$d" "kernel policy hash thresholds .*IPv4 now /${HTHRESH%/*} /${HTHRESH#*/} \(were /32 /32\), IPv6 left at /128 /128"
	done
	out=$(ip -n "$W" -s -s xfrm policy count)
	[[ $out == *"SPD IPv4 thresholds: local ${HTHRESH%/*} remote ${HTHRESH#*/}"* ]] ||
		fail "west's kernel thresholds: $out"
fi

if [ "$IDS" = distinct ]; then
	# Each auto=start ends with one line, succeeded or failed.
	done_count() { grep -c 'auto=start \(succeeded\|failed\)' "$WD/oakleyd.log" || true; }
	last=0
	end=$((SECONDS + WAIT))
	while n=$(done_count) && [ "$n" -lt "$N" ]; do
		[ "$SECONDS" -lt "$end" ] || fail "only $n of $N tunnels up after $WAIT s"
		[ $((n / 1000)) -eq $((last / 1000)) ] || log "$n of $N up"
		last=$n
		sleep 1
	done
	grep -q 'auto=start failed' "$WD/oakleyd.log" &&
		fail "$(grep -c 'auto=start failed' "$WD/oakleyd.log") starts failed: $(grep -m 3 'auto=start failed' "$WD/oakleyd.log")"
else
	out=$(octl "$WD" up t0) || fail "up t0: $out"
	awk -v n="$N" 'BEGIN { for (i = 1; i < n; i++) print "t" i }' |
		octl "$WD" -p 8 up - >"$T_OUT/up.out" 2>"$T_OUT/up.err" ||
		fail "up of t1..t$((N - 1)): $(tail -n 1 "$T_OUT/up.out"); $(head -n 5 "$T_OUT/up.err")"
fi
# The responder installs after its last Quick Mode message: wait for it too.
wait_for 60 sh -c "[ \$(grep -c 'IPsec SA established' $ED/oakleyd.log) -ge $N ]" ||
	fail "east established $(grep -c 'IPsec SA established' "$ED/oakleyd.log") IPsec SAs, not $N"

first='initiating Main Mode'
w_ms=$(log_span "$WD" "$first" 'IPsec SA established') || fail "no timings in west's log"
# east's log against west's first line: both logs use the one clock.
e_ms=$(($(log_ms "$(grep 'IPsec SA established' "$ED/oakleyd.log" | tail -n 1)") -
	$(log_ms "$(grep -m1 "$first" "$WD/oakleyd.log")")))
log "west: $N tunnels up and installed in $w_ms ms from the first initiation ($(rate "$w_ms") tunnels/s)"
log "east: its last IPsec SA installed $e_ms ms after west's first initiation ($(rate "$e_ms") tunnels/s)"
log "ISAKMP SAs: west $(grep -c 'ISAKMP SA established' "$WD/oakleyd.log"), retransmissions: west $(grep -c 'retransmit [0-9]' "$WD/oakleyd.log" || true), east $(grep -c 'retransmit [0-9]' "$ED/oakleyd.log" || true)"

for side in "$W:$WD" "$E:$ED"; do
	ns=${side%%:*} d=${side#*:}
	sum=$(octl "$d" status --summary)
	[[ $sum =~ ipsec_sas_installed:\ ([0-9]+) ]] || fail "$d: no ipsec_sas_installed in: $sum"
	inst=${BASH_REMATCH[1]}
	[ "$inst" -eq "$N" ] || fail "$d: status --summary says $inst IPsec SAs installed, not $N"
	kernel_counts "$ns"
	[ "$SAS" = $((2 * inst)) ] && [ "$POL" = "$inst $inst $inst" ] ||
		fail "$ns: the kernel has $SAS SAs and policies in/out/fwd $POL; oakleyd says $inst installed"
	log "$ns: kernel $SAS SAs, policies in/out/fwd $POL; oakleyd: $inst IPsec SAs installed"
done

if [ "$HTHRESH" != none ]; then
	# Read at start only: a reload that changes them says so and leaves
	# the kernel's alone.
	sed -i "s|policy_hash_thresholds=.*|policy_hash_thresholds=16/16|" "$ED/ipsec.conf"
	out=$(octl "$ED" reload) || fail "east's reload: $out"
	assert_log "$ED" "policy_hash_thresholds= takes effect when oakleyd restarts"
	out=$(ip -n "$E" -s -s xfrm policy count)
	[[ $out == *"SPD IPv4 thresholds: local ${HTHRESH%/*} remote ${HTHRESH#*/}"* ]] ||
		fail "east's thresholds changed on reload: $out"
fi

timed w_stop stop_oakleyd "$WD"
timed e_stop stop_oakleyd "$ED"
for ns in "$W" "$E"; do
	kernel_counts "$ns"
	[ "$SAS $POL" = "0 0 0 0" ] || fail "$ns: after oakleyd stopped the kernel has $SAS SAs and policies in/out/fwd $POL"
done
log "stopped: west in $w_stop ms, east in $e_stop ms; both kernels empty"
log ok
