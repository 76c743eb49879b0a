#!/bin/bash
# vm-timeout: 600
# In a kernel with ESP: oakleyd against oakleyd, a tunnel per ESP algorithm
# pair, each checked in the kernel (ip xfrm state agrees with oakleyctl
# status), pinged through, its counters rising; then down and exit leave
# no SA and no policy behind.
. "$(dirname "$0")/../net/oakley.sh"
require_esp

# name esp= xfrm enc name, xfrm auth name (or -), ICV bits
ROWS=(
	"t1 aes128-sha1 cbc(aes) hmac(sha1) 96"
	"t2 aes192-sha256 cbc(aes) hmac(sha256) 128"
	"t3 aes256-sha384 cbc(aes) hmac(sha384) 192"
	"t4 3des-sha512 cbc(des3_ede) hmac(sha512) 256"
	"t5 null-md5 ecb(cipher_null) hmac(md5) 96"
	"t6 des-sha1 cbc(des) hmac(sha1) 96"
	"t7 aes128ctr-sha256 rfc3686(ctr(aes)) hmac(sha256) 128"
	"t8 aes256gcm16 rfc4106(gcm(aes)) - 128"
)

two_gateways v4
i=0
for row in "${ROWS[@]}"; do
	i=$((i + 1))
	add_subnet "$W" "10.1.$i.1/24"
	add_subnet "$E" "10.2.$i.1/24"
	add_route "$W" "10.2.$i.0/24" "$EAST"
	add_route "$E" "10.1.$i.0/24" "$WEST"
done
for d in "$WD" "$ED"; do
	: >"$d/ipsec.conf"
	i=0
	for row in "${ROWS[@]}"; do
		read -r name esp _ <<<"$row"
		i=$((i + 1))
		cat >>"$d/ipsec.conf" <<CONF
conn $name
	left=$WEST
	leftsubnet=10.1.$i.0/24
	right=$EAST
	rightsubnet=10.2.$i.0/24
	ike=aes128-sha256-modp2048
	esp=$esp
	auto=add

CONF
	done
	write_secrets "$d" "kernel tunnel"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

spi_of() { python3 -c 'import json,sys; c=[x for x in json.load(sys.stdin)["ipsec_sas"] if x["connection"]==sys.argv[1]][0]; print(c[sys.argv[2]])' "$@"; }
i=0
for row in "${ROWS[@]}"; do
	read -r name esp enc auth icv <<<"$row"
	i=$((i + 1))
	out=$(octl "$WD" up "$name") || fail "$name: up: $out: $(tail -n 5 "$WD/oakleyd.log")"
	json=$(octl "$WD" status --json)
	in=$(spi_of "$name" spi_in <<<"$json")
	outspi=$(spi_of "$name" spi_out <<<"$json")
	ip -n "$W" xfrm state >"$T_OUT/$name.state"
	grep -q "spi 0x$in " "$T_OUT/$name.state" || fail "$name: inbound SPI $in not in the kernel"
	grep -q "spi 0x$outspi " "$T_OUT/$name.state" || fail "$name: outbound SPI $outspi not in the kernel"
	if [ "$auth" = - ]; then
		grep -qE "aead $(printf '%s' "$enc" | sed 's/[()]/\\&/g') 0x[0-9a-f]+ $icv" "$T_OUT/$name.state" ||
			fail "$name: no aead $enc $icv in $(cat "$T_OUT/$name.state")"
	else
		grep -qF "enc $enc " "$T_OUT/$name.state" || fail "$name: no enc $enc in $(cat "$T_OUT/$name.state")"
		grep -qE "auth-trunc $(printf '%s' "$auth" | sed 's/[()]/\\&/g') 0x[0-9a-f]+ $icv" "$T_OUT/$name.state" ||
			fail "$name: no auth-trunc $auth $icv"
	fi
	ip -n "$E" xfrm state | grep -q "spi 0x$in " || fail "$name: east lacks SPI $in"
	before=$(xfrm_packets "$W")
	ping_ok "$W" "10.1.$i.1" "10.2.$i.1" 3 || fail "$name: no ping through the tunnel"
	after=$(xfrm_packets "$W")
	[ "$after" -gt "$before" ] || fail "$name: ESP counters did not rise ($before -> $after)"
	octl "$WD" status | grep -A2 " $name: installed" | grep -q 'out [1-9][0-9]* bytes [1-9]' ||
		fail "$name: oakleyctl status shows no traffic: $(octl "$WD" status)"
	log "$name: esp=$esp SPIs $in/$outspi, pinged, packets $before -> $after"
	[ "$name" = t1 ] && T1_SPI=$in
done
ip -n "$W" xfrm policy | grep -c 'dir out' | grep -qx "${#ROWS[@]}" || fail "expected ${#ROWS[@]} out policies"

octl "$WD" down t1 >/dev/null
ip -n "$W" xfrm state | grep -q "spi 0x$T1_SPI " && fail "down left t1's SA in west's kernel"
wait_for 5 sh -c "! ip -n $E xfrm state | grep -q 'spi 0x$T1_SPI '" ||
	fail "east kept t1's SA after west's Delete"
ip -n "$W" xfrm policy | grep -q '10.2.1.0/24' && fail "down left t1's policies in the kernel"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
[ "$(xfrm_esp_count "$W")" -eq 0 ] || fail "west left SAs: $(ip -n "$W" xfrm state)"
[ "$(xfrm_esp_count "$E")" -eq 0 ] || fail "east left SAs: $(ip -n "$E" xfrm state)"
ip -n "$W" xfrm policy | grep -q 'tmpl' && fail "west left policies: $(ip -n "$W" xfrm policy)"
log ok
