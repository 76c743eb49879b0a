#!/bin/bash
# oakleyd -L: every ISAKMP message sent and received, decrypted, in a pcap
# that tshark dissects with no key (IPv4 and IPv6); a retransmitted message
# recorded once; the run-time switch; refusals of unsafe files; and the
# Wireshark key tables (-K), their lines matching the negotiated SAs.
. "$(dirname "$0")/oakley.sh"
command -v tshark >/dev/null || fail "tshark is not installed (scripts/deps.sh installs it)"

# tsh FILE FILTER FIELDS...: one line per matching frame.
tsh() {
	local f=$1 filter=$2
	shift 2
	tshark -r "$f" -Y "$filter" -T fields -E separator='|' $(printf -- '-e %s ' "$@") 2>/dev/null
}

# check_capture FILE SUBNET_W SUBNET_E: the dissection of one Main Mode and
# one Quick Mode.
check_capture() {
	local f=$1 sw=$2 se=$3 n
	n=$(tsh "$f" isakmp frame.number | wc -l)
	[ "$n" -ge 9 ] || fail "$f: $n ISAKMP messages, expected at least 9"
	[ -z "$(tsh "$f" '_ws.malformed || _ws.expert.severity == error' frame.number)" ] ||
		fail "$f: malformed frames: $(tshark -r "$f" -Y _ws.malformed)"
	[ -z "$(tsh "$f" 'isakmp.enc.data' frame.number)" ] || fail "$f: encrypted payloads left"
	[ -z "$(tsh "$f" 'isakmp.flags & 0x01' frame.number)" ] || fail "$f: encryption flag set"
	# MM5 and MM6: ID and HASH.
	n=$(tsh "$f" 'isakmp.exchangetype == 2 && isakmp.id.type && isakmp.hash' frame.number | wc -l)
	[ "$n" -eq 2 ] || fail "$f: $n Main Mode messages with ID and HASH, expected 2"
	# QM1 and QM2: SA, nonce and both IDs with the configured subnets.
	tsh "$f" 'isakmp.exchangetype == 32 && isakmp.sa.doi && isakmp.nonce' \
		isakmp.id.data.ipv4_addr isakmp.id.data.ipv6_addr >"$T_OUT/qm.txt"
	[ "$(wc -l <"$T_OUT/qm.txt")" -eq 2 ] || fail "$f: QM1/QM2 not both dissected: $(cat "$T_OUT/qm.txt")"
	grep -q "$sw" "$T_OUT/qm.txt" && grep -q "$se" "$T_OUT/qm.txt" ||
		fail "$f: Quick Mode IDs are not $sw and $se: $(cat "$T_OUT/qm.txt")"
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f: mode $(stat -c %a "$f"), expected 600"
}

run_pair() {
	local v=$1 sw=$2 se=$3
	two_gateways "$v"
	for d in "$WD" "$ED"; do
		cat >"$d/ipsec.conf" <<CONF
config setup
	dataplane=none
	retransmit_timeout=0.2
	retransmit_tries=2

conn site
	left=$WEST
	leftsubnet=$4
	right=$EAST
	rightsubnet=$5
	auto=add

conn second
	left=$WEST
	leftsubnet=$6
	right=$EAST
	rightsubnet=$7
	auto=add
CONF
		write_secrets "$d" "see inside"
	done
	# East takes its capture from config setup, west from the command line.
	sed -i "2i\\	capture=yes\\n\\	capturefile=$ED/east-$v.pcap" "$ED/ipsec.conf"
	start_oakleyd "$W" "$WD" -l "$WD/west-$v.pcap" -K "$WD/keys"
	start_oakleyd "$E" "$ED"
	assert_log "$WD" "writing ISAKMP and ESP keys to the Wireshark key tables in $WD/keys"
	octl "$WD" up site >/dev/null || fail "$v: up failed"
	octl "$WD" status | grep -q "Capture: on, decrypted ISAKMP to $WD/west-$v.pcap" ||
		fail "status does not show the capture"
	check_capture "$WD/west-$v.pcap" "$sw" "$se"
	check_capture "$ED/east-$v.pcap" "$sw" "$se"
	log "$v: both captures dissect: $(tsh "$WD/west-$v.pcap" isakmp isakmp.exchangetype | tr '\n' ' ')"
}

run_pair v4 10.1.0.0 10.2.0.0 10.1.0.0/24 10.2.0.0/24 10.1.9.0/24 10.2.9.0/24

# Key tables: the ISAKMP SA's cookie and key, two ESP lines per child.
ic=$(octl "$WD" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ike_sas"][0]["icookie"])')
grep -Eq "^$ic,[0-9a-f]{32}\$" "$WD/keys/ikev1_decryption_table" ||
	fail "no key line for $ic: $(cat "$WD/keys/ikev1_decryption_table")"
json=$(octl "$WD" status --json)
for k in spi_in spi_out; do
	spi=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["ipsec_sas"][0][sys.argv[1]])' "$k" <<<"$json")
	grep -Eq "^\"IPv4\",\"192.0.2.[12]\",\"192.0.2.[12]\",\"0x$spi\",\"AES-CBC \[RFC3602\]\",\"0x[0-9a-f]{32}\",\"HMAC-SHA-(1-96 \[RFC2404\]|256-128 \[RFC4868\])\",\"0x[0-9a-f]{40,64}\"\$" "$WD/keys/esp_sa" ||
		fail "no esp_sa line for $spi: $(cat "$WD/keys/esp_sa")"
done
for f in ikev1_decryption_table esp_sa; do
	[ "$(stat -c %a "$WD/keys/$f")" = 600 ] || fail "$f is not mode 600"
done

# The run-time switch: nothing recorded while off, recording again when on.
octl "$WD" capture off >/dev/null || fail "capture off failed"
octl "$WD" status | grep -q "Capture: off" || fail "status does not say capture off"
before=$(tsh "$WD/west-v4.pcap" isakmp frame.number | wc -l)
octl "$WD" up second >/dev/null || fail "up second failed"
[ "$(tsh "$WD/west-v4.pcap" isakmp frame.number | wc -l)" -eq "$before" ] ||
	fail "records were added while capture was off"
octl "$WD" down second >/dev/null
octl "$WD" capture on "$WD/west-v4.pcap" >/dev/null || fail "capture on (append) failed"
octl "$WD" up second >/dev/null || fail "up second again failed"
after=$(tsh "$WD/west-v4.pcap" isakmp frame.number | wc -l)
[ "$after" -gt "$before" ] || fail "no records after capture on ($before -> $after)"
log "switch: $before records, none while off, $after after on"

# Unsafe files are refused, with the reason.
ln -s "$WD/west-v4.pcap" "$T_OUT/link.pcap"
out=$(octl "$WD" capture on "$T_OUT/link.pcap" 2>&1) && fail "capture through a symlink accepted"
echo "$out" | grep -q "symbolic link" || fail "symlink refusal says: $out"
echo "not a pcap" >"$T_OUT/text.pcap"
out=$(octl "$WD" capture on "$T_OUT/text.pcap" 2>&1) && fail "a text file accepted"
log "refused: $out"
cp "$WD/west-v4.pcap" "$T_OUT/foreign.pcap" && chown 65534 "$T_OUT/foreign.pcap"
out=$(octl "$WD" capture on "$T_OUT/foreign.pcap" 2>&1) && fail "a foreign-owned file accepted"
log "refused: $out"

# A retransmitted message is recorded once: east goes silent, west sends
# MM1 three times, the capture holds it once.
stop_oakleyd "$ED"
octl "$WD" capture on "$T_OUT/retransmit.pcap" >/dev/null || fail "capture on failed"
octl "$WD" down site >/dev/null
octl "$WD" up site >/dev/null 2>&1 && fail "up against a silent peer succeeded"
assert_log "$WD" 'retransmit 2'
n=$(tsh "$T_OUT/retransmit.pcap" 'isakmp.exchangetype == 2' frame.number | wc -l)
[ "$n" -eq 1 ] || fail "the retransmitted MM1 is recorded $n times"
stop_oakleyd "$WD"
ip netns del "$W"; ip netns del "$E"
LIB_NS=()

run_pair v6 2001:db8:1:: 2001:db8:2:: 2001:db8:1::/64 2001:db8:2::/64 2001:db8:9::/64 2001:db8:a::/64
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
