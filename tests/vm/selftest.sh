#!/bin/bash
# Proof that the VM harness gives what the scenarios need: real ESP in the
# kernel, namespaces joined by veth, and two strongSwan charons that bring up
# an IKEv1 PSK tunnel (Main Mode + Quick Mode) that carries pings.
#
#   tests/vm/vm-run.sh tests/vm/selftest.sh      (run.sh does it first)
#
#   10.1.0.1/24 [a] 10.99.0.1 ---veth--- 10.99.0.2 [b] 10.2.0.1/24
. "$(dirname "$0")/lib.sh"

log "kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime)s"
[ "${IN_VM:-}" = 1 ] || log "note: not inside the VM"

require_esp
log "ESP SA (AES-CBC + HMAC-SHA1) accepted by the kernel"

make_ns a
make_ns b
link_ns a 10.99.0.1/24 b 10.99.0.2/24
add_subnet a 10.1.0.1/24
add_subnet b 10.2.0.1/24
add_route a 10.2.0.0/24 10.99.0.2
add_route b 10.1.0.0/24 10.99.0.1
ping_ok a 10.99.0.1 10.99.0.2 || fail "no plain ping across the veth"

for h in a b; do
	charon_conf "$T_OUT/$h"
done
swanctl_psk_conf "$T_OUT/a" selftest 10.99.0.1 10.99.0.2 10.1.0.0/24 10.2.0.0/24 'vm selftest secret'
swanctl_psk_conf "$T_OUT/b" selftest 10.99.0.2 10.99.0.1 10.2.0.0/24 10.1.0.0/24 'vm selftest secret'

t0=$(now_ms)
start_charon a "$T_OUT/a" b "$T_OUT/b"
log "charons up in $(($(now_ms) - t0)) ms"
for h in a b; do
	swanctl_in "$h" "$T_OUT/$h" --load-all --noprompt --file "$T_OUT/$h/swanctl.conf" >"$T_OUT/$h/load.out" 2>&1 ||
		fail "swanctl --load-all in $h: $(cat "$T_OUT/$h/load.out")"
done

t0=$(now_ms)
swanctl_in a "$T_OUT/a" --initiate --child selftest --timeout 60 >"$T_OUT/a/initiate.out" 2>&1 ||
	fail "initiate: $(tail -n 20 "$T_OUT/a/initiate.out")"
log "IKEv1 Main Mode + Quick Mode tunnel up in $(($(now_ms) - t0)) ms"

grep -q 'IKE_SA selftest\[1\] established' "$T_OUT/a/initiate.out" || fail "no IKE SA established"
for h in a b; do
	n=$(xfrm_esp_count $h)
	[ "$n" -eq 2 ] || fail "$h has $n ESP SAs, want 2: $(ip -n $h xfrm state)"
	np=$(ip -n $h xfrm policy | grep -c 'proto esp' || true)
	[ "$np" -ge 2 ] || fail "$h has $np ESP policies, want >= 2"
	ip -n $h xfrm state | grep -q 'enc cbc(aes)' || fail "$h: SA not AES-CBC"
	ip -n $h xfrm state | grep -q 'hmac(sha1)' || fail "$h: SA not HMAC-SHA1"
done
swanctl_in b "$T_OUT/b" --list-sas >"$T_OUT/b/list-sas.out"
grep -q 'selftest: #1, ESTABLISHED, IKEv1' "$T_OUT/b/list-sas.out" || fail "b does not list the IKEv1 SA: $(cat "$T_OUT/b/list-sas.out")"

pa=$(xfrm_packets a)
pb=$(xfrm_packets b)
start_capture b to-a "$T_OUT/b/wire.pcapng"
ping_ok a 10.1.0.1 10.2.0.1 5 || fail "no ping through the tunnel"
stop_capture "$T_OUT/b/wire.pcapng"
pa2=$(xfrm_packets a)
pb2=$(xfrm_packets b)
log "ESP packets: a $pa -> $pa2, b $pb -> $pb2"
# 5 echo requests out of a and into b, 5 replies the other way: 10 per side.
[ $((pa2 - pa)) -ge 10 ] && [ $((pb2 - pb)) -ge 10 ] || fail "SA counters did not rise by 10"
ip -n a -s xfrm state >"$T_OUT/a/xfrm-state.out"
# On the wire: the pings as ESP between the gateways.  A capture on the
# receiving side also shows the inbound packets again after decryption (the
# requests, 10.1.0.1 > 10.2.0.1), but b's replies leave only as ESP.
tshark -n -r "$T_OUT/b/wire.pcapng" -T fields -e ip.src -e ip.dst -e _ws.col.Protocol \
	>"$T_OUT/b/wire.txt" 2>"$T_OUT/b/tshark.err" || fail "tshark: $(cat "$T_OUT/b/tshark.err")"
nesp=$(grep -c $'^10\\.99\\.0\\.2\t10\\.99\\.0\\.1\tESP$' "$T_OUT/b/wire.txt" || true)
nclear=$(grep -c $'^10\\.2\\.0\\.1\t' "$T_OUT/b/wire.txt" || true)
log "captured on b: $nesp ESP replies, $nclear replies in the clear"
[ "$nesp" -ge 5 ] && [ "$nclear" -eq 0 ] || fail "wire: want 5 ESP replies, none in the clear: $(cat "$T_OUT/b/wire.txt")"

# Tear down: a Delete from a removes the SAs on both sides.
swanctl_in a "$T_OUT/a" --terminate --ike selftest --timeout 30 >"$T_OUT/a/terminate.out" 2>&1 ||
	fail "terminate: $(tail -n 5 "$T_OUT/a/terminate.out")"
# Counted again on each try: a "$(...)" argument would be counted once.
no_esp_sa() { [ "$(xfrm_esp_count "$1")" -eq 0 ]; }
wait_for 10 no_esp_sa b || fail "b still has ESP SAs after the Delete"
[ "$(xfrm_esp_count a)" -eq 0 ] || fail "a still has ESP SAs after terminate"
log "tunnel torn down; selftest passed"
