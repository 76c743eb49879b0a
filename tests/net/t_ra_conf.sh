#!/bin/bash
# A remote-access server's configuration (issue 11) through the daemon as
# it runs: both dialects' keys, XAUTH users in ipsec.secrets and in the
# passwd file beside ipsec.conf, pools; read at start as root, then again
# by the privileged helper on reload and sent to the unprivileged daemon
# over the channel (conf_msg.c).  A passwd that others may read makes the
# reload fail with a line that names it, and the daemon keeps the
# configuration it has; mode 0600 again and the reload takes.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
cat >"$WD/ipsec.conf" <<EOF
config setup
	dataplane=none

conn %default
	left=$WEST
	leftsubnet=10.1.0.0/16
	right=%any
	auto=add

conn ls
	ikev2=never
	rightid=@[vpngroup]
	aggressive=yes
	ike=aes256-sha1-modp1024
	leftxauthserver=yes
	rightxauthclient=yes
	leftmodecfgserver=yes
	rightmodecfgclient=yes
	rightaddresspool=10.3.0.10-10.3.0.250
	modecfgdns="10.1.0.53 10.1.0.54"
	modecfgbanner="welcome"
	modecfgpull=yes
	xauthby=file
	cisco-unity=yes

conn sw
	authby=xauthpsk
	xauth=server
	rightsourceip=10.4.0.0/24
	rightdns=10.1.0.53

conn pam
	rightauth=psk
	rightauth2=xauth-pam
	rightsourceip=10.4.0.0/24
EOF
{
	printf '%s %%any : PSK "group secret"\n' "$WEST"
	printf 'bob : XAUTH "bob pw"\n'
} >"$WD/ipsec.secrets"
# openssl passwd -6 -salt oakleysalt 'correct horse'
printf '# user:hash:conn\nalice:%s:ls\n' \
	'$6$oakleysalt$7suM4mEAoS18Bpgm7kqvliUGXre3vkD9qHHFE7VB022HdEdtHeIc9tqXGo9gamv/YyCjPDZ/WXe6ecr34GSqR1' \
	>"$WD/passwd"
chmod 600 "$WD/passwd"

start_oakleyd "$W" "$WD"
for c in ls sw pam; do
	octl "$WD" status "$c" >/dev/null || fail "status does not know conn $c"
done

out=$(octl "$WD" reload 2>&1) || fail "reload failed: $out"
octl "$WD" status pam >/dev/null || fail "status does not know conn pam after the reload"

chmod 644 "$WD/passwd"
out=$(octl "$WD" reload 2>&1) && fail "a reload took a passwd others may read: $out"
grep -q "$WD/passwd: group or others may read" <<<"$out" ||
	fail "the refusal does not name the passwd file: $out"
octl "$WD" status ls >/dev/null || fail "the daemon lost its configuration"
chmod 600 "$WD/passwd"
out=$(octl "$WD" reload 2>&1) || fail "reload with passwd 0600 failed: $out"
stop_oakleyd "$WD"
log ok
