#!/bin/bash
# Tunnel setup rate: oakleyd against oakleyd in two network namespaces,
# dataplane=none, N connections each with its own IDs (so each is a full
# Main Mode + Quick Mode), brought up by one oakleyctl process, P at a
# time (oakleyctl -p P up -, the names on stdin), counted with status
# --summary.
# Prints tunnels per second and the responder's memory per tunnel.  Not a
# test: no assertion on the figures.
#   bench/setup-rate.sh [BUILD_DIR] [N] [GROUP] [PARALLEL]
# INTEROP.md's strongSwan figures on this kind of machine: about 230 SA/s
# with MODP-2048 and 590 SA/s with ECP-256.
set -eu
cd "$(dirname "$0")/.."
BUILD=$(realpath "${1:-build}")
N=${2:-200}
GROUP=${3:-modp2048}
PAR=${4:-64}
[ -x "$BUILD/oakleyd" ] || make -s all >/dev/null
export T_NAME=setup-rate
. tests/net/oakley.sh "$BUILD"

two_gateways v4
for d in "$WD" "$ED"; do
	printf 'config setup\n\tdataplane=none\n\n' >"$d/ipsec.conf"
	for i in $(seq 1 "$N"); do
		# a host each side, a distinct address up to 2^22 tunnels
		sub=$((i >> 16)).$((i >> 8 & 255)).$((i & 255))
		printf 'conn c%s\n\tleft=%s\n\tleftid=@c%s.west\n\tleftsubnet=10.%s/32\n\tright=%s\n\trightid=@c%s.east\n\trightsubnet=100.%s/32\n\tike=aes128-sha1-%s!\n\tesp=aes128-sha1!\n\tauto=add\n\n' \
			"$i" "$WEST" "$i" "$sub" "$EAST" "$i" "$((64 + (i >> 16))).$((i >> 8 & 255)).$((i & 255))" "$GROUP"
	done >>"$d/ipsec.conf"
	write_secrets "$d" "bench"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"
sleep 0.5
rss_before=$(awk '/VmRSS/ {print $2}' /proc/"$(cat "$ED/oakleyd.pid")"/status)
start=$(date +%s.%N)
seq -f 'c%g' 1 "$N" | "$OAKLEYCTL" -c "$(ctl_sock "$WD")" -p "$PAR" up - >"$T_OUT/up.out" 2>"$T_OUT/up.err" || true
end=$(date +%s.%N)
rss_after=$(awk '/VmRSS/ {print $2}' /proc/"$(cat "$ED/oakleyd.pid")"/status)
tail -n 1 "$T_OUT/up.out"
failed=$(grep -c . "$T_OUT/up.err" || true)
[ "$failed" -eq 0 ] || { echo "failures (first 5):"; head -n 5 "$T_OUT/up.err"; }
up=$(octl "$ED" status --summary | awk '$1 == "ipsec_sas:" {print $2}')
awk -v n="$up" -v s="$start" -v e="$end" -v g="$GROUP" -v p="$PAR" -v a="$rss_before" -v b="$rss_after" 'BEGIN {
	t = e - s
	if (n == 0) { printf "no tunnel came up (%s)\n", g; exit 1 }
	printf "oakley IKEv1 PSK Main Mode + Quick Mode, %s, %d at a time: %d tunnels in %.2f s = %.0f tunnels/s\n", g, p, n, t, n / t
	printf "responder memory: %d KB before, %d KB after: %.1f KB per tunnel\n", a, b, (b - a) / n
}'
stop_oakleyd "$WD"
stop_oakleyd "$ED"
