#!/bin/bash
# Makes tests/unit/vectors/x509_sig.h, the known answers of test_x509_sig.c,
# with the openssl command line alone (not oakley's code):
#   keys:   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048
#           openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 (P-384, P-521)
#   hash:   32 (48, 64) bytes: openssl dgst -sha256 (-sha384, -sha512) -binary of "oakley HASH_I"
#   RSA:    openssl pkeyutl -sign -inkey rsa.key -pkeyopt rsa_padding_mode:pkcs1 -in hash
#           (no -digest: PKCS#1 v1.5 type 1 padding of the bytes themselves, no
#           DigestInfo; deterministic, so it is the expected signature)
#   ECDSA:  openssl pkeyutl -sign -inkey ecN.key -in hash (no -digest: ECDSA over the
#           bytes themselves; DER ECDSA-Sig-Value), then r and s taken from
#           openssl asn1parse -inform DER and left-padded to the curve's size: r | s.
# Run from anywhere; rewrites the header.
set -eu
out=$(cd "$(dirname "$0")" && pwd)/x509_sig.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

hex() { xxd -p "$1" | tr -d '\n' | sed 's/../\\x&/g'; }
cstr() { # NAME FILE: a C string of a PEM file
	echo "static const char $1[] ="
	sed 's/.*/\t"&\\n"/' "$2"
	echo ";"
}
rs() { # DER-SIG HALF-SIZE -> r|s hex
	openssl asn1parse -inform DER -in "$1" | awk -F: '/INTEGER/ {print $NF}' |
		while read -r v; do printf "%0$(($2 * 2))s" "$v" | tr ' ' 0; done
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
printf 'oakley HASH_I' | openssl dgst -sha256 -binary >h256
printf 'oakley HASH_I' | openssl dgst -sha384 -binary >h384
printf 'oakley HASH_I' | openssl dgst -sha512 -binary >h512
openssl pkeyutl -sign -inkey rsa.key -pkeyopt rsa_padding_mode:pkcs1 -in h256 -out rsa.sig
{
	echo "/* Made by tests/unit/vectors/mk_x509_sig.sh with openssl alone; see there. */"
	cstr kat_rsa_key rsa.key
	openssl pkey -in rsa.key -pubout -out rsa.pub
	cstr kat_rsa_pub rsa.pub
	echo "static const char kat_h256[] = \"$(hex h256)\";"
	echo "static const char kat_h384[] = \"$(hex h384)\";"
	echo "static const char kat_h512[] = \"$(hex h512)\";"
	echo "static const char kat_rsa_sig[] = \"$(hex rsa.sig)\";"
	for c in 256:32:h256 384:48:h384 521:66:h512; do
		IFS=: read -r bits half h <<<"$c"
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-$bits -out ec.key
		openssl pkey -in ec.key -pubout -out ec.pub
		openssl pkeyutl -sign -inkey ec.key -in "$h" -out ec.sig
		cstr "kat_ec${bits}_key" ec.key
		cstr "kat_ec${bits}_pub" ec.pub
		rs ec.sig "$half" | xxd -r -p >ec.rs
		echo "static const char kat_ec${bits}_sig[] = \"$(hex ec.rs)\";"
	done
} >"$out"
