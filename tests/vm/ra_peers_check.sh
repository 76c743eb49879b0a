#!/bin/bash
# vm-timeout: 300
# Not a t_*.sh (make check-vm does not run it): the proof that the peer
# side of the remote-access scenarios (t_ra_*.sh) is right without
# oakley, peer against peer:
#   tests/vm/run.sh build/san ra_peers_check
# charon in S is an XAUTH + Mode Config server (lib_ra.sh's swanctl: pool
# 10.3.0.0/24, remote-xauth round, IKEv1 PSK) where oakleyd stands in the
# scenarios; against it:
#   (a) vpnc: Aggressive Mode with the group as KEY_ID, XAUTH user alice,
#       an address from the pool on its tun device, a ping from it to
#       10.2.0.1; a wrong password refused;
#   (b) a second charon as XAUTH client (Main Mode PSK, local-xauth round,
#       vips = 0.0.0.0): its virtual IP is the pool's, ping from it; and
#       the same from behind lib_nat.sh's NAT router (ESP in UDP).
# Each: the server kernel's SAs and policy for the address, charon's
# --list-sas naming the user and the address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_nat.sh"
. "$(dirname "$0")/lib_peers.sh"
. "$(dirname "$0")/lib_ra.sh"
require_esp
command -v vpnc >/dev/null || fail "no vpnc (scripts/deps.sh installs it)"

NAT=1 ra_topology
V=v$$ K=k$$ VD=$T_OUT/vpnc KD=$T_OUT/direct
ra_client "$V"
ra_client "$K"
KADDR=$RA_ADDR
mkdir -p "$KD"
charon_ra_conf "$SD"
charon_ra_conf "$KD"
charon_ra_conf "$CD"
start_charon "$S" "$SD" "$K" "$KD" "$C" "$CD"
charon_ra_plugins "$SD"
charon_ra_plugins "$KD"
swanctl_ra_server_conf "$SD" alice:alicepw bob:bobpw carol:carolpw
ra_swanctl_load "$S" "$SD"

# (a) vpnc
vpnc_conf "$VD" alice alicepw
start_vpnc "$V" "$VD"
vpnc_wait "$VD" || fail "vpnc did not connect: $(tail -n 30 "$VD/vpnc.log"); charon: $(grep -v 'ENC\|NET' "$SD/charon.log" | tail -n 20)"
va=$(vpnc_addr "$VD")
[[ $va == 10.3.0.* ]] || fail "vpnc got '$va', not an address of $RA_POOL"
ip -n "$V" addr show tun0 | grep -q "inet $va/32" || fail "vpnc: $va not on tun0: $(ip -n "$V" addr show tun0)"
ra_ping "$V" "$va" 10.2.0.1 "vpnc"
expect_esp "$S" 2 "vpnc"
ra_policy "$S" "$va" "vpnc"
sas=$(swanctl_in "$S" "$SD" --list-sas 2>&1)
printf '%s\n' "$sas" >"$T_OUT/server-sas-vpnc.txt"
[[ $sas == *"am: #"*"remote '$RA_GROUP'"*"XAuth: 'alice' [$va]"* ]] ||
	fail "charon's server does not list vpnc's SA with $va: $sas"
grep -q "XAuth authentication of 'alice' successful" "$SD/charon.log" ||
	fail "charon did not log alice's XAUTH success"
log "vpnc -> charon: Aggressive Mode group $RA_GROUP, XAUTH alice, address $va, pinged; SPIs $(xfrm_spis "$S")"
grep -h '^CISCO_\|^INTERNAL_' "$VD/vpnc.connect.env" >"$T_OUT/vpnc-env.txt" || true
stop_vpnc "$VD"
wait_for 10 sh -c "! ip -n $S xfrm state | grep -q 'proto esp'" || fail "charon kept vpnc's SAs after vpnc quit"

# a wrong password: vpnc quits after the first failure
vpnc_conf "$VD" alice wrong
le=$(log_lines "$SD/charon.log")
start_vpnc "$V" "$VD"
wait_for 30 vpnc_gone "$VD" || fail "vpnc with a wrong password did not give up"
! vpnc_connected "$VD" || fail "vpnc connected with a wrong password"
log_since "$SD/charon.log" "$le" >"$T_OUT/server-wrongpw.log"
grep -q "XAuth authentication of 'alice' failed" "$T_OUT/server-wrongpw.log" ||
	fail "charon did not log alice's failure: $(tail -n 10 "$T_OUT/server-wrongpw.log")"
log "vpnc, wrong password: refused ($(grep -i 'xauth\|auth' "$VD/vpnc.log" | tail -n 1))"

# (b) charon as XAUTH client
swanctl_ra_client_conf "$KD" "$KADDR" bob bobpw
ra_swanctl_load "$K" "$KD"
swanctl_in "$K" "$KD" --initiate --child rw --timeout 30 >"$T_OUT/init-client.txt" 2>&1 ||
	fail "charon client: $(tail -n 10 "$T_OUT/init-client.txt"); server: $(grep -v 'ENC\|NET' "$SD/charon.log" | tail -n 20)"
ka=$(charon_vip "$K" "$KD")
[[ $ka == 10.3.0.* ]] || fail "charon client's virtual IP '$ka' is not the pool's: $(cat "$KD/sas.txt")"
ip -n "$K" addr | grep -q "inet $ka/32" || fail "charon client: $ka is on no interface"
ra_ping "$K" "$ka" 10.2.0.1 "charon client"
expect_esp "$S" 2 "charon client"
expect_esp "$K" 2 "charon client"
[ "$(xfrm_spis "$S")" = "$(xfrm_spis "$K")" ] || fail "SPIs differ: server $(xfrm_spis "$S"), client $(xfrm_spis "$K")"
ra_policy "$S" "$ka" "charon client"
ra_policy "$K" "$ka" "charon client"
grep -q "XAuth authentication of 'bob' successful" "$SD/charon.log" || fail "charon did not log bob's XAUTH success"
log "charon -> charon: Main Mode PSK, XAUTH bob, virtual IP $ka, pinged; SPIs $(xfrm_spis "$K")"
swanctl_in "$K" "$KD" --terminate --ike rw --timeout 5 >/dev/null 2>&1 || true
wait_for 10 sh -c "! ip -n $S xfrm state | grep -q 'proto esp'" || fail "charon server kept the client's SAs"

# (b) behind the NAT
swanctl_ra_client_conf "$CD" "$CLIENT" carol carolpw
ra_swanctl_load "$C" "$CD"
swanctl_in "$C" "$CD" --initiate --child rw --timeout 30 >"$T_OUT/init-nat.txt" 2>&1 ||
	fail "charon client behind NAT: $(tail -n 10 "$T_OUT/init-nat.txt")"
ca=$(charon_vip "$C" "$CD")
[[ $ca == 10.3.0.* && $ca != "$ka" ]] || fail "charon client behind NAT: virtual IP '$ca'"
assert_encap "$S"
assert_encap "$C"
ping_through "$C" "$ca" 10.2.0.1
[ "$(xfrm_spis "$S")" = "$(xfrm_spis "$C")" ] || fail "behind NAT: SPIs differ"
log "charon behind NAT -> charon: XAUTH carol, virtual IP $ca, ESP in UDP, pinged"
log ok
