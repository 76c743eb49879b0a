#!/bin/bash
# Every phase-1 cipher, hash and group, every ESP cipher and integrity
# algorithm, and PFS with MODP, ECP and Curve25519 groups, at least once: one connection per row below, oakleyd against
# oakleyd (dataplane=none).  Both sides must report the same algorithms.
. "$(dirname "$0")/oakley.sh"

# name  ike=  esp=  expected phase-1 display  expected ESP display
ROWS=(
	"a1 aes128-md5-modp768 aes128-md5 AES_CBC-128/HMAC_MD5/MODP_768 AES_CBC-128/HMAC_MD5"
	"a2 aes192-sha1-modp1024 aes192-sha1 AES_CBC-192/HMAC_SHA1/MODP_1024 AES_CBC-192/HMAC_SHA1"
	"a3 aes256-sha256-modp1536 aes256-sha256 AES_CBC-256/HMAC_SHA2_256/MODP_1536 AES_CBC-256/HMAC_SHA2_256"
	"a4 3des-sha384-modp2048 3des-sha384 3DES_CBC/HMAC_SHA2_384/MODP_2048 3DES_CBC/HMAC_SHA2_384"
	"a5 aes128-sha512-modp3072 null-sha512 AES_CBC-128/HMAC_SHA2_512/MODP_3072 NULL/HMAC_SHA2_512"
	"a6 aes256-sha1-modp4096 null-sha1 AES_CBC-256/HMAC_SHA1/MODP_4096 NULL/HMAC_SHA1"
	"a7 aes128-sha256-modp6144 3des-md5 AES_CBC-128/HMAC_SHA2_256/MODP_6144 3DES_CBC/HMAC_MD5"
	"a8 aes256-sha512-modp8192 aes256-sha512 AES_CBC-256/HMAC_SHA2_512/MODP_8192 AES_CBC-256/HMAC_SHA2_512"
	"a9 aes128-sha256-ecp256 aes128-sha256 AES_CBC-128/HMAC_SHA2_256/ECP_256 AES_CBC-128/HMAC_SHA2_256"
	"a10 aes192-sha384-ecp384 aes192-sha384 AES_CBC-192/HMAC_SHA2_384/ECP_384 AES_CBC-192/HMAC_SHA2_384"
	"a11 aes256-sha512-ecp521 aes256-sha1 AES_CBC-256/HMAC_SHA2_512/ECP_521 AES_CBC-256/HMAC_SHA1"
	"a12 aes128-sha256-curve25519 aes128-sha256-modp2048 AES_CBC-128/HMAC_SHA2_256/CURVE_25519 AES_CBC-128/HMAC_SHA2_256/MODP_2048"
	"a13 aes256-sha256-ecp256 aes256-sha256-ecp256 AES_CBC-256/HMAC_SHA2_256/ECP_256 AES_CBC-256/HMAC_SHA2_256/ECP_256"
	"a14 aes128-sha1-modp2048 3des-sha1-curve25519 AES_CBC-128/HMAC_SHA1/MODP_2048 3DES_CBC/HMAC_SHA1/CURVE_25519"
)

two_gateways v4
for d in "$WD" "$ED"; do
	printf 'config setup\n\tdataplane=none\n\n' >"$d/ipsec.conf"
	i=0
	for row in "${ROWS[@]}"; do
		read -r name ike esp _ _ <<<"$row"
		i=$((i + 1))
		cat >>"$d/ipsec.conf" <<CONF
conn $name
	left=$WEST
	leftsubnet=10.1.$i.0/24
	right=$EAST
	rightsubnet=10.2.$i.0/24
	ike=$ike
	esp=$esp
	auto=add

CONF
	done
	write_secrets "$d" "algorithm matrix"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

for row in "${ROWS[@]}"; do
	read -r name ike esp p1 p2 <<<"$row"
	out=$(octl "$WD" up "$name") || fail "$name ($ike / $esp): $out"
	for d in "$WD" "$ED"; do
		octl "$d" status >"$T_OUT/status.txt"
		grep -q " $name: established, .*, $p1, PSK" "$T_OUT/status.txt" ||
			fail "$name: no ISAKMP SA with $p1 in $d: $(cat "$T_OUT/status.txt")"
		grep -q " $name: negotiated, ESP tunnel, .*, $p2, " "$T_OUT/status.txt" ||
			fail "$name: no IPsec SA with $p2 in $d: $(cat "$T_OUT/status.txt")"
	done
	log "$name: $p1, ESP $p2"
done
stop_oakleyd "$WD"
stop_oakleyd "$ED"
log ok
