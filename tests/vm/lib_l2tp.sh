# L2TP/IPsec scenarios (tests/vm/t_l2tp*.sh): xl2tpd and pppd over an
# oakley transport-mode SA limited to UDP 1701, on top of lib_nat.sh's
# topology (client C behind the masquerading router N, server G):
#   . "$(dirname "$0")/../net/oakley.sh"; . "$(dirname "$0")/lib_nat.sh"
#   . "$(dirname "$0")/lib_l2tp.sh"
# xl2tpd runs in userspace (force userspace: PPP frames over a pty, so
# ppp_generic and ppp_async); pppd reads /etc/ppp/chap-secrets only, which
# the guest's overlay root lets a scenario write.

L2TP_PSK="l2tp over transport"
L2TP_USER=alice
L2TP_PASS="alice's ppp secret"
L2TP_LOCAL=10.9.0.1             # the server's end of the PPP link
L2TP_RANGE=10.9.0.10-10.9.0.20  # the clients' ends
L2TP_FIRST=10.9.0.10

# l2tp_modules: what userspace L2TP's pppd needs (the guest has the whole
# module tree; lib_nat.sh's nat_modules finds it the same way).
l2tp_modules() {
	local m kv root=/ d
	kv=$(uname -r)
	for d in "${VM_CACHE:-}" /work/vm-cache "$(dirname "$0")/vm-cache"; do
		[ -n "$d" ] && [ -d "$d/$kv/root/lib/modules/$kv" ] && root=$d/$kv/root && break
	done
	for m in ppp_generic ppp_async slhc; do
		modprobe -d "$root" "$m" 2>&1 || log "modprobe $m failed"
	done
	[ -c /dev/ppp ] || mknod /dev/ppp c 108 0 || fail "no /dev/ppp"
}

# l2tp_chap_secrets: the user in /etc/ppp/chap-secrets, one line that
# serves both pppds (the client's secret for any server name, and the
# server's for the client's name).
l2tp_chap_secrets() {
	mkdir -p /etc/ppp
	# the next scenario in the same guest finds the file as it was
	cp -p /etc/ppp/chap-secrets "$T_OUT/chap-secrets.orig" 2>/dev/null &&
		on_exit "cp -p '$T_OUT/chap-secrets.orig' /etc/ppp/chap-secrets"
	printf '"%s" * "%s" *\n' "$L2TP_USER" "$L2TP_PASS" >/etc/ppp/chap-secrets
	chmod 600 /etc/ppp/chap-secrets
}

# l2tp_server_conf DIR ADDR: DIR/xl2tpd.conf (an LNS on ADDR:1701 handing
# out $L2TP_RANGE) and DIR/options.xl2tpd (MS-CHAPv2 required, as
# Windows, macOS and Android speak it and the README's example asks).
l2tp_server_conf() {
	local dir=$1 addr=$2
	cat >"$dir/xl2tpd.conf" <<EOF
[global]
listen-addr = $addr
port = 1701
force userspace = yes

[lns default]
ip range = $L2TP_RANGE
local ip = $L2TP_LOCAL
refuse chap = yes
refuse pap = yes
require authentication = yes
name = l2tp-server
pppoptfile = $dir/options.xl2tpd
length bit = yes
EOF
	cat >"$dir/options.xl2tpd" <<EOF
require-mschap-v2
refuse-pap
refuse-chap
auth
name l2tp-server
mtu 1280
mru 1280
noccp
nodefaultroute
nodetach
lcp-echo-interval 5
lcp-echo-failure 4
debug
logfile $dir/pppd.log
EOF
}

# l2tp_client_conf DIR SERVER: DIR/xl2tpd.conf (a LAC that dials SERVER at
# once and again when the link drops) and DIR/options.xl2tpd.
l2tp_client_conf() {
	local dir=$1 server=$2
	cat >"$dir/xl2tpd.conf" <<EOF
[global]
port = 1701
force userspace = yes

[lac vpn]
lns = $server
autodial = yes
redial = yes
redial timeout = 2
max redials = 30
name = $L2TP_USER
pppoptfile = $dir/options.xl2tpd
length bit = yes
EOF
	cat >"$dir/options.xl2tpd" <<EOF
noauth
name $L2TP_USER
user $L2TP_USER
refuse-pap
mtu 1280
mru 1280
noccp
nodefaultroute
nodetach
lcp-echo-interval 5
lcp-echo-failure 4
debug
logfile $dir/pppd.log
EOF
}

# start_xl2tpd NS DIR: xl2tpd -D with DIR/xl2tpd.conf in NS (its own /run,
# log DIR/xl2tpd.log); PID in DIR/xl2tpd.bgpid.
start_xl2tpd() {
	local ns=$1 dir=$2
	rm -f "$dir/pppd.log"
	run_bg "$ns" "$dir/xl2tpd.log" sh -c 'mkdir -p /run/xl2tpd && exec xl2tpd -D -c "$1" -p /run/xl2tpd/pid -C /run/xl2tpd/l2tp-control' \
		sh "$dir/xl2tpd.conf"
	echo "$BG_PID" >"$dir/xl2tpd.bgpid"
}

# stop_xl2tpd DIR: SIGTERM (xl2tpd ends its pppds), wait for the exit.
stop_xl2tpd() {
	local pid
	pid=$(cat "$1/xl2tpd.bgpid")
	kill -TERM "$pid" 2>/dev/null || return 0
	wait "$pid" 2>/dev/null || true
}

# ppp_addr NS: "LOCAL PEER" of ppp0 in NS once it has an IPv4 address.
ppp_addr() {
	local l
	l=$(ip -n "$1" -4 -o addr show dev ppp0 2>/dev/null) || return 1
	[[ $l =~ inet\ ([0-9.]+)\ peer\ ([0-9.]+) ]] || return 1
	echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
}
ppp_up() { [ -n "$(ppp_addr "$1")" ]; }

# l2tp_wait_link C G CD GD WHAT: ppp0 up on both, with the expected ends.
l2tp_wait_link() {
	local c=$1 g=$2 cd=$3 gd=$4 what=$5 a
	wait_for 40 ppp_up "$c" ||
		fail "$what: no ppp0 on the client: $(tail -n 15 "$cd/xl2tpd.log" "$cd/pppd.log" "$gd/xl2tpd.log" "$gd/pppd.log" 2>&1)"
	wait_for 10 ppp_up "$g" || fail "$what: no ppp0 on the server: $(tail -n 15 "$gd/pppd.log" 2>&1)"
	a=$(ppp_addr "$c")
	[ "$a" = "$L2TP_FIRST $L2TP_LOCAL" ] || fail "$what: the client's ppp0 is '$a', not $L2TP_FIRST peer $L2TP_LOCAL"
	a=$(ppp_addr "$g")
	[ "$a" = "$L2TP_LOCAL $L2TP_FIRST" ] || fail "$what: the server's ppp0 is '$a', not $L2TP_LOCAL peer $L2TP_FIRST"
}

# l2tp_wire_counters NS: counters in the NAT router NS of the UDP it
# forwards to or from port 1701 (cleartext L2TP) and 4500 (ESP in UDP);
# l2tp_wire_count NS prints "L2TP ESPINUDP" (packets so far).
l2tp_wire_counters() {
	ip netns exec "$1" nft -f - <<NFT || fail "nftables counters in $1 failed"
table inet l2tpcount {
	chain l2tpfwd {
		type filter hook forward priority 0; policy accept;
		udp dport 1701 counter
		udp sport 1701 counter
		udp dport 4500 counter
		udp sport 4500 counter
	}
}
NFT
}
l2tp_wire_count() {
	local line a=0 b=0
	while read -r line; do
		[[ $line =~ port\ (1701|4500)\ counter\ packets\ ([0-9]+) ]] || continue
		if [ "${BASH_REMATCH[1]}" = 1701 ]; then
			a=$((a + BASH_REMATCH[2]))
		else
			b=$((b + BASH_REMATCH[2]))
		fi
	done < <(ip netns exec "$1" nft list chain inet l2tpcount l2tpfwd)
	echo "$a $b"
}

# l2tp_policy_udp1701 NS ADDR: every IPsec policy of NS is UDP with port
# 1701 on ADDR's side (the server's), none for other traffic.
l2tp_policy_udp1701() {
	local ns=$1 p n=0 line sel=""
	p=$(ip -n "$ns" xfrm policy)
	printf '%s\n' "$p" >"$T_OUT/policy.$ns.$(now_ms)"
	# a policy is its selector line, then "dir in|out|fwd" (the "socket"
	# ones are oakleyd's own IKE socket bypass)
	while read -r line; do
		if [[ $line == src\ * ]]; then
			sel=$line
			continue
		fi
		[[ $line == dir\ * ]] || continue
		n=$((n + 1))
		[[ $sel == *"proto udp"* ]] || fail "$ns has a policy not limited to UDP: $sel ($p)"
		[[ $sel == "src $2/32 dst "*"sport 1701"* || $sel == "src "*" dst $2/32 "*"dport 1701"* ]] ||
			fail "$ns has a policy not limited to port 1701 at $2: $sel ($p)"
	done <<<"$p"
	[ "$n" -ge 2 ] || fail "$ns has $n IPsec policies, not in and out: $p"
}

# l2tp_ping C G: pings both ways across the PPP link.
l2tp_ping() {
	ping_ok "$1" "$L2TP_FIRST" "$L2TP_LOCAL" 3 || fail "no ping across PPP from the client"
	ping_ok "$2" "$L2TP_LOCAL" "$L2TP_FIRST" 3 || fail "no ping across PPP from the server"
}

# l2tp_sa_bytes NS: the byte counts of NS's ESP SAs, one per line.
l2tp_sa_bytes() {
	local line
	while read -r line; do
		[[ $line =~ ^([0-9]+)\(bytes\),\ *([0-9]+)\(packets\) ]] && echo "${BASH_REMATCH[1]}"
	done < <(ip -n "$1" -s xfrm state)
}

# l2tp_sas_carried NS WHAT: NS has 2 ESP SAs, in transport mode, ESP in
# UDP, and each carried bytes.
l2tp_sas_carried() {
	local ns=$1 st b n=0
	st=$(ip -n "$ns" -s xfrm state)
	printf '%s\n' "$st" >"$T_OUT/xfrm.$ns.$(now_ms)"
	[ "$(xfrm_esp_count "$ns")" = 2 ] || fail "$2: $ns does not hold 2 ESP SAs: $st"
	[[ $st == *"mode transport"* && $st != *"mode tunnel"* ]] || fail "$2: $ns's SAs are not transport: $st"
	[[ $st == *"encap type espinudp"* ]] || fail "$2: $ns's SAs are not ESP in UDP: $st"
	for b in $(l2tp_sa_bytes "$ns"); do
		[ "$b" -gt 0 ] || fail "$2: an ESP SA of $ns carried no bytes: $st"
		n=$((n + 1))
	done
	[ "$n" = 2 ] || fail "$2: $n byte counters in $ns: $st"
}

# ---- the scenario (t_l2tp.sh, t_l2tp_servernat.sh) --------------------------
# After nat_topology or nat_topology_both: the server G at GW, reached by
# clients at L2TP_DIAL (GW, or the far NAT's GWPUB); NAT routers N (and M).
# L2TP_NAT: where the server's oakleyd sees the NAT ("remote" or "both").

# l2tp_server: oakleyd with the L2TP conn and xl2tpd's files on G; the
# PPP secrets; counters on N.  The conn in strongSwan's spelling, or with
# L2TP_SPELLING=libreswan in Libreswan's (ikev2=never, phase2alg=).
l2tp_server() {
	if ! command -v xl2tpd >/dev/null || ! command -v pppd >/dev/null; then
		fail "xl2tpd and pppd are needed (packages xl2tpd and ppp: scripts/deps.sh)"
	fi
	l2tp_modules
	l2tp_chap_secrets
	l2tp_wire_counters "$N"
	if [ "${L2TP_SPELLING:-strongswan}" = libreswan ]; then
		cat >"$GD/ipsec.conf" <<EOF2
conn l2tp
	left=$GW
	leftprotoport=17/1701
	right=%any
	rightprotoport=17/%any
	type=transport
	authby=secret
	ikev2=never
	ike=aes256-sha1-modp2048,3des-sha1-modp1024
	phase2alg=aes256-sha1,3des-sha1
	rekey=no
	auto=add
EOF2
	else
		cat >"$GD/ipsec.conf" <<EOF2
conn l2tp
	left=$GW
	right=%any
	type=transport
	authby=secret
	leftprotoport=17/1701
	rightprotoport=17/%any
	ike=aes256-sha1-modp2048,3des-sha1-modp1024
	esp=aes256-sha1,3des-sha1
	keyexchange=ikev1
	auto=add
EOF2
	fi
	printf ': PSK "%s"\n' "$L2TP_PSK" >"$GD/ipsec.secrets"
	l2tp_server_conf "$GD" "$GW"
	l2tp_client_conf "$CD" "$L2TP_DIAL"
	start_oakleyd "$G" "$GD"
}

# l2tp_checks WHAT: xl2tpd on both; the link, the pings and the wire, as
# the scenarios' headers say; then xl2tpd stopped on both.
l2tp_checks() {
	local what=$1 before after
	before=$(l2tp_wire_count "$N")
	start_xl2tpd "$G" "$GD"
	start_xl2tpd "$C" "$CD"
	l2tp_wait_link "$C" "$G" "$CD" "$GD" "$what"
	l2tp_ping "$C" "$G"
	grep -q 'auth chap MS-v2' "$GD/pppd.log" || fail "$what: PPP did not ask for MS-CHAPv2: $(head -n 20 "$GD/pppd.log")"
	l2tp_sas_carried "$G" "$what"
	l2tp_sas_carried "$C" "$what"
	l2tp_policy_udp1701 "$G" "$GW"
	after=$(l2tp_wire_count "$N")
	[ "${after% *}" = "${before% *}" ] ||
		fail "$what: the NAT router forwarded cleartext UDP 1701 ($before -> $after)"
	[ "${after#* }" -gt "$((${before#* } + 10))" ] ||
		fail "$what: little ESP in UDP through the NAT ($before -> $after)"
	wait_for 5 sh -c "'$OAKLEYCTL' -c '$(ctl_sock "$GD")' status l2tp | grep -q 'UDP-encapsulated'" ||
		fail "$what: oakleyd has no UDP-encapsulated SA: $(octl "$GD" status l2tp)"
	assert_status "$GD" l2tp "*NAT: $L2TP_NAT*ESP in UDP*" "*ESP transport*" \
		"*$GW/32\[17/1701\] === $NATPUB/32\[17/*"
	assert_log "$GD" "NAT-OA\) is $CLIENT"
	[ -z "${L2TP_HOOK:-}" ] || "$L2TP_HOOK" "$what"
	stop_xl2tpd "$CD"
	stop_xl2tpd "$GD"
	wait_for 10 sh -c "! ip -n '$G' link show ppp0" || fail "$what: ppp0 stays on the server"
	log "$what: ok"
}

# l2tp_charon_client: charon on C playing Windows (its proposals, its
# side udp/%any, the server's udp/1701, transport), its CHILD_SA up and
# checked, l2tp_checks, then charon gone and the server's SAs with it.
l2tp_charon_client() {
	local sas
	charon_conf "$CD"
	start_charon "$C" "$CD"
	mkdir -p "$CD"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	cat >"$CD/swanctl.conf" <<EOF2
connections {
	win {
		version = 1
		local_addrs = $CLIENT
		remote_addrs = $L2TP_DIAL
		proposals = aes256-sha1-modp2048,3des-sha1-modp1024
		local {
			auth = psk
			id = $CLIENT
		}
		remote {
			auth = psk
			id = %any
		}
		children {
			win {
				local_ts = dynamic[udp]
				remote_ts = dynamic[udp/1701]
				esp_proposals = aes256-sha1,3des-sha1
				mode = transport
			}
		}
	}
}
secrets {
	ike-win {
		secret = "$L2TP_PSK"
	}
}
EOF2
	swanctl_in "$C" "$CD" --load-all --clear --file "$CD/swanctl.conf" >"$T_OUT/load.txt" 2>&1 ||
		fail "swanctl --load-all: $(cat "$T_OUT/load.txt")"
	swanctl_in "$C" "$CD" --initiate --child win --timeout 40 >"$T_OUT/init.txt" 2>&1 ||
		fail "charon -> oakleyd: $(tail -n 10 "$T_OUT/init.txt"); oakleyd: $(tail -n 20 "$GD/oakleyd.log")"
	sas=$(swanctl_in "$C" "$CD" --list-sas)
	printf '%s\n' "$sas" >"$T_OUT/charon-sas.txt"
	[[ $sas == *"INSTALLED, TRANSPORT-in-UDP"* ]] || fail "charon's CHILD_SA is not transport in UDP: $sas"
	[[ $sas == *"AES_CBC-256/HMAC_SHA1_96"* ]] || fail "charon's CHILD_SA is not AES-256/SHA1: $sas"
	l2tp_checks "charon as Windows"
	swanctl_in "$C" "$CD" --terminate --ike win --timeout 10 >/dev/null 2>&1 || true
	kill "$(cat "$CD/charon.pid")"
	wait_for 10 sh -c "[ -z \"\$(ip -n '$G' xfrm state)\" ]" ||
		fail "oakleyd kept the SAs of charon: $(ip -n "$G" xfrm state)"
}

# The reqids (sorted, unique) and SPIs of NS's ESP SAs, space-separated.
l2tp_reqids() { ip -n "$1" xfrm state | sed -n 's/.* reqid \([0-9]*\) .*/\1/p' | sort -u | tr '\n' ' '; }
l2tp_spis() { ip -n "$1" xfrm state | sed -n 's/.* spi \(0x[0-9a-f]*\) .*/\1/p' | sort | tr '\n' ' '; }
# l2tp_new_sa NS "SPIS": NS holds an ESP SA with an SPI not in SPIS.
l2tp_new_sa() {
	local s
	for s in $(l2tp_spis "$1"); do [[ " $2" == *" $s "* ]] || return 0; done
	return 1
}

# l2tp_rekey_check WHAT (an L2TP_HOOK, the client's lifetime short): the
# server's SAs rekeyed under the running link keep their reqid (the one
# the kernel policies name, so the old SA's packets still pass them), and
# PPP still pings.
l2tp_rekey_check() {
	local what=$1 r0 r1 s0 p
	r0=$(l2tp_reqids "$G")
	s0=$(l2tp_spis "$G")
	[[ $r0 =~ ^[0-9]+\ $ ]] || fail "$what: not one reqid on the server before the rekey: '$r0'"
	wait_for 40 l2tp_new_sa "$G" "$s0" || fail "$what: no rekey in 40 s: $(ip -n "$G" xfrm state)"
	r1=$(l2tp_reqids "$G")
	ip -n "$G" xfrm state >"$T_OUT/xfrm.rekeyed.$G"
	[ "$r1" = "$r0" ] || fail "$what: the server's rekeyed SAs have reqids '$r1', not the old '$r0'"
	p=$(ip -n "$G" xfrm policy | sed -n 's/.* reqid \([0-9]*\) .*/\1/p' | sort -u | tr '\n' ' ')
	[ "$p" = "$r0" ] || fail "$what: the server's policies name reqids '$p', not '$r0'"
	l2tp_ping "$C" "$G"
	log "$what: rekeyed, reqid ${r0% } kept, PPP pings"
}

# l2tp_oakley_client: oakleyd on C (3DES/SHA1/MODP-1024, udp/1701 both
# sides, transport; L2TP_CLIENT_EXTRA: more conn lines), up and checked,
# l2tp_checks, then both oakleyds stopped.
l2tp_oakley_client() {
	local out
	cat >"$CD/ipsec.conf" <<EOF2
config setup
	keep_alive=2
conn l2tp
	left=$CLIENT
	right=$L2TP_DIAL
	rightid=$GW
	type=transport
	authby=secret
	leftprotoport=17/1701
	rightprotoport=17/1701
	ike=3des-sha1-modp1024
	esp=3des-sha1
$(for x in ${L2TP_CLIENT_EXTRA:-}; do printf '\t%s\n' "$x"; done)
	auto=add
EOF2
	printf ': PSK "%s"\n' "$L2TP_PSK" >"$CD/ipsec.secrets"
	start_oakleyd "$C" "$CD"
	out=$(octl "$CD" up l2tp) || fail "oakleyd -> oakleyd: $out: $(tail -n 20 "$CD/oakleyd.log")"
	assert_status "$CD" l2tp "*NAT: *ESP in UDP*" "*ESP transport*" "*3DES_CBC*"
	l2tp_checks "oakleyd as the client"
	assert_log "$CD" "NAT-OA\) is $GW"
	stop_oakleyd "$CD"
	stop_oakleyd "$GD"
}
