# Helpers for the IKE fragmentation scenarios (t_frag_*.sh).

# frag_counts PCAP WEST EAST: prints "FROM_WEST FROM_EAST MAX_WEST
# FIRST_WEST FIRST_EAST": the IKEv1 fragments (ISAKMP next payload 132)
# each address sent, the largest ISAKMP UDP payload west sent other than
# a first message sent whole (responder cookie zero: no vendor ID seen
# yet, unless forced), and the fragments of first messages each sent.
frag_counts() {
	tshark -r "$1" -T fields -e ip.src -e udp.length -e isakmp.nextpayload \
		-e isakmp.rspi -Y 'isakmp' 2>/dev/null | awk -v w="$2" -v e="$3" '
		{ np = $3; sub(/,.*/, "", np); first = ($4 ~ /^0+$/) }
		$1 == w && np == 132 { fw++; if (first) ffw++ }
		$1 == e && np == 132 { fe++; if (first) ffe++ }
		$1 == w && !(first && np != 132) && $2 - 8 > mw { mw = $2 - 8 }
		END { printf "%d %d %d %d %d\n", fw, fe, mw, ffw, ffe }'
}
