#!/usr/bin/env python3
"""Writes the seed messages of fuzz/fuzz_wire.c into fuzz/seeds/wire/.

Real-shaped IKEv1 messages built from RFC 2408/2409/2407/3947 structure
(encrypted ones as their plaintext, with CBC padding), independently of
the C codec.  Run from the repository root: python3 fuzz/gen_wire_seeds.py
"""
import hashlib
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "wire")

SA, P, T, KE, ID, CERT, CR, HASH, SIG, NONCE, N, D, VID = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
ATTR = 14
NAT_D, NAT_OA = 20, 21
MAIN, AGGR, INFO, QUICK, TRANSACTION = 2, 4, 5, 32, 6


def chain(payloads):
    """payloads: [(type, body)] -> (first type, bytes) with next-payload set."""
    out = b""
    for i, (_, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return (payloads[0][0] if payloads else 0), out


def message(exchange, payloads, icookie=b"\x8b\x1c\x5d\x3e\x4f\x60\x71\x82",
            rcookie=bytes(8), msgid=0, flags=0, padding=b""):
    first, body = chain(payloads)
    body += padding
    hdr = icookie + rcookie + struct.pack("!BBBBII", first, 0x10, exchange, flags, msgid,
                                          28 + len(body))
    return hdr + body


def tv(t, v):
    return struct.pack("!HH", 0x8000 | t, v)


def tlv(t, v):
    return struct.pack("!HHI", t, 4, v)


def transform(num, tid, attrs, last):
    body = struct.pack("!BBH", num, tid, 0) + b"".join(attrs)
    return struct.pack("!BBH", 0 if last else T, 0, 4 + len(body)) + body


def proposal(num, proto, spi, transforms, last):
    ts = b"".join(transform(n, tid, a, i + 1 == len(transforms))
                  for i, (n, tid, a) in enumerate(transforms))
    body = struct.pack("!BBBB", num, proto, len(spi), len(transforms)) + spi + ts
    return struct.pack("!BBH", 0 if last else P, 0, 4 + len(body)) + body


def sa(proposals):
    ps = b"".join(proposal(*p, last=(i + 1 == len(proposals))) for i, p in enumerate(proposals))
    return struct.pack("!II", 1, 1) + ps


def ident(t, data, proto=0, port=0):
    return struct.pack("!BBH", t, proto, port) + data


def cfg(ctype, ident, attrs):
    """An ATTRIBUTE payload body (mode-cfg-05 3.2): type, RESERVED, id, attributes."""
    return struct.pack("!BBH", ctype, 0, ident) + b"".join(attrs)


def var(t, data=b""):
    return struct.pack("!HH", t, len(data)) + data


def notify(ntype, proto=1, spi=b"", data=b"", doi=1):
    return struct.pack("!IBBH", doi, proto, len(spi), ntype) + spi + data


VIDS = [
    bytes.fromhex("09002689dfd6b712"),                      # XAuth
    bytes.fromhex("afcad71368a1f1c96b8696fc77570100"),      # DPD, RFC 3706
    hashlib.md5(b"FRAGMENTATION").digest() + b"\x80\x00\x00\x00",
    hashlib.md5(b"RFC 3947").digest(),
    hashlib.md5(b"draft-ietf-ipsec-nat-t-ike-02\n").digest(),
]

IKE_AES128 = [tv(1, 7), tv(14, 128), tv(2, 2), tv(4, 14), tv(3, 1), tv(11, 1), tv(12, 10800)]
IKE_3DES = [tv(1, 5), tv(2, 1), tv(4, 2), tv(3, 1), tv(11, 1), tlv(12, 28800)]
ESP_AES = [tv(4, 1), tv(5, 2), tv(6, 128), tv(1, 1), tv(2, 3600), tv(1, 2), tlv(2, 4608000)]
KE_2048 = bytes(range(256)) * 1
NONCE_DATA = hashlib.sha256(b"nonce").digest()
RCOOKIE = bytes.fromhex("0102030405060708")
PAD = bytes(7) + b"\x07"


def seeds():
    yield "mm1_strongswan", message(MAIN, [(SA, sa([(1, 1, b"", [(1, 1, IKE_AES128)])]))]
                                    + [(VID, v) for v in VIDS])
    yield "mm1_windows", message(MAIN, [(SA, sa([(1, 1, b"", [(1, 1, IKE_3DES),
                                                              (2, 1, IKE_3DES)])])),
                                        (VID, hashlib.md5(b"MS NT5 ISAKMPOAKLEY").digest()
                                         + b"\x00\x00\x00\x04")])
    yield "mm2", message(MAIN, [(SA, sa([(1, 1, b"", [(1, 1, IKE_AES128)])])),
                                (VID, VIDS[1]), (VID, VIDS[3])], rcookie=RCOOKIE)
    nat_d = [(NAT_D, hashlib.sha1(b"a").digest()), (NAT_D, hashlib.sha1(b"b").digest())]
    yield "mm3", message(MAIN, [(KE, KE_2048), (NONCE, NONCE_DATA)] + nat_d, rcookie=RCOOKIE)
    yield "mm5_plain", message(MAIN, [(ID, ident(1, bytes([192, 0, 2, 1]), 17, 500)),
                                      (HASH, hashlib.sha1(b"h").digest()),
                                      (N, notify(24578, spi=bytes(16)))],
                               rcookie=RCOOKIE, flags=1, padding=PAD)
    yield "aggr1", message(AGGR, [(SA, sa([(1, 1, b"", [(1, 1, IKE_AES128)])])),
                                  (KE, KE_2048), (NONCE, NONCE_DATA),
                                  (ID, ident(2, b"vpn.example.org")), (VID, VIDS[1])])
    yield "aggr2_cert", message(AGGR, [(SA, sa([(1, 1, b"", [(1, 1, IKE_AES128)])])),
                                       (KE, KE_2048), (NONCE, NONCE_DATA),
                                       (ID, ident(9, bytes.fromhex("3010310e300c06035504030c05") + b"alice")),
                                       (CERT, b"\x04" + bytes.fromhex("308201") + bytes(20)),
                                       (CR, b"\x04"), (SIG, bytes(64))], rcookie=RCOOKIE)
    yield "qm1_plain", message(QUICK, [(HASH, hashlib.sha1(b"q").digest()),
                                       (SA, sa([(1, 3, b"\xc0\xff\xee\x01",
                                                 [(1, 12, ESP_AES), (2, 3, ESP_AES[:2])])])),
                                       (NONCE, NONCE_DATA), (KE, KE_2048),
                                       (ID, ident(4, bytes([10, 0, 1, 0, 255, 255, 255, 0]))),
                                       (ID, ident(6, bytes(16) + b"\xff" * 8 + bytes(8))),
                                       (NAT_OA, bytes([1, 0, 0, 0, 10, 0, 0, 1]))],
                               rcookie=RCOOKIE, msgid=0x1234, flags=1, padding=PAD)
    yield "info_delete", message(INFO, [(HASH, hashlib.sha1(b"d").digest()),
                                        (D, struct.pack("!IBBH", 1, 3, 4, 2)
                                         + bytes.fromhex("c0000001c0000002"))],
                                 rcookie=RCOOKIE, msgid=0x55, flags=1, padding=PAD)
    yield "info_dpd", message(INFO, [(HASH, hashlib.sha1(b"r").digest()),
                                     (N, notify(36136, spi=bytes(16), data=b"\x00\x00\x00\x2a"))],
                              rcookie=RCOOKIE, msgid=0x56, flags=1, padding=PAD)
    yield "info_malformed", message(INFO, [(N, notify(16))])
    # Transaction exchanges (type 6), plaintext: an XAUTH request and its
    # reply, the status, and a Mode Config request and reply with Cisco
    # Unity split includes (14-byte entries), as vpnc and a server send.
    yield "xauth_request", message(TRANSACTION, [
        (HASH, hashlib.sha1(b"x").digest()),
        (ATTR, cfg(1, 0x2b1d, [tv(16520, 0), var(16521), var(16522), var(16524, b"Enter")]))],
        rcookie=RCOOKIE, msgid=0x77, flags=1, padding=PAD)
    yield "xauth_reply", message(TRANSACTION, [
        (HASH, hashlib.sha1(b"y").digest()),
        (ATTR, cfg(2, 0x2b1d, [tv(16520, 0), var(16521, b"alice"), var(16522, b"secret")]))],
        rcookie=RCOOKIE, msgid=0x77, flags=1, padding=PAD)
    yield "xauth_status", message(TRANSACTION, [
        (HASH, hashlib.sha1(b"z").digest()), (ATTR, cfg(3, 0x2b1e, [tv(16527, 1)]))],
        rcookie=RCOOKIE, msgid=0x78, flags=1, padding=PAD)
    yield "modecfg_request", message(TRANSACTION, [
        (HASH, hashlib.sha1(b"m").digest()),
        (ATTR, cfg(1, 0x0301, [var(7, b"Cisco Systems VPN Client 4.8"), var(1), var(2), var(3),
                               var(28672), var(28673), var(28674), var(28676), var(28679),
                               var(28677), var(5)]))],
        rcookie=RCOOKIE, msgid=0x79, flags=1, padding=PAD)
    split = (bytes([10, 1, 0, 0, 255, 255, 255, 0]) + bytes(6)
             + bytes([10, 2, 0, 0, 255, 255, 0, 0]) + bytes(6))
    yield "modecfg_reply", message(TRANSACTION, [
        (HASH, hashlib.sha1(b"n").digest()),
        (ATTR, cfg(2, 0x0301, [var(1, bytes([10, 3, 0, 10])),
                               var(2, bytes([255, 255, 255, 0])),
                               var(3, bytes([10, 1, 0, 53])), var(28672, b"Welcome\n"),
                               tv(28673, 0), tv(28679, 0), var(28676, split),
                               var(13, bytes([10, 1, 0, 0, 255, 255, 0, 0])),
                               var(8, bytes.fromhex("20010db8000000000000000000000005") + b"\x40"),
                               var(14, struct.pack("!HHH", 1, 2, 3))]))],
        rcookie=RCOOKIE, msgid=0x79, flags=1, padding=PAD)
    # IKEv1 fragments (payload 132) of aggr1, as strongSwan sends them:
    # the message's cookies, exchange, message ID 0, flags 0, one payload
    # of fragment ID 1, number, LAST flag and a slice.
    whole = message(AGGR, [(SA, sa([(1, 1, b"", [(1, 1, IKE_AES128)])])),
                           (KE, KE_2048), (NONCE, NONCE_DATA),
                           (ID, ident(2, b"vpn.example.org")), (VID, VIDS[1])])
    for i, part in enumerate(fragments(whole, 200)):
        yield f"frag{i + 1}", part


def fragments(msg, room):
    """msg split as strongSwan does, each datagram at most room bytes."""
    chunk = room - 28 - 8
    slices = [msg[i:i + chunk] for i in range(0, len(msg), chunk)]
    out = []
    for n, s in enumerate(slices, 1):
        body = struct.pack("!BBHHBB", 0, 0, 8 + len(s), 1, n, 1 if n == len(slices) else 0) + s
        out.append(msg[:16] + struct.pack("!BBBBII", 132, 0x10, AGGR, 0, 0, 28 + len(body)) + body)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
