# Helpers for the remote-access scenarios of issue 11 (t_ra_*.sh,
# ra_peers_check.sh): XAUTH and Mode Config with vpnc and charon, on top of
# lib.sh (and ../net/oakley.sh):  . "$(dirname "$0")/lib_ra.sh"
#
# The topology (ra_topology): a server S at 192.0.2.2 protecting
# 10.2.0.0/24 (10.2.0.1 on its dummy sub0), and direct clients (ra_client),
# each on its own link 198.51.N.1 <-> 198.51.N.2 with a route to
# 192.0.2.2, so that every client reaches the server at the same address.
# The pool is 10.3.0.0/24; S routes it towards the first client (the IPsec
# policy decides where the packets really go).

RA_POOL=10.3.0.0/24
RA_GROUP=vpngroup
RA_PSK="remote access"
# charon's server takes one PSK for both (separate ones tie in its lookup
# for Main Mode, where the peer's ID is %any); oakley's has its own.
RA_GROUP_PSK=${RA_GROUP_PSK:-$RA_PSK}
RA_SERVER=192.0.2.2
RA_DNS=10.2.0.53

# ra_topology: namespace S (dir SD) with $RA_SERVER on sub0 and 10.2.0.1/24.
# With NAT=1, lib_nat.sh's nat_topology instead (C behind N, G is the
# server: S=G, SD=GD).
ra_topology() {
	if [ "${NAT:-0}" = 1 ]; then
		nat_topology
		S=$G SD=$GD
	else
		S=s$$ SD=$T_OUT/server
		mkdir -p "$SD"
		make_ns "$S"
		add_subnet "$S" 10.2.0.1/24
		ip -n "$S" addr add "$RA_SERVER/32" dev sub0
	fi
	RA_NCLIENTS=0
}

# ra_client NS: a client namespace on its own link to S (198.51.N.1/24, N
# counted from 1), routes to the server's address and subnet.  Sets RA_ADDR
# (its address).  The first one also carries S's route to the pool.
ra_client() {
	local ns=$1 n
	RA_NCLIENTS=$((RA_NCLIENTS + 1))
	n=$RA_NCLIENTS
	make_ns "$ns"
	IFA=wan IFB=c$n link_ns "$ns" "198.51.$n.1/24" "$S" "198.51.$n.2/24"
	printf 'route add %s/32 via 198.51.%s.2\nroute add 10.2.0.0/24 via 198.51.%s.2\n' \
		"$RA_SERVER" "$n" "$n" | ns_batch "$ns"
	[ "$n" != 1 ] || add_route "$S" "$RA_POOL" 198.51.1.1
	RA_ADDR=198.51.$n.1
	ping_ok "$ns" "$RA_ADDR" "$RA_SERVER" || fail "no path from $ns to the server"
}

# ---- charon -----------------------------------------------------------------

# charon_ra_conf DIR [EXTRA...]: lib.sh's strongswan.conf with the XAUTH
# (xauth-generic) and Cisco Unity (unity) plugins, aggressive-mode PSK as
# a responder allowed, lines flushed.  Never kernel-libipsec.
charon_ra_conf() {
	local dir=$1
	shift
	charon_conf "$dir" "i_dont_care_about_security_and_use_aggressive_mode_psk = yes" "$@"
	sed -i -e 's/^\(\s*load = random nonce openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici\)$/\1 xauth-generic unity/' \
		-e 's/^\(\s*\)default = 1/\1flush_line = yes\n\1default = 1/' "$dir/strongswan.conf"
	grep -q 'vici xauth-generic unity' "$dir/strongswan.conf" || fail "charon_ra_conf: lib.sh's load line changed"
}

# charon_ra_plugins DIR: charon (started) loaded xauth-generic and unity,
# and not kernel-libipsec (ESP is the kernel's).
charon_ra_plugins() {
	local l
	l=$(grep -m1 'loaded plugins:' "$1/charon.log")
	[[ $l == *" xauth-generic unity"* && $l != *libipsec* ]] || fail "charon of $1: $l"
}

# swanctl_ra_server_conf DIR USERS...: charon as an XAUTH + Mode Config
# server on $RA_SERVER with the pool $RA_POOL (DNS $RA_DNS), two conns:
#   am: Aggressive Mode, the group $RA_GROUP as a KEY_ID, the proposals
#       vpnc makes (MODP-1024);
#   mm: Main Mode, any ID.
# PSK $RA_PSK for both.
# Each: remote-xauth round (auth = xauth), child protecting 10.2.0.0/24.
# USERS are "name:password" pairs (swanctl eap- secrets, which XAUTH uses).
swanctl_ra_server_conf() {
	local dir=$1 u c
	shift
	mkdir -p "$dir"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	{
		echo 'connections {'
		for c in am mm; do
			cat <<EOF
	$c {
		version = 1
		local_addrs = $RA_SERVER
		pools = pool
		aggressive = $([ $c = am ] && echo yes || echo no)
		proposals = aes256-sha1-modp1024,aes128-sha1-modp1024,3des-sha1-modp1024,aes128-sha256-modp2048,aes128-sha1-modp2048
		${SERVER_CONN_EXTRA:-}
		local {
			auth = psk
			id = $RA_SERVER
		}
		remote {
			auth = psk
			id = $([ $c = am ] && echo "keyid:$RA_GROUP" || echo '%any')
		}
		remote-xauth {
			auth = xauth
		}
		children {
			$c {
				local_ts = 10.2.0.0/24
				esp_proposals = aes128-sha1,aes256-sha1,3des-sha1,aes128-sha256
				mode = tunnel
			}
		}
	}
EOF
		done
		cat <<EOF
}
pools {
	pool {
		addrs = $RA_POOL
		dns = $RA_DNS
	}
}
secrets {
	ike-any {
		secret = "$RA_PSK"
	}
EOF
		for u in "$@"; do
			printf '\txauth-%s {\n\t\tid = %s\n\t\tsecret = "%s"\n\t}\n' "${u%%:*}" "${u%%:*}" "${u#*:}"
		done
		echo '}'
	} >"$dir/swanctl.conf"
}

# swanctl_ra_client_conf DIR LOCAL USER PASSWORD: charon as an XAUTH +
# Mode Config client (IKEv1 Main Mode PSK $RA_PSK, local-xauth round,
# vips = 0.0.0.0) to $RA_SERVER, its child for 10.2.0.0/24.  Conn and
# child "rw".  RA_PULL=no: the server is to push the address (Mode Config
# SET), else charon asks.
swanctl_ra_client_conf() {
	local dir=$1 l=$2 user=$3 pw=$4
	mkdir -p "$dir"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	cat >"$dir/swanctl.conf" <<EOF
connections {
	rw {
		version = 1
		local_addrs = $l
		remote_addrs = $RA_SERVER
		vips = 0.0.0.0
		pull = ${RA_PULL:-yes}
		proposals = aes128-sha256-modp2048
		local {
			auth = psk
		}
		local-xauth {
			auth = xauth
			xauth_id = $user
		}
		remote {
			auth = psk
			id = $RA_SERVER
		}
		children {
			rw {
				remote_ts = 10.2.0.0/24
				esp_proposals = aes128-sha256
				mode = tunnel
			}
		}
	}
}
secrets {
	ike-rw {
		secret = "$RA_PSK"
	}
	xauth-$user {
		id = $user
		secret = "$pw"
	}
}
EOF
}

# charon_vip NS DIR: the virtual IP of charon's IKE_SA rw (swanctl
# --list-sas: "local  'ID' @ ADDR[PORT] [VIP]"); empty: none.
charon_vip() {
	swanctl_in "$1" "$2" --list-sas --ike rw >"$2/sas.txt" 2>&1 || true
	sed -n 's/^ *local .*\] \[\([0-9.]*\)\]$/\1/p' "$2/sas.txt" | head -n 1
}

# ---- vpnc ----------------------------------------------------------------------

# vpnc_conf DIR USER PASSWORD [LINES...]: DIR/vpnc.conf for the group
# $RA_GROUP at $RA_SERVER, and DIR/vpnc-script, which records each call's
# environment in DIR/vpnc.REASON.env and on connect puts the assigned
# address on the tun device with a route to 10.2.0.0/24 through it.
vpnc_conf() {
	local dir=$1 user=$2 pw=$3 x
	shift 3
	mkdir -p "$dir"
	{
		printf 'IPSec gateway %s\nIPSec ID %s\nIPSec secret %s\n' "$RA_SERVER" "$RA_GROUP" "$RA_GROUP_PSK"
		printf 'Xauth username %s\nXauth password %s\n' "$user" "$pw"
		printf 'IKE DH Group dh2\nPerfect Forward Secrecy nopfs\n'
		printf 'NAT Traversal Mode %s\n' "${VPNC_NATT:-natt}"
		printf 'Interface name tun0\nInterface mode tun\n'
		printf 'Script %s\nPidfile %s\nNo Detach\nNoninteractive\nDebug 1\n' \
			"$dir/vpnc-script" "$dir/vpnc.pid"
		printf 'DPD idle timeout (our side) 0\n'
		for x in "$@"; do printf '%s\n' "$x"; done
	} >"$dir/vpnc.conf"
	cat >"$dir/vpnc-script" <<EOF
#!/bin/sh
env | sort >"$dir/vpnc.\$reason.env"
case \$reason in
connect)
	ip addr add "\$INTERNAL_IP4_ADDRESS/32" dev "\$TUNDEV"
	ip link set "\$TUNDEV" mtu 1400 up
	ip route replace 10.2.0.0/24 dev "\$TUNDEV" src "\$INTERNAL_IP4_ADDRESS"
	;;
disconnect)
	ip link set "\$TUNDEV" down 2>/dev/null
	;;
esac
exit 0
EOF
	chmod 755 "$dir/vpnc-script"
}

# start_vpnc NS DIR: vpnc with DIR/vpnc.conf in NS (log DIR/vpnc.log), PID
# in DIR/vpnc.bgpid; no wait.
start_vpnc() {
	local ns=$1 dir=$2
	rm -f "$dir"/vpnc.*.env
	run_bg "$ns" "$dir/vpnc.log" vpnc --non-inter "$dir/vpnc.conf"
	echo "$BG_PID" >"$dir/vpnc.bgpid"
}
# vpnc_wait DIR: until vpnc's script ran for connect (0), or vpnc ended
# (1) or 40 s passed (1).
vpnc_connected() { [ -e "$1/vpnc.connect.env" ]; }
vpnc_gone() { ! kill -0 "$(cat "$1/vpnc.bgpid")" 2>/dev/null; }
vpnc_wait() {
	local end=$((SECONDS + 40))
	until vpnc_connected "$1"; do
		vpnc_gone "$1" && return 1
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
	# the script runs before vpnc's ESP loop: give the route a moment
	sleep 0.3
}
# vpnc_addr DIR: the address the server assigned (INTERNAL_IP4_ADDRESS).
vpnc_addr() { sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "$1/vpnc.connect.env"; }
# stop_vpnc DIR: SIGTERM (vpnc sends its Deletes), wait for the exit.
stop_vpnc() {
	local pid
	pid=$(cat "$1/vpnc.bgpid")
	kill -TERM "$pid" 2>/dev/null || return 0
	wait "$pid" 2>/dev/null || true
}

# ---- checks ---------------------------------------------------------------------

# ra_ping NS SRC DST WHAT: 3 pings from SRC answered.
ra_ping() { ping_ok "$1" "$2" "$3" 3 || fail "$4: no ping $2 -> $3 from $1"; }

# ra_policy NS ADDR WHAT: the kernel of NS holds a policy naming ADDR/32.
ra_policy() {
	local p
	p=$(ip -n "$1" xfrm policy)
	[[ $p == *"$2/32"* ]] || fail "$3: no IPsec policy for $2/32 in $1: $p"
}

# ra_swanctl_load NS DIR: (re)load DIR's swanctl.conf, clearing the
# previous connections, pools and secrets; fails with swanctl's words (as
# lib_cert.sh's swanctl_load, which needs the test PKI).
ra_swanctl_load() {
	swanctl_in "$1" "$2" --load-all --clear --noprompt --file "$2/swanctl.conf" >"$2/load.out" 2>&1 ||
		fail "swanctl --load-all in $1: $(cat "$2/load.out")"
	! grep -qi 'failed\|error' "$2/load.out" || fail "swanctl --load-all in $1: $(cat "$2/load.out")"
}

# log_lines FILE: its line count now; log_since FILE N: the lines after N.
log_lines() { wc -l <"$1"; }
log_since() { tail -n "+$(($2 + 1))" "$1"; }

# ---- oakleyd ----------------------------------------------------------------------

# hex of a string (for @#HEX KEY_IDs)
ra_hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# oakley_ra_server_conf DIR strongswan|libreswan: DIR/ipsec.conf and
# ipsec.secrets (and, for libreswan, DIR/passwd) of an XAUTH + Mode Config
# server at $RA_SERVER protecting 10.2.0.0/24 for the users alice, bob,
# carol (password USERpw), DNS $RA_DNS:
#   conn vpnc: Aggressive Mode, the group $RA_GROUP (ID_KEY_ID: @#hex in
#              strongSwan's spelling, @[name] in Libreswan's) with
#              $RA_GROUP_PSK, vpnc's proposals (MODP-1024);
#   conn rw:   Main Mode, any peer, $RA_PSK.
# strongSwan's spelling: authby=xauthpsk xauth=server (vpnc) and
# rightauth=psk rightauth2=xauth (rw), rightsourceip=$RA_POOL, rightdns=,
# users in ipsec.secrets ("USER : XAUTH"); Libreswan's: leftxauthserver=yes
# leftmodecfgserver=yes rightxauthclient=yes rightmodecfgclient=yes
# rightaddresspool=10.3.0.10-10.3.0.250 modecfgdns= xauthby=file, pull for
# vpnc (modecfgpull=yes) and push for rw (Libreswan's default), users in
# DIR/passwd made with `openssl passwd -6`.  Sets RA_FIRST, the first
# address the pool hands out.  RA_SERVER_EXTRA: more lines for both conns.
oakley_ra_server_conf() {
	local dir=$1 dialect=$2 c u x
	mkdir -p "$dir"
	{
		for c in vpnc rw; do
			printf 'conn %s\n\tleft=%s\n\tleftsubnet=10.2.0.0/24\n\tright=%%any\n' "$c" "$RA_SERVER"
			if [ "$c" = vpnc ] && [ "$dialect" = libreswan ]; then
				printf '\trightid=@[%s]\n' "$RA_GROUP"
			elif [ "$c" = vpnc ]; then
				printf '\trightid=@#%s\n' "$(ra_hex "$RA_GROUP")"
			fi
			if [ "$c" = vpnc ]; then
				printf '\tike=aes256-sha1-modp1024,aes128-sha1-modp1024\n\tesp=aes128-sha1,aes256-sha1\n'
			else
				printf '\tike=aes128-sha256-modp2048\n\tesp=aes128-sha256\n'
			fi
			if [ "$dialect" = strongswan ]; then
				if [ "$c" = vpnc ]; then
					printf '\taggressive=yes\n\tauthby=xauthpsk\n\txauth=server\n'
				else
					printf '\tleftauth=psk\n\trightauth=psk\n\trightauth2=xauth\n'
				fi
				printf '\trightsourceip=%s\n\trightdns=%s\n' "$RA_POOL" "$RA_DNS"
			else
				# vpnc asks (pull); Libreswan's default is to push
				# (modecfgpull=no), which the rw conn keeps
				[ "$c" = vpnc ] && printf '\taggrmode=yes\n\tmodecfgpull=yes\n'
				printf '\tauthby=secret\n\tleftxauthserver=yes\n\tleftmodecfgserver=yes\n'
				printf '\trightxauthclient=yes\n\trightmodecfgclient=yes\n'
				printf '\trightaddresspool=10.3.0.10-10.3.0.250\n\tmodecfgdns=%s\n\txauthby=file\n' "$RA_DNS"
			fi
			for x in ${RA_SERVER_EXTRA:-}; do printf '\t%s\n' "$x"; done
			printf '\tauto=add\n'
		done
	} >"$dir/ipsec.conf"
	{
		printf '%s %%any : PSK "%s"\n' "$RA_SERVER" "$RA_PSK"
		if [ "$dialect" = libreswan ]; then
			printf '%s @[%s] : PSK "%s"\n' "$RA_SERVER" "$RA_GROUP" "$RA_GROUP_PSK"
		else
			printf '%s @#%s : PSK "%s"\n' "$RA_SERVER" "$(ra_hex "$RA_GROUP")" "$RA_GROUP_PSK"
		fi
		if [ "$dialect" = strongswan ]; then
			for u in alice bob carol; do printf '%s : XAUTH "%spw"\n' "$u" "$u"; done
		fi
	} >"$dir/ipsec.secrets"
	rm -f "$dir/passwd"
	if [ "$dialect" = libreswan ]; then
		# user:crypt-hash:conn (empty: any conn)
		{
			printf 'alice:%s:\n' "$(openssl passwd -6 alicepw)"
			printf 'bob:%s:vpnc\n' "$(openssl passwd -6 bobpw)"
			printf 'carol:%s:rw\n' "$(openssl passwd -6 carolpw)"
		} >"$dir/passwd"
		chmod 600 "$dir/passwd"
		RA_FIRST=10.3.0.10
	else
		RA_FIRST=10.3.0.1
	fi
	chmod 600 "$dir/ipsec.secrets"
}

# oakley_ra_client_conf DIR strongswan|libreswan LOCAL USER: DIR/ipsec.conf
# and ipsec.secrets of oakley as an XAUTH + Mode Config client (Main Mode
# PSK $RA_PSK) to $RA_SERVER for 10.2.0.0/24, conn rw.  strongSwan's
# spelling: leftsourceip=%config, leftauth=psk leftauth2=xauth,
# xauth_identity=USER; Libreswan's: leftmodecfgclient=yes,
# leftxauthclient=yes, leftusername=USER.  The password USERpw in
# ipsec.secrets either way.
oakley_ra_client_conf() {
	local dir=$1 dialect=$2 l=$3 user=$4
	mkdir -p "$dir"
	{
		printf 'conn rw\n\tleft=%s\n\tright=%s\n\trightsubnet=10.2.0.0/24\n\trightid=%s\n' \
			"$l" "$RA_SERVER" "$RA_SERVER"
		printf '\tike=aes128-sha256-modp2048\n\tesp=aes128-sha256\n'
		if [ "$dialect" = strongswan ]; then
			printf '\tleftsourceip=%%config\n\tleftauth=psk\n\trightauth=psk\n\tleftauth2=xauth\n'
			printf '\txauth_identity=%s\n' "$user"
		else
			printf '\tauthby=secret\n\tleftmodecfgclient=yes\n\tleftxauthclient=yes\n\tleftusername=%s\n' "$user"
			printf '\trightxauthserver=yes\n\trightmodecfgserver=yes\n'
		fi
		printf '\tauto=add\n'
	} >"$dir/ipsec.conf"
	printf '%s %s : PSK "%s"\n%s : XAUTH "%spw"\n' "$l" "$RA_SERVER" "$RA_PSK" "$user" "$user" \
		>"$dir/ipsec.secrets"
	chmod 600 "$dir/ipsec.secrets"
}

# ra_status DIR WHAT PATTERN...: `oakleyctl status` (all conns) matches
# each glob (saved in T_OUT).
ra_status() {
	local dir=$1 what=$2 st p
	shift 2
	st=$(octl "$dir" status 2>&1)
	printf '%s\n' "$st" >"$T_OUT/status.$(now_ms).txt"
	for p in "$@"; do
		# shellcheck disable=SC2053
		[[ $st == $p ]] || fail "$what: oakleyctl status does not match '$p': $st"
	done
}

# ra_in_pool ADDR: ADDR is in 10.3.0.0/24 and not below RA_FIRST.
ra_in_pool() {
	[[ $1 == 10.3.0.* ]] && [ "${1##*.}" -ge "${RA_FIRST##*.}" ] && [ "${1##*.}" -le 254 ]
}
