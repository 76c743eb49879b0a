#!/usr/bin/env python3
"""Known answers for oakley's crypto unit tests, computed independently of
OpenSSL: Python's hashlib, hmac and pow() only, from fixed inputs.

    tests/unit/gen_kat.py           rewrite the generated blocks in place
    tests/unit/gen_kat.py --check   exit 1 if a test file's block is stale

Each test file carries one block between the BEGIN/END markers below; the
hand-written test code around it reads the constants.  What is computed:

  test_prf.c     HMAC and plain hash per digest, over split input
  test_keying.c  RFC 2409 section 5 / appendix B: SKEYID (PSK, signature),
                 SKEYID_d/a/e, the phase-1 cipher key (with expansion),
                 phase-1 and phase-2 IVs, HASH_I/HASH_R, Quick Mode
                 HASH(1..3), KEYMAT with and without PFS
  test_dh.c      MODP groups 1, 2, 5, 14..18: the primes rebuilt from the
                 RFC 2409 / RFC 3526 formula 2^n - 2^(n-64) - 1 +
                 2^64 * (floor(2^(n-130) pi) + k) with pi computed here,
                 checked to be safe primes; fixed private exponents and
                 SHA-256 of g^x and g^xy (chosen so that a public value and
                 the secret start with a zero byte: the padding shows).
                 RFC 5903 section 8 ECP vectors and RFC 7748 6.1 X25519,
                 copied from the RFCs and re-verified here with plain
                 curve arithmetic before they are written out.
"""
import hashlib
import hmac
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BEGIN = "/* BEGIN gen_kat.py output: do not edit by hand, run tests/unit/gen_kat.py */"
END = "/* END gen_kat.py output */"

MDS = ["MD5", "SHA1", "SHA256", "SHA384", "SHA512"]


def det(label, n):
    """n fixed pseudo-random bytes named by label."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"oakley-kat|%s|%d" % (label.encode(), i)).digest()
        i += 1
    return out[:n]


def prf(md, key, *parts):
    return hmac.new(key, b"".join(parts), md.lower()).digest()


def H(md, *parts):
    return hashlib.new(md.lower(), b"".join(parts)).digest()


def u32(v):
    return v.to_bytes(4, "big")


# ---- C output helpers -----------------------------------------------------

def cstr(b, indent="\t\t"):
    """A byte string as a C hex string literal, 64 hex digits a line."""
    h = b.hex()
    if len(h) <= 64:
        return '"%s"' % h
    lines = ['"%s"' % h[i:i + 64] for i in range(0, len(h), 64)]
    return ("\n" + indent).join(lines)


def const(name, b):
    return "static const char %s[] =\n\t%s;\n" % (name, cstr(b, "\t"))


def block(body):
    return "%s\n// clang-format off\n%s// clang-format on\n%s" % (BEGIN, body, END)


# ---- prf / hash ----------------------------------------------------------

def gen_prf():
    key = det("prf key", 20)
    long_key = det("prf long key", 200)  # longer than every HMAC block: hashed first
    in1, in2, in3 = det("prf in1", 13), b"", det("prf in3", 300)
    s = const("PRF_KEY", key) + const("PRF_LONG_KEY", long_key)
    s += const("PRF_IN1", in1) + const("PRF_IN2", in2) + const("PRF_IN3", in3)
    s += "static const struct prf_kat prf_kats[] = {\n"
    for md in MDS:
        s += '\t{"%s", %d,\n' % (md, len(H(md)))
        s += "\t\t%s,\n" % cstr(prf(md, key, in1, in2, in3))
        s += "\t\t%s,\n" % cstr(prf(md, long_key, in1, in2, in3))
        s += "\t\t%s,\n" % cstr(prf(md, b"", in1, in2, in3))
        s += "\t\t%s},\n" % cstr(H(md, in1, in2, in3))
    s += "};\n"
    return s


# ---- RFC 2409 keying -----------------------------------------------------

def enc_key(md, skeyid_e, n):
    """Appendix B."""
    if n <= len(skeyid_e):
        return skeyid_e[:n]
    ka, k = b"", b"\0"
    while len(ka) < n:
        k = prf(md, skeyid_e, k)
        ka += k
    return ka[:n]


def keymat(md, skeyid_d, gxy, proto, spi, ni, nr, n):
    """RFC 2409 5.5."""
    out, k = b"", b""
    while len(out) < n:
        k = prf(md, skeyid_d, k, gxy, bytes([proto]), u32(spi), ni, nr)
        out += k
    return out[:n]


KEYING_IN = {
    "K_PSK": b"oakley known-answer pre-shared key",
    "K_NI": det("Ni_b", 16),
    "K_NR": det("Nr_b", 24),
    "K_GXY": det("g^xy", 128),
    "K_CKY_I": det("CKY-I", 8),
    "K_CKY_R": det("CKY-R", 8),
    "K_GXI": det("g^xi", 128),
    "K_GXR": det("g^xr", 128),
    "K_SAI_B": det("SAi_b", 52),
    "K_IDII_B": bytes.fromhex("01000000c0000201"),  # ID_IPV4_ADDR 192.0.2.1
    "K_IDIR_B": bytes.fromhex("01000000c6336402"),  # ID_IPV4_ADDR 198.51.100.2
    "K_P1_LAST": det("last phase-1 block", 16),
    "K_REST1": det("QM message 1 after HASH(1)", 60),
    "K_REST2": det("QM message 2 after HASH(2)", 72),
    "K_GXY_QM": det("g(qm)^xy", 256),
}
K_MSGID = 0x9A3B5C7D
K_PROTO = 3  # PROTO_IPSEC_ESP
K_SPI = 0xC0FFEE01
KEYMAT_LEN = 64


def gen_keying():
    k = KEYING_IN
    s = "".join(const(name, v) for name, v in k.items())
    s += "#define K_MSGID 0x%08xu\n#define K_PROTO %d\n#define K_SPI 0x%08xu\n" % (
        K_MSGID, K_PROTO, K_SPI)
    s += "#define KEYMAT_LEN %d\n" % KEYMAT_LEN
    s += "static const struct keying_kat keying_kats[] = {\n"
    for md in MDS:
        skeyid = prf(md, k["K_PSK"], k["K_NI"], k["K_NR"])
        skeyid_sig = prf(md, k["K_NI"] + k["K_NR"], k["K_GXY"])
        ck = k["K_CKY_I"] + k["K_CKY_R"]
        d = prf(md, skeyid, k["K_GXY"], ck, b"\0")
        a = prf(md, skeyid, d, k["K_GXY"], ck, b"\1")
        e = prf(md, skeyid, a, k["K_GXY"], ck, b"\2")
        iv1 = H(md, k["K_GXI"], k["K_GXR"])
        iv2_16 = H(md, k["K_P1_LAST"], u32(K_MSGID))
        iv2_8 = H(md, k["K_P1_LAST"][:8], u32(K_MSGID))
        hash_i = prf(md, skeyid, k["K_GXI"], k["K_GXR"], k["K_CKY_I"], k["K_CKY_R"],
                     k["K_SAI_B"], k["K_IDII_B"])
        hash_r = prf(md, skeyid, k["K_GXR"], k["K_GXI"], k["K_CKY_R"], k["K_CKY_I"],
                     k["K_SAI_B"], k["K_IDIR_B"])
        qm1 = prf(md, a, u32(K_MSGID), k["K_REST1"])
        qm2 = prf(md, a, u32(K_MSGID), k["K_NI"], k["K_REST2"])
        qm3 = prf(md, a, b"\0", u32(K_MSGID), k["K_NI"], k["K_NR"])
        km = keymat(md, d, b"", K_PROTO, K_SPI, k["K_NI"], k["K_NR"], KEYMAT_LEN)
        km_pfs = keymat(md, d, k["K_GXY_QM"], K_PROTO, K_SPI, k["K_NI"], k["K_NR"], KEYMAT_LEN)
        fields = [skeyid, skeyid_sig, d, a, e,
                  enc_key(md, e, 16), enc_key(md, e, 24), enc_key(md, e, 32),
                  iv1[:16], iv1[:8], iv2_16[:16], iv2_8[:8],
                  hash_i, hash_r, qm1, qm2, qm3, km, km_pfs]
        s += '\t{"%s", %d,\n' % (md, len(skeyid))
        s += ",\n".join("\t\t" + cstr(f) for f in fields) + "},\n"
    s += "};\n"
    return s


# ---- MODP groups ---------------------------------------------------------

def pi_floor(bits):
    """floor(pi * 2^bits), Machin's formula in fixed point with guard bits."""
    g = bits + 64
    one = 1 << g

    def atan_inv(x):
        s = t = one // x
        x2, n, sign = x * x, 1, -1
        while t:
            t //= x2
            n += 2
            s += sign * (t // n)
            sign = -sign
        return s

    v = 16 * atan_inv(5) - 4 * atan_inv(239)
    # The truncation error is a few units in the last of the guard bits:
    # refuse to answer if it could reach the integer part.
    frac = v & ((1 << 64) - 1)
    assert 1 << 16 < frac < (1 << 64) - (1 << 16)
    return v >> 64


def miller_rabin(n, rounds=2):
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    rng = random.Random(n)
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


# group: (bits, k) of RFC 2409 6.1, 6.2 and RFC 3526
MODP = {1: (768, 149686), 2: (1024, 129093), 5: (1536, 741804), 14: (2048, 124476),
        15: (3072, 1690314), 16: (4096, 240904), 17: (6144, 929484), 18: (8192, 4743158)}


def modp_prime(group):
    n, k = MODP[group]
    p = 2**n - 2**(n - 64) - 1 + 2**64 * (pi_floor(n - 130) + k)
    q = (p - 1) // 2
    # A wrong k or pi would not give a safe prime with 2 in the q-subgroup.
    assert miller_rabin(p) and miller_rabin(q) and pow(2, q, p) == 1, group
    return p


def first_with_zero_byte(g, x, p, nbytes):
    """The first exponent e >= x with g^e mod p below 2^(8*(nbytes-1)), so
    that the value starts with a zero byte; stepping multiplies by g."""
    v = pow(g, x, p)
    while v >= 1 << (8 * (nbytes - 1)):
        v, x = v * g % p, x + 1
    return x


def gen_modp():
    s = "static const struct modp_kat modp_kats[] = {\n"
    primes = {}
    for group in MODP:
        p = modp_prime(group)
        primes[group] = p
        nb = MODP[group][0] // 8
        # 255-bit exponents; searched upwards so that g^xi and g^xixr start
        # with a zero byte.
        xi = first_with_zero_byte(2, int.from_bytes(det("xi %d" % group, 32), "big") >> 1, p, nb)
        yi = pow(2, xi, p)
        xr = first_with_zero_byte(yi, int.from_bytes(det("xr %d" % group, 32), "big") >> 1, p, nb)
        yr = pow(2, xr, p)
        z = pow(yr, xi, p)
        assert z == pow(yi, xr, p) and yi >> (8 * nb - 8) == 0 == z >> (8 * nb - 8)
        sha = lambda v: hashlib.sha256(v.to_bytes(nb, "big")).digest()
        s += "\t{%d, %d,\n\t\t%s,\n\t\t%s,\n" % (group, nb, cstr(xi.to_bytes(32, "big")),
                                                   cstr(xr.to_bytes(32, "big")))
        s += "\t\t%s,\n\t\t%s,\n\t\t%s},\n" % (cstr(sha(yi)), cstr(sha(yr)), cstr(sha(z)))
    s += "};\n"
    # The primes of groups 1, 2 and 14, for the tests of rejected values.
    s += const("MODP768_P", primes[1].to_bytes(96, "big"))
    s += const("MODP1024_P", primes[2].to_bytes(128, "big"))
    s += const("MODP2048_P", primes[14].to_bytes(256, "big"))
    return s


# ---- ECP groups (RFC 5903) -----------------------------------------------

# Curve constants (FIPS 186 / SEC 2); a = -3.  Confirmed by the vectors below:
# a wrong constant cannot reproduce the RFC's public values.
CURVES = {
    19: (2**256 - 2**224 + 2**192 + 2**96 - 1,
         0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b,
         0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296,
         0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5, 32),
    20: (2**384 - 2**128 - 2**96 + 2**32 - 1,
         0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef,
         0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7,
         0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f, 48),
    21: (2**521 - 1,
         0x51953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00,
         0xc6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66,
         0x11839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650, 66),
}

# RFC 5903 section 8.1, 8.2, 8.3: i, gix, giy, r, grx, gry, girx.
RFC5903 = {
    19: ("C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
         "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180",
         "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
         "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
         "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63",
         "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
         "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE"),
    20: ("099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655"
         "E35B5380 41E649EE 3FAEF896 783AB194",
         "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6"
         "DE3AC808 ACB4BDB4 C88732AE E95F41AA",
         "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E"
         "EB9FCFF3 C2C947DA E69B4C63 4573A81C",
         "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942"
         "E0308312 916B8ED2 960E4BD5 5A7448FC",
         "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D"
         "0D1AC43A 0336DEF9 6FDA41D0 774A3571",
         "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF"
         "F83FA401 42209DFF 5EAAD96D B9E6386C",
         "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4"
         "D6031355 69B9E9D0 9CF5D4A2 70F59746"),
    21: ("0037ADE9 319A89F4 DABDB3EF 411AACCC A5123C61 ACAB57B5 393DCE47 608172A0"
         "95AA85A3 0FE1C295 2C6771D9 37BA9777 F5957B26 39BAB072 462F68C2 7A57382D"
         "4A52",
         "0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B D98BAB43 57C9ECBE"
         "E1E3BF42 E00B8E38 0AEAE57C 2D107564 94188594 2AF5A7F4 601723C4 195D176C"
         "ED3E",
         "017CAE20 B6641D2E EB695786 D8C94614 6239D099 E18E1D5A 514C739D 7CB4A10A"
         "D8A78801 5AC405D7 799DC75E 7B7D5B6C F2261A6A 7F150743 8BF01BEB 6CA3926F"
         "9582",
         "0145BA99 A847AF43 793FDD0E 872E7CDF A16BE30F DC780F97 BCCC3F07 8380201E"
         "9C677D60 0B343757 A3BDBF2A 3163E4C2 F869CCA7 458AA4A4 EFFC311F 5CB15168"
         "5EB9",
         "00D0B397 5AC4B799 F5BEA16D 5E13E9AF 971D5E9B 984C9F39 728B5E57 39735A21"
         "9B97C356 436ADC6E 95BB0352 F6BE64A6 C2912D4E F2D0433C ED2B6171 640012D9"
         "460F",
         "015C6822 6383956E 3BD066E7 97B623C2 7CE0EAC2 F551A10C 2C724D98 52077B87"
         "220B6536 C5C408A1 D2AEBB8E 86D678AE 49CB5709 1F473229 6579AB44 FCD17F0F"
         "C56A",
         "01144C7D 79AE6956 BC8EDB8E 7C787C45 21CB086F A64407F9 7894E5E6 B2D79B04"
         "D1427E73 CA4BAA24 0A347868 59810C06 B3C715A3 A8CC3151 F2BEE417 996D19F3"
         "DDEA"),
}


def ec_add(c, P, Q):
    p = c[0]
    if P is None:
        return Q
    if Q is None:
        return P
    if P[0] == Q[0] and (P[1] + Q[1]) % p == 0:
        return None
    if P == Q:
        lam = (3 * P[0] * P[0] - 3) * pow(2 * P[1], -1, p) % p
    else:
        lam = (Q[1] - P[1]) * pow(Q[0] - P[0], -1, p) % p
    x = (lam * lam - P[0] - Q[0]) % p
    return (x, (lam * (P[0] - x) - P[1]) % p)


def ec_mul(c, k, P):
    R = None
    for bit in bin(k)[2:]:
        R = ec_add(c, R, R)
        if bit == "1":
            R = ec_add(c, R, P)
    return R


def on_curve(c, x, y):
    p, b = c[0], c[1]
    return x < p and y < p and (y * y - (x * x * x - 3 * x + b)) % p == 0


def gen_ecp():
    s = "static const struct ecp_kat ecp_kats[] = {\n"
    for group, vec in RFC5903.items():
        c = CURVES[group]
        n = c[4]
        i, gix, giy, r, grx, gry, girx = (int(v.replace(" ", ""), 16) for v in vec)
        G = (c[2], c[3])
        assert on_curve(c, *G)
        assert ec_mul(c, i, G) == (gix, giy) and ec_mul(c, r, G) == (grx, gry)
        assert ec_mul(c, i, (grx, gry))[0] == girx == ec_mul(c, r, (gix, giy))[0]
        off = (grx, gry ^ 1)
        assert not on_curve(c, *off)
        b = lambda v: v.to_bytes(n, "big")
        s += "\t{%d, %d, /* RFC 5903 section %s */\n" % (group, n, {19: "8.1", 20: "8.2",
                                                                  21: "8.3"}[group])
        s += ",\n".join("\t\t" + cstr(f) for f in (
            b(i), b(gix) + b(giy), b(r), b(grx) + b(gry), b(girx), b(off[0]) + b(off[1])))
        s += "},\n"
    s += "};\n"
    return s


# ---- X25519 (RFC 7748) ---------------------------------------------------

P25519 = 2**255 - 19


def x25519(k, u):
    """RFC 7748 section 5, with its scalar clamping and u masking."""
    k = bytearray(k)
    k[0] &= 248
    k[31] = (k[31] & 127) | 64
    k = int.from_bytes(k, "little")
    u = int.from_bytes(u, "little") & ((1 << 255) - 1)
    p, a24 = P25519, 121665
    x1, x2, z2, x3, z3, swap = u, 1, 0, u, 1, 0
    for t in reversed(range(255)):
        kt = (k >> t) & 1
        swap ^= kt
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = kt
        A, B = (x2 + z2) % p, (x2 - z2) % p
        AA, BB = A * A % p, B * B % p
        E = (AA - BB) % p
        C, D = (x3 + z3) % p, (x3 - z3) % p
        DA, CB = D * A % p, C * B % p
        x3, z3 = (DA + CB) ** 2 % p, x1 * (DA - CB) ** 2 % p
        x2, z2 = AA * BB % p, E * (AA + a24 * E) % p
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, p - 2, p) % p).to_bytes(32, "little")


# RFC 7748 section 6.1: Alice's private a and public, Bob's, and K.
RFC7748 = ("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
           "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
           "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
           "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
           "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")


def gen_x25519():
    a, apub, b, bpub, k = (bytes.fromhex(v) for v in RFC7748)
    nine = (9).to_bytes(32, "little")
    assert x25519(a, nine) == apub and x25519(b, nine) == bpub
    assert x25519(a, bpub) == k == x25519(b, apub)
    s = "".join(const(n, v) for n, v in (("X25519_A", a), ("X25519_A_PUB", apub),
                                         ("X25519_B", b), ("X25519_B_PUB", bpub),
                                         ("X25519_K", k)))
    # Peer values of small order give the all-zero secret (RFC 7748 6.1).
    zero_u = [(0).to_bytes(32, "little"), (1).to_bytes(32, "little"),
              bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")]
    for u in zero_u:
        assert x25519(a, u) == bytes(32)
    s += "static const char *const X25519_SMALL_ORDER[] = {\n"
    s += "".join("\t%s,\n" % cstr(u) for u in zero_u) + "};\n"
    return s


# ---- writing -------------------------------------------------------------

def splice(path, body, check):
    text = open(path).read()
    i, j = text.index(BEGIN), text.index(END) + len(END)
    new = text[:i] + block(body) + text[j:]
    if check:
        if new != text:
            print("%s: generated block is stale" % path)
            return False
        return True
    if new != text:
        open(path, "w").write(new)
        print("%s: rewritten" % path)
    return True


def main():
    check = "--check" in sys.argv[1:]
    ok = True
    ok &= splice(os.path.join(HERE, "test_prf.c"), gen_prf(), check)
    ok &= splice(os.path.join(HERE, "test_keying.c"), gen_keying(), check)
    ok &= splice(os.path.join(HERE, "test_dh.c"), gen_modp() + gen_ecp() + gen_x25519(), check)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
