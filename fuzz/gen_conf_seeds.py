#!/usr/bin/env python3
"""Seeds for fuzz_conf: an ipsec.conf, a NUL byte, an ipsec.secrets, as the
README and the tests write them.  Run from the repository root:
python3 fuzz/gen_conf_seeds.py"""
import os

OUT = "fuzz/seeds/conf"

SITE = """config setup
\tdataplane=none
\tuniqueids=no
\tretransmit_timeout=0.5
\tretransmit_tries=3

conn %default
\tkeyexchange=ikev1
\tikelifetime=3h

conn site
\tleft=192.0.2.1
\tleftsubnet=10.1.0.0/24
\tright=192.0.2.2
\trightsubnet=10.2.0.0/24
\tauthby=secret
\tike=aes256-sha256-modp3072,aes128-sha1-ecp256!
\tesp=aes256-sha256-modp2048
\tlifetime=1h
\tlifebytes=1000000
\tauto=add
"""
ROAD = """conn rw
\tleft=192.0.2.1
\tleftid=@gw.example.org
\tright=%any
\trightid=@alice
\trightprotoport=udp/1701
\ttype=transport
\taggressive=yes
\tike=3des-md5-modp1024
\tesp=null-sha1
\tauto=start

conn tmpl
\tleft=198.51.100.9
\tright=198.51.100.10
\tauto=ignore
"""
V6 = """conn v6 # a comment
\tleft=2001:db8::1
\tright=2001:db8::2
\tleftid="@@user@example.org"
\trightid=keyid:0a0b
\tesp=aes128gcm16
\tkeylife=20m
include ipsec.*.conf
"""
SECRETS = """# comment
192.0.2.1 192.0.2.2 : PSK "a long random secret"
@alice : PSK 0x00112233445566778899
%any @gw.example.org : PSK 0sYmFzZTY0IGtleQ==
@bob
\t: PSK 'single quoted'
: RSA key.pem
include ipsec.*.secrets
"""

SEEDS = {
    "site": SITE + "\0" + SECRETS,
    "road": ROAD + "\0" + SECRETS,
    "v6": V6 + "\0" + "2001:db8::1 2001:db8::2 : PSK \"v6\"\n",
    "conf_only": SITE + ROAD,
    "crlf": SITE.replace("\n", "\r\n") + "\0" + SECRETS.replace("\n", "\r\n"),
    "errors": "conn bad\n\tleft=192.0.2.1\n\tright=192.0.2.300\n\tike=aes-sha9\n\0@x : PSK\n",
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, text in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(text.encode())


if __name__ == "__main__":
    main()
