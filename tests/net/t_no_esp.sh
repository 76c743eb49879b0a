#!/bin/bash
# On this machine's kernel (XFRM without ESP), dataplane=kernel: the
# negotiation succeeds, installing fails, and oakleyd says so once and
# plainly, deletes the SA at the peer, leaves nothing half-installed in the
# kernel, and keeps running.
. "$(dirname "$0")/oakley.sh"
esp_supported && { log "this kernel has ESP: nothing to check here"; exit 0; }

two_gateways v4
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	auto=add
CONF
	write_secrets "$d" "no esp here"
done
# East negotiates only, so that it keeps the pair until west's Delete.
sed -i '1i config setup\n\tdataplane=none\n' "$ED/ipsec.conf"
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

out=$(octl "$WD" up site 2>&1) && fail "up succeeded on a kernel without ESP"
echo "$out" | grep -q 'was built without CONFIG_INET_ESP' || fail "up said: $out"
assert_log "$WD" 'this kernel has no ESP support: IPsec SAs cannot be installed'
wait_for 5 sh -c "! $OAKLEYCTL -c $(ctl_sock "$ED") status | grep -q 'ESP tunnel'" ||
	fail "east kept the IPsec SA west could not install"
assert_log "$ED" 'peer deleted IPsec SA'
[ "$(ip -n "$W" xfrm state | grep -c 'proto esp')" -eq 0 ] || fail "SAs left: $(ip -n "$W" xfrm state)"
ip -n "$W" xfrm policy | grep -q tmpl && fail "policies left: $(ip -n "$W" xfrm policy)"

# Still running, and it says it once, not once per try.
out=$(octl "$WD" up site 2>&1) && fail "second up succeeded"
[ "$(grep -c 'this kernel has no ESP support' "$WD/oakleyd.log")" -eq 1 ] ||
	fail "the missing ESP was logged more than once"
octl "$WD" status >/dev/null || fail "oakleyd stopped answering"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log "ok: $out"
