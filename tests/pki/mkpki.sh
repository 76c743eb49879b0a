#!/bin/bash
# Makes the test PKI with openssl, into DIR (created; files kept if DIR/.done
# exists).  Every certificate and CRL the certificate tests need:
#
#   ca.pem ca.key          root "C=CH, O=oakley, CN=Test CA" (RSA-3072)
#   int.pem int.key        "C=CH, O=oakley, CN=Test Intermediate CA", from the root
#   other-ca.pem           "C=CH, O=other, CN=Other CA": trusted by nobody
#   NAME.pem NAME.key      end entities, "C=CH, O=oakley, CN=NAME" with
#   NAME.p12               subjectAltName DNS:NAME.example, email:NAME@example.com,
#                          IP:ADDR (west 192.0.2.1, east 192.0.2.2); .p12: the
#                          certificate, its key and the root, password "test"
#     west-rsa east-rsa        RSA-3072, from the root
#     west-ec256 east-ec256    ECDSA P-256        west-ec384 east-ec384  P-384
#     west-ec521 east-ec521    ECDSA P-521
#     west-int east-int        RSA-3072, from the intermediate (send int.pem too)
#     east-expired             valid 2025-01-01 to 2026-01-01
#     east-other               from Other CA
#     east-revoked             from the root, revoked in crl.pem / crl.der
#   crl.pem crl.der        the root's CRL, revoking east-revoked
#   chain-west-int.pem     west-int.pem followed by int.pem
#
# Usage: mkpki.sh DIR [WEST_IP EAST_IP]
set -eu
dir=$1
west_ip=${2:-192.0.2.1}
east_ip=${3:-192.0.2.2}
[ -e "$dir/.done" ] && exit 0
mkdir -p "$dir"
cd "$dir"
mkdir -p ca.db
: >ca.db/index.txt
echo 1000 >ca.db/serial
echo 1000 >ca.db/crlnumber

cat >openssl.cnf <<CNF
[ ca ]
default_ca = root
[ root ]
dir = .
database = ca.db/index.txt
serial = ca.db/serial
crlnumber = ca.db/crlnumber
new_certs_dir = ca.db
certificate = ca.pem
private_key = ca.key
default_md = sha256
default_days = 3650
default_crl_days = 3650
crl_extensions = crl_ext
policy = any
unique_subject = no
copy_extensions = none
[ inter ]
dir = .
database = ca.db/index.txt
serial = ca.db/serial
crlnumber = ca.db/crlnumber
new_certs_dir = ca.db
certificate = int.pem
private_key = int.key
default_md = sha256
default_days = 3650
policy = any
unique_subject = no
[ other ]
dir = .
database = ca.db/index.txt
serial = ca.db/serial
crlnumber = ca.db/crlnumber
new_certs_dir = ca.db
certificate = other-ca.pem
private_key = other-ca.key
default_md = sha256
default_days = 3650
policy = any
unique_subject = no
[ any ]
countryName = optional
organizationName = optional
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ crl_ext ]
# strongSwan finds a CA's CRL by this key identifier
authorityKeyIdentifier = keyid:always
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_ee ]
basicConstraints = CA:false
keyUsage = digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \$ENV::SAN
CNF
export SAN=DNS:unused

key() { # NAME TYPE
	case $2 in
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$1.key" 2>/dev/null ;;
	ec*) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"P-${2#ec}" -out "$1.key" ;;
	esac
}

ca_self() { # NAME SUBJECT
	key "$1" rsa
	openssl req -new -x509 -config openssl.cnf -extensions v3_ca -key "$1.key" \
		-subj "$2" -days 3650 -sha256 -set_serial "0x$(openssl rand -hex 8)" -out "$1.pem"
}

# NAME TYPE ISSUER-SECTION [STARTDATE ENDDATE]
ee() {
	local name=$1 cn=${1%%-*} ip dates=()
	case $cn in west) ip=$west_ip ;; *) ip=$east_ip ;; esac
	[ $# -ge 5 ] && dates=(-startdate "$4" -enddate "$5")
	key "$name" "$2"
	openssl req -new -config openssl.cnf -key "$name.key" -subj "/C=CH/O=oakley/CN=$cn" \
		-out "$name.csr"
	SAN="DNS:$cn.example,email:$cn@example.com,IP:$ip" \
		openssl ca -batch -config openssl.cnf -name "$3" -extensions v3_ee -notext \
		"${dates[@]}" -in "$name.csr" -out "$name.pem" 2>/dev/null
	rm -f "$name.csr"
	openssl pkcs12 -export -in "$name.pem" -inkey "$name.key" -certfile ca.pem \
		-name "$name" -passout pass:test -out "$name.p12"
}

ca_self ca "/C=CH/O=oakley/CN=Test CA"
ca_self other-ca "/C=CH/O=other/CN=Other CA"
key int rsa
openssl req -new -config openssl.cnf -key int.key -subj "/C=CH/O=oakley/CN=Test Intermediate CA" \
	-out int.csr
openssl ca -batch -config openssl.cnf -name root -extensions v3_ca -notext -in int.csr \
	-out int.pem 2>/dev/null
rm -f int.csr

for side in west east; do
	ee "$side-rsa" rsa root
	ee "$side-ec256" ec256 root
	ee "$side-ec384" ec384 root
	ee "$side-ec521" ec521 root
	ee "$side-int" rsa inter
done
ee east-expired rsa root 20250101000000Z 20260101000000Z
ee east-other rsa other
ee east-revoked rsa root
cat west-int.pem int.pem >chain-west-int.pem

openssl ca -config openssl.cnf -name root -revoke east-revoked.pem -crl_reason keyCompromise \
	2>/dev/null
openssl ca -config openssl.cnf -name root -gencrl -out crl.pem 2>/dev/null
openssl crl -in crl.pem -outform DER -out crl.der
touch .done
