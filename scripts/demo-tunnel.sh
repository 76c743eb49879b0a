#!/bin/bash
# The demo itself, on a kernel with ESP: two gateways (west, east) each with
# subnets behind them, oakleyd in each, tunnels brought up with oakleyctl,
# pings through them, what oakley and the kernel say; then what a debugging
# engineer gets: the negotiation read back from oakleyd's decrypted capture
# (-L), Wireshark key tables (-K), and an ESP-NULL tunnel whose pings read
# in the wire capture.  scripts/demo.sh runs it here or in the VM.
. "$(dirname "$0")/../tests/net/oakley.sh"
require_esp

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_subnet "$W" 10.1.1.1/24
add_subnet "$E" 10.2.1.1/24
add_route "$W" 10.2.0.0/16 "$EAST"
add_route "$E" 10.1.0.0/16 "$WEST"
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
conn site
	keyexchange=ikev1
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	authby=secret
	ike=aes256-sha256-modp3072
	esp=aes256-sha256
	auto=add

# ESP-NULL: integrity only, so Wireshark reads the tunnelled traffic.
conn debug
	also=site
	leftsubnet=10.1.1.0/24
	rightsubnet=10.2.1.0/24
	esp=null-sha256
CONF
	write_secrets "$d" "demo secret, use a long random one"
done
say "west: 192.0.2.1 with 10.1.0.0/24 and 10.1.1.0/24 behind it; east: 192.0.2.2 with 10.2.0.0/24 and 10.2.1.0/24"
cat "$WD/ipsec.conf"
start_capture "$W" wan "$T_OUT/wire.pcapng" "udp or esp"
start_oakleyd "$W" "$WD" -l "$T_OUT/isakmp.pcap" -K "$T_OUT/keys"
start_oakleyd "$E" "$ED"

say "oakleyctl up site (on west)"
octl "$WD" up site || fail "the tunnel did not come up: $(tail -n 20 "$WD/oakleyd.log")"
say "ping 10.1.0.1 -> 10.2.0.1 through the tunnel"
ip netns exec "$W" ping -c 3 -i 0.3 -I 10.1.0.1 10.2.0.1 || fail "no ping through the tunnel"
say "oakleyctl up debug: an ESP-NULL tunnel, pinged"
octl "$WD" up debug || fail "the ESP-NULL tunnel did not come up"
ip netns exec "$W" ping -c 3 -i 0.3 -I 10.1.1.1 10.2.1.1 || fail "no ping through the ESP-NULL tunnel"
say "oakleyctl status (west)"
octl "$WD" status
say "ip -s xfrm state (west)"
ip -n "$W" -s xfrm state
say "ip xfrm policy (west)"
ip -n "$W" xfrm policy
say "oakleyctl down site; oakleyd stopped on both sides"
octl "$WD" down site
stop_oakleyd "$WD"
stop_oakleyd "$ED"
stop_capture "$T_OUT/wire.pcapng"
echo "SAs left in west's kernel: $(xfrm_esp_count "$W"), in east's: $(xfrm_esp_count "$E")"

say "the negotiation, read back from west's decrypted capture (oakleyd -l) by tshark, no key needed"
tshark -r "$T_OUT/isakmp.pcap" -T fields -E separator=' ' -e frame.number -e ip.src -e ip.dst \
	-e isakmp.exchangetype -e isakmp.messageid -e isakmp.typepayload 2>/dev/null |
	awk '{ x = $4 == 2 ? "Main Mode" : $4 == 32 ? "Quick Mode" : $4 == 5 ? "Informational" : $4;
	       pl = ""; for (i = 6; i <= NF; i++) pl = pl " " $i;
	       printf "%3s %s -> %s  %-13s msgid %s  payloads%s\n", $1, $2, $3, x, $5, pl }'
echo "(payload numbers: 1 SA, 2 Proposal, 3 Transform, 4 KE, 5 ID, 8 HASH, 10 Nonce, 11 Notify, 12 Delete)"
say "ICMP inside the ESP-NULL packets of the wire capture (tshark's NULL heuristic, no key)"
tshark -r "$T_OUT/wire.pcapng" -o esp.enable_null_encryption_decode_heuristic:TRUE \
	-Y 'esp && icmp' 2>/dev/null
say "where the files are"
out=${VM_SHARE:+$VM_SHARE/$T_NAME}
echo "decrypted ISAKMP capture: ${out:-$T_OUT}/isakmp.pcap"
echo "wire capture:             ${out:-$T_OUT}/wire.pcapng"
echo "Wireshark key tables:     ${out:-$T_OUT}/keys/ikev1_decryption_table and esp_sa"
echo "  (tshark -r wire.pcapng -o uat:ikev1_decryption_table:LINE -o esp.enable_encryption_decode:TRUE -o 'uat:esp_sa:LINE')"
say "oakleyd logs"
sed 's/^/west: /' "$WD/oakleyd.log" | grep -v debug
sed 's/^/east: /' "$ED/oakleyd.log" | grep -v debug
KEEP_OUT=1
