#!/bin/bash
# vm-timeout: 900
# vm-mem: 1024
# In a kernel with ESP: BUILD/xfrm-bulk installs N (XFRM_BULK_N, default
# 10000) tunnels' SAs (2 each) and policies (in, out, fwd) in a namespace,
# batched; the kernel's counts must be exactly those and the last tunnel's
# SA and policy as laid out; it removes them, batched, and the kernel must
# be empty.  Prints the times: figures, not assertions (TCG makes them
# slow and noisy).  The comparison with one ack at a time (the old path)
# is a bench: bench/xfrm-bulk-vm.sh.
#
# The tunnels are /24 to /24, as sites are.  The kernel keeps policies
# with prefixes shorter than its hash thresholds (default /32) in a list
# whose changes cost more the more it holds: under TCG, batched, 2,000
# tunnels took 3.2 s to install, 10,000 took 116 s (and 68 s to remove).
# So the tool first sets the thresholds to /24 (-H 24, XFRM_BULK_HTHRESH;
# "none" keeps the kernel's and takes about eight minutes), as oakleyd's
# policy_hash_thresholds=24/24 does.
. "$(dirname "$0")/lib.sh"
require_esp

N=${XFRM_BULK_N:-10000}
HTHRESH=${XFRM_BULK_HTHRESH:-24}
TOOL=$BUILD/xfrm-bulk
[ -x "$TOOL" ] || fail "$TOOL is missing (make all builds it)"
NS=xbulk
make_ns "$NS"
H=()
[ "$HTHRESH" = none ] || H=(-H "$HTHRESH")

# "SAD count N" and "SPD IN a OUT b FWD c (Sock: ...)" into SAS, POL_IN/OUT/FWD.
counts() {
	local line w
	SAS=x POL_IN=x POL_OUT=x POL_FWD=x
	while read -r line; do
		[[ $line =~ SAD\ count\ ([0-9]+) ]] && SAS=${BASH_REMATCH[1]}
	done < <(ip -n "$NS" xfrm state count)
	while read -r line; do
		read -ra w <<<"$line"
		[ "${w[0]:-}" = SPD ] && POL_IN=${w[2]} POL_OUT=${w[4]} POL_FWD=${w[6]}
	done < <(ip -n "$NS" xfrm policy count)
}

expect_counts() {
	counts
	[ "$SAS $POL_IN $POL_OUT $POL_FWD" = "$1 $2 $2 $2" ] ||
		fail "$3: the kernel has $SAS SAs and policies in $POL_IN out $POL_OUT fwd $POL_FWD, want $1 SAs and $2 policies each way"
	log "$3: kernel has $SAS SAs, $POL_IN+$POL_OUT+$POL_FWD policies"
}

# bulk VAR ARGS...: runs the tool, its milliseconds into VAR.
bulk() {
	local _v=$1 out
	shift
	out=$(ip netns exec "$NS" "$TOOL" -n "$N" ${H[@]+"${H[@]}"} "$@") || fail "xfrm-bulk $*: $out"
	echo "$out"
	[[ $out =~ ms=([0-9]+) ]] || fail "xfrm-bulk $*: no time in: $out"
	printf -v "$_v" '%d' "${BASH_REMATCH[1]}"
}

# The last tunnel's inbound SA and fwd policy, as xfrm-bulk.c lays them out.
check_last_tunnel() {
	local i=$((N - 1)) p q peer spi out
	p=$((0xc6120000 + 1 + ((i * 40503) & 32767)))
	peer=$((p >> 24)).$((p >> 16 & 255)).$((p >> 8 & 255)).$((p & 255))
	spi=$(printf '0x%08x' $((0x10000000 + 2 * i)))
	out=$(ip -n "$NS" xfrm state get src "$peer" dst 192.0.2.1 proto esp spi "$spi") ||
		fail "no inbound SA $spi from $peer"
	for q in "reqid $((1000 + i)) mode tunnel" "auth-trunc hmac(sha256)" "enc cbc(aes)"; do
		[[ $out == *"$q"* ]] || fail "SA $spi: no '$q' in: $out"
	done
	out=$(ip -n "$NS" xfrm policy get src "10.$((128 + i / 256)).$((i % 256)).0/24" \
		dst "10.$((i / 256)).$((i % 256)).0/24" dir fwd) || fail "no fwd policy for tunnel $i"
	[[ $out == *"tmpl src $peer dst 192.0.2.1"*"reqid $((1000 + i)) mode tunnel"* ]] ||
		fail "fwd policy of tunnel $i: $out"
	log "tunnel $i: inbound SA $spi from $peer and its fwd policy as laid out"
}

expect_counts 0 0 "before"
log "$N tunnels, policy hash thresholds: $HTHRESH"
bulk B_ADD install
expect_counts $((2 * N)) "$N" "after a batched install"
check_last_tunnel
bulk B_DEL remove
expect_counts 0 0 "after a batched removal"
log "$N tunnels batched: installed in $B_ADD ms, removed in $B_DEL ms"
log "PASS"
