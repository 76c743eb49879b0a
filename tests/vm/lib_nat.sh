# NAT traversal scenarios (tests/vm/t_natt*.sh): a NAT router namespace
# (nftables masquerade on its outside interface), clients with private
# addresses in 172.16.0.0/24 behind it, gateways on the public segment
# 192.0.2.0/24.  Source after ../net/oakley.sh.

# The netfilter modules a NAT router needs (INTEROP.md); loaded on demand
# elsewhere, but nft's `masquerade` wants them present.
# The guest's /lib/modules may be empty: then the unpacked kernel tree of
# the VM cache (on the host's root, which the guest shares) serves.
nat_modules() {
	local m kv root=/ d
	kv=$(uname -r)
	for d in "${VM_CACHE:-}" /work/vm-cache "$(dirname "$0")/vm-cache"; do
		[ -n "$d" ] && [ -d "$d/$kv/root/lib/modules/$kv" ] && root=$d/$kv/root && break
	done
	for m in nf_conntrack nf_nat nft_ct nft_nat nft_masq nft_chain_nat; do
		modprobe -d "$root" "$m" 2>&1 || log "modprobe $m failed"
	done
}

# nat_router NS WAN_IF: forwarding on, masquerade out of WAN_IF.
nat_router() {
	local ns=$1 wan=$2
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$ns" nft -f - <<NFT || fail "nftables masquerade in $ns failed"
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "$wan" masquerade
	}
}
NFT
}

# nat_client NS NAT_NS ADDR/LEN NAT_ADDR/LEN IF: a client behind NAT_NS on
# its own link, default route through the NAT.
nat_client() {
	local c=$1 n=$2 ca=$3 na=$4 ifn=$5
	IFA=lan IFB=$ifn link_ns "$c" "$ca" "$n" "$na"
	ip -n "$c" route add default via "${na%/*}"
}

# The topology of one client behind one NAT and a public gateway:
#   C (172.16.0.2, subnet 10.1.0.0/24) --lan-- N (172.16.0.1 | 192.0.2.1)
#   --wan-- G (192.0.2.2, subnet 10.2.0.0/24)
# Namespaces in C, N, G; config dirs CD, GD; addresses CLIENT, NATPUB, GW.
nat_topology() {
	nat_modules
	C=c$$ N=n$$ G=g$$
	CD=$T_OUT/client GD=$T_OUT/gateway
	CLIENT=172.16.0.2 NATPUB=192.0.2.1 GW=192.0.2.2
	mkdir -p "$CD" "$GD"
	make_ns "$C"
	make_ns "$N"
	make_ns "$G"
	nat_client "$C" "$N" "$CLIENT/24" 172.16.0.1/24 lan0
	IFA=wan IFB=wan link_ns "$N" "$NATPUB/24" "$G" "$GW/24"
	nat_router "$N" wan
	add_subnet "$C" 10.1.0.1/24
	add_subnet "$G" 10.2.0.1/24
	add_route "$C" 10.2.0.0/24 172.16.0.1
	# the tunnel's traffic leaves through the policy; the route only
	# gives it an interface
	add_route "$G" 10.1.0.0/24 "$NATPUB"
	ping_ok "$C" "$CLIENT" "$GW" || fail "no path from the client through the NAT"
}

# oakley_client_conf DIR NAME LEFT LSUBNET RIGHT RSUBNET [EXTRA...]: an
# initiator's ipsec.conf (keep_alive=2 so a test sees keepalives soon).
oakley_conf() {
	local dir=$1 name=$2 l=$3 ls=$4 r=$5 rs=$6
	shift 6
	{
		printf 'config setup\n\tkeep_alive=2\n'
		printf 'conn %s\n\tleft=%s\n\tleftsubnet=%s\n\tright=%s\n\trightsubnet=%s\n' \
			"$name" "$l" "$ls" "$r" "$rs"
		printf '\tike=aes128-sha256-modp2048\n\tesp=aes128-sha256\n'
		for x in "$@"; do printf '\t%s\n' "$x"; done
		printf '\tauto=add\n'
	} >"$dir/ipsec.conf"
	printf ': PSK "%s"\n' "${NAT_SECRET:-behind the nat}" >"$dir/ipsec.secrets"
}

# swanctl_nat_conf DIR NAME LOCAL_IP REMOTE_ADDRS LOCAL_ID REMOTE_ID LTS RTS [CHILD_EXTRA]
# A charon IKEv1 PSK connection with a remote that may be %any.
swanctl_nat_conf() {
	local dir=$1 name=$2 l=$3 raddrs=$4 lid=$5 rid=$6 lts=$7 rts=$8
	mkdir -p "$dir"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	cat >"$dir/swanctl.conf" <<SW
connections {
	$name {
		version = 1
		local_addrs = $l
		remote_addrs = $raddrs
		proposals = aes128-sha256-modp2048
		${CONN_EXTRA:-}
		local {
			auth = psk
			id = $lid
		}
		remote {
			auth = psk
			id = $rid
		}
		children {
			$name {
				local_ts = $lts
				remote_ts = $rts
				esp_proposals = aes128-sha256
				mode = ${CHILD_MODE:-tunnel}
			}
		}
	}
}
secrets {
	ike-$name {
		secret = "${NAT_SECRET:-behind the nat}"
	}
}
SW
}

# assert_encap NS: the kernel's ESP SAs of NS are all ESP in UDP.
assert_encap() {
	local st
	st=$(ip -n "$1" xfrm state)
	printf '%s\n' "$st" >"$T_OUT/xfrm.$1.$(now_ms)"
	[[ $st == *"proto esp"* ]] || fail "$1 has no ESP SA: $st"
	[[ $st == *"encap type espinudp sport"* ]] || fail "$1's ESP SAs are not UDP-encapsulated: $st"
}

# assert_no_encap NS: ESP SAs present, none encapsulated.
assert_no_encap() {
	local st
	st=$(ip -n "$1" xfrm state)
	[[ $st == *"proto esp"* ]] || fail "$1 has no ESP SA: $st"
	[[ $st == *"encap type espinudp"* ]] && fail "$1's ESP SAs are UDP-encapsulated with no NAT: $st"
	return 0
}

# assert_status DIR NAME PATTERN...: oakleyctl status NAME matches each glob.
assert_status() {
	local dir=$1 name=$2 st p
	shift 2
	st=$(octl "$dir" status "$name")
	for p in "$@"; do
		# shellcheck disable=SC2053
		[[ $st == $p ]] || fail "status of $name in $dir does not match '$p': $st"
	done
}

# ping_through NS SRC DST: pings pass and the ESP counters of NS rise.
ping_through() {
	local ns=$1 before after
	before=$(xfrm_packets "$ns")
	ping_ok "$ns" "$2" "$3" 3 || fail "no ping $2 -> $3 through the tunnel from $ns"
	after=$(xfrm_packets "$ns")
	[ "$after" -gt "$before" ] || fail "$ns: ESP counters did not rise ($before -> $after)"
}

# nat_forward NS WAN_IF TO: the IKE ports (500, 4500) arriving on WAN_IF
# go to TO (a gateway behind this NAT that peers reach at its outside
# address).
nat_forward() {
	local ns=$1 wan=$2 to=$3
	ip netns exec "$ns" nft -f - <<NFT || fail "nftables port forward in $ns failed"
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "$wan" udp dport { 500, 4500 } dnat to $to
	}
}
NFT
}

# Both sides behind NATs:
#   C (172.16.0.2, 10.1.0.0/24) -- N (172.16.0.1 | 192.0.2.1) --public--
#   M (192.0.2.3 | 172.16.1.1) -- G (172.16.1.2, 10.2.0.0/24)
# M forwards 500 and 4500 to G.  Sets C N M G, CD GD, CLIENT NATPUB,
# GWPUB (the gateway's outside address, M's) and GW (its own).
nat_topology_both() {
	nat_modules
	C=c$$ N=n$$ M=m$$ G=g$$
	CD=$T_OUT/client GD=$T_OUT/gateway
	CLIENT=172.16.0.2 NATPUB=192.0.2.1 GWPUB=192.0.2.3 GW=172.16.1.2
	mkdir -p "$CD" "$GD"
	make_ns "$C"
	make_ns "$N"
	make_ns "$M"
	make_ns "$G"
	nat_client "$C" "$N" "$CLIENT/24" 172.16.0.1/24 lan0
	nat_client "$G" "$M" "$GW/24" 172.16.1.1/24 lan0
	IFA=wan IFB=wan link_ns "$N" "$NATPUB/24" "$M" "$GWPUB/24"
	nat_router "$N" wan
	nat_router "$M" wan
	nat_forward "$M" wan "$GW"
	add_subnet "$C" 10.1.0.1/24
	add_subnet "$G" 10.2.0.1/24
	add_route "$C" 10.2.0.0/24 172.16.0.1
	add_route "$G" 10.1.0.0/24 172.16.1.1
	ping_ok "$C" "$CLIENT" "$GWPUB" || fail "no path from the client to the far NAT"
}
