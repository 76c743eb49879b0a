#!/bin/bash
# vm-timeout: 600
# In a kernel with ESP: a capture taken on the wire (dumpcap on the veth)
# of a full Main Mode + Quick Mode + ping, read by tshark with oakleyd's
# Wireshark key tables (-K): MM5/MM6 and Quick Mode decrypt, and the ICMP
# inside the ESP packets shows.  Then ESP-NULL (esp=null-sha1): the ICMP
# shows with tshark's NULL heuristic and no key at all.
. "$(dirname "$0")/../net/oakley.sh"
require_esp
command -v tshark >/dev/null || fail "tshark is not installed"

two_gateways v4
add_subnet "$W" 10.1.0.1/24
add_subnet "$E" 10.2.0.1/24
add_route "$W" 10.2.0.0/24 "$EAST"
add_route "$E" 10.1.0.0/24 "$WEST"
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	ike=aes128-sha1-modp2048
	esp=${ESP:-aes128-sha1}
	auto=add
CONF
	write_secrets "$d" "wire"
done

# one_run NAME ESP: capture a whole negotiation and a ping on west's veth.
one_run() {
	local name=$1
	sed -i "s/^\tesp=.*/\tesp=$2/" "$WD/ipsec.conf" "$ED/ipsec.conf"
	start_capture "$W" wan "$T_OUT/$name.pcapng" "udp or esp"
	start_oakleyd "$W" "$WD" -K "$WD/keys-$name"
	start_oakleyd "$E" "$ED"
	octl "$WD" up site >/dev/null || fail "$name: up failed"
	ping_ok "$W" 10.1.0.1 10.2.0.1 3 || fail "$name: no ping through the tunnel"
	stop_capture "$T_OUT/$name.pcapng"
	stop_oakleyd "$WD"
	stop_oakleyd "$ED"
}

one_run aes aes128-sha1
opts=(-o "uat:ikev1_decryption_table:$(head -n 1 "$WD/keys-aes/ikev1_decryption_table")"
	-o esp.enable_encryption_decode:TRUE)
while IFS= read -r line; do opts+=(-o "uat:esp_sa:$line"); done <"$WD/keys-aes/esp_sa"
tshark -r "$T_OUT/aes.pcapng" "${opts[@]}" -T fields -E separator='|' \
	-e frame.number -e isakmp.exchangetype -e isakmp.id.type -e isakmp.hash -e isakmp.nonce \
	-e isakmp.id.data.ipv4_addr -e icmp.type >"$T_OUT/aes.txt" 2>"$T_OUT/aes.err"
# MM5 and MM6 decrypted: ID type and HASH.
n=$(awk -F'|' '$2 == 2 && $3 != "" && $4 != ""' "$T_OUT/aes.txt" | wc -l)
[ "$n" -eq 2 ] || fail "MM5/MM6 did not decrypt ($n): $(cat "$T_OUT/aes.txt" "$T_OUT/aes.err")"
# QM1 and QM2 decrypted: nonce and the subnets.
n=$(awk -F'|' '$2 == 32 && $5 != "" && $6 ~ /10.1.0.0/ && $6 ~ /10.2.0.0/' "$T_OUT/aes.txt" | wc -l)
[ "$n" -eq 2 ] || fail "Quick Mode did not decrypt ($n): $(cat "$T_OUT/aes.txt")"
# ICMP echo requests (8) and replies (0) inside ESP.
req=$(awk -F'|' '$7 == 8' "$T_OUT/aes.txt" | wc -l)
rep=$(awk -F'|' '$7 == 0' "$T_OUT/aes.txt" | wc -l)
[ "$req" -ge 3 ] && [ "$rep" -ge 3 ] || fail "ICMP inside ESP: $req requests, $rep replies"
log "wire capture with key tables: MM5/MM6, QM1/QM2 decrypted, $req echo requests and $rep replies in ESP"

one_run null null-sha1
tshark -r "$T_OUT/null.pcapng" -o esp.enable_null_encryption_decode_heuristic:TRUE \
	-Y 'esp && icmp' -T fields -e icmp.type >"$T_OUT/null.txt" 2>/dev/null
req=$(grep -cx 8 "$T_OUT/null.txt" || true)
rep=$(grep -cx 0 "$T_OUT/null.txt" || true)
[ "$req" -ge 3 ] && [ "$rep" -ge 3 ] || fail "ESP-NULL: $req requests, $rep replies readable"
log "ESP-NULL: $req echo requests and $rep replies readable with no key"
log ok
