#!/bin/bash
# Remote access, oakleyd (east) as XAUTH and Mode Config server against the
# clients people have: strongSwan's charon (Main Mode, XAUTH, Mode Config
# pull, Quick Mode from its virtual IP) and vpnc (Aggressive Mode with a
# group name as KEY_ID, XAUTH, Cisco Unity Mode Config, 0.0.0.0/0 for the
# server's side), and vpnc with a wrong password (it gives up after one
# try: oakleyd's log still names the user).  This kernel has no ESP: the
# exchanges must complete (oakleyd records the IPsec SA; charon fails its
# own install); the VM scenarios (tests/vm/t_ra_*.sh) check the data path.
. "$(dirname "$0")/oakley.sh"

command -v vpnc >/dev/null || fail "vpnc is not installed (make deps)"
[ -e /usr/lib/ipsec/plugins/libstrongswan-xauth-generic.so ] ||
	fail "strongSwan's xauth-generic plugin is missing (libcharon-extauth-plugins)"

two_gateways v4
cat >"$ED/ipsec.conf" <<CONF
config setup
	dataplane=none

conn rw-swan
	left=$EAST
	leftsubnet=10.2.0.0/24
	leftxauthserver=yes
	leftmodecfgserver=yes
	right=%any
	rightaddresspool=10.3.0.10-10.3.0.20
	modecfgdns=10.2.0.53
	modecfgpull=yes
	authby=secret
	ike=aes128-sha1-modp2048
	esp=aes128-sha1
	auto=add

conn rw-vpnc
	also=rw-swan
	rightid=@#74657374
	modecfgbanner=hello vpnc
	aggressive=yes
	ike=aes256-sha1-modp1024
	esp=aes256-sha1,aes128-sha1
CONF
cat >"$ED/ipsec.secrets" <<SEC
$EAST %any : PSK "group secret"
@#74657374 : PSK "vpnc group secret"
bob : XAUTH "secret1"
alice : XAUTH "secret2"
carol : XAUTH "secret3"
SEC
start_oakleyd "$E" "$ED"

# --- strongSwan as the client
charon_conf "$WD"
sed -i -e 's/load = random/load = xauth-generic attr unity random/' \
	-e 's/time_format = %H:%M:%S/&\n\t\t\tflush_line = yes/' "$WD/strongswan.conf"
mkdir -p "$WD"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
cat >"$WD/swanctl.conf" <<SW
connections {
	rw {
		version = 1
		local_addrs = $WEST
		remote_addrs = $EAST
		proposals = aes128-sha1-modp2048
		vips = 0.0.0.0
		local {
			auth = psk
			id = $WEST
		}
		local-xauth {
			auth = xauth
			xauth_id = bob
		}
		remote {
			auth = psk
			id = $EAST
		}
		children {
			rw {
				remote_ts = 10.2.0.0/24
				esp_proposals = aes128-sha1
			}
		}
	}
}
secrets {
	ike-rw {
		id-l = $WEST
		id-r = $EAST
		secret = "group secret"
	}
	xauth-bob {
		id = bob
		secret = "secret1"
	}
}
SW
start_charon "$W" "$WD"
swanctl_in "$W" "$WD" --load-all --file "$WD/swanctl.conf" >/dev/null
swanctl_in "$W" "$WD" --initiate --child rw --timeout 20 >/dev/null 2>&1 || true
assert_log "$ED" "rw-swan: XAUTH user 'bob' authenticated"
assert_log "$ED" "Mode Config: handed out 10.3.0.10 to 'bob'"
wait_for 10 grep -q "installing new virtual IP 10.3.0.10" "$WD/charon.log" ||
	fail "charon took no virtual IP: $(grep -E 'TRANSACTION|XAuth|virtual' "$WD/charon.log" | tail -n 10)"
# charon's QM1 was accepted: its Quick Mode reached the install (QM2 parsed)
wait_for 10 grep -q "parsed QUICK_MODE response" "$WD/charon.log" ||
	fail "charon got no QM2: $(tail -n 10 "$WD/charon.log")"
octl "$ED" status | grep -q "remote access: XAUTH ok user 'bob', virtual IP 10.3.0.10" ||
	fail "status: $(octl "$ED" status)"
log "strongSwan client: XAUTH, Mode Config 10.3.0.10, Quick Mode"

# --- vpnc as the client (its own port: charon holds 500)
vpnc_conf() {
	cat >"$WD/vpnc-$1.conf" <<V
IPSec gateway $EAST
IPSec ID test
IPSec secret vpnc group secret
Xauth username $1
Xauth password $2
IKE DH Group dh2
Perfect Forward Secrecy nopfs
NAT Traversal Mode none
Local Port 0
No Detach
Script /bin/true
Interface name tun$3
V
}
vpnc_conf alice secret2 7
ip netns exec "$W" vpnc --non-inter "$WD/vpnc-alice.conf" >"$WD/vpnc-alice.log" 2>&1 &
LIB_PIDS+=("$!")
wait_for 20 grep -q "IPsec SA established: ESP tunnel 10.2.0.0/24 === 10.3.0.11/32" "$ED/oakleyd.log" ||
	fail "no Quick Mode with vpnc: $(tail -n 20 "$ED/oakleyd.log"; tail -n 5 "$WD/vpnc-alice.log")"
assert_log "$ED" "rw-vpnc: XAUTH user 'alice' authenticated"
assert_log "$ED" "Mode Config: handed out 10.3.0.11 to 'alice'"
log "vpnc client: Aggressive Mode group, XAUTH, Mode Config 10.3.0.11, Quick Mode 0.0.0.0/0 narrowed"

# carol, from the same address and group while alice is up: her
# INITIAL-CONTACT is acted on only once XAUTH passed, for her own user
# (it never does: alice's SA stays)
vpnc_conf carol wrong 8
ip netns exec "$W" timeout 20 vpnc --non-inter "$WD/vpnc-carol.conf" >"$WD/vpnc-carol.log" 2>&1 || true
assert_log "$ED" "XAUTH failed for user 'carol' \(try 1 of 3\)"
log "vpnc with a wrong password: refused, the user in the log"
octl "$ED" status | grep -q "pool 10.3.0.10-10.3.0.20: size 11, 2 online" ||
	fail "pool status: $(octl "$ED" status | sed -n '/Address pools/,$p')"
stop_oakleyd "$ED"
