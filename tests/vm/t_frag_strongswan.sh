#!/bin/bash
# vm-timeout: 600
# IKEv1 fragmentation against strongSwan's charon, in a kernel with ESP:
# charon with fragmentation = force and charon.fragment_size = 300,
# oakleyd with fragment_size=300, PSK with MODP-2048 and a PFS Quick Mode,
# so that the KE messages go as fragments both ways: Main Mode with
# oakleyd's fragmentation=yes (the default: it fragments once it saw
# charon's vendor ID), then Aggressive Mode with fragmentation=force on
# both (AM1 in fragments, whoever sends it).  Each side initiates once in
# each mode; each time the tunnel comes up, a ping passes, the wire
# capture shows fragments (payload 132) sent by both, none of oakleyd's
# datagrams larger than 300 bytes but a first message in yes mode;
# charon's log says it split and reassembled messages, oakleyd's that it
# sent fragments and reassembled the peer's.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_frag.sh"
require_esp

SECRET="fragments in a real kernel"

two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_route "$W" 10.2.0.0/24 "$EAST"
add_route "$E" 10.1.0.0/24 "$WEST"
write_secrets "$WD" "$SECRET"
charon_conf "$ED" "fragment_size = 300" \
	"i_dont_care_about_security_and_use_aggressive_mode_psk = yes"
# each line written at once: the log is read right after each run
sed -i 's/^\(\s*\)default = 1/\1flush_line = yes\n\1default = 1/' "$ED/strongswan.conf"
start_charon "$E" "$ED"

for run in "main oakley" "main charon" "aggressive oakley" "aggressive charon"; do
	read -r mode who <<<"$run"
	am=no oakley_frag=yes
	[ "$mode" = aggressive ] && am=yes oakley_frag=force
	AGGRESSIVE=$am PROPOSALS=aes128-sha256-modp2048 ESP_PROPOSALS=aes128-sha256-modp2048 \
		CONN_EXTRA="fragmentation = force" \
		swanctl_psk_conf "$ED" site "$EAST" "$WEST" 10.2.0.0/24 10.1.0.0/24 "$SECRET"
	swanctl_in "$E" "$ED" --load-all --clear --file "$ED/swanctl.conf" >/dev/null
	cat >"$WD/ipsec.conf" <<CONF
config setup
	fragment_size=300
conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	ike=aes128-sha256-modp2048
	esp=aes128-sha256-modp2048
	aggressive=$am
	fragmentation=$oakley_frag
	auto=add
CONF
	who="$mode-$who"
	pcap=$T_OUT/$who.pcapng
	start_capture "$W" wan "$pcap" "udp port 500 or udp port 4500"
	charon_lines=$(wc -l <"$ED/charon.log")
	start_oakleyd "$W" "$WD"
	if [ "${who#*-}" = oakley ]; then
		out=$(octl "$WD" up site) ||
			fail "$who: oakleyd -> charon: $out; charon: $(tail -n 15 "$ED/charon.log")"
	else
		swanctl_in "$E" "$ED" --initiate --child site --timeout 30 >"$T_OUT/init.txt" 2>&1 ||
			fail "$who: charon -> oakleyd: $(tail -n 10 "$T_OUT/init.txt"); oakleyd: $(tail -n 20 "$WD/oakleyd.log")"
	fi
	ping_ok "$W" 10.1.0.1 10.2.0.1 3 || fail "$who: no ping through the tunnel"
	status=$(octl "$WD" status)
	grep -q ', fragmentation' <<<"$status" || fail "$who: status does not say fragmentation: $status"
	stop_capture "$pcap"
	frag_counts "$pcap" "$WEST" "$EAST" >"$T_OUT/$who.frags"
	read -r from_w from_e max_w first_w first_e <"$T_OUT/$who.frags"
	[ "$from_w" -gt 0 ] || fail "$who: oakleyd sent no fragments on the wire"
	[ "$from_e" -gt 0 ] || fail "$who: charon sent no fragments on the wire"
	[ "$max_w" -le 300 ] || fail "$who: oakleyd sent a $max_w-byte datagram (fragment_size=300)"
	if [ "$mode" = aggressive ]; then
		# AM1 in fragments from whoever initiated (force on both)
		[ "$first_w$first_e" != 00 ] || fail "$who: AM1 was not fragmented"
	fi
	tail -n +"$((charon_lines + 1))" "$ED/charon.log" >"$T_OUT/$who.charon.log"
	grep -q 'splitting IKE message' "$T_OUT/$who.charon.log" || fail "$who: charon split nothing"
	grep -q 'reassembled fragmented IKE message' "$T_OUT/$who.charon.log" ||
		fail "$who: charon reassembled nothing: $(grep -i fragment "$T_OUT/$who.charon.log" | tail -n 5)"
	assert_log "$WD" 'as [0-9]+ fragments'
	assert_log "$WD" 'reassembled a [0-9]+-byte message from fragments'
	log "$who initiated: fragments on the wire from oakleyd $from_w (largest UDP payload $max_w), from charon $from_e; of a first message: $first_w, $first_e"
	if [ "${who#*-}" = oakley ]; then
		octl "$WD" down site >/dev/null
	else
		swanctl_in "$E" "$ED" --terminate --ike site --timeout 10 >/dev/null 2>&1 || true
	fi
	stop_oakleyd "$WD"
	wait_for 10 sh -c "[ \$(ip -n $E xfrm state | grep -c 'proto esp') -eq 0 ]" || true
done
log ok
