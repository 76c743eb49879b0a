#!/bin/bash
# vm-timeout: 600
# In a kernel with ESP: a connection with two subnets on each side
# (leftsubnet=10.1.0.0/24,10.11.0.0/24 rightsubnet=10.2.0.0/24,10.12.0.0/24)
# negotiates one Quick Mode per pair of subnets, as Libreswan does: 4
# pairs under one Main Mode (auto=start and `up`), 8 ESP SAs in each
# kernel with 4 reqids, a ping across each pair, `oakleyctl down` removing
# them all.  Against oakleyd, then against
# strongSwan's charon with one child per pair, oakley initiating and then
# charon initiating each child.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_peers.sh"
require_esp

SECRET="several subnets"
LEFTS="10.1.0.0/24 10.11.0.0/24"
RIGHTS="10.2.0.0/24 10.12.0.0/24"

two_gateways v4
peer_nets "$W" "$EAST" "10.1.0.1/24 10.11.0.1/24" "$RIGHTS"
peer_nets "$E" "$WEST" "10.2.0.1/24 10.12.0.1/24" "$LEFTS"
write_secrets "$WD" "$SECRET"
write_secrets "$ED" "$SECRET"
cat >"$WD/ipsec.conf" <<CONF
conn site
	left=$WEST
	leftsubnet=10.1.0.0/24,10.11.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24,10.12.0.0/24
	ike=aes128-sha1-modp2048
	esp=aes128-sha1
	auto=add
CONF
cp "$WD/ipsec.conf" "$ED/ipsec.conf"
# west starts the group itself (auto=start: one Main Mode for the 4 pairs)
sed -i 's/auto=add/auto=start/' "$WD/ipsec.conf"

# A ping across each of the 4 pairs, from west.
ping_pairs() {
	local what=$1 l r
	for l in 10.1.0.1 10.11.0.1; do
		for r in 10.2.0.1 10.12.0.1; do
			ping_ok "$W" "$l" "$r" 2 || fail "$what: no ping $l -> $r through the tunnel"
		done
	done
}
# Both kernels hold the 4 pairs: 8 ESP SAs each, 4 reqids, the same SPIs.
check_pairs() {
	local what=$1 ws es
	expect_esp "$W" 8 "$what, west"
	expect_esp "$E" 8 "$what, east"
	ws=$(xfrm_spis "$W")
	es=$(xfrm_spis "$E")
	[ "$ws" = "$es" ] || fail "$what: west's SPIs $ws are not east's $es"
	set -- $(xfrm_reqids "$W")
	[ $# -eq 4 ] || fail "$what: west's SAs have reqids $*, expected 4 distinct"
	[ "$(ip -n "$W" xfrm policy | grep -c 'dir out')" -eq 4 ] ||
		fail "$what: west has not 4 outbound policies: $(ip -n "$W" xfrm policy)"
	before=$(xfrm_packets "$W")
	ping_pairs "$what"
	after=$(xfrm_packets "$W")
	[ "$after" -gt "$before" ] || fail "$what: ESP counters did not rise"
}

# ---- oakley <-> oakley --------------------------------------------------------
start_oakleyd "$E" "$ED"
t0=$(now_ms)
start_oakleyd "$W" "$WD"
wait_for 30 sh -c "[ \$(ip -n $W xfrm state | grep -c 'enc cbc') -eq 8 ] &&
	[ \$(ip -n $E xfrm state | grep -c 'enc cbc') -eq 8 ]" ||
	fail "auto=start did not bring the 4 pairs up: $(tail -n 20 "$WD/oakleyd.log")"
ms=$(($(now_ms) - t0))
assert_log "$WD" 'site: auto=start succeeded: site: 4 of 4 pairs of subnets up'
log "oakley -> oakley: auto=start brought 4 pairs up within $ms ms of the start"
out=$(octl "$WD" up site) || fail "oakley -> oakley: up site: $out"
printf '%s\n' "$out" >"$T_OUT/up-oakley.txt"
[[ $out == *"site: 4 of 4 pairs of subnets up"* ]] || fail "up does not report 4 pairs: $out"
for p in 1x1 1x2 2x1 2x2; do
	[[ $out == *"site/$p: up"* ]] || fail "up does not report site/$p: $out"
done
log "oakley -> oakley: up site: 4 pairs already up"
check_pairs "oakley -> oakley"
st=$(octl "$WD" status site)
printf '%s\n' "$st" >"$T_OUT/status-oakley.txt"
for p in 1x1 1x2 2x1 2x2; do
	[[ $st == *"site/$p: installed"* ]] || fail "status site shows no IPsec SA of site/$p: $st"
done
[ "$(grep -c 'ISAKMP SA established' "$WD/oakleyd.log")" -eq 1 ] ||
	fail "more than one Main Mode for the 4 pairs"
[ "$(grep -c 'initiating Quick Mode' "$WD/oakleyd.log")" -eq 4 ] ||
	fail "not one Quick Mode per pair: $(grep -c 'initiating Quick Mode' "$WD/oakleyd.log")"
out=$(octl "$WD" down site) || fail "down site: $out"
expect_esp "$W" 0 "after down, west"
wait_for 5 sh -c "[ \$(ip -n $E xfrm state | grep -c '^src') -eq 0 ]" ||
	fail "east kept SAs after west's Deletes: $(ip -n "$E" xfrm state | grep spi)"
ip -n "$W" xfrm policy | grep -q tmpl && fail "down left policies: $(ip -n "$W" xfrm policy)"
log "oakley -> oakley: down removed the 8 SAs on both sides"
stop_oakleyd "$ED"

# ---- oakley <-> strongSwan ------------------------------------------------------
# (west's auto=start acted at its start only: the group stays down)
charon_conf "$ED"
start_charon "$E" "$ED"
swanctl_subnets_conf "$ED" site "$EAST" "$WEST" "$SECRET" \
	"10.2.0.0/24 10.1.0.0/24" "10.12.0.0/24 10.1.0.0/24" \
	"10.2.0.0/24 10.11.0.0/24" "10.12.0.0/24 10.11.0.0/24"
swanctl_in "$E" "$ED" --load-all --file "$ED/swanctl.conf" >"$T_OUT/load.txt" 2>&1 ||
	fail "swanctl --load-all: $(cat "$T_OUT/load.txt")"
t0=$(now_ms)
out=$(octl "$WD" up site) ||
	fail "oakley -> charon: up site: $out; charon: $(tail -n 20 "$ED/charon.log")"
ms=$(($(now_ms) - t0))
printf '%s\n' "$out" >"$T_OUT/up-charon.txt"
[[ $out == *"site: 4 of 4 pairs of subnets up"* ]] || fail "up does not report 4 pairs: $out"
log "oakley -> charon: 4 pairs up in $ms ms"
check_pairs "oakley -> charon"
n=$(swanctl_in "$E" "$ED" --list-sas | grep -c 'INSTALLED, TUNNEL')
[ "$n" -eq 4 ] || fail "charon lists $n CHILD_SAs, expected 4"
octl "$WD" down site >/dev/null || fail "down site (charon)"
wait_for 10 sh -c "[ \$(ip -n $E xfrm state | grep -c '^src') -eq 0 ]" ||
	fail "charon kept SAs after oakley's Deletes: $(ip -n "$E" xfrm state | grep spi)"
expect_esp "$W" 0 "after down (charon), west"
log "oakley -> charon: down removed the 8 SAs on both sides"

# charon initiates each child: oakley, responder, matches each pair
for i in 1 2 3 4; do
	swanctl_in "$E" "$ED" --initiate --child "site-$i" --timeout 30 >"$T_OUT/init$i.txt" 2>&1 ||
		fail "charon -> oakley: child site-$i: $(tail -n 5 "$T_OUT/init$i.txt"); oakleyd: $(tail -n 10 "$WD/oakleyd.log")"
done
check_pairs "charon -> oakley"
st=$(octl "$WD" status site)
for p in 1x1 1x2 2x1 2x2; do
	[[ $st == *"site/$p: installed"* ]] || fail "charon -> oakley: no IPsec SA of site/$p: $st"
done
log "charon -> oakley: 4 children, each matched to its pair"
octl "$WD" down site >/dev/null
stop_oakleyd "$WD"
expect_esp "$W" 0 "after exit, west"
log ok
