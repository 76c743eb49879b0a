#!/usr/bin/env python3
"""An IKEv1 peer that sends the packets of published IKEv1 daemon CVEs to
oakleyd (see t_cve.sh).  It first establishes a real ISAKMP SA with it
(Main Mode, PSK, aes128-sha1-modp1024: Python's pow and hmac, AES-CBC by
`openssl enc`), then sends each attack and records what came back.  It
checks the replies itself (exit 1 with the reason when one is wrong) and
prints the cookies of the established SA for the shell to check status.

    cve_peer.py LOCAL_IP PEER_IP PSK
"""
import hashlib
import hmac
import os
import socket
import struct
import subprocess
import sys

SA, KE, ID, HASH, NONCE, N, D = 1, 4, 5, 8, 10, 11, 12
MAIN, AGGR, INFO, QUICK = 2, 4, 5, 32
R_U_THERE, R_U_THERE_ACK = 36136, 36137
INVALID_KEY_INFORMATION = 17
# RFC 2409 6.2, the second Oakley group (MODP-1024, generator 2).
P1024 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF", 16)


def fail(why):
    print("cve_peer: FAIL:", why)
    sys.exit(1)


# ---- the codec -------------------------------------------------------------

def header(ic, rc, np, xchg, flags, msgid, body):
    return ic + rc + struct.pack("!BBBBII", np, 0x10, xchg, flags, msgid, 28 + len(body)) + body


def chain(payloads):
    """[(type, body)] -> (first type, the payloads linked)."""
    out = b""
    for i, (_, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return (payloads[0][0] if payloads else 0), out


def attrs(pairs):
    out = b""
    for t, v in pairs:
        if v < 0x10000:
            out += struct.pack("!HH", 0x8000 | t, v)
        else:
            out += struct.pack("!HHI", t, 4, v)
    return out


def ike_sa_body(group, situation=1, transforms=None, spi=b"", proto=1):
    a = attrs([(1, 7), (14, 128), (2, 2), (3, 1), (4, group), (11, 1), (12, 3600)])
    transforms = [struct.pack("!BBHBBH", 0, 0, 8 + len(a), 1, 1, 0) + a] if transforms is None else transforms
    t = b"".join(transforms)
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(spi) + len(t), 1, proto, len(spi), len(transforms)) + spi + t
    return struct.pack("!II", 1, situation) + prop


def notify(ntype, spi=b"", data=b"", proto=1):
    return struct.pack("!IBBH", 1, proto, len(spi), ntype) + spi + data


def parse(msg):
    """-> (header fields, [(type, body)]) of a clear message, or None."""
    if len(msg) < 28:
        return None
    ic, rc = msg[:8], msg[8:16]
    np, ver, xchg, flags, msgid, length = struct.unpack("!BBBBII", msg[16:28])
    out, off = [], 28
    while np and off + 4 <= len(msg):
        nxt, _, plen = struct.unpack("!BBH", msg[off:off + 4])
        if plen < 4 or off + plen > len(msg):
            break
        out.append((np, msg[off + 4:off + plen]))
        np, off = nxt, off + plen
    return (ic, rc, xchg, flags, msgid), out


def notifies(payloads):
    return [struct.unpack("!H", b[6:8])[0] for t, b in payloads if t == N and len(b) >= 8]


# ---- crypto ------------------------------------------------------------------

def prf(key, *parts):
    return hmac.new(key, b"".join(parts), hashlib.sha1).digest()


def aes_cbc(key, iv, data, encrypt):
    r = subprocess.run(["openssl", "enc", "-aes-128-cbc", "-nopad", "-e" if encrypt else "-d",
                        "-K", key.hex(), "-iv", iv.hex()], input=data, capture_output=True, check=True)
    return r.stdout


class Peer:
    def __init__(self, local, remote, psk):
        self.remote, self.psk = (remote, 500), psk
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((local, 500))

    def send(self, msg):
        self.s.sendto(msg, self.remote)

    def recv(self, ic, timeout=2.0):
        """The next datagram for initiator cookie ic, or None (silence)."""
        self.s.settimeout(timeout)
        while True:
            try:
                m = self.s.recv(65535)
            except socket.timeout:
                return None
            if m[:8] == ic:
                return m

    def exchange(self, msg, timeout=2.0):
        self.send(msg)
        return self.recv(msg[:8], timeout)


def new_cookie():
    return os.urandom(8)


def mm_first_two(peer, group):
    """MM1 and MM2 with a fresh cookie: (icookie, rcookie, SAi_b)."""
    ic, sai_b = new_cookie(), ike_sa_body(group)
    np, body = chain([(SA, sai_b)])
    reply = peer.exchange(header(ic, bytes(8), np, MAIN, 0, 0, body))
    p = parse(reply) if reply else None
    if not p or p[0][2] != MAIN or not any(t == SA for t, _ in p[1]):
        fail("no MM2 for a well-formed MM1 (group %d): %r" % (group, reply))
    return ic, p[0][1], sai_b


class IsakmpSA:
    """Main Mode as the initiator, then protected Informationals."""

    def __init__(self, peer, local_ip):
        self.peer = peer
        self.ic, self.rc, sai_b = mm_first_two(peer, 2)
        x = int.from_bytes(os.urandom(32), "big")
        gxi = pow(2, x, P1024).to_bytes(128, "big")
        ni = os.urandom(32)
        np, body = chain([(KE, gxi), (NONCE, ni)])
        p = parse(peer.exchange(header(self.ic, self.rc, np, MAIN, 0, 0, body)) or b"")
        pl = dict(p[1]) if p else {}
        if KE not in pl or NONCE not in pl:
            fail("no MM4 for a well-formed MM3")
        gxr, nr = pl[KE], pl[NONCE]
        gxy = pow(int.from_bytes(gxr, "big"), x, P1024).to_bytes(128, "big")
        cky = self.ic + self.rc
        self.skeyid = prf(peer.psk, ni, nr)
        d = prf(self.skeyid, gxy, cky, b"\0")
        self.skeyid_a = prf(self.skeyid, d, gxy, cky, b"\1")
        e = prf(self.skeyid, self.skeyid_a, gxy, cky, b"\2")
        self.key = e[:16]
        iv = hashlib.sha1(gxi + gxr).digest()[:16]
        idii_b = struct.pack("!BBH", 1, 17, 500) + socket.inet_aton(local_ip)
        hash_i = prf(self.skeyid, gxi, gxr, cky, sai_b, idii_b)
        mm5 = self.encrypt(MAIN, 0, [(ID, idii_b), (HASH, hash_i)], iv)
        mm6 = peer.exchange(mm5)
        if not mm6 or not mm6[19] & 1:
            fail("no encrypted MM6 for our MM5")
        plain = aes_cbc(self.key, mm5[-16:], mm6[28:], False)
        p = parse(mm6[:28] + plain)
        pl = dict(p[1])
        want = prf(self.skeyid, gxr, gxi, self.rc + self.ic, sai_b, pl.get(ID, b""))
        if pl.get(HASH) != want:
            fail("MM6's HASH_R does not verify")
        self.p1_last_block = mm6[-16:]

    def encrypt(self, xchg, msgid, payloads, iv):
        np, body = chain(payloads)
        body += bytes(-len(body) % 16)
        return header(self.ic, self.rc, np, xchg, 1, msgid, aes_cbc(self.key, iv, body, True))

    def decrypt_informational(self, msg):
        """A protected Informational from the peer, as parse() gives it."""
        if len(msg) < 44 or not msg[19] & 1 or msg[18] != INFO:
            fail("not a protected Informational: %s" % msg.hex())
        iv = hashlib.sha1(self.p1_last_block + msg[20:24]).digest()[:16]
        return parse(msg[:28] + aes_cbc(self.key, iv, msg[28:], False))

    def informational(self, payloads):
        """A protected Informational: HASH(1) first, the IV from its message ID."""
        msgid = int.from_bytes(os.urandom(4), "big") | 1
        _, rest = chain(payloads)
        h = prf(self.skeyid_a, struct.pack("!I", msgid), rest)
        iv = hashlib.sha1(self.p1_last_block + struct.pack("!I", msgid)).digest()[:16]
        return self.encrypt(INFO, msgid, [(HASH, h)] + payloads, iv)


# ---- the attacks -------------------------------------------------------------

def expect_silence(peer, msgs, what):
    """Sends msgs, then listens for 2 s: nothing may come back for them."""
    for m in msgs:
        peer.send(m)
    cookies = {m[:8] for m in msgs}
    peer.s.settimeout(2.0)
    while True:
        try:
            reply = peer.s.recv(65535)
        except socket.timeout:
            return len(msgs)
        if reply[:8] in cookies:
            fail("%s: expected no answer, got %s" % (what, reply.hex()))


def expect_refusal(peer, msg, what, allowed):
    """No answer, or a clear Informational whose notifies are in allowed;
    never the next message of an exchange."""
    reply = peer.exchange(msg, 1.0)
    if reply is None:
        return "silence"
    p = parse(reply)
    if not p or p[0][2] != INFO or p[0][3] & 1:
        fail("%s: answered with %s" % (what, reply.hex()))
    got = notifies(p[1])
    if not got or not set(got) <= set(allowed):
        fail("%s: answered with notifies %s, expected one of %s" % (what, got, allowed))
    return "notify %s" % got


def cve_2009_0790(peer, sa):
    """Openswan/strongSwan pluto dereferenced a NULL state for an R_U_THERE
    (or _ACK) whose SPI size is not 16, or that came without an ISAKMP SA.
    oakleyd answers a well-formed protected R-U-THERE (RFC 3706: its SPI the
    SA's cookies, a new sequence number) with exactly one ACK, even with its
    own DPD off; every other one (an unasked ACK, another SPI, a replayed
    number, a malformed notify, a clear one, one for no SA) gets nothing."""
    cookies = sa.ic + sa.rc
    seq = struct.pack("!I", 1)
    reply = peer.exchange(sa.informational([(N, notify(R_U_THERE, cookies, seq))]))
    if reply is None:
        fail("DPD: no R-U-THERE-ACK for a well-formed R-U-THERE")
    p = sa.decrypt_informational(reply)
    acks = [b for t, b in p[1] if t == N and notifies([(t, b)]) == [R_U_THERE_ACK]]
    if len(acks) != 1 or acks[0][8:] != cookies + seq:
        fail("DPD: the answer is not one R-U-THERE-ACK for our cookies and number 1: %s"
             % reply.hex())
    msgs = [sa.informational([(N, notify(ntype, spi, seq))])
            for spi in (cookies, b"", bytes(4), cookies[:8], cookies + b"x")
            for ntype in (R_U_THERE, R_U_THERE_ACK)]
    # SPI size 255 with 4 bytes after it: the notify overruns its payload.
    bad = struct.pack("!IBBH", 1, 1, 255, R_U_THERE) + seq
    msgs.append(sa.informational([(N, bad)]))
    np, body = chain([(N, notify(R_U_THERE, b"", seq))])
    for ic, rc in ((sa.ic, sa.rc), (new_cookie(), new_cookie())):
        msgs.append(header(ic, rc, np, INFO, 0, 0, body))
    return expect_silence(peer, msgs, "DPD notify")


def cve_2015_3204(peer):
    """Libreswan 3.8-3.12 crashed on two MM1s (its test ikev1-01-fuzzer):
    an SA payload with situation 0xffffffff, and a first payload of type 15
    (no IKEv1 payload) carrying an SA body.  Their proposal offers
    aes256-sha1-modp1536 with RSA signatures and a 4-byte life duration.
    Then more malformed proposals of the same class."""
    cve_attrs = attrs([(11, 1), (12, 86400), (1, 7), (14, 256), (3, 3), (2, 2), (4, 5)])
    cve_t = struct.pack("!BBHBBH", 0, 0, 8 + len(cve_attrs), 1, 1, 0) + cve_attrs
    short_t = struct.pack("!BBHBBH", 0, 0, 40, 1, 1, 0) + attrs([(1, 7)])     # claims 40 bytes
    tlv_over = struct.pack("!BBHBBH", 0, 0, 16, 1, 1, 0) + struct.pack("!HH", 1, 200) + b"\0" * 4
    refusals = (1, 2, 3, 10, 11, 12, 13, 14, 15, 16)  # INVALID_PAYLOAD_TYPE .. PAYLOAD_MALFORMED
    cases = [
        ("situation 0xffffffff", [(SA, ike_sa_body(5, 0xffffffff, [cve_t]))]),
        ("first payload type 15", [(15, ike_sa_body(5, 1, [cve_t]))]),
        ("no transforms", [(SA, ike_sa_body(2, 1, []))]),
        ("transform longer than its proposal", [(SA, ike_sa_body(2, 1, [short_t]))]),
        ("attribute longer than its transform", [(SA, ike_sa_body(2, 1, [tlv_over]))]),
        ("ISAKMP proposal with a 200-byte SPI", [(SA, ike_sa_body(2, 1, None, bytes(200)))]),
        ("proposal for protocol 77", [(SA, ike_sa_body(2, 1, None, b"", 77))]),
    ]
    seen = []
    for what, payloads in cases:
        np, body = chain(payloads)
        seen.append(what + ": " + expect_refusal(peer, header(new_cookie(), bytes(8), np, MAIN, 0, 0, body),
                                                 what, refusals))
    return seen


def cve_2022_23094(peer, sa):
    """Libreswan 4.2-4.5 dereferenced a NULL state for IKEv1 packets that
    name no ISAKMP SA it has (pluto/ikev1.c assumed one).  Here: every
    exchange with cookies oakleyd does not know, and with the live SA's
    initiator cookie but another responder cookie; encrypted and not."""
    msgs = []
    for ic, rc in ((new_cookie(), new_cookie()), (sa.ic, new_cookie()), (new_cookie(), sa.rc)):
        for xchg, msgid in ((MAIN, 0), (AGGR, 0), (INFO, 7), (QUICK, 7), (6, 7), (33, 7)):
            for flags, body in ((1, bytes(32)), (0, chain([(N, notify(14))])[1])):
                msgs.append(header(ic, rc, HASH if flags else N, xchg, flags, msgid, body))
    return expect_silence(peer, msgs, "a message for no SA")


def bad_ke(peer):
    """A peer's DH public value that is not in the group: 0, 1 and p-1
    for MODP-1024 (RFC 6989 2.1), points off the ECP-256 curve and its
    encoding of the point at infinity (RFC 5903 has none), in MM3 and in
    AM1.  Expect INVALID_KEY_INFORMATION or silence (a logged drop), and
    never MM4 or AM2."""
    cases = [(2, "0", bytes(128)), (2, "1", (1).to_bytes(128, "big")),
             (2, "p-1", (P1024 - 1).to_bytes(128, "big")), (2, "p", P1024.to_bytes(128, "big")),
             (19, "(1, 1)", (1).to_bytes(32, "big") * 2), (19, "(0, 0)", bytes(64)),
             (19, "x = p", bytes.fromhex("FFFFFFFF00000001" + "00" * 12 + "FF" * 12) + bytes(32))]
    seen = []
    for group, what, ke in cases:
        ic, rc, _ = mm_first_two(peer, group)
        np, body = chain([(KE, ke), (NONCE, os.urandom(32))])
        seen.append("MM3 group %d KE %s: %s" % (group, what, expect_refusal(
            peer, header(ic, rc, np, MAIN, 0, 0, body), "KE %s" % what, (INVALID_KEY_INFORMATION,))))
    # The same in AM1, for the connections that allow Aggressive Mode (one
    # DH group each): their IDs @cve-am-2 and @cve-am-19.
    for group, what, ke in (cases[0], cases[2], cases[4]):
        am_id = struct.pack("!BBH", 2, 0, 0) + b"cve-am-%d" % group
        np, body = chain([(SA, ike_sa_body(group)), (KE, ke), (NONCE, os.urandom(32)), (ID, am_id)])
        seen.append("AM1 group %d KE %s: %s" % (group, what, expect_refusal(
            peer, header(new_cookie(), bytes(8), np, AGGR, 0, 0, body), "AM1 KE %s" % what,
            (INVALID_KEY_INFORMATION,))))
    return seen


def main():
    local, remote, psk = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    peer = Peer(local, remote, psk)
    sa = IsakmpSA(peer, local)
    print("established", sa.ic.hex(), sa.rc.hex())
    print("CVE-2009-0790: one R-U-THERE answered with its ACK; %d DPD notifies (a replay, 9 other well-formed protected, 1 malformed, 2 clear), no answer"
          % cve_2009_0790(peer, sa))
    for line in cve_2015_3204(peer):
        print("CVE-2015-3204:", line)
    print("CVE-2022-23094: %d messages for no SA, no answer" % cve_2022_23094(peer, sa))
    for line in bad_ke(peer):
        print("DH:", line)
    # The SA still works: a protected notify it logs.
    expect_silence(peer, [sa.informational([(N, notify(24578, sa.ic + sa.rc))])], "INITIAL-CONTACT")
    print("cookies", sa.ic.hex(), sa.rc.hex())


if __name__ == "__main__":
    main()
