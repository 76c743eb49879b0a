#!/bin/bash
# oakleyd against strongSwan's charon (IKEv1, PSK, Main Mode + Quick Mode),
# each side initiating.  This kernel has no ESP: both exchanges must
# complete (charon reaches INSTALLING with oakleyd's SPIs), then charon's
# install fails with "Protocol not supported" and it deletes the CHILD_SA,
# which oakleyd (dataplane=none) must honour.  The real-kernel VM scenarios
# check the data path.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
SECRET="interop secret 1"
cat >"$WD/ipsec.conf" <<CONF
config setup
	dataplane=none

conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	ike=${OAKLEY_IKE:-aes128-sha1-modp2048}
	esp=${OAKLEY_ESP:-aes128-sha1}
	auto=add
CONF
write_secrets "$WD" "$SECRET"

mkdir -p "$ED"
cat >"$ED/strongswan.conf" <<CONF
charon {
	load = random nonce openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici
	install_routes = no
	filelog {
		out {
			path = $ED/charon.log
			flush_line = yes
			default = 1
			ike = 2
			chd = 2
		}
	}
}
swanctl {
	load = pem pkcs1 x509 pubkey openssl random
}
CONF
PROPOSALS=${SWAN_IKE:-aes128-sha1-modp2048} ESP_PROPOSALS=${SWAN_ESP:-aes128-sha1} \
	swanctl_psk_conf "$ED" site "$EAST" "$WEST" 10.2.0.0/24 10.1.0.0/24 "$SECRET"
start_charon "$E" "$ED"
swanctl_in "$E" "$ED" --load-all --file "$ED/swanctl.conf" >/dev/null
start_oakleyd "$W" "$WD"

# The Quick Mode that oakleyd's status shows, as charon saw it.
charon_took() {
	local spi_in spi_out
	# From the log: charon may already have deleted the pair.
	spi_in=$(sed -n 's/.*IPsec SA established.*SPIs in \([0-9a-f]*\) out.*/\1/p' "$WD/oakleyd.log" | tail -n 1)
	spi_out=$(sed -n 's/.*IPsec SA established.*SPIs in [0-9a-f]* out \([0-9a-f]*\),.*/\1/p' "$WD/oakleyd.log" | tail -n 1)
	[ -n "$spi_in" ] && [ -n "$spi_out" ] || fail "oakleyd logged no IPsec SA"
	wait_for 5 grep -q "CHILD_SA site{$1} state change: CREATED => INSTALLING" "$ED/charon.log" || true
	grep -q "CHILD_SA site{$1} state change: CREATED => INSTALLING" "$ED/charon.log" ||
		fail "charon did not complete Quick Mode: $(tail -n 20 "$ED/charon.log")"
	grep -qi "SPI $spi_out" "$ED/charon.log" || fail "charon never used SPI $spi_out"
	grep -qi "SPI $spi_in" "$ED/charon.log" || fail "charon never used SPI $spi_in"
	log "charon completed Quick Mode {$1}: SPIs $spi_in/$spi_out"
}

# oakleyd initiates.
out=$(octl "$WD" up site) || fail "oakleyd -> charon: $out; charon: $(tail -n 20 "$ED/charon.log")"
log "oakleyd initiated: $out"
swanctl_in "$E" "$ED" --list-sas >"$T_OUT/sas1.txt"
grep -q 'site: #1, ESTABLISHED, IKEv1' "$T_OUT/sas1.txt" || fail "charon has no ISAKMP SA"
grep -q 'AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048' "$T_OUT/sas1.txt" ||
	fail "charon's ISAKMP SA has other algorithms: $(cat "$T_OUT/sas1.txt")"
charon_took 1
# charon could not install (no ESP here) and deletes: oakleyd follows.
wait_for 10 sh -c "! $OAKLEYCTL -c $(ctl_sock "$WD") status | grep -q 'ESP tunnel'" ||
	fail "oakleyd kept its IPsec SA after charon's Delete"
assert_log "$WD" 'peer deleted IPsec SA'
octl "$WD" down site >/dev/null

# charon initiates (its install fails here, so swanctl reports failure).
swanctl_in "$E" "$ED" --initiate --child site --timeout 30 >"$T_OUT/initiate.txt" 2>&1 || true
assert_log "$WD" 'is initiating Main Mode'
assert_log "$WD" 'IPsec SA established: ESP tunnel 10.1.0.0/24 === 10.2.0.0/24'
grep -q "CHILD_SA site{2} state change: CREATED => INSTALLING" "$ED/charon.log" ||
	fail "charon did not complete its Quick Mode: $(tail -n 20 "$ED/charon.log")"
stop_oakleyd "$WD"
log ok
