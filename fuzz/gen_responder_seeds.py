#!/usr/bin/env python3
"""Seeds for fuzz_responder: sequences of a peer's datagrams, each behind a
2-byte length.  The responder cookie is the first 8 bytes of the fuzz
build's predictable stream (byte k = k * 131 + 7, see src/crypto/rand.c).
Run from the repository root: python3 fuzz/gen_responder_seeds.py"""
import base64
import os
import struct

OUT = "fuzz/seeds/responder"
ICOOKIE = bytes(range(1, 9))
RCOOKIE = bytes((k * 131 + 7) & 0xFF for k in range(8))


def hdr(rc, np, xchg, flags, msgid, body):
    return ICOOKIE + rc + struct.pack("!BBBBII", np, 0x10, xchg, flags, msgid, 28 + len(body)) + body


def payload(next_type, body):
    return struct.pack("!BBH", next_type, 0, 4 + len(body)) + body


def ike_sa(encr, keylen, hash_, group, auth=1):
    attrs = [(1, encr)] + ([(14, keylen)] if keylen else []) + [(2, hash_), (3, auth), (4, group), (11, 1), (12, 3600)]
    a = b"".join(struct.pack("!HH", 0x8000 | t, v) for t, v in attrs)
    transform = struct.pack("!BBHBBH", 0, 0, 8 + len(a), 1, 1, 0) + a
    proposal = struct.pack("!BBHBBBB", 0, 0, 8 + len(transform), 1, 1, 0, 1) + transform
    return struct.pack("!II", 1, 1) + proposal


def peer_cert_der():
    """The peer's certificate of fuzz/fuzz_certs.h (fuzz/gen_fuzz_certs.sh), as DER."""
    text = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_certs.h")).read()
    pem = text.split("fuzz_peer_pem[] =", 1)[1]
    lines = [l.strip().strip('"').replace("\\n", "") for l in pem.splitlines()]
    b64 = "".join(l for l in lines if l and not l.startswith("-----") and l != ";" and not l.startswith("#"))
    return base64.b64decode(b64.split("-----END")[0])


def cert_seeds():
    """Certificate exchanges with the fuzz-sig conns (ECDSA P-256): MM1
    offering method 9, MM3 with a CR; AM1 with a CR, AM3 in the clear
    with the peer's real certificate (CERT, X.509 Signature) and a SIG."""
    sa = ike_sa(7, 128, 4, 19, auth=9)               # aes128-sha256-ecp256, ECDSA-256
    g = bytes.fromhex("55110bf62c1db9422219f5b8c416e1df5f27e72e8f607526b60bccf732484e24"
                      "f142e047f90a5d7aca44f9128e437001c7879fa9600bfe110c9aa2ca704a2bcc")  # a P-256 point
    nonce = bytes(range(32))
    cr = bytes([4])                                  # X.509 Signature, any authority
    mm1 = hdr(b"\0" * 8, 1, 2, 0, 0, payload(0, sa))
    mm3 = hdr(RCOOKIE, 4, 2, 0, 0, payload(10, g) + payload(7, nonce) + payload(0, cr))
    am_id = struct.pack("!BBH", 2, 0, 0) + b"sigpeer"
    am1 = hdr(b"\0" * 8, 1, 4, 0, 0, payload(4, sa) + payload(10, g) + payload(5, nonce)
              + payload(7, am_id) + payload(0, cr))
    cert = bytes([4]) + peer_cert_der()
    am3 = hdr(RCOOKIE, 6, 4, 0, 0, payload(9, cert) + payload(0, bytes(64)))
    return {
        "sig_mm1_mm3_cr": seq(mm1, mm3),
        "sig_am1_cr_am3_cert_sig": seq(am1, am3),
    }


def fragments(msg, room, xchg):
    """msg as IKEv1 fragments (payload 132) of at most room bytes each, as
    strongSwan sends them: fragment ID 1, message ID 0, flags 0."""
    chunk = room - 28 - 8
    slices = [msg[i:i + chunk] for i in range(0, len(msg), chunk)]
    out = []
    for n, s in enumerate(slices, 1):
        body = struct.pack("!BBHHBB", 0, 0, 8 + len(s), 1, n, 1 if n == len(slices) else 0) + s
        out.append(msg[:16] + struct.pack("!BBBBII", 132, 0x10, xchg, 0, 0, 28 + len(body)) + body)
    return out


def seq(*msgs):
    return b"".join(struct.pack("!H", len(m)) + m for m in msgs)


def main():
    os.makedirs(OUT, exist_ok=True)
    sa = ike_sa(7, 128, 2, 14)                       # aes128-sha1-modp2048
    mm1 = hdr(b"\0" * 8, 1, 2, 0, 0, payload(0, sa))
    ke = (2).to_bytes(256, "big")                    # a valid MODP-2048 value
    nonce = bytes(range(32))
    mm3 = hdr(RCOOKIE, 4, 2, 0, 0, payload(10, ke) + payload(0, nonce))
    mm5 = hdr(RCOOKIE, 5, 2, 1, 0, bytes(48))        # encrypted garbage
    am_sa = ike_sa(7, 128, 2, 2)                     # aes128-sha1-modp1024
    am_id = struct.pack("!BBH", 2, 0, 0) + b"peer"   # ID_FQDN @peer
    am1 = hdr(b"\0" * 8, 1, 4, 0, 0,
              payload(4, am_sa) + payload(10, (2).to_bytes(128, "big")) + payload(5, nonce) + payload(0, am_id))
    am3 = hdr(RCOOKIE, 8, 4, 1, 0, bytes(32))
    # NAT-T (RFC 3947): its vendor ID in MM1, then NAT-D payloads in MM3
    # (type 20; 130 with draft-03's vendor ID), hashes of no address here,
    # so the responder sees a NAT; and AM1 offering RFC 3947.
    vid_rfc = bytes.fromhex("4a131c81070358455c5728f20e95452f")
    vid_d03 = bytes.fromhex("7d9419a65310ca6f2c179d9215529d56")
    natd = [bytes([i]) * 20 for i in (1, 2)]

    def mm1_vid(vid):
        return hdr(b"\0" * 8, 1, 2, 0, 0, payload(13, sa) + payload(0, vid))

    def mm3_natd(t):
        return hdr(RCOOKIE, 4, 2, 0, 0, payload(10, ke) + payload(t, nonce) + payload(t, natd[0])
                   + payload(0, natd[1]))
    am1_natt = hdr(b"\0" * 8, 1, 4, 0, 0,
                   payload(4, am_sa) + payload(10, (2).to_bytes(128, "big")) + payload(5, nonce)
                   + payload(13, am_id) + payload(0, vid_rfc))
    vid_frag = bytes.fromhex("4048b7d56ebce88525e7de7f00d6c2d380000000")
    mm1_frag = hdr(b"\0" * 8, 1, 2, 0, 0, payload(13, sa) + payload(0, vid_frag))
    am1_frag = hdr(b"\0" * 8, 1, 4, 0, 0,
                   payload(4, am_sa) + payload(10, (2).to_bytes(128, "big")) + payload(5, nonce)
                   + payload(13, am_id) + payload(0, vid_frag))
    seeds = {
        # fragments: MM1 whole, MM3 in 3 (out of order); AM1 in 3, then AM3
        "frag_mm1_mm3": seq(mm1_frag, *(lambda f: [f[2], f[0], f[1]])(fragments(mm3, 160, 2))),
        "frag_am1_am3": seq(*fragments(am1_frag, 160, 4), am3),
        "frag_mm1_in_two": seq(*fragments(mm1_frag, 100, 2), mm1_frag),
        "mm1_natt_mm3_natd": seq(mm1_vid(vid_rfc), mm3_natd(20)),
        "mm1_draft_mm3_natd130": seq(mm1_vid(vid_d03), mm3_natd(130)),
        "am1_natt_am3": seq(am1_natt, am3),
        "mm1": seq(mm1),
        "mm1_mm3": seq(mm1, mm3),
        "mm1_mm3_mm5": seq(mm1, mm3, mm5),
        "mm1_again": seq(mm1, mm1),
        "am1_am3": seq(am1, am3),
    }
    seeds.update(cert_seeds())
    # remote access (conn fuzz-ra): XAUTH PSK (65001) in MM1 and in an
    # Aggressive Mode with ID @rapeer; a transaction exchange (type 6)
    # with an ATTRIBUTE payload before phase 1 is up.
    xsa = ike_sa(7, 128, 2, 2, auth=65001)
    ra_id = struct.pack("!BBH", 2, 0, 0) + b"rapeer"
    attr = struct.pack("!BBH", 1, 0, 1) + struct.pack("!HH", 0x8000 | 16520, 0) + struct.pack("!HH", 16521, 0)
    txn = hdr(RCOOKIE, 14, 6, 0, 0x01020304, payload(0, attr))
    seeds.update({
        "ra_mm1_xauth": seq(hdr(b"\0" * 8, 1, 2, 0, 0, payload(0, xsa)),
                            hdr(RCOOKIE, 4, 2, 0, 0, payload(10, (2).to_bytes(128, "big")) + payload(0, nonce))),
        "ra_am1_xauth_txn": seq(hdr(b"\0" * 8, 1, 4, 0, 0, payload(4, xsa) + payload(10, (2).to_bytes(128, "big"))
                                    + payload(5, nonce) + payload(0, ra_id)), am3, txn),
    })
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
