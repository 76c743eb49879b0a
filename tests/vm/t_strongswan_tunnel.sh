#!/bin/bash
# vm-timeout: 600
# In a kernel with ESP: oakleyd (west) against strongSwan's charon (east),
# IKEv1 PSK Main Mode + Quick Mode, each side initiating, for a few
# proposal sets.  Each run: the kernels of both sides hold the same SPIs
# with the algorithms oakleyctl status reports, pings pass through the
# tunnel and the ESP counters rise.
. "$(dirname "$0")/../net/oakley.sh"
require_esp

# oakley ike, esp; charon proposals, esp_proposals; xfrm enc; who initiates
RUNS=(
	"aes128-sha1-modp2048 aes128-sha1 aes128-sha1-modp2048 aes128-sha1 cbc(aes) oakley"
	"aes128-sha1-modp2048 aes128-sha1 aes128-sha1-modp2048 aes128-sha1 cbc(aes) charon"
	"aes256-sha256-ecp256 aes256-sha256 aes256-sha256-ecp256 aes256-sha256 cbc(aes) oakley"
	"aes256-sha512-modp4096 3des-sha1 aes256-sha512-modp4096 3des-sha1 cbc(des3_ede) charon"
	"3des-md5-modp1536 null-sha1 3des-md5-modp1536 null-sha1 ecb(cipher_null) oakley"
	"aes128-sha256-ecp256 aes128-sha1-modp2048 aes128-sha256-ecp256 aes128-sha1-modp2048 cbc(aes) charon"
	"aes256-sha256-modp2048 aes256-sha256-ecp256 aes256-sha256-modp2048 aes256-sha256-ecp256 cbc(aes) oakley"
	"aes128-sha256-modp3072 aes128-sha256-curve25519 aes128-sha256-modp3072 aes128-sha256-curve25519 cbc(aes) charon"
)
SECRET="interop in a real kernel"

two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_route "$W" 10.2.0.0/24 "$EAST"
add_route "$E" 10.1.0.0/24 "$WEST"
write_secrets "$WD" "$SECRET"
charon_conf "$ED" "flush_line = yes"
sed -i 's/^\(\s*\)default = 1/\1flush_line = yes\n\1default = 1/' "$ED/strongswan.conf"
start_charon "$E" "$ED"

n=0
for run in "${RUNS[@]}"; do
	read -r ike esp sike sesp enc who <<<"$run"
	n=$((n + 1))
	cat >"$WD/ipsec.conf" <<CONF
conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	ike=$ike
	esp=$esp
	auto=add
CONF
	PROPOSALS=$sike ESP_PROPOSALS=$sesp \
		swanctl_psk_conf "$ED" site "$EAST" "$WEST" 10.2.0.0/24 10.1.0.0/24 "$SECRET"
	swanctl_in "$E" "$ED" --load-all --clear --file "$ED/swanctl.conf" >/dev/null
	start_oakleyd "$W" "$WD"
	if [ "$who" = oakley ]; then
		out=$(octl "$WD" up site) ||
			fail "run $n: oakleyd -> charon: $out; charon: $(tail -n 15 "$ED/charon.log")"
	else
		swanctl_in "$E" "$ED" --initiate --child site --timeout 30 >"$T_OUT/init$n.txt" 2>&1 ||
			fail "run $n: charon -> oakleyd: $(tail -n 10 "$T_OUT/init$n.txt"); oakleyd: $(tail -n 10 "$WD/oakleyd.log")"
	fi
	json=$(octl "$WD" status --json)
	in=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["ipsec_sas"][0]["spi_in"])' <<<"$json")
	out=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["ipsec_sas"][0]["spi_out"])' <<<"$json")
	for ns in "$W" "$E"; do
		ip -n "$ns" xfrm state >"$T_OUT/state$n.$ns"
		grep -q "spi 0x$in " "$T_OUT/state$n.$ns" || fail "run $n: SPI $in not in $ns's kernel"
		grep -q "spi 0x$out " "$T_OUT/state$n.$ns" || fail "run $n: SPI $out not in $ns's kernel"
		grep -qF "enc $enc " "$T_OUT/state$n.$ns" || fail "run $n: $ns's kernel has no $enc"
	done
	swanctl_in "$E" "$ED" --list-sas >"$T_OUT/sas$n.txt"
	grep -q "INSTALLED, TUNNEL" "$T_OUT/sas$n.txt" || fail "run $n: charon has no CHILD_SA"
	# PFS: both sides name the Quick Mode's group.
	case $esp in *-*-*)
		grp=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["ipsec_sas"][0]["pfs_group"])' <<<"$json")
		[ -n "$grp" ] || fail "run $n: oakleyd reports no PFS group"
		grep -q "$grp" "$T_OUT/sas$n.txt" ||
			fail "run $n: charon's CHILD_SA does not show $grp: $(cat "$T_OUT/sas$n.txt")"
		;;
	esac
	grep -qi "$in" "$T_OUT/sas$n.txt" || fail "run $n: charon does not show SPI $in"
	before=$(xfrm_packets "$W")
	ping_ok "$W" 10.1.0.1 10.2.0.1 3 || fail "run $n: no ping through the tunnel"
	after=$(xfrm_packets "$W")
	[ "$after" -gt "$before" ] || fail "run $n: ESP counters did not rise"
	log "run $n: $who initiated, ike=$ike esp=$esp: SPIs $in/$out, packets $before -> $after"
	# Whoever initiated tears down; the other side's kernel must follow.
	if [ "$who" = oakley ]; then
		octl "$WD" down site >/dev/null
		wait_for 10 sh -c "! ip -n $E xfrm state | grep -q 'spi 0x$in '" ||
			fail "run $n: charon kept the SA after oakleyd's Delete"
	else
		swanctl_in "$E" "$ED" --terminate --ike site --timeout 10 >/dev/null 2>&1 ||
			fail "run $n: swanctl --terminate failed"
		wait_for 10 sh -c "[ \$(ip -n $W xfrm state | grep -c 'proto esp') -eq 0 ]" ||
			fail "run $n: oakleyd kept SAs after charon's Delete: $(ip -n "$W" xfrm state)"
		ip -n "$W" xfrm policy | grep -q tmpl && fail "run $n: oakleyd kept policies"
		octl "$WD" status | grep -q 'none' || true
	fi
	stop_oakleyd "$WD"
done
log ok
