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
# The subnets on a dummy link and the routes to the other side's, one `ip
# -batch` per gateway: every exec costs 0.1-0.3 s under TCG.
for ((i = 1; i <= ${#ROWS[@]}; i++)); do
	printf 'addr add 10.1.%d.1/24 dev sub0\nroute add 10.2.%d.0/24 via %s\n' "$i" "$i" "$EAST" >&3
	printf 'addr add 10.2.%d.1/24 dev sub0\nroute add 10.1.%d.0/24 via %s\n' "$i" "$i" "$WEST" >&4
done 3>"$T_OUT/west.ip" 4>"$T_OUT/east.ip"
for ns in "$W:west" "$E:east"; do
	{ echo 'link add sub0 type dummy' && echo 'link set sub0 up' && cat "$T_OUT/${ns#*:}.ip"; } |
		ns_batch "${ns%%:*}" || fail "setting up ${ns#*:}'s subnets failed"
done
for d in "$WD" "$ED"; do
	: >"$d/ipsec.conf"
	i=0
	for row in "${ROWS[@]}"; do
		read -r name esp _ <<<"$row"
		i=$((i + 1))
		printf 'conn %s\n\tleft=%s\n\tleftsubnet=10.1.%d.0/24\n\tright=%s\n\trightsubnet=10.2.%d.0/24\n\tike=aes128-sha256-modp2048\n\tesp=%s\n\tauto=add\n\n' \
			"$name" "$WEST" "$i" "$EAST" "$i" "$esp" >>"$d/ipsec.conf"
	done
	write_secrets "$d" "kernel tunnel"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

# The SPIs of conn $1 from `status --json` into IN and OUT: a bash match,
# not a JSON parser (python3 costs seconds a start under TCG); the JSON
# itself is checked in tests/net.
spis_of() {
	local json re
	json=$(octl "$WD" status --json)
	re="\"connection\":\"$1\",[^}]*\"spi_in\":\"([0-9a-f]{8})\",\"spi_out\":\"([0-9a-f]{8})\""
	[[ $json =~ $re ]] || fail "$1: no IPsec SA in status --json: $json"
	IN=${BASH_REMATCH[1]} OUT=${BASH_REMATCH[2]}
}
# A literal for a bash regex: ( ) escaped.
re_lit() { local s=${1//\(/\\(}; printf '%s' "${s//\)/\\)}"; }
i=0
for row in "${ROWS[@]}"; do
	read -r name esp enc auth icv <<<"$row"
	i=$((i + 1))
	out=$(octl "$WD" up "$name") || fail "$name: up: $out: $(tail -n 5 "$WD/oakleyd.log")"
	spis_of "$name"
	state=$(ip -n "$W" xfrm state)
	printf '%s\n' "$state" >"$T_OUT/$name.state"
	[[ $state == *"spi 0x$IN "* ]] || fail "$name: inbound SPI $IN not in the kernel"
	[[ $state == *"spi 0x$OUT "* ]] || fail "$name: outbound SPI $OUT not in the kernel"
	if [ "$auth" = - ]; then
		[[ $state =~ aead\ $(re_lit "$enc")\ 0x[0-9a-f]+\ $icv ]] ||
			fail "$name: no aead $enc $icv in $state"
	else
		[[ $state == *"enc $enc "* ]] || fail "$name: no enc $enc in $state"
		[[ $state =~ auth-trunc\ $(re_lit "$auth")\ 0x[0-9a-f]+\ $icv ]] ||
			fail "$name: no auth-trunc $auth $icv"
	fi
	east=$(ip -n "$E" xfrm state)
	[[ $east == *"spi 0x$IN "* ]] || fail "$name: east lacks SPI $IN"
	before=$(xfrm_packets "$W")
	ping_ok "$W" "10.1.$i.1" "10.2.$i.1" 3 || fail "$name: no ping through the tunnel"
	after=$(xfrm_packets "$W")
	[ "$after" -gt "$before" ] || fail "$name: ESP counters did not rise ($before -> $after)"
	st=$(octl "$WD" status "$name")
	[[ $st == *" $name: installed"* && $st =~ out\ [1-9][0-9]*\ bytes\ [1-9] ]] ||
		fail "$name: oakleyctl status shows no traffic: $st"
	log "$name: esp=$esp SPIs $IN/$OUT, pinged, packets $before -> $after"
	[ "$name" = t1 ] && T1_SPI=$IN
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
