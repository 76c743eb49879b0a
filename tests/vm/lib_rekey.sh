# Helpers for the zero-loss rekey scenarios (t_rekey_*.sh), on top of
# lib.sh and ../net/oakley.sh (source those first).

# Two gateways (two_gateways v4) with subnets 10.1.0.1/24 (west) and
# 10.2.0.1/24 (east) on a dummy link each, routed to the other gateway.
rekey_topology() {
	two_gateways v4
	printf 'link add sub0 type dummy\nlink set sub0 up\naddr add 10.1.0.1/24 dev sub0\nroute add 10.2.0.0/24 via %s\n' \
		"$EAST" | ns_batch "$W" || fail "west's subnet"
	printf 'link add sub0 type dummy\nlink set sub0 up\naddr add 10.2.0.1/24 dev sub0\nroute add 10.1.0.0/24 via %s\n' \
		"$WEST" | ns_batch "$E" || fail "east's subnet"
}

# rekey_oakley_conf DIR: one tunnel, ISAKMP lifetime 60 s and IPsec 40 s;
# margintime and rekeyfuzz keep their defaults (9m, 100%), scaled down
# to the lifetimes (rekey.h): ISAKMP rekeys 30-45 s, IPsec 20-30 s after
# they are made.
rekey_oakley_conf() {
	cat >"$1/ipsec.conf" <<CONF
conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	ike=aes128-sha256-ecp256
	esp=aes128-sha256
	ikelifetime=60s
	lifetime=40s
	auto=add
CONF
}

# The kernel's XFRM error counters of NS (non-zero ones), one line.
rekey_xfrm_stat() {
	ip netns exec "$1" awk '$2 != 0 { printf "%s=%s ", $1, $2 }' /proc/net/xfrm_stat
}

# rekey_ping NAME SECS: 50 pings a second from west's subnet to east's for
# SECS seconds, each with its time (-D) and those unanswered named (-O);
# the output in T_OUT/NAME.ping.  Sets SENT and RECEIVED from the summary.
rekey_ping() {
	local name=$1 secs=$2 out line re
	out=$T_OUT/$name.ping
	ip netns exec "$W" ping -D -O -n -i 0.02 -c $((secs * 50)) -W 2 -I 10.1.0.1 10.2.0.1 \
		>"$out" 2>&1
	line=$(grep 'packets transmitted' "$out")
	re='([0-9]+) packets transmitted, ([0-9]+) received'
	[[ $line =~ $re ]] || fail "$name: no ping summary: $(tail -n 5 "$out")"
	SENT=${BASH_REMATCH[1]} RECEIVED=${BASH_REMATCH[2]}
}

# rekey_explain_loss NAME: what the logs and the kernel say about the
# pings that got no answer (their times, and the XFRM counters).
rekey_explain_loss() {
	local name=$1
	log "$name: unanswered: $(grep -c 'no answer yet' "$T_OUT/$name.ping")" \
		"$(grep 'no answer yet' "$T_OUT/$name.ping" | head -n 20 | tr '\n' ' ')"
	log "$name: west's XFRM errors: $(rekey_xfrm_stat "$W")"
	log "$name: east's XFRM errors: $(rekey_xfrm_stat "$E")"
}

# rekey_count FILE REGEX: how many lines of FILE match.
rekey_count() { grep -Ec -- "$2" "$1" || true; }
