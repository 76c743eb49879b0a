/* crypto/dh: every group agrees with itself; MODP known answers from
 * gen_kat.py (Python pow() on primes rebuilt from the RFC formula); ECP
 * from RFC 5903 section 8; X25519 from RFC 7748 6.1; and the refusals of
 * bad peer values. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "crypto/dh.h"

struct modp_kat {
	uint16_t group;
	size_t len;
	const char *xi, *xr; /* private exponents */
	/* SHA-256 of g^xi, g^xr and g^xixr, each padded to len bytes; g^xi
	 * and g^xixr start with a zero byte. */
	const char *yi_sha256, *yr_sha256, *z_sha256;
};

struct ecp_kat {
	uint16_t group;
	size_t coord;
	const char *i, *gi, *r, *gr, *girx;
	const char *off_curve; /* gr with the last bit of y flipped */
};

/* BEGIN gen_kat.py output: do not edit by hand, run tests/unit/gen_kat.py */
// clang-format off
static const struct modp_kat modp_kats[] = {
	{1, 96,
		"74ed706e4a72756a5f605afb3e32b122be3f64cef813ea512491fdfad1a8a3e2",
		"0fc729c20d07987fe9ac5e1b8c8f422b344fd45617c5b1cee43cb61ac6548429",
		"4ed7e3bf55ec01c0f5b5058aff4dd9132effa34f16bea6527808e0abdb054a99",
		"fba704a39c87cc79d6cdaa58ac3ab9a8edfd9dbf7d4fb84e97ff6f492a7367b1",
		"0dcb3a84bda68908d599498f0d075ddac8a8e49167537ac9f62e07960efecfaa"},
	{2, 128,
		"1dba60a740463dc2e73e03a15780d41d3c79d556d85b9a4f2bdaab8ebda94df5",
		"3885a04f161ce2809ed890c326da8d6ea377f73b0bc8efe50b41c026e47f9fe0",
		"e3cfeaeeac3a6eae46328f42314e6d26656743091630b8540a4217f99cd5862b",
		"504c5b97cd52953fd36da3329502bb5a9e717ed001847561f7122c55daa67b36",
		"24c3b1da0bec65464038da4d36036d706db5699ccaf9b9d220ce50c3c1e48fea"},
	{5, 192,
		"601440a9c981ca53d5cfb8dbfdfc88c58b86948e58d3df4fb7aea08b406c59fe",
		"5b06ab24411415b99347e342d4d0325ffc1e1dd911743eb7931e39b66f3eb9bf",
		"7bfa110f7607e944d785ec73f64115eb5c6b663fdff3b7f1c7b4d692136f7643",
		"955f6a75ab711c359bb0a794fb3bec6ea9e8e60b5510fdfaea3ee3822982b311",
		"8fdf990aee028ddad03dff2e5bb6dda9beb67aa1116378fdc0c80d7784b6086a"},
	{14, 256,
		"6eae931194b90d6afe036117c644622665eab9224bc2775a828c9df92f54ed8e",
		"0fc70a13d5cadcbe4f0df7fa79f6f581fdc70bb5c9c0e1c09bbeb8eb7f935686",
		"32efea3d8ec686d9149993855effb9d42d7164f003a6bb35d6e2f69228696cbd",
		"cc56781c4f625c9fdd4baeed9e5de930435ceda179ef5501ff0754a0eae2c89d",
		"c537fdbdf18d0aab7d89faf22d1578ca4c3cfae3157935ecc1009b7edaa1ba28"},
	{15, 384,
		"51419a140ba458287f83b0de0cfd88759e0ab93e255b0ea2aeaf3aee10dbb5ec",
		"30dc7cf74bc05da0c09d7ccebfe20b13995b6ab6809b516ba33778d36e6bb5b2",
		"084a61f9d4062eff744979eadd983bcfece54ba46c61ba754aa37920fbe6446e",
		"588f1ab4b68ae837302dd047ec4c1d1957a31e143712c5082f61cfa9775e6a9a",
		"25a8eaef3a7ffb8bb1d8c8e6ef410c1d62e19e9ccaf2cb394746036c19680484"},
	{16, 512,
		"59ff7db2cd3db83384cf3cf34268a0cae837e93d25d49f779e9582d610df59ad",
		"574c2dbf584de08248e40850f909ba764cf98996227b5db0eee2bb4f6e67df96",
		"b289a2c842b5ccfc56e15960be9dcdb1f9b280b5970d7e658787238b9b19e85b",
		"633e5bdc793360070c50538fb00de0f0f2f19668d1268989bda2cfaacab1e6b6",
		"3de858a6dd74f313b01d942a78f332f2ab0567eea110d1c762df655dbfc861a3"},
	{17, 768,
		"6609eb4a2d4a8731bf3953b353954c4b24e85c8bed8eb020b2257006ed014006",
		"3064ec9fb09e7544dacd2b2db5e27f4d6101c6b070f4da2250212eed5ac2c892",
		"025a7fd822d126caa75926fe54a7de191d57718a04920b8b0fc0d249db4bc52a",
		"fb34ed3e530c9ef3209fe9292f8bb9bc58806650918c46b713d6b2a34556edfe",
		"a9e95fba827ece7fa043cbb32ec77c90b92828a6ea0bfac21f2825ae44ea6773"},
	{18, 1024,
		"6aa1d3c512ea21c52bd40d0af11b69a1c4def815d09d3e77c71594344cc9bf06",
		"176b95a6e379dabc408b01c1808c4aa5f8473f2e815ce21f63ab2b4d3c7daada",
		"ecff70947b1c6af9fa1aee1870f8c8cb38a1dc88061886964c71965503bfdd4d",
		"a01355ac1a1945763ad1696566214baa75c1fced79aaf4ff9585a5e372fbf83a",
		"c136364a6822e50dbcc8d0f14d50b8e73c6fd819612290bebc3f85ba3bb31920"},
};
static const char MODP768_P[] =
	"ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
	"020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
	"4fe1356d6d51c245e485b576625e7ec6f44c42e9a63a3620ffffffffffffffff";
static const char MODP1024_P[] =
	"ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
	"020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
	"4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
	"ee386bfb5a899fa5ae9f24117c4b1fe649286651ece65381ffffffffffffffff";
static const char MODP2048_P[] =
	"ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
	"020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
	"4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
	"ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
	"98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
	"9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
	"e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
	"3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff";
static const struct ecp_kat ecp_kats[] = {
	{19, 32, /* RFC 5903 section 8.1 */
		"c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
		"dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
		"5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
		"c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
		"d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
		"56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
		"d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de",
		"d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
		"56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872aa"},
	{20, 48, /* RFC 5903 section 8.2 */
		"099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655"
		"e35b538041e649ee3faef896783ab194",
		"667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6"
		"de3ac808acb4bdb4c88732aee95f41aa9482ed1fc0eeb9cafc4984625ccfc23f"
		"65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
		"41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942"
		"e0308312916b8ed2960e4bd55a7448fc",
		"e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d"
		"0d1ac43a0336def96fda41d0774a3571dcfbec7aacf3196472169e838430367f"
		"66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
		"11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4"
		"d603135569b9e9d09cf5d4a270f59746",
		"e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d"
		"0d1ac43a0336def96fda41d0774a3571dcfbec7aacf3196472169e838430367f"
		"66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386d"},
	{21, 66, /* RFC 5903 section 8.3 */
		"0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a0"
		"95aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d"
		"4a52",
		"0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbe"
		"e1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176c"
		"ed3e017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4"
		"a10ad8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3"
		"926f9582",
		"0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e"
		"9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb15168"
		"5eb9",
		"00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21"
		"9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9"
		"460f015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d985207"
		"7b87220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd1"
		"7f0fc56a",
		"01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04"
		"d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3"
		"ddea",
		"00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21"
		"9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9"
		"460f015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d985207"
		"7b87220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd1"
		"7f0fc56b"},
};
static const char X25519_A[] =
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char X25519_A_PUB[] =
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char X25519_B[] =
	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
static const char X25519_B_PUB[] =
	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
static const char X25519_K[] =
	"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
static const char *const X25519_SMALL_ORDER[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
};
// clang-format on
/* END gen_kat.py output */

#define N(a) (sizeof(a) / sizeof((a)[0]))

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t i, n = strlen(s) / 2;

	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void assert_hex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t w[DH_MAX_PUBLIC];

	assert_int_equal(unhex(want, w, sizeof(w)), len);
	assert_memory_equal(got, w, len);
}

/* SHA-256 straight from OpenSSL, not through the code under test. */
static void assert_sha256(const uint8_t *data, size_t len, const char *want)
{
	uint8_t md[32];
	unsigned n = 0;

	assert_int_equal(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL), 1);
	assert_hex(md, n, want);
}

static const uint16_t all_groups[] = {1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 31};

/* Sizes from the RFCs: the prime's bytes; x | y of the curve; 32. */
static void test_lengths(void **state)
{
	static const struct {
		uint16_t group;
		size_t pub, secret;
	} want[] = {
		{1, 96, 96},	{2, 128, 128},	{5, 192, 192},	{14, 256, 256},
		{15, 384, 384}, {16, 512, 512}, {17, 768, 768}, {18, 1024, 1024},
		{19, 64, 32},	{20, 96, 48},	{21, 132, 66},	{31, 32, 32},
	};
	static const uint16_t unsupported[] = {0, 3, 4, 22, 23, 24, 25, 26, 30, 32, 0xffff};
	struct dh *dh = (struct dh *)1;
	unsigned i;

	for (i = 0; i < N(want); i++) {
		assert_true(dh_supported(want[i].group));
		assert_int_equal(dh_public_len(want[i].group), want[i].pub);
		assert_int_equal(dh_secret_len(want[i].group), want[i].secret);
		assert_true(dh_public_len(want[i].group) <= DH_MAX_PUBLIC);
	}
	for (i = 0; i < N(unsupported); i++) {
		assert_false(dh_supported(unsupported[i]));
		assert_int_equal(dh_public_len(unsupported[i]), 0);
		assert_int_equal(dh_new(unsupported[i], &dh), -ENOTSUP);
		assert_null(dh);
	}
}

/* Two fresh key pairs of every group reach the same secret. */
static void test_agreement(void **state)
{
	uint8_t pa[DH_MAX_PUBLIC], pb[DH_MAX_PUBLIC], sa[DH_MAX_SECRET], sb[DH_MAX_SECRET];
	unsigned i;

	for (i = 0; i < N(all_groups); i++) {
		uint16_t g = all_groups[i];
		size_t n = dh_public_len(g), la = 0, lb = 0;
		struct dh *a, *b;

		assert_int_equal(dh_new(g, &a), 0);
		assert_int_equal(dh_new(g, &b), 0);
		assert_int_equal(dh_group(a), g);
		assert_int_equal(dh_public(a, pa, n), 0);
		assert_int_equal(dh_public(b, pb, n), 0);
		assert_memory_not_equal(pa, pb, n);
		assert_int_equal(dh_public(a, pa, n - 1), -EINVAL);
		assert_int_equal(dh_shared(a, pb, n, sa, &la), 0);
		assert_int_equal(dh_shared(b, pa, n, sb, &lb), 0);
		assert_int_equal(la, dh_secret_len(g));
		assert_int_equal(lb, la);
		assert_memory_equal(sa, sb, la);
		dh_free(a);
		dh_free(b);
	}
	dh_free(NULL);
}

/* dh_shared keeps the keys that held peers' values for the next peer of
 * the group: several pairs, interleaved, with refused values in between,
 * must each agree (a key still holding an earlier peer's value would not),
 * from several threads at once. */
#define PEERS 6

static void *agree_interleaved(void *arg)
{
	static const uint16_t groups[] = {1, 19, 20, 31};
	uint8_t pub[PEERS][DH_MAX_PUBLIC], bad[DH_MAX_PUBLIC], s1[DH_MAX_SECRET], s2[DH_MAX_SECRET];
	struct dh *x[PEERS];
	unsigned gi, i, round;
	size_t n, l1, l2;

	(void)arg;
	for (gi = 0; gi < N(groups); gi++) {
		n = dh_public_len(groups[gi]);
		for (i = 0; i < PEERS; i++) {
			assert_int_equal(dh_new(groups[gi], &x[i]), 0);
			assert_int_equal(dh_public(x[i], pub[i], n), 0);
		}
		memset(bad, 0xff, n); /* out of range / off the curve */
		for (round = 0; round < 3; round++)
			for (i = 0; i < PEERS; i++) {
				unsigned j = (i + 1 + round) % PEERS;

				if (groups[gi] != 31)
					assert_int_equal(dh_shared(x[i], bad, n, s1, &l1), -EINVAL);
				assert_int_equal(dh_shared(x[i], pub[j], n, s1, &l1), 0);
				assert_int_equal(dh_shared(x[j], pub[i], n, s2, &l2), 0);
				assert_int_equal(l1, l2);
				assert_memory_equal(s1, s2, l1);
			}
		for (i = 0; i < PEERS; i++)
			dh_free(x[i]);
	}
	return NULL;
}

static void test_peer_keys_reused(void **state)
{
	pthread_t th[3];
	unsigned i;

	agree_interleaved(NULL);
	for (i = 0; i < N(th); i++)
		assert_int_equal(pthread_create(&th[i], NULL, agree_interleaved, NULL), 0);
	for (i = 0; i < N(th); i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	dh_stock_flush(); /* frees the spare peer keys too */
	agree_interleaved(NULL);
}

static void test_modp_kat(void **state)
{
	uint8_t x[32], yi[DH_MAX_PUBLIC], yr[DH_MAX_PUBLIC], z[DH_MAX_SECRET];
	unsigned i;

	for (i = 0; i < N(modp_kats); i++) {
		const struct modp_kat *k = &modp_kats[i];
		struct dh *a, *b;
		size_t zn = 0;

		assert_int_equal(dh_public_len(k->group), k->len);
		assert_int_equal(unhex(k->xi, x, sizeof(x)), 32);
		assert_int_equal(dh_new_from_private(k->group, x, 32, &a), 0);
		assert_int_equal(unhex(k->xr, x, sizeof(x)), 32);
		assert_int_equal(dh_new_from_private(k->group, x, 32, &b), 0);
		assert_int_equal(dh_public(a, yi, k->len), 0);
		assert_int_equal(dh_public(b, yr, k->len), 0);
		assert_sha256(yi, k->len, k->yi_sha256);
		assert_sha256(yr, k->len, k->yr_sha256);
		assert_int_equal(yi[0], 0); /* left-padded public value */

		assert_int_equal(dh_shared(a, yr, k->len, z, &zn), 0);
		assert_int_equal(zn, k->len);
		assert_int_equal(z[0], 0); /* left-padded secret */
		assert_sha256(z, zn, k->z_sha256);
		assert_int_equal(dh_shared(b, yi, k->len, z, &zn), 0);
		assert_sha256(z, zn, k->z_sha256);
		dh_free(a);
		dh_free(b);
	}
}

static void ecp_side(const struct ecp_kat *k, const char *priv, const char *pub, const char *peer)
{
	uint8_t x[66], p[DH_MAX_PUBLIC], s[DH_MAX_SECRET];
	size_t n = unhex(priv, x, sizeof(x)), pn, sn = 0;
	struct dh *dh;

	assert_int_equal(n, k->coord);
	assert_int_equal(dh_new_from_private(k->group, x, n, &dh), 0);
	assert_int_equal(dh_public(dh, p, 2 * k->coord), 0);
	assert_hex(p, 2 * k->coord, pub);
	pn = unhex(peer, p, sizeof(p));
	assert_int_equal(dh_shared(dh, p, pn, s, &sn), 0);
	assert_int_equal(sn, k->coord);
	assert_hex(s, sn, k->girx);
	dh_free(dh);
}

static void test_ecp_rfc5903(void **state)
{
	unsigned i;

	for (i = 0; i < N(ecp_kats); i++) {
		ecp_side(&ecp_kats[i], ecp_kats[i].i, ecp_kats[i].gi, ecp_kats[i].gr);
		ecp_side(&ecp_kats[i], ecp_kats[i].r, ecp_kats[i].gr, ecp_kats[i].gi);
	}
}

static void test_ecp_reject(void **state)
{
	uint8_t p[DH_MAX_PUBLIC + 1], s[DH_MAX_SECRET];
	unsigned i;

	for (i = 0; i < N(ecp_kats); i++) {
		const struct ecp_kat *k = &ecp_kats[i];
		size_t n = 2 * k->coord, sn = 1;
		struct dh *dh;

		assert_int_equal(dh_new(k->group, &dh), 0);
		assert_int_equal(unhex(k->off_curve, p, sizeof(p)), n);
		assert_int_equal(dh_shared(dh, p, n, s, &sn), -EINVAL);
		assert_int_equal(sn, 0);
		memset(p, 0, n); /* (0, 0): also what some write for infinity */
		assert_int_equal(dh_shared(dh, p, n, s, &sn), -EINVAL);
		memset(p, 0xff, n); /* coordinates >= p */
		assert_int_equal(dh_shared(dh, p, n, s, &sn), -EINVAL);
		/* SEC 1's 04 | x | y is not the IKE form: wrong length. */
		p[0] = 4;
		unhex(k->gr, p + 1, sizeof(p) - 1);
		assert_int_equal(dh_shared(dh, p, n + 1, s, &sn), -EINVAL);
		assert_int_equal(dh_shared(dh, p + 1, n - 1, s, &sn), -EINVAL);
		/* The genuine point still works after the refusals. */
		assert_int_equal(dh_shared(dh, p + 1, n, s, &sn), 0);
		dh_free(dh);
	}
}

static void test_x25519_rfc7748(void **state)
{
	uint8_t x[32], p[32], s[DH_MAX_SECRET];
	size_t sn = 0;
	struct dh *a, *b;

	unhex(X25519_A, x, sizeof(x));
	assert_int_equal(dh_new_from_private(31, x, 32, &a), 0);
	unhex(X25519_B, x, sizeof(x));
	assert_int_equal(dh_new_from_private(31, x, 32, &b), 0);
	assert_int_equal(dh_public(a, p, 32), 0);
	assert_hex(p, 32, X25519_A_PUB);
	assert_int_equal(dh_shared(b, p, 32, s, &sn), 0);
	assert_int_equal(sn, 32);
	assert_hex(s, 32, X25519_K);
	assert_int_equal(dh_public(b, p, 32), 0);
	assert_hex(p, 32, X25519_B_PUB);
	assert_int_equal(dh_shared(a, p, 32, s, &sn), 0);
	assert_hex(s, 32, X25519_K);
	dh_free(a);
	dh_free(b);
}

static void test_x25519_reject(void **state)
{
	uint8_t p[33] = {9}, s[DH_MAX_SECRET];
	size_t sn = 1;
	unsigned i;
	struct dh *dh;

	assert_int_equal(dh_new(31, &dh), 0);
	for (i = 0; i < N(X25519_SMALL_ORDER); i++) {
		unhex(X25519_SMALL_ORDER[i], p, sizeof(p));
		assert_int_equal(dh_shared(dh, p, 32, s, &sn), -EINVAL);
		assert_int_equal(sn, 0);
	}
	memset(p, 0, sizeof(p));
	p[0] = 9;
	assert_int_equal(dh_shared(dh, p, 31, s, &sn), -EINVAL);
	assert_int_equal(dh_shared(dh, p, 33, s, &sn), -EINVAL);
	assert_int_equal(dh_shared(dh, p, 32, s, &sn), 0); /* the base point is fine */
	dh_free(dh);
}

/* y must be 1 < y < p-1 (RFC 6989 section 2 for safe primes). */
static void modp_reject(uint16_t group, const char *prime)
{
	uint8_t pr[DH_MAX_PUBLIC], y[DH_MAX_PUBLIC + 1], s[DH_MAX_SECRET];
	size_t n = unhex(prime, pr, sizeof(pr)), sn = 1;
	struct dh *dh;

	assert_int_equal(n, dh_public_len(group));
	assert_int_equal(pr[n - 1], 0xff); /* so that p-1, p-2 only touch the last byte */
	assert_int_equal(dh_new(group, &dh), 0);

	memset(y, 0, n); /* 0 */
	assert_int_equal(dh_shared(dh, y, n, s, &sn), -EINVAL);
	assert_int_equal(sn, 0);
	y[n - 1] = 1; /* 1 */
	assert_int_equal(dh_shared(dh, y, n, s, &sn), -EINVAL);
	memcpy(y, pr, n); /* p */
	assert_int_equal(dh_shared(dh, y, n, s, &sn), -EINVAL);
	y[n - 1] = 0xfe; /* p-1 */
	assert_int_equal(dh_shared(dh, y, n, s, &sn), -EINVAL);
	y[n - 1] = 0xfd; /* p-2: in range; outside g's subgroup, which is not tested */
	assert_int_equal(dh_shared(dh, y, n, s, &sn), 0);
	assert_int_equal(sn, n);
	memset(y, 0xff, n); /* > p */
	assert_int_equal(dh_shared(dh, y, n, s, &sn), -EINVAL);
	memset(y, 0, n + 1);
	y[n - 1] = 2; /* g itself is a fine public value */
	assert_int_equal(dh_shared(dh, y, n - 1, s, &sn), -EINVAL);
	assert_int_equal(dh_shared(dh, y, n + 1, s, &sn), -EINVAL);
	assert_int_equal(dh_shared(dh, y, n, s, &sn), 0);
	assert_int_equal(sn, n);
	dh_free(dh);
}

static void test_modp_reject(void **state)
{
	modp_reject(1, MODP768_P); /* our own primes (RFC 2409 6.1, 6.2) */
	modp_reject(2, MODP1024_P);
	modp_reject(14, MODP2048_P); /* OpenSSL's named group */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),		 cmocka_unit_test(test_agreement),
		cmocka_unit_test(test_modp_kat),	 cmocka_unit_test(test_ecp_rfc5903),
		cmocka_unit_test(test_ecp_reject),	 cmocka_unit_test(test_x25519_rfc7748),
		cmocka_unit_test(test_x25519_reject),	 cmocka_unit_test(test_modp_reject),
		cmocka_unit_test(test_peer_keys_reused),
	};

	return cmocka_run_group_tests_name("crypto_dh", tests, NULL, NULL);
}
