# Helpers for the peers scenarios of issue 9 (several subnets per
# connection, a restarted peer, 30% loss), on top of lib.sh and
# ../net/oakley.sh:  . "$(dirname "$0")/lib_peers.sh"  (after oakley.sh)

# peer_nets NS GATEWAY "ADDR/LEN ..." "SUBNET ...": a dummy link sub0 in NS
# holding the local subnets' addresses, and routes to the other side's
# subnets via its GATEWAY, in one `ip -batch` (each exec costs under TCG).
peer_nets() {
	local ns=$1 gw=$2 a
	{
		echo 'link add sub0 type dummy'
		echo 'link set sub0 up'
		for a in $3; do echo "addr add $a dev sub0"; done
		for a in $4; do echo "route add $a via $gw"; done
	} | ns_batch "$ns" || fail "setting up the subnets of $ns failed"
}

# loss_on NS IFACE N: nftables drops N in 10 of the packets IFACE receives
# and sends on the wire, at random (this kernel has netem, but the issue's
# test uses numgen, which the build machine's kernel has too).  Only UDP
# (IKE) and ESP: a tunnel packet passes the hooks twice, as ESP and as
# the clear packet inside it, and one wire loss must count once.
# loss_off NS.
loss_on() {
	ip netns exec "$1" nft -f - <<EOF || fail "nft in $1 failed"
table inet loss {
	chain in { type filter hook input priority 0; iifname "$2" meta l4proto { udp, esp } numgen random mod 10 < $3 counter drop; }
	chain out { type filter hook output priority 0; oifname "$2" meta l4proto { udp, esp } numgen random mod 10 < $3 counter drop; }
}
EOF
}
loss_off() { ip netns exec "$1" nft delete table inet loss; }
# The dropped counts, "in N out M", for the log.
loss_counts() {
	local r
	r=$(ip netns exec "$1" nft list table inet loss 2>/dev/null)
	[[ $r =~ packets\ ([0-9]+).*packets\ ([0-9]+) ]] &&
		echo "in ${BASH_REMATCH[1]} out ${BASH_REMATCH[2]}"
}

# The SPIs of the ESP SAs in NS, sorted, one line.
xfrm_spis() {
	ip -n "$1" xfrm state | sed -n 's/.*proto esp spi \(0x[0-9a-f]*\).*/\1/p' | sort | tr '\n' ' '
}
# The distinct reqids of the ESP SAs in NS.
xfrm_reqids() {
	ip -n "$1" xfrm state | sed -n 's/.*reqid \([0-9]*\) .*/\1/p' | sort -u | tr '\n' ' '
}

# expect_esp NS N WHAT: exactly N ESP SAs in NS, or fail saying WHAT.
expect_esp() {
	local n
	n=$(xfrm_esp_count "$1")
	[ "$n" -eq "$2" ] || fail "$3: $n ESP SAs in $1, expected $2: $(ip -n "$1" xfrm state | grep '^src\|spi')"
}

# The kernel's view of every namespace at exit when the scenario failed,
# beside the daemons' logs in T_OUT, so that a flake can be explained.
peers_diag() {
	local rc=$1 ns
	[ "$rc" -eq 0 ] && return 0
	for ns in ${LIB_NS[@]+"${LIB_NS[@]}"}; do
		{
			echo "== ip xfrm state"
			ip -n "$ns" -s xfrm state
			echo "== ip xfrm policy"
			ip -n "$ns" xfrm policy
			echo "== nft"
			ip netns exec "$ns" nft list ruleset
			echo "== addresses, routes"
			ip -n "$ns" addr
			ip -n "$ns" route
		} >"$T_OUT/diag-$ns.txt" 2>&1
	done
}
on_exit 'peers_diag "$rc"'

# swanctl_subnets_conf DIR NAME LOCAL_IP REMOTE_IP SECRET "LTS RTS" ...:
# an IKEv1 PSK connection NAME whose children NAME-1, NAME-2, ... each
# protect one pair of subnets (what Libreswan and oakley make of
# leftsubnet=/rightsubnet= lists), tunnel mode.
swanctl_subnets_conf() {
	local dir=$1 name=$2 l=$3 r=$4 secret=$5 i=0 pair
	shift 5
	mkdir -p "$dir"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	{
		printf 'connections {\n\t%s {\n\t\tversion = 1\n\t\tlocal_addrs = %s\n' "$name" "$l"
		printf '\t\tremote_addrs = %s\n\t\tproposals = aes128-sha1-modp2048\n' "$r"
		printf '\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n' "$l"
		printf '\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = %s\n\t\t}\n\t\tchildren {\n' "$r"
		for pair in "$@"; do
			i=$((i + 1))
			printf '\t\t\t%s-%d {\n\t\t\t\tlocal_ts = %s\n\t\t\t\tremote_ts = %s\n' \
				"$name" "$i" "${pair% *}" "${pair#* }"
			printf '\t\t\t\tesp_proposals = aes128-sha1\n\t\t\t\tmode = tunnel\n\t\t\t}\n'
		done
		printf '\t\t}\n\t}\n}\nsecrets {\n\tike-%s {\n\t\tid-l = %s\n\t\tid-r = %s\n' "$name" "$l" "$r"
		printf '\t\tsecret = "%s"\n\t}\n}\n' "$secret"
	} >"$dir/swanctl.conf"
}

# ---- Libreswan (conflicts with the strongSwan packages: unpacked, INTEROP.md) ----
# Runtime deps on the host: libnss3-tools (certutil), libldns3, libunbound8,
# libevent-pthreads-2.1-7, libcap-ng0.
# Where it is unpacked: $LIBRESWAN, else setup.sh's vm-cache/libreswan (the
# repository's, or /work's), else /work/libreswan.
if [ -z "${LIBRESWAN:-}" ]; then
	for LIBRESWAN in "$(dirname "${BASH_SOURCE[0]}")/../../vm-cache/libreswan" \
		/work/vm-cache/libreswan /work/libreswan; do
		[ -x "$LIBRESWAN/usr/libexec/ipsec/pluto" ] && break
	done
fi
LS_BIN=$LIBRESWAN/usr/libexec/ipsec
libreswan_unpacked() { [ -x "$LS_BIN/pluto" ] && [ -x "$LS_BIN/addconn" ] && command -v certutil >/dev/null; }
# pluto's control socket for DIR (the rundir: not on a 9p share).
pluto_rundir() { echo "/tmp/pluto-$$-$(basename "$1")"; }

# start_pluto NS DIR: pluto in NS with DIR/ipsec.conf and DIR/ipsec.secrets,
# an empty NSS db in DIR, its log in DIR/pluto.log; the conns of the
# file added (addconn's output read: it exits 0 when a conn fails).
start_pluto() {
	local ns=$1 dir=$2 run out
	run=$(pluto_rundir "$dir")
	mkdir -p "$run"
	# pluto runs addconn from /usr/libexec/ipsec (the guest's / is an overlay)
	if [ ! -e /usr/libexec/ipsec ]; then
		ln -s "$LS_BIN" /usr/libexec/ipsec
		on_exit 'rm -f /usr/libexec/ipsec'
	fi
	certutil -N -d "sql:$dir" --empty-password >/dev/null 2>&1 || fail "certutil -N in $dir failed"
	chmod 600 "$dir/ipsec.secrets"
	run_bg "$ns" "$dir/pluto.log" "$LS_BIN/pluto" --nofork --stderrlog --config "$dir/ipsec.conf" \
		--rundir "$run" --nssdir "$dir" --ipsecdir "$dir" --secretsfile "$dir/ipsec.secrets" \
		--no-dnssec
	echo "$BG_PID" >"$dir/pluto.pid"
	wait_for 20 test -S "$run/pluto.ctl" || fail "pluto in $ns did not start: $(tail -n 20 "$dir/pluto.log")"
	out=$(ip netns exec "$ns" "$LS_BIN/addconn" --config "$dir/ipsec.conf" --ctlsocket "$run/pluto.ctl" \
		--autoall 2>&1) || fail "addconn: $out"
	printf '%s\n' "$out" >"$dir/addconn.txt"
	[[ $out != *rror* && $out != *failed* ]] || fail "addconn: $out"
	! grep -q 'failed to add' "$dir/pluto.log" || fail "pluto: $(grep 'failed to add' "$dir/pluto.log")"
	whack_in "$ns" "$dir" --listen >/dev/null 2>&1 || true
}
# whack_in NS DIR ARGS...: whack against the pluto started in NS with DIR.
whack_in() {
	local ns=$1 dir=$2
	shift 2
	ip netns exec "$ns" "$LS_BIN/whack" --ctlsocket "$(pluto_rundir "$dir")/pluto.ctl" "$@"
}
