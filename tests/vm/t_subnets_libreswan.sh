#!/bin/bash
# vm-timeout: 600
# In a kernel with ESP: the several-subnets connection between oakleyd
# (west) and Libreswan's pluto (east, leftsubnets={...} rightsubnets={...},
# its own one-Quick-Mode-per-pair scheme): oakley initiating, then pluto
# initiating; 4 pairs, 8 ESP SAs in each kernel with the same SPIs, a ping
# across each pair.  Libreswan conflicts with the strongSwan packages: it
# is unpacked (dpkg-deb -x) by setup.sh into vm-cache/libreswan (or give
# LIBRESWAN=DIR); lib_peers.sh lists its runtime deps.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_peers.sh"
require_esp
libreswan_unpacked || fail "Libreswan is not unpacked in $LIBRESWAN, or certutil is missing (tests/vm/setup.sh unpacks it; apt-get install libnss3-tools)"

SECRET="several subnets, libreswan"
two_gateways v4
peer_nets "$W" "$EAST" "10.1.0.1/24 10.11.0.1/24" "10.2.0.0/24 10.12.0.0/24"
peer_nets "$E" "$WEST" "10.2.0.1/24 10.12.0.1/24" "10.1.0.0/24 10.11.0.0/24"
write_secrets "$WD" "$SECRET"
cat >"$WD/ipsec.conf" <<CONF
conn site
	left=$WEST
	leftsubnet=10.1.0.0/24,10.11.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24,10.12.0.0/24
	ike=aes128-sha1-modp2048
	esp=aes128-sha1-modp2048
	auto=add
CONF
cat >"$ED/ipsec.conf" <<CONF
config setup
	plutodebug=none
	ikev1-policy=accept
conn site
	ikev2=no
	authby=secret
	left=$EAST
	leftsubnets={10.2.0.0/24 10.12.0.0/24}
	right=$WEST
	rightsubnets={10.1.0.0/24 10.11.0.0/24}
	ike=aes128-sha1;modp2048
	esp=aes128-sha1;modp2048
	pfs=yes
	leftupdown=%disabled
	auto=add
CONF
printf '%s %s : PSK "%s"\n' "$EAST" "$WEST" "$SECRET" >"$ED/ipsec.secrets"

ping_pairs() {
	local l r
	for l in 10.1.0.1 10.11.0.1; do
		for r in 10.2.0.1 10.12.0.1; do
			ping_ok "$W" "$l" "$r" 2 || fail "$1: no ping $l -> $r through the tunnel"
		done
	done
}
check_pairs() {
	local ws es
	expect_esp "$W" 8 "$1, west"
	wait_for 5 sh -c "[ \$(ip -n $E xfrm state | grep -c '^src') -eq 8 ]" ||
		fail "$1: pluto holds $(xfrm_esp_count "$E") ESP SAs, expected 8"
	ws=$(xfrm_spis "$W")
	es=$(xfrm_spis "$E")
	[ "$ws" = "$es" ] || fail "$1: west's SPIs $ws are not east's $es"
	ping_pairs "$1"
}

start_oakleyd "$W" "$WD"
start_pluto "$E" "$ED"
t0=$(now_ms)
out=$(octl "$WD" up site 2>&1) || fail "oakley -> pluto: up site: $out; pluto: $(tail -n 20 "$ED/pluto.log")"
ms=$(($(now_ms) - t0))
[[ $out == *"site: 4 of 4 pairs of subnets up"* ]] || fail "up does not report 4 pairs: $out"
check_pairs "oakley -> pluto"
log "oakley -> pluto: 4 pairs up in $ms ms, 8 SAs each side, pinged"
octl "$WD" down site >/dev/null
wait_for 10 sh -c "[ \$(ip -n $E xfrm state | grep -c '^src') -eq 0 ]" ||
	fail "pluto kept SAs after oakley's Deletes: $(xfrm_spis "$E")"
log "oakley -> pluto: down removed them on both sides"

whack_in "$E" "$ED" --initiate --name site >"$T_OUT/whack-up.txt" 2>&1 ||
	fail "pluto -> oakley: $(tail -n 10 "$T_OUT/whack-up.txt"); oakleyd: $(tail -n 10 "$WD/oakleyd.log")"
check_pairs "pluto -> oakley"
st=$(octl "$WD" status site)
for p in 1x1 1x2 2x1 2x2; do
	[[ $st == *"site/$p: installed"* ]] || fail "pluto -> oakley: no IPsec SA of site/$p: $st"
done
log "pluto -> oakley: 4 pairs, each matched to its pair"
stop_oakleyd "$WD"
log ok
