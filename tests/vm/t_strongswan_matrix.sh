#!/bin/bash
# vm-timeout: 900
# In a kernel with ESP: oakleyd (west) against strongSwan's charon (east)
# for what peers propose beyond the basics, each side initiating:
# Aggressive Mode, transport mode host to host, AES-GCM and AES-CTR,
# kilobyte lifetimes (seen in the kernel), and several proposals where the
# responder's order decides.  Each run: both kernels hold the SAs with the
# expected cipher and mode, pings pass, oakleyctl status agrees.
. "$(dirname "$0")/../net/oakley.sh"
require_esp

SECRET="matrix"
two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_route "$W" 10.2.0.0/24 "$EAST"
add_route "$E" 10.1.0.0/24 "$WEST"
write_secrets "$WD" "$SECRET"
charon_conf "$ED" "i_dont_care_about_security_and_use_aggressive_mode_psk = yes"
sed -i 's/^\(\s*\)default = 1/\1flush_line = yes\n\1default = 1/' "$ED/strongswan.conf"
start_charon "$E" "$ED"

# run NAME WHO OAKLEY_LINES CHARON_PROPOSALS CHARON_ESP AGGRESSIVE MODE EXPECT_ENC EXPECT_ESP_DISPLAY
run() {
	local name=$1 who=$2 lines=$3 sike=$4 sesp=$5 aggr=$6 mode=$7 enc=$8 disp=$9
	local lts=10.1.0.0/24 rts=10.2.0.0/24 src=10.1.0.1 dst=10.2.0.1
	if [ "$mode" = transport ]; then
		lts=$WEST/32 rts=$EAST/32 src=$WEST dst=$EAST
	fi
	printf 'conn site\n\tleft=%s\n\tright=%s\n\tauto=add\n%b\n' "$WEST" "$EAST" "$lines" >"$WD/ipsec.conf"
	[ "$mode" = transport ] || printf '\tleftsubnet=10.1.0.0/24\n\trightsubnet=10.2.0.0/24\n' >>"$WD/ipsec.conf"
	PROPOSALS=$sike ESP_PROPOSALS=$sesp AGGRESSIVE=$aggr CHILD_EXTRA="mode = $mode" \
		swanctl_psk_conf "$ED" site "$EAST" "$WEST" "${rts}" "${lts}" "$SECRET"
	swanctl_in "$E" "$ED" --load-all --clear --file "$ED/swanctl.conf" >/dev/null
	start_oakleyd "$W" "$WD"
	if [ "$who" = oakley ]; then
		out=$(octl "$WD" up site) ||
			fail "$name: oakleyd -> charon: $out; charon: $(tail -n 15 "$ED/charon.log")"
	else
		swanctl_in "$E" "$ED" --initiate --child site --timeout 30 >"$T_OUT/$name.init" 2>&1 ||
			fail "$name: charon -> oakleyd: $(tail -n 8 "$T_OUT/$name.init"); oakleyd: $(tail -n 8 "$WD/oakleyd.log")"
	fi
	octl "$WD" status >"$T_OUT/$name.status"
	grep -q "installed, ESP $mode, .*, $disp" "$T_OUT/$name.status" ||
		fail "$name: oakleyd status: $(cat "$T_OUT/$name.status")"
	for ns in "$W" "$E"; do
		ip -n "$ns" -s xfrm state >"$T_OUT/$name.$ns.state"
		grep -qF "$enc" "$T_OUT/$name.$ns.state" || fail "$name: $ns's kernel has no $enc"
		grep -q "mode $mode" "$T_OUT/$name.$ns.state" || fail "$name: $ns's kernel has no $mode SA"
	done
	before=$(xfrm_packets "$W")
	ping_ok "$W" "$src" "$dst" 3 || fail "$name: no ping through the SAs"
	[ "$(xfrm_packets "$W")" -gt "$before" ] || fail "$name: ESP counters did not rise"
	log "$name: $who initiated, $mode, $disp, pinged"
	[ -z "${CHECK:-}" ] || eval "$CHECK" || fail "$name: check failed: $CHECK"
	octl "$WD" down site >/dev/null
	stop_oakleyd "$WD"
	swanctl_in "$E" "$ED" --terminate --ike site --timeout 5 >/dev/null 2>&1 || true
	wait_for 10 sh -c "[ \$(ip -n $E xfrm state | grep -c 'proto esp') -eq 0 ]" || true
}

run am-oakley oakley '\taggressive=yes\n\tike=aes128-sha256-modp2048\n\tesp=aes128-sha1' \
	aes128-sha256-modp2048 aes128-sha1 yes tunnel 'cbc(aes)' AES_CBC-128/HMAC_SHA1
grep -q 'AGGRESSIVE' "$ED/charon.log" || fail "charon saw no Aggressive Mode"
run am-charon charon '\taggressive=yes\n\tike=aes256-sha256-ecp256\n\tesp=aes256-sha256' \
	aes256-sha256-ecp256 aes256-sha256 yes tunnel 'cbc(aes)' AES_CBC-256/HMAC_SHA2_256
run transport-oakley oakley '\ttype=transport\n\tesp=aes128-sha256' \
	aes128-sha256-modp2048 aes128-sha256 no transport 'cbc(aes)' AES_CBC-128/HMAC_SHA2_256
run transport-charon charon '\ttype=transport\n\tesp=aes128-sha256' \
	aes128-sha256-modp2048 aes128-sha256 no transport 'cbc(aes)' AES_CBC-128/HMAC_SHA2_256
run gcm-oakley oakley '\tesp=aes128gcm16-modp2048' \
	aes128-sha256-modp2048 aes128gcm16-modp2048 no tunnel 'rfc4106(gcm(aes))' AES_GCM_16-128
run gcm-charon charon '\tesp=aes256gcm8' \
	aes128-sha256-modp2048 aes256gcm8 no tunnel 'rfc4106(gcm(aes))' AES_GCM_8-256
run gcm12-oakley oakley '\tesp=aes192gcm12' \
	aes128-sha256-modp2048 aes192gcm12 no tunnel 'rfc4106(gcm(aes))' AES_GCM_12-192
run ctr-charon charon '\tesp=aes256ctr-sha256' \
	aes128-sha256-modp2048 aes256ctr-sha256 no tunnel 'rfc3686(ctr(aes))' AES_CTR-256/HMAC_SHA2_256
CHECK='grep -q "hard 10485760(bytes)" "$T_OUT/$name.$W.state"' \
	run kilobytes oakley '\tlifebytes=10485760\n\tesp=aes128-sha1' \
	aes128-sha256-modp2048 aes128-sha1 no tunnel 'cbc(aes)' AES_CBC-128/HMAC_SHA1
CHECK='grep -q "hard 10485760(bytes)" "$T_OUT/$name.$W.state"' \
	run kilobytes-charon charon '\tlifebytes=10485760\n\tesp=aes128-sha1' \
	aes128-sha256-modp2048 aes128-sha1 no tunnel 'cbc(aes)' AES_CBC-128/HMAC_SHA1
run 3des-md5-charon charon '\tike=3des-md5-modp1536\n\tesp=3des-md5' \
	3des-md5-modp1536 3des-md5 no tunnel 'cbc(des3_ede)' 3DES_CBC/HMAC_MD5
# Several proposals: the responder's order decides.
run prefs-charon-decides oakley '\tesp=aes128-sha1,aes256-sha256' \
	aes128-sha256-modp2048 aes256-sha256,aes128-sha1 no tunnel 'cbc(aes)' AES_CBC-256/HMAC_SHA2_256
run prefs-oakley-decides charon '\tesp=aes256-sha256,aes128-sha1' \
	aes128-sha256-modp2048 aes128-sha1,aes256-sha256 no tunnel 'cbc(aes)' AES_CBC-256/HMAC_SHA2_256
log ok
