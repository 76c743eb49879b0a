# DPD scenario helpers (t_dpd.sh), on top of tests/net/oakley.sh.

# dpd_oakley_conf DIR ACTION DELAY TIMEOUT: west's ipsec.conf, one tunnel
# 10.1.0.0/24 === 10.2.0.0/24 with DPD.  SETUP: config setup lines.
dpd_oakley_conf() {
	cat >"$1/ipsec.conf" <<CONF
config setup
	${SETUP:-}
conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	ike=aes128-sha1-modp2048
	esp=aes128-sha1
	dpdaction=$2
	dpddelay=$3
	dpdtimeout=$4
	auto=add
CONF
}

# dpd_charon_load: east's swanctl.conf with charon's own DPD, loaded.
dpd_charon_load() {
	CONN_EXTRA="dpd_delay = ${CHARON_DPD_DELAY}s
		dpd_timeout = ${CHARON_DPD_TIMEOUT}s" \
		CHILD_EXTRA="dpd_action = clear" \
		swanctl_psk_conf "$ED" site "$EAST" "$WEST" 10.2.0.0/24 10.1.0.0/24 "$SECRET"
	swanctl_in "$E" "$ED" --load-all --clear --file "$ED/swanctl.conf" >/dev/null ||
		fail "swanctl --load-all failed"
}

# charon_sas: charon's IKE SAs of conn site, one "uniqueid state" a line.
charon_sas() {
	swanctl_in "$E" "$ED" --list-sas --ike site 2>/dev/null |
		sed -n 's/^site: #\([0-9]*\), \([A-Z_]*\),.*/\1 \2/p'
}

# xfrm_out_nostates NS: the kernel's count of outbound packets dropped for
# want of an SA (a policy matched, no state).
xfrm_out_nostates() {
	local k v
	while read -r k v; do
		[ "$k" = XfrmOutNoStates ] && echo "$v" && return
	done < <(ip netns exec "$1" cat /proc/net/xfrm_stat)
	echo 0
}

# xfrm_policy_count NS: policies with a template (ours, not the sockets').
xfrm_policy_count() {
	local line n=0
	while read -r line; do
		[[ $line == tmpl* ]] && n=$((n + 1))
	done < <(ip -n "$1" xfrm policy)
	echo $n
}

# clear_icmp_counter NS: counts plain ICMP from 10.1.0.1 arriving in NS
# (a leak past a held policy); clear_icmp_seen NS prints the count.
clear_icmp_counter() {
	ip netns exec "$1" nft -f - <<NFT
table inet dpdleak {
	chain pre {
		type filter hook prerouting priority -300;
		ip saddr 10.1.0.1 ip protocol icmp counter
	}
}
NFT
}
clear_icmp_seen() {
	local out
	out=$(ip netns exec "$1" nft list table inet dpdleak)
	out=${out#*counter packets }
	echo "${out%% *}"
}

# dpd_wait_dead DIR SECS: oakleyd's log says the peer is dead.
dpd_wait_dead() {
	wait_for "$2" grep -q "peer dead: no answer to" "$1/oakleyd.log" ||
		fail "oakleyd did not find the peer dead in $2 s: $(tail -n 15 "$1/oakleyd.log")"
}
