#!/bin/bash
# The server configuration the setup-ipsec-vpn scripts write (Libreswan
# dialect), unchanged: ipsec.conf with left=%defaultroute, an include of
# an ipsec.d that is not there, "%any %any : PSK", and the passwd file.
# In a namespace whose default route leaves by wan (192.0.2.1) and that
# has another address on lo, %defaultroute is 192.0.2.1; oakleyctl status
# lists l2tp-psk and xauth-psk with it, before and after a reload.  In a namespace without a default
# route the same file is refused at the left= line, with why.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
ip -n "$W" addr add 10.9.9.1/32 dev lo
ip -n "$W" route add default via "$EAST"

cat >"$WD/ipsec.conf" <<EOF
version 2.0

config setup
  ikev1-policy=accept
  virtual-private=%v4:10.0.0.0/8,%v4:192.168.0.0/16,%v4:172.16.0.0/12,%v4:!192.168.42.0/24,%v4:!192.168.43.0/24
  uniqueids=no

conn shared
  left=%defaultroute
  leftid=203.0.113.7
  right=%any
  encapsulation=yes
  authby=secret
  pfs=no
  rekey=no
  keyingtries=5
  dpddelay=30
  dpdtimeout=300
  dpdaction=clear
  ikev2=never
  ike=aes256-sha2,aes128-sha2,aes256-sha1,aes128-sha1,aes256-sha2;modp1024,aes128-sha1;modp1024
  phase2alg=aes_gcm-null,aes128-sha1,aes256-sha1,aes256-sha2_512,aes128-sha2,aes256-sha2
  ikelifetime=24h
  salifetime=24h
  sha2-truncbug=no

conn l2tp-psk
  auto=add
  leftprotoport=17/1701
  rightprotoport=17/%any
  type=transport
  also=shared

conn xauth-psk
  auto=add
  leftsubnet=0.0.0.0/0
  rightaddresspool=192.168.43.10-192.168.43.250
  modecfgdns="8.8.8.8 8.8.4.4"
  leftxauthserver=yes
  rightxauthclient=yes
  leftmodecfgserver=yes
  rightmodecfgclient=yes
  modecfgpull=yes
  cisco-unity=yes
  also=shared

include $WD/ipsec.d/*.conf
EOF
printf '%%any  %%any  : PSK "%s"\n' "setup vpn secret" >"$WD/ipsec.secrets"
# openssl passwd -6 -salt oakleysalt 'correct horse'
printf 'vpnuser:%s:xauth-psk\n' \
	'$6$oakleysalt$7suM4mEAoS18Bpgm7kqvliUGXre3vkD9qHHFE7VB022HdEdtHeIc9tqXGo9gamv/YyCjPDZ/WXe6ecr34GSqR1' \
	>"$WD/passwd"
chmod 600 "$WD/passwd"

start_oakleyd "$W" "$WD"
out=$(octl "$WD" status) || fail "status failed: $out"
for c in l2tp-psk xauth-psk; do
	grep -Eq "^  $c: 192\.0\.2\.1 \[203\.0\.113\.7\]" <<<"$out" ||
		fail "status does not list $c on 192.0.2.1 [203.0.113.7]: $out"
done
grep -q "^  l2tp-psk: .*transport" <<<"$out" || fail "l2tp-psk is not transport: $out"
grep -Fq "l2tp-psk: 192.0.2.1 [203.0.113.7] host[17/1701] ... %any [%any] host[17/%any]" <<<"$out" ||
	fail "status does not show l2tp-psk's UDP 1701 limit: $out"
grep -q "pool 192.168.43.10-192.168.43.250" <<<"$out" || fail "no pool in status: $out"
assert_log "$WD" "left=%defaultroute is 192\.0\.2\.1"
assert_log "$WD" "virtual-private=.* ignored: "
assert_log "$WD" "keyingtries=5 ignored: "
# A reload: the privileged helper reads the file again (%defaultroute
# there too) and hands 18 ike= proposals a conn over to the daemon.
out=$(octl "$WD" reload 2>&1) || fail "reload failed: $out"
out=$(octl "$WD" status xauth-psk) || fail "status after the reload failed: $out"
grep -q "^  xauth-psk: 192\.0\.2\.1 \[203\.0\.113\.7\]" <<<"$out" ||
	fail "xauth-psk is not on 192.0.2.1 after the reload: $out"
grep -q "aes128-sha1-curve25519,aes256-sha256-modp1024,aes128-sha1-modp1024" <<<"$out" ||
	fail "the ike= list with the default groups did not survive the reload: $out"
stop_oakleyd "$WD"

# No default route in east: the same file is refused, FILE:LINE and why.
cp "$WD/ipsec.conf" "$WD/passwd" "$WD/ipsec.secrets" "$ED/"
sed -i "s|$WD/ipsec.d|$ED/ipsec.d|" "$ED/ipsec.conf"
chmod 600 "$ED/ipsec.secrets" "$ED/passwd"
rc=0
out=$(ip netns exec "$E" "$OAKLEYD" -d -f "$ED/ipsec.conf" -s "$ED/ipsec.secrets" \
	-c "$(ctl_sock "$ED")" </dev/null 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "oakleyd started without a default route: $out"
grep -q "$ED/ipsec.conf:9: left=%defaultroute: this host has no IPv4 default route" <<<"$out" ||
	fail "the refusal does not say FILE:LINE and why: $out"
log ok
