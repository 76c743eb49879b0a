# Helpers for the certificate scenarios of issue 10 (t_cert_*.sh), on top
# of lib.sh (and ../net/oakley.sh):  . "$(dirname "$0")/lib_cert.sh"
#
# The test PKI (tests/pki/mkpki.sh: a root, an intermediate, RSA-3072 and
# ECDSA end entities for west 192.0.2.1 and east 192.0.2.2, an expired, a
# foreign and a revoked one, the root's CRL) is made on the HOST before the
# VM boots: RSA-3072 keys under qemu TCG take minutes.  `make check-vm`
# makes it (the $(BUILD)/pki target); by hand: tests/pki/mkpki.sh build/pki.
# The VM sees it read-only; scenarios copy what they need into T_OUT.

# Where the PKI is: $PKI, else BUILD/pki, else BUILD/../pki (check-vm runs
# the scenarios with BUILD=build/san and makes build/pki).
cert_find_pki() {
	local d
	for d in ${PKI:-} ${BUILD:+"$BUILD/pki" "$BUILD/../pki"}; do
		if [ -e "$d/.done" ]; then
			PKI=$(cd "$d" && pwd)
			return 0
		fi
	done
	fail "no test PKI in ${PKI:-$BUILD/pki or $BUILD/../pki}: make it on the host first (make build/pki, or tests/pki/mkpki.sh build/pki)"
}
cert_find_pki

# The key type of the PKI's NAME for ipsec.secrets: RSA or ECDSA.
cert_keytype() { case $1 in *-ec*) echo ECDSA ;; *) echo RSA ;; esac; }
# The subject DN of an end entity of the PKI (west-rsa -> CN=west).
cert_dn() { echo "C=CH, O=oakley, CN=${1%%-*}"; }
CERT_CA_DN="C=CH, O=oakley, CN=Test CA"
CERT_INT_DN="C=CH, O=oakley, CN=Test Intermediate CA"

# ---- oakley: the directories beside ipsec.conf ------------------------------

# oakley_cert_dir DIR NAME...: certs/, private/, cacerts/, crls/ beside
# DIR/ipsec.conf (emptied first), NAME.pem into certs/ and NAME.key into
# private/ for each NAME, the root into cacerts/, and DIR/ipsec.secrets
# with one ": RSA|ECDSA NAME.key" line per NAME.  Env: CERT_CAS (files of
# the PKI for cacerts/, default "ca.pem"), CERT_CRLS (for crls/, default
# none), CERT_EXTRA (more files of the PKI for certs/, e.g. chain-west-int.pem).
oakley_cert_dir() {
	local dir=$1 n f
	shift
	rm -rf "$dir"/{certs,private,cacerts,crls}
	mkdir -p "$dir"/{certs,private,cacerts}
	# crls/ only when there are CRLs: an empty folder trips UBSan in
	# src/conf/certs.c load_dir (qsort(NULL, 0, ...)) as of this writing
	[ -z "${CERT_CRLS:-}" ] || mkdir -p "$dir/crls"
	: >"$dir/ipsec.secrets"
	for n in "$@"; do
		cp "$PKI/$n.pem" "$dir/certs/"
		cp "$PKI/$n.key" "$dir/private/"
		printf ': %s %s.key\n' "$(cert_keytype "$n")" "$n" >>"$dir/ipsec.secrets"
	done
	for f in ${CERT_EXTRA:-}; do cp "$PKI/$f" "$dir/certs/"; done
	for f in ${CERT_CAS-ca.pem}; do cp "$PKI/$f" "$dir/cacerts/"; done
	for f in ${CERT_CRLS:-}; do cp "$PKI/$f" "$dir/crls/"; done
	chmod 600 "$dir/ipsec.secrets"
}

# An ipsec.conf value, in double quotes when it holds blanks or commas (DNs).
cert_quote() { case $1 in *[\ ,]*) printf '"%s"' "$1" ;; *) printf '%s' "$1" ;; esac; }

# oakley_cert_conn DIR NAME LOCAL REMOTE LSUB RSUB CERT LID RID [LINES...]:
# DIR/ipsec.conf with one conn NAME, authby=rsasig or ecdsasig by CERT's
# name (AUTHBY overrides), leftcert=CERT (a file
# in certs/), leftid=LID and rightid=RID (empty: not written), auto=add,
# ike= from IKE (aes128-sha256-modp2048), esp=aes128-sha1; LINES are
# more lines of the conn (e.g. aggressive=yes, rightca="...").
# CONFIG_SETUP: lines for `config setup`.
oakley_cert_conn() {
	local dir=$1 name=$2 l=$3 r=$4 ls=$5 rs=$6 cert=$7 lid=$8 rid=$9 x
	shift 9
	{
		if [ -n "${CONFIG_SETUP:-}" ]; then
			printf 'config setup\n'
			printf '\t%s\n' $CONFIG_SETUP
		fi
		printf 'conn %s\n\tleft=%s\n\tleftsubnet=%s\n\tright=%s\n\trightsubnet=%s\n' \
			"$name" "$l" "$ls" "$r" "$rs"
		# the method follows the key: rsasig, ecdsasig (or pubkey: AUTHBY)
		case $cert in *-ec*) x=ecdsasig ;; *) x=rsasig ;; esac
		printf '\tauthby=%s\n\tleftcert=%s\n' "${AUTHBY:-$x}" "$cert"
		[ -z "$lid" ] || printf '\tleftid=%s\n' "$(cert_quote "$lid")"
		[ -z "$rid" ] || printf '\trightid=%s\n' "$(cert_quote "$rid")"
		printf '\tike=%s\n\tesp=aes128-sha1\n\tauto=add\n' "${IKE:-aes128-sha256-modp2048}"
		for x in "$@"; do printf '\t%s\n' "$x"; done
	} >"$dir/ipsec.conf"
}

# ---- charon: swanctl's credential folders -----------------------------------

# charon_cert_conf DIR [EXTRA...]: DIR/strongswan.conf (lib.sh's
# charon_conf) with the plugins certificates need: pkcs8 (the PKI's keys
# are PKCS#8), revocation (CRLs), constraints; flushed log lines.
charon_cert_conf() {
	charon_conf "$@"
	sed -i -e 's/^\(\s*load = \)random nonce openssl pem pkcs1 x509 pubkey/\1random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey/' \
		-e 's/^\(\s*load = pem pkcs1\) x509 pubkey/\1 pkcs8 x509 pubkey/' \
		-e 's/^\(\s*\)default = 1/\1flush_line = yes\n\1default = 1/' "$1/strongswan.conf"
	grep -q 'pkcs8 x509 revocation' "$1/strongswan.conf" || fail "charon_cert_conf: lib.sh's load line changed"
}

# swanctl_cert_conf DIR NAME LOCAL REMOTE LTS RTS CERT LID RID: DIR/swanctl.conf
# with one IKEv1 connection NAME authenticated by CERT (a NAME of the PKI:
# x509/CERT.pem, private/CERT.key), local id LID, remote id RID (empty:
# any), one tunnel-mode child NAME; the root in x509ca/.  Overrides:
# PROPOSALS (aes128-sha256-modp2048), AGGRESSIVE (no), SEND_CERT (ifasked),
# FRAG (yes), CERT_CAS (PKI files for x509ca/, "ca.pem"), CERT_CRLS (for
# x509crl/), CONN_EXTRA, REMOTE_EXTRA (lines of remote { }).
swanctl_cert_conf() {
	local dir=$1 name=$2 l=$3 r=$4 lts=$5 rts=$6 cert=$7 lid=$8 rid=$9 f
	rm -rf "$dir"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	mkdir -p "$dir"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	cp "$PKI/$cert.pem" "$dir/x509/"
	cp "$PKI/$cert.key" "$dir/private/"
	for f in ${CERT_CAS-ca.pem}; do cp "$PKI/$f" "$dir/x509ca/"; done
	for f in ${CERT_CRLS:-}; do cp "$PKI/$f" "$dir/x509crl/"; done
	cat >"$dir/swanctl.conf" <<EOF
connections {
	$name {
		version = 1
		local_addrs = $l
		remote_addrs = $r
		proposals = ${PROPOSALS:-aes128-sha256-modp2048}
		aggressive = ${AGGRESSIVE:-no}
		send_cert = ${SEND_CERT:-ifasked}
		fragmentation = ${FRAG:-yes}
		${CONN_EXTRA:-}
		local {
			auth = pubkey
			certs = $cert.pem
			id = "$lid"
		}
		remote {
			auth = pubkey
			id = "${rid:-%any}"
			${REMOTE_EXTRA:-}
		}
		children {
			$name {
				local_ts = $lts
				remote_ts = $rts
				esp_proposals = aes128-sha1
				mode = tunnel
			}
		}
	}
}
EOF
}

# swanctl_load NS DIR: (re)load DIR's credentials and connections, clearing
# the previous ones; fails with swanctl's words.
swanctl_load() {
	swanctl_in "$1" "$2" --load-all --clear --noprompt --file "$2/swanctl.conf" >"$2/load.out" 2>&1 ||
		fail "swanctl --load-all in $1: $(cat "$2/load.out")"
	! grep -qi 'failed\|error' "$2/load.out" || fail "swanctl --load-all in $1: $(cat "$2/load.out")"
}

# charon_log_since DIR N: the lines of DIR/charon.log after line N (take N
# from charon_log_lines before an attempt).
charon_log_lines() { wc -l <"$1/charon.log"; }
charon_log_since() { tail -n "+$(($2 + 1))" "$1/charon.log"; }

# ---- Libreswan: an NSS database with the PKI ---------------------------------

# pluto_cert_nss DIR NAME: the NSS database in DIR (made empty) with NAME's
# certificate and key from NAME.p12 (password "test", nickname NAME), and
# the root trusted as a CA ("Test CA", CT,,).
pluto_cert_nss() {
	local dir=$1 name=$2
	rm -f "$dir"/cert9.db "$dir"/key4.db "$dir"/pkcs11.txt
	certutil -N -d "sql:$dir" --empty-password >/dev/null 2>&1 || fail "certutil -N in $dir failed"
	pk12util -i "$PKI/$name.p12" -d "sql:$dir" -W test >"$dir/pk12util.out" 2>&1 ||
		fail "pk12util -i $name.p12: $(cat "$dir/pk12util.out")"
	# The .p12 brings the root untrusted ("Test CA - oakley"): adding it
	# again with CT,, trusts it as a CA of peers.
	certutil -A -d "sql:$dir" -n "Test CA" -t CT,, -i "$PKI/ca.pem" ||
		fail "certutil: trusting the root failed"
	certutil -L -d "sql:$dir" >"$dir/nss.txt" 2>&1
}

# start_pluto_cert NS DIR NAME: as lib_peers.sh's start_pluto, with NAME's
# certificate and key and the trusted root in DIR's NSS database.
start_pluto_cert() {
	local ns=$1 dir=$2 run out
	run=$(pluto_rundir "$dir")
	mkdir -p "$run"
	if [ ! -e /usr/libexec/ipsec ]; then
		ln -s "$LS_BIN" /usr/libexec/ipsec
		on_exit 'rm -f /usr/libexec/ipsec'
	fi
	pluto_cert_nss "$dir" "$3"
	: >>"$dir/ipsec.secrets"
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

# ---- the wire -----------------------------------------------------------------

# frag_count FILE SRC: how many IKE messages from SRC in the capture FILE
# are fragments (ISAKMP next payload 132).
frag_count() {
	tshark -n -r "$1" -Y "ip.src == $2 && isakmp.nextpayload == 132" -T fields -e frame.number \
		2>/dev/null | grep -c . || true
}
