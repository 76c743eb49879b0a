#!/bin/bash
# vm-timeout: 600
# In a kernel with ESP: a peer killed with kill -9 (no Delete goes out)
# and started again initiates with INITIAL-CONTACT, and the tunnel works
# again within one exchange: a ping passes right after `up`, and the
# survivor holds only the new SAs (its old ISAKMP and IPsec SAs removed
# on the INITIAL-CONTACT, which it logs).
#   1. oakley restarted, oakley survivor;
#   2. strongSwan's charon restarted, oakley survivor (charon's own
#      INITIAL-CONTACT in its MM5);
#   3. oakley restarted, charon survivor.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_peers.sh"
require_esp

SECRET="restart me"
two_gateways v4
peer_nets "$W" "$EAST" "10.1.0.1/24" "10.2.0.0/24"
peer_nets "$E" "$WEST" "10.2.0.1/24" "10.1.0.0/24"
write_secrets "$WD" "$SECRET"
write_secrets "$ED" "$SECRET"
cat >"$WD/ipsec.conf" <<CONF
conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	ike=aes128-sha1-modp2048
	esp=aes128-sha1
	auto=add
CONF
cp "$WD/ipsec.conf" "$ED/ipsec.conf"

# kill -9 the oakleyd of DIR, keep its log, clear its control socket.
kill9_oakleyd() {
	local dir=$1 pid
	pid=$(cat "$dir/oakleyd.pid")
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	mv "$dir/oakleyd.log" "$dir/oakleyd-killed.log"
	rm -f "$(ctl_sock "$dir")"
}
# The SPIs (IN OUT) of the IPsec SA of the oakleyd of DIR, from status.
oakley_spis() {
	local st re='SPIs in ([0-9a-f]{8}) out ([0-9a-f]{8})'
	st=$(octl "$1" status)
	[[ $st =~ $re ]] || fail "no IPsec SA in status of $1: $st"
	echo "0x${BASH_REMATCH[1]} 0x${BASH_REMATCH[2]}"
}
# The survivor NS holds exactly the SPIs A and B (in any order), besides
# those in $4 (left in its kernel by a daemon killed there earlier).
only_spis() {
	local want got s
	want=$(printf '%s\n' $2 | sort | tr '\n' ' ')
	got=$(xfrm_spis "$1")
	for s in ${4:-}; do got=${got//"$s "/}; done
	[ "$got" = "$want" ] || fail "$3: $1 holds SPIs $got, expected only the new $want"
}

# ---- 1. oakley restarted, oakley survivor ------------------------------------------
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"
out=$(octl "$WD" up site) || fail "first up: $out"
ping_ok "$W" 10.1.0.1 10.2.0.1 2 || fail "no ping through the first tunnel"
old=$(xfrm_spis "$E")
kill9_oakleyd "$WD"
log "oakley west killed; east still holds $old"
start_oakleyd "$W" "$WD"
t0=$(now_ms)
out=$(octl "$WD" up site) || fail "up after the restart: $out"
ping_ok "$W" 10.1.0.1 10.2.0.1 1 || fail "no ping right after up (restarted oakley): $(tail -n 20 "$ED/oakleyd.log")"
ms=$(($(now_ms) - t0))
new=$(oakley_spis "$WD")
only_spis "$E" "$new" "oakley restarted"
assert_log "$ED" 'INITIAL-CONTACT from 192.0.2.1\[500\]: removed 1 earlier ISAKMP SA #1 and 1 IPsec SA pair'
n=$(octl "$ED" status | grep -c ': established,')
[ "$n" -eq 1 ] || fail "east has $n ISAKMP SAs, expected only the new one"
log "oakley restarted: up and ping in $ms ms; east holds only $new (west kernel keeps $(($(xfrm_esp_count "$W") - 2)) stale SAs of the killed daemon)"
stop_oakleyd "$ED"
octl "$WD" down site >/dev/null
stop_oakleyd "$WD"
for ns in "$W" "$E"; do ip -n "$ns" xfrm state flush; ip -n "$ns" xfrm policy flush; done

# ---- 2. charon restarted, oakley survivor ------------------------------------------
CHARON_IKE_LOG=2 charon_conf "$ED"
swanctl_subnets_conf "$ED" site "$EAST" "$WEST" "$SECRET" "10.2.0.0/24 10.1.0.0/24"
start_oakleyd "$W" "$WD"
start_charon "$E" "$ED"
swanctl_in "$E" "$ED" --load-all --file "$ED/swanctl.conf" >/dev/null || fail "swanctl load"
swanctl_in "$E" "$ED" --initiate --child site-1 --timeout 30 >"$T_OUT/init1.txt" 2>&1 ||
	fail "charon -> oakley: $(tail -n 5 "$T_OUT/init1.txt")"
ping_ok "$E" 10.2.0.1 10.1.0.1 2 || fail "no ping through the charon tunnel"
charon_stale=$(xfrm_spis "$E") # kill -9 leaves them in the kernel
pid=$(cat "$ED/charon.pid")
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
mv "$ED/charon.log" "$ED/charon-killed.log"
log "charon killed; oakley still holds $(xfrm_spis "$W")"
start_charon "$E" "$ED"
swanctl_in "$E" "$ED" --load-all --file "$ED/swanctl.conf" >/dev/null || fail "swanctl load (2)"
t0=$(now_ms)
swanctl_in "$E" "$ED" --initiate --child site-1 --timeout 30 >"$T_OUT/init2.txt" 2>&1 ||
	fail "charon -> oakley after the restart: $(tail -n 5 "$T_OUT/init2.txt")"
ping_ok "$E" 10.2.0.1 10.1.0.1 1 || fail "no ping right after charon's restart: $(tail -n 20 "$WD/oakleyd.log")"
ms=$(($(now_ms) - t0))
new=$(oakley_spis "$WD")
only_spis "$W" "$new" "charon restarted"
assert_log "$WD" 'INITIAL-CONTACT from 192.0.2.2\[500\]: removed 1 earlier ISAKMP SA'
log "charon restarted (its INITIAL-CONTACT): up and ping in $ms ms; oakley holds only $new"

# ---- 3. oakley restarted, charon survivor ------------------------------------------
kill9_oakleyd "$WD"
start_oakleyd "$W" "$WD"
t0=$(now_ms)
out=$(octl "$WD" up site) || fail "up to charon after the restart: $out; $(tail -n 10 "$ED/charon.log")"
ping_ok "$W" 10.1.0.1 10.2.0.1 1 || fail "no ping right after up (restarted oakley, charon)"
ms=$(($(now_ms) - t0))
new=$(oakley_spis "$WD")
wait_for 5 sh -c "[ \$(ip -n $E xfrm state | grep -c '^src') -eq 4 ]" ||
	fail "charon kept the old SAs: $(xfrm_spis "$E") (its killed self's $charon_stale), new $new"
only_spis "$E" "$new" "oakley restarted, charon survivor" "$charon_stale"
log "oakley restarted against charon: up and ping in $ms ms; charon holds only $new"
stop_oakleyd "$WD"
log ok
