# Helpers for the IKE fragmentation scenarios (t_frag_*.sh).

# frag_counts PCAP WEST EAST: prints "FROM_WEST FROM_EAST MAX_WEST": the
# IKEv1 fragments (ISAKMP next payload 132) each address sent, and the
# largest ISAKMP UDP payload west sent (the non-ESP marker included).
frag_counts() {
	tshark -r "$1" -T fields -e ip.src -e udp.length -e isakmp.nextpayload \
		-Y 'isakmp' 2>/dev/null | awk -v w="$2" -v e="$3" '
		{ np = $3; sub(/,.*/, "", np) }
		$1 == w && np == 132 { fw++ }
		$1 == e && np == 132 { fe++ }
		$1 == w && $2 - 8 > mw { mw = $2 - 8 }
		END { printf "%d %d %d\n", fw, fe, mw }'
}
