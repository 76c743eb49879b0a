#!/usr/bin/env python3
"""Seeds for fuzz_phase2: records (flags, message ID, 2-byte length, body)
that fuzz/fuzz_phase2.c turns into Quick Mode and Informational messages
under an established ISAKMP SA (see its comment for the flags).  Run from
the repository root: python3 fuzz/gen_phase2_seeds.py"""
import os
import struct

OUT = "fuzz/seeds/phase2"
ICOOKIE = bytes(range(1, 9))
RCOOKIE = bytes((k * 131 + 7) & 0xFF for k in range(8))
INFO, HASH3, NOHASH, CLEAR, SPOOFED, TXN, XAUTH = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40
ATTR, OURS = 14, 255  # the ATTRIBUTE payload; the responder's open transaction's message ID
SA, KE, ID, HASH, NONCE, N, D = 1, 4, 5, 8, 10, 11, 12
# The generator of P-256 (x | y): a valid ECP-256 public value.
P256_G = bytes.fromhex(
    "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
    "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5")


def payload(next_type, body):
    return struct.pack("!BBH", next_type, 0, 4 + len(body)) + body


def chain(payloads):
    """[(type, body)] -> the first type, then the payloads linked."""
    out = b""
    for i, (_, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += payload(nxt, body)
    return bytes([payloads[0][0]]) + out


def record(flags, msgid, body):
    return struct.pack("!BBH", flags, msgid, len(body)) + body


def esp_sa(tid, auth, keylen=None, group=None, mode=1, spi=0x11223344):
    attrs = [(1, 1), (2, 3600), (4, mode), (5, auth)]
    attrs += [(6, keylen)] if keylen else []
    attrs += [(3, group)] if group else []
    a = b"".join(struct.pack("!HH", 0x8000 | t, v) for t, v in attrs)
    transform = struct.pack("!BBHBBH", 0, 0, 8 + len(a), 1, tid, 0) + a
    proposal = struct.pack("!BBHBBBB", 0, 0, 12 + len(transform), 1, 3, 4, 1)
    return struct.pack("!II", 1, 1) + proposal + struct.pack("!I", spi) + transform


def subnet(net):
    return struct.pack("!BBH", 4, 0, 0) + bytes(net) + bytes([255, 255, 255, 0])


def qm1(sa, ke=None, ids=((10, 2, 0, 0), (10, 1, 0, 0))):
    p = [(SA, sa), (NONCE, bytes(range(16, 48)))]
    p += [(KE, ke)] if ke else []
    p += [(ID, subnet(ids[0])), (ID, subnet(ids[1]))] if ids else []
    return chain(p)


def notify(ntype, spi=b"", data=b"", proto=1):
    return struct.pack("!IBBH", 1, proto, len(spi), ntype) + spi + data


def cfg(ctype, attrs, ident=1):
    """An ATTRIBUTE payload chain: [(type, int or bytes)], an int as TV."""
    a = b""
    for t, v in attrs:
        a += struct.pack("!HH", 0x8000 | t, v) if isinstance(v, int) else struct.pack("!HH", t, len(v)) + v
    return chain([(ATTR, struct.pack("!BBH", ctype, 0, ident) + a)])


REQUEST, REPLY, SET, ACK = 1, 2, 3, 4
USER, PASSWORD, STATUS, XTYPE = 16521, 16522, 16527, 16520


def ra_seeds():
    """XAUTH and Mode Config with the fuzz-ra server (flag XAUTH on the
    first record): the reply to its request, the ACK of its status, a
    Mode Config request, then Quick Mode from the leased address."""
    reply = lambda pw: record(TXN | XAUTH, OURS, cfg(REPLY, [(XTYPE, 0), (USER, b"bob"), (PASSWORD, pw)]))
    ack = record(TXN, OURS, cfg(ACK, [(STATUS, 1)]))
    mc = record(TXN, 30, cfg(REQUEST, [(1, b""), (2, b""), (3, b""), (28672, b""), (28676, b""), (7, b"")]))
    host = lambda ip: struct.pack("!BBH", 1, 0, 0) + bytes(ip)
    any4 = struct.pack("!BBH", 4, 0, 0) + bytes(8)
    qm = chain([(SA, esp_sa(12, 2, 128)), (NONCE, bytes(range(16, 48))), (ID, host((10, 3, 0, 1))), (ID, any4)])
    yield "xauth_ok_modecfg_qm", reply(b"fuzz") + ack + mc + record(0, 40, qm) + record(HASH3, 40, bytes([0]))
    yield "xauth_wrong", reply(b"no") + record(TXN, OURS, cfg(REPLY, [(USER, b"bob"), (PASSWORD, b"no")])) + \
        record(TXN, OURS, cfg(REPLY, [(USER, b"eve"), (PASSWORD, b"")])) + ack
    yield "xauth_qm_first", record(XAUTH, 40, qm)
    yield "xauth_set_push", reply(b"fuzz") + ack + record(TXN, 31, cfg(SET, [(1, bytes((10, 3, 0, 9)))]))
    yield "xauth_copy", reply(b"fuzz") + reply(b"fuzz") + ack + mc + mc


def seeds():
    yield from ra_seeds()
    plain = qm1(esp_sa(12, 2, 128))
    pfs = qm1(esp_sa(12, 2, 128, group=19), P256_G, ((10, 2, 1, 0), (10, 1, 1, 0)))
    modp = qm1(esp_sa(3, 1, group=1), (2).to_bytes(96, "big"), ((10, 2, 2, 0), (10, 1, 2, 0)))
    host = qm1(esp_sa(12, 5, 128, mode=2), ids=None)
    qm3 = bytes([0])
    dpd = lambda spi: chain([(N, notify(36136, spi, struct.pack("!I", 7)))])
    yield "qm", record(0, 1, plain) + record(HASH3, 1, qm3)
    yield "qm_pfs_ecp", record(0, 2, pfs) + record(HASH3, 2, qm3)
    yield "qm_pfs_modp", record(0, 3, modp) + record(HASH3, 3, qm3)
    yield "qm_transport", record(0, 4, host) + record(HASH3, 4, qm3)
    yield "qm_replayed", record(0, 1, plain) + record(HASH3, 1, qm3) + record(0, 1, plain)
    yield "qm_twice", record(0, 1, plain) + record(0, 1, plain) + record(0, 5, plain)
    yield "qm_spoofed", record(SPOOFED, 1, plain) + record(SPOOFED | HASH3, 1, qm3)
    yield "qm_msgid0", record(0, 0, plain)
    yield "qm_badhash", record(NOHASH, 1, bytes([HASH]) + payload(SA, bytes(20))[:4] + bytes(20))
    yield "info_delete_isakmp", record(INFO, 9, chain([(D, struct.pack("!IBBH", 1, 1, 16, 1) + ICOOKIE + RCOOKIE)]))
    yield "info_delete_esp", record(0, 1, plain) + record(HASH3, 1, qm3) + \
        record(INFO, 9, chain([(D, struct.pack("!IBBH", 1, 3, 4, 2) + b"\x11\x22\x33\x44" + b"\0\0\0\1")]))
    yield "info_dpd", record(INFO, 10, dpd(ICOOKIE + RCOOKIE))
    for size in (0, 4, 8, 255):                                   # CVE-2009-0790's bad SPI sizes
        yield "info_dpd_spi%d" % size, record(INFO, 11, dpd(bytes(size)))
    # RFC 3706 sequence, SPI and data rules (src/ike/dpd.c)
    rut = lambda t, spi, seq: chain([(N, notify(t, spi, seq))])
    ck = ICOOKIE + RCOOKIE
    yield "info_dpd_ack", record(INFO, 14, rut(36137, ck, struct.pack("!I", 7)))
    yield "info_dpd_seq", b"".join(record(INFO, 15 + i, rut(36136, ck, struct.pack("!I", n)))
                                   for i, n in enumerate((7, 7, 6, 8, 0xFFFFFFFF, 0)))
    yield "info_dpd_nodata", record(INFO, 21, rut(36136, ck, b""))
    yield "info_dpd_shortdata", record(INFO, 22, rut(36137, ck, b"\1\2\3"))
    yield "info_dpd_other_sa", record(INFO, 23, rut(36136, RCOOKIE + ICOOKIE, struct.pack("!I", 9)))
    yield "info_dpd_clear", record(INFO | CLEAR, 0, rut(36136, ck, struct.pack("!I", 9)))
    yield "info_initial_contact", record(INFO, 12, chain([(N, notify(24578, ICOOKIE + RCOOKIE))]))
    yield "info_clear_refusal", record(INFO | CLEAR, 0, chain([(N, notify(14))]))
    yield "info_pending_refusal", record(0, 1, plain) + record(INFO, 13, chain([(N, notify(14))]))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
