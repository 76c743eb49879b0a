/* crypto/keying: RFC 2409 section 5 and appendix B against gen_kat.py,
 * which computes every value with Python's hmac and hashlib from the same
 * fixed inputs, for MD5, SHA1, SHA256, SHA384 and SHA512. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/keying.h"
#include "crypto/prf.h"

struct keying_kat {
	const char *md;
	size_t len;
	const char *skeyid;		   /* PSK: prf(K_PSK, Ni_b | Nr_b) */
	const char *skeyid_sig;		   /* signatures: prf(Ni_b | Nr_b, g^xy) */
	const char *d, *a, *e;		   /* SKEYID_d, _a, _e from skeyid */
	const char *enc16, *enc24, *enc32; /* appendix B keys from SKEYID_e */
	const char *iv1_16, *iv1_8;	   /* hash(g^xi | g^xr) for blocks 16, 8 */
	const char *iv2_16, *iv2_8;	   /* hash(K_P1_LAST[:block] | M-ID) */
	const char *hash_i, *hash_r;
	const char *qm1, *qm2, *qm3; /* with SKEYID_a = a */
	const char *keymat;	     /* KEYMAT_LEN bytes, SKEYID_d = d, no PFS */
	const char *keymat_pfs;	     /* ... with g(qm)^xy = K_GXY_QM */
};

/* BEGIN gen_kat.py output: do not edit by hand, run tests/unit/gen_kat.py */
// clang-format off
static const char K_PSK[] =
	"6f616b6c6579206b6e6f776e2d616e73776572207072652d736861726564206b"
	"6579";
static const char K_NI[] =
	"ad2ab73d0b82a7013954609eb0a06ab0";
static const char K_NR[] =
	"0c52033e0acd73290d4d4d3c07d3857ecbcc54e28940a5b8";
static const char K_GXY[] =
	"1d7f6f272374870a8717e99dee2e54fd7090f1a7507459de359c3afbe2b95bae"
	"96ca865799a7fc0d5f71d0614eb4189fb92204244dbe0758814e417503d8038b"
	"44d93599070964489f6cc8a194c0b6e210ec5233f288298c206c4e802524dcba"
	"2ad3e6e2f972823b18da5b39f9181101dac50965fb86a108c4a910e24778db42";
static const char K_CKY_I[] =
	"070433ee81c9f0c8";
static const char K_CKY_R[] =
	"15728476265dda4f";
static const char K_GXI[] =
	"f9b72d3b4a9208281747239257e3c11b3e4de96bac52c5bd02a72c39a416459f"
	"faaf066117cabb08b620962f4da65659383a1a58f5b844e40a43c4756bc35e14"
	"ac23cb768781c0e3e48bf6a04c7b383d1ff166a51972b94e708a7ad68b6ad1a2"
	"82bd83a2b4880919124eded67c3668794fc2ea25e31c66ad2bfb95d502a5c6c8";
static const char K_GXR[] =
	"0c99d31dfe05c0b29598aed3c2873cc955d736a94bf2e6afa5dbce0d8a63fb57"
	"b9391b07bcea642ff1c2ebd22201bd642be085eaa8dcd8f6f688da0ab8a04563"
	"6b0e3c601bd7aa1517c25fb0224b50335a218b70f7f528f9abbe11ec3ae9ac8d"
	"d6b90d9e11fc4bcc631a0e3c686f1067cc88aa0c2eb241fbd7a43d80901d62ac";
static const char K_SAI_B[] =
	"c019ebb6d872bd3f9468afe9e0034b9987050a75eff2817641b2f8e7a0b93b37"
	"d38006fa745970c2d6643b06b56d6f34e8bd9b47";
static const char K_IDII_B[] =
	"01000000c0000201";
static const char K_IDIR_B[] =
	"01000000c6336402";
static const char K_P1_LAST[] =
	"2bf155c7405e2fada5663a8319a0be0e";
static const char K_REST1[] =
	"d4458635c344aa6920a924b4730b56f3959494932b714846d4828d2673aff8cd"
	"1930475da55683b886c67e482feb79d5d4bc9d1c304ce3be23f4d60f";
static const char K_REST2[] =
	"6c35b3c931a1a2f81cb10a3ff9b447488643a5b5d9e64e1eb90207913b60e184"
	"0f1ffc0a620a4809c872b3c33ad625db7d1658c3cb096f2ff30ee4c71a430b67"
	"315395b8e8c9aace";
static const char K_GXY_QM[] =
	"387be68680825313f7c930d5243485338f1d020878a2e1d91898f591fbb7cf43"
	"7fe044d45d15683d675ef476918ac3596e0e2940129959e43fcaac455f659e07"
	"be2839bf00abb957948b07bfb7687c2f8f79dc28fd512f101c5ad0b6ac2eb9cc"
	"11c05975d3482b06f8f5ce32b59ffef5046c59694c7b893b3d6f9b651bf14522"
	"dd0760c18687bd154b75bee10eab2fd39bf88689467f597b29dfb1e5248fb34a"
	"35650d682d0da5f4fb140d94ef2b80681b5a04108ede30523b8350b3532f6652"
	"ff29aae9f37ced6d541cc67722207c16f39a57ed6458f25516c2a41c5bb15f84"
	"71d29d4382fbc282545aeed9b4a3c64d6a3ed445668572f291b334e1c9cde0c7";
#define K_MSGID 0x9a3b5c7du
#define K_PROTO 3
#define K_SPI 0xc0ffee01u
#define KEYMAT_LEN 64
static const struct keying_kat keying_kats[] = {
	{"MD5", 16,
		"5644e03f03d4d91e4d619c79e3950756",
		"74f4210f8c52a5e332f57f5b9735e50a",
		"3f912418f0457d248318a8826b3934d4",
		"d6fe704ad4e50fb825d6213f9c681098",
		"e6452d2faa3d969056382b2d903220f2",
		"e6452d2faa3d969056382b2d903220f2",
		"78ddae0ccb09ab5e3005ecf0c3895732427856a83780d4fa",
		"78ddae0ccb09ab5e3005ecf0c3895732427856a83780d4fa8ed89ad0014e407f",
		"a1ea50f0e530806fc8cec6f2405a076b",
		"a1ea50f0e530806f",
		"832805f09f9da664c2edeb657b0e6302",
		"5b366d50419a0709",
		"e675f7adcce5013d2fc3f643e27ba436",
		"3cd169bbf77d6ec84860c29ffe983a96",
		"c8a687e59f841f9b0d4594e88e59dbd3",
		"ca71a13601e7c61ee6f968e6bb85fb2d",
		"bfc45ec355dd4c5a5d65d00029ee7c40",
		"0a5c53e1231e8649af52ce19d1753c53daa0f7ffda9dafe2db3422edb698de74"
		"65354e54e263efa1ee1aa95eb640c3b228f0df1fb159c68a7142bd609e733304",
		"5cf37e81314ce25a176b54dc4c22eb3720cfe20cfd5874ba47dad542c30ed45e"
		"369f15681feafcd4b4a2304419d8c9f184195f9be5000659d4b575af8cb00fa0"},
	{"SHA1", 20,
		"307ec552861acc4fd4f0edd0ff9cea5663bddcb8",
		"14d6d983b83721b480f70c9ee90e4af2d0923386",
		"c8dfddf8f02bebc416c1329994d94f413c6b646e",
		"5400fa5362c1acb089a99b3365537978eb6e9c50",
		"1e988f3da2b0bcc1d3e7a6458aca2cd54a0f3a9c",
		"1e988f3da2b0bcc1d3e7a6458aca2cd5",
		"ec474fa51fdc1b36adf88eaf3f670d62d9c59eff01a6e25a",
		"ec474fa51fdc1b36adf88eaf3f670d62d9c59eff01a6e25ade8bc1adea59a270",
		"83672ce925b84d624be84652c755d952",
		"83672ce925b84d62",
		"649cac06b99c81339000d032d03afc7a",
		"d7f4e187a6e0de01",
		"2a7fa1913c324a8d475936729d314c937d94fbdf",
		"5f6aa7afc34de815abcc91008d9045d95dffb6e5",
		"165820129c9fe26fa7e7e8232400c8ef1936ce4c",
		"d4b2a77869cdf62a22a093f3f1889449b2e0bbbb",
		"b0c811dd56d8b8ae49032d6178bfbe277a8680fb",
		"a42a4ff9259568b0669b57205c934ef8cef59e48e5d7c9ec40be9e0ea6ff4043"
		"d95dce034c69cafc7dac401681506b667336771da7fd859ca99ca9aceadf717f",
		"73f8a21655037d7a7f822b712a9f7358384cbf6263c337bdfee3a3f4689e3b58"
		"7b44320d5296964bd18929eb5c0cb903c41f3aded8d7ea200947a97c1a866678"},
	{"SHA256", 32,
		"bf662f01458a111e9ce56deba1a2d73c079e73f3e8cd4ae668f434fdd8976af0",
		"158ea2718aae36eefa2aedefffdfed1f3eaa11ebb2f5c0e7a32096d481461e8f",
		"dd2f6e8f139e2c054d0c83e2f7424eb832d45034af9a257538fe93ab4c73d8cc",
		"f69e7ffcf98f4825ff4e2379a1e9e752a06da09aeb935abdc4076f28fbe4a8f4",
		"6e98a90f3c7c78f760ec87184592bb42f00260915306854e0f08e8c8cc84b25e",
		"6e98a90f3c7c78f760ec87184592bb42",
		"6e98a90f3c7c78f760ec87184592bb42f00260915306854e",
		"6e98a90f3c7c78f760ec87184592bb42f00260915306854e0f08e8c8cc84b25e",
		"fd3efa23de845cfb45a6f9a974d7ac76",
		"fd3efa23de845cfb",
		"0bb35929f81a5ceb3c8dedd676e44d86",
		"d76ba72eff834648",
		"8a254ceaa4b7cabc6836746561cde063a13b315207c5636ef8f1b4873bfa02fe",
		"0c7197c6b549c08589c6ca4b60b2be8dc79d91dcae6cdc33c60fef8a464ee921",
		"7abb8066d23fc3326e7019509e5d0117e8a98580e76cedd637f083a87691d31b",
		"7ebe1558581ce9cf99bce8920617016cc73839aaf828817f395996cc100b16f4",
		"f892e680b34005dd4df27c2a09ba94e18703d8476972974e8883ebed847e07e5",
		"884a610ad0ab26c80ee67f6051863c871c47013651c883d724c8001567b4beb0"
		"3ff199d2b168e1c12084e4aff9c155e51939d34508c80f60883bb28fce4f4571",
		"434af6daea56567c294b435ba7563b884770415b8f158ad4bd8c2a87663b17f7"
		"31171893e1267ea4cab7f2154e62d673562136d68c6a285e740f67de6f7e3749"},
	{"SHA384", 48,
		"0563cbac2b8e55a8ab08f43ff397febe0514a25a0b3fd04b477e202728bb1c80"
		"b85d0fb69adcc286980285224bf63959",
		"be3cf24d2a02871160b82a0655640e5211bc6ce1ca3c9d27f1062d9abd7589cb"
		"26545e3f1e4ac58eea2487067ac55cd7",
		"31fd220c34763626ac80a80d07a713c71c2a36f9c04b04065c997988331a16b1"
		"aa315ee2b25ef71746cabec410c72716",
		"e08003097984f2f5fa2ff7f75b875c96158fd2a24d7252490ea9287b7c5f6da7"
		"465dd841ef9ec968f4f437b11d0f1a2c",
		"941a2989b7d507dec40b1b07be3d3d6323b0fce2ed53ea66725624a105c046e4"
		"16983dc7953a5c1e05bbe71028aac71e",
		"941a2989b7d507dec40b1b07be3d3d63",
		"941a2989b7d507dec40b1b07be3d3d6323b0fce2ed53ea66",
		"941a2989b7d507dec40b1b07be3d3d6323b0fce2ed53ea66725624a105c046e4",
		"997685ab5b4c3e51b433e4780ee55214",
		"997685ab5b4c3e51",
		"744a0c6e8a908ed4eeb8a9bbc35e1f05",
		"8b6ca8d5b3bfc6b5",
		"6f7ab11f8828423ccf94939bf0332c7aaa7fdd569f5e8033002b32c2fee8bb02"
		"202afe61b294102fd326a559747b32a6",
		"5ca283d6fd53f7239521402b2636d9318b106c2c5b048389bab25d143718ba79"
		"81201184e575d5247889919e784886e1",
		"d9ce0407627330f91b0dbdfd38ce0d205c6894ddf3ffc47bfd3ad4ea4745d541"
		"1be02aeab7f9a41133f0e80975807f76",
		"09a712d1c4f20afe2acb07c888edf8e4034fa217cc01e958a0724577209c72b9"
		"49e3c02e0b03502c8336612850fb4219",
		"0134048d3906710529c966116bda89822a989fefc99d5b3783101c9a7b559c57"
		"48249db049de401167e57236737c69f9",
		"21cc5ce071c3dfe6e787d369e5c3fbe197dc99623a3a49096db83654cef01362"
		"aa706114a1f5a2eba3b56c0007a5450ec74d628e3fead36eb664d3d9b1cb197c",
		"41f3f8ce3fabd1eced88bc723f6d44076bf8b6425d6460c0e3721f09778d56dc"
		"6400a06a356f7226dd6c97a10ad62cf67d651c770aa3e9ddbd3ed1914d5dceb5"},
	{"SHA512", 64,
		"73cf6c333e755b7e6c4b94bd1ca2b79119d426b3fc57fcd71ef4be51d76a7dfb"
		"b7b3e4ca6e708d57a099949d94c5bb7e820529697398cadc61fc6a7769bf45f3",
		"5b6304b2962a52c6fd8563b18dc3b2220b2668b372efe93a070420426c9a4601"
		"5c19663e16b2a37a49efd7c6bfba35f133c2f193637904f05f29ae39dcf8e817",
		"f4b1e5d0da8eaa1046a23fc3a91ee4a520f427a95026acb441e9f320855cd8b0"
		"407c053dd896593ed51dc98be3967aa4a641ce7767a24fae47d2266aac709785",
		"731525fbc2408eaf2085a4d7df92c6446e9bac634a9286dbea73157142421d85"
		"6411688b7b7d8af5885d9dab3d448ed6f389814a197c02165dd4e08a7b3e6b75",
		"7a26d124e87cde3d2fc24c56357c4fd1a7c766c19612b8a75e7d0c8258fc8a14"
		"3ae221d3c5c13e9ae8dc666f503958b6c926da2486c3822051c571e14b3d180a",
		"7a26d124e87cde3d2fc24c56357c4fd1",
		"7a26d124e87cde3d2fc24c56357c4fd1a7c766c19612b8a7",
		"7a26d124e87cde3d2fc24c56357c4fd1a7c766c19612b8a75e7d0c8258fc8a14",
		"98e7023808d01a1e9769681c27bb49d7",
		"98e7023808d01a1e",
		"e225c7d72a4ed46f235e02dd71a4d6b4",
		"3743b2936eb9a3e5",
		"3b4936b65a38787bbaf5c8b130b5204c285fd7292eb156e4300ae1c844217ec8"
		"47e4a3bd03e116951d9647175eef0dd41ab1bddaf3669a1171f079eb01930bba",
		"aa0e5805ac681fa767d895c1cdb0f874a88a35dd9ed0f642e98bfb4bfb435532"
		"c3ba93cebb05a9d91ade1087bce93863e7dbf63b856db04a5a1b60a38f5b6d7c",
		"dbf0f2a2e946fd67b75f0d1e65027d90b8f07c9650a5e20d69bbe42ca2591fc7"
		"8f8690a5885aeaf54c1f98a0c71309d4245b4b007ac27f955035f3ee8f031944",
		"f4f7ec3144ff0f1c5a434b4e1c41c2e2f522c1b8de85a946ee608f7b4cd31b8b"
		"779db26d144dab262134bdccf8258c9a27669e2601dd0731096349a54bc814bf",
		"497e00f6e702868cb6ae942f34f4ce8939a789216e18bc14631e1a4d003dbf9f"
		"0b8d21becaa440323d8ea1485bb892b213d4f88f440b03e3c2f91296bb9a673c",
		"e39a570856f741f8d43b90ffcadc79b94c7a882158c496c5957feff017661b96"
		"008e35246be3233ce01574db7faa2c05dd2e7b306625598b99c9fc6ccefb68e3",
		"28ec1081791a5da689e38761293c392c8738feaf5ba289275b949a1ddd95b68f"
		"24d80b4b31dbe2be50fb5cd6de886ee26945ee26f00e4f48c23437378e3ec6fc"},
};
// clang-format on
/* END gen_kat.py output */

#define NKATS (sizeof(keying_kats) / sizeof(keying_kats[0]))

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
	uint8_t w[1024];

	assert_int_equal(unhex(want, w, sizeof(w)), len);
	assert_memory_equal(got, w, len);
}

/* The fixed inputs, decoded once per test. */
struct in {
	uint8_t psk[64], ni[64], nr[64], gxy[256], ck_i[8], ck_r[8], gxi[256], gxr[256];
	uint8_t sai[128], idi[16], idr[16], last[16], rest1[128], rest2[128], gxy_qm[512];
	size_t psk_n, ni_n, nr_n, gxy_n, gxi_n, gxr_n, sai_n, idi_n, idr_n, rest1_n, rest2_n,
		gxy_qm_n;
};

static void in_load(struct in *in)
{
	in->psk_n = unhex(K_PSK, in->psk, sizeof(in->psk));
	in->ni_n = unhex(K_NI, in->ni, sizeof(in->ni));
	in->nr_n = unhex(K_NR, in->nr, sizeof(in->nr));
	in->gxy_n = unhex(K_GXY, in->gxy, sizeof(in->gxy));
	assert_int_equal(unhex(K_CKY_I, in->ck_i, 8), 8);
	assert_int_equal(unhex(K_CKY_R, in->ck_r, 8), 8);
	in->gxi_n = unhex(K_GXI, in->gxi, sizeof(in->gxi));
	in->gxr_n = unhex(K_GXR, in->gxr, sizeof(in->gxr));
	in->sai_n = unhex(K_SAI_B, in->sai, sizeof(in->sai));
	in->idi_n = unhex(K_IDII_B, in->idi, sizeof(in->idi));
	in->idr_n = unhex(K_IDIR_B, in->idr, sizeof(in->idr));
	assert_int_equal(unhex(K_P1_LAST, in->last, 16), 16);
	in->rest1_n = unhex(K_REST1, in->rest1, sizeof(in->rest1));
	in->rest2_n = unhex(K_REST2, in->rest2, sizeof(in->rest2));
	in->gxy_qm_n = unhex(K_GXY_QM, in->gxy_qm, sizeof(in->gxy_qm));
}

static void test_skeyid(void **state)
{
	uint8_t out[CRYPTO_MAX_MD];
	struct in in;
	unsigned i;

	in_load(&in);
	for (i = 0; i < NKATS; i++) {
		const struct keying_kat *k = &keying_kats[i];

		assert_int_equal(ike_skeyid_psk(k->md, in.psk, in.psk_n, in.ni, in.ni_n, in.nr,
						in.nr_n, out),
				 0);
		assert_hex(out, k->len, k->skeyid);
		assert_int_equal(ike_skeyid_sig(k->md, in.ni, in.ni_n, in.nr, in.nr_n, in.gxy,
						in.gxy_n, out),
				 0);
		assert_hex(out, k->len, k->skeyid_sig);
	}
}

static void test_skeyid_dae(void **state)
{
	uint8_t skeyid[CRYPTO_MAX_MD], d[CRYPTO_MAX_MD], a[CRYPTO_MAX_MD], e[CRYPTO_MAX_MD];
	struct in in;
	unsigned i;

	in_load(&in);
	for (i = 0; i < NKATS; i++) {
		const struct keying_kat *k = &keying_kats[i];

		unhex(k->skeyid, skeyid, sizeof(skeyid));
		assert_int_equal(
			ike_skeyid_dae(k->md, skeyid, in.gxy, in.gxy_n, in.ck_i, in.ck_r, d, a, e),
			0);
		assert_hex(d, k->len, k->d);
		assert_hex(a, k->len, k->a);
		assert_hex(e, k->len, k->e);
	}
}

/* Appendix B: truncation when SKEYID_e is long enough, else Ka = K1 | K2. */
static void test_enc_key(void **state)
{
	uint8_t e[CRYPTO_MAX_MD], key[32];
	unsigned i;

	for (i = 0; i < NKATS; i++) {
		const struct keying_kat *k = &keying_kats[i];

		unhex(k->e, e, sizeof(e));
		assert_int_equal(ike_enc_key(k->md, e, 16, key), 0);
		assert_hex(key, 16, k->enc16);
		assert_int_equal(ike_enc_key(k->md, e, 24, key), 0);
		assert_hex(key, 24, k->enc24);
		assert_int_equal(ike_enc_key(k->md, e, 32, key), 0);
		assert_hex(key, 32, k->enc32);
		/* The expansion cases (3DES from MD5, AES-256 from SHA1) do not
		 * start with SKEYID_e; the others are its prefix. */
		if (k->len < 24)
			assert_memory_not_equal(key, e, k->len);
		else
			assert_memory_equal(key, e, 24);
	}
}

static void test_iv(void **state)
{
	uint8_t iv[16];
	struct in in;
	unsigned i;

	in_load(&in);
	for (i = 0; i < NKATS; i++) {
		const struct keying_kat *k = &keying_kats[i];

		assert_int_equal(ike_phase1_iv(k->md, in.gxi, in.gxi_n, in.gxr, in.gxr_n, 16, iv),
				 0);
		assert_hex(iv, 16, k->iv1_16);
		assert_int_equal(ike_phase1_iv(k->md, in.gxi, in.gxi_n, in.gxr, in.gxr_n, 8, iv),
				 0);
		assert_hex(iv, 8, k->iv1_8);
		assert_int_equal(ike_phase2_iv(k->md, in.last, 16, K_MSGID, iv), 0);
		assert_hex(iv, 16, k->iv2_16);
		assert_int_equal(ike_phase2_iv(k->md, in.last, 8, K_MSGID, iv), 0);
		assert_hex(iv, 8, k->iv2_8);
	}
}

static void test_hash_ir(void **state)
{
	uint8_t skeyid[CRYPTO_MAX_MD], out[CRYPTO_MAX_MD];
	struct in in;
	unsigned i;

	in_load(&in);
	for (i = 0; i < NKATS; i++) {
		const struct keying_kat *k = &keying_kats[i];

		unhex(k->skeyid, skeyid, sizeof(skeyid));
		assert_int_equal(ike_hash_i(k->md, skeyid, k->len, in.gxi, in.gxi_n, in.gxr,
					    in.gxr_n, in.ck_i, in.ck_r, in.sai, in.sai_n, in.idi,
					    in.idi_n, out),
				 0);
		assert_hex(out, k->len, k->hash_i);
		assert_int_equal(ike_hash_r(k->md, skeyid, k->len, in.gxi, in.gxi_n, in.gxr,
					    in.gxr_n, in.ck_i, in.ck_r, in.sai, in.sai_n, in.idr,
					    in.idr_n, out),
				 0);
		assert_hex(out, k->len, k->hash_r);
	}
}

static void test_qm_hash(void **state)
{
	uint8_t a[CRYPTO_MAX_MD], out[CRYPTO_MAX_MD];
	struct in in;
	unsigned i;

	in_load(&in);
	for (i = 0; i < NKATS; i++) {
		const struct keying_kat *k = &keying_kats[i];

		unhex(k->a, a, sizeof(a));
		assert_int_equal(ike_qm_hash1(k->md, a, k->len, K_MSGID, in.rest1, in.rest1_n, out),
				 0);
		assert_hex(out, k->len, k->qm1);
		assert_int_equal(ike_qm_hash2(k->md, a, k->len, K_MSGID, in.ni, in.ni_n, in.rest2,
					      in.rest2_n, out),
				 0);
		assert_hex(out, k->len, k->qm2);
		assert_int_equal(ike_qm_hash3(k->md, a, k->len, K_MSGID, in.ni, in.ni_n, in.nr,
					      in.nr_n, out),
				 0);
		assert_hex(out, k->len, k->qm3);
	}
}

static void test_keymat(void **state)
{
	uint8_t d[CRYPTO_MAX_MD], out[KEYMAT_LEN], part[KEYMAT_LEN];
	struct in in;
	unsigned i;

	in_load(&in);
	for (i = 0; i < NKATS; i++) {
		const struct keying_kat *k = &keying_kats[i];

		unhex(k->d, d, sizeof(d));
		assert_int_equal(ike_keymat(k->md, d, k->len, NULL, 0, K_PROTO, K_SPI, in.ni,
					    in.ni_n, in.nr, in.nr_n, out, KEYMAT_LEN),
				 0);
		assert_hex(out, KEYMAT_LEN, k->keymat);
		assert_int_equal(ike_keymat(k->md, d, k->len, in.gxy_qm, in.gxy_qm_n, K_PROTO,
					    K_SPI, in.ni, in.ni_n, in.nr, in.nr_n, out, KEYMAT_LEN),
				 0);
		assert_hex(out, KEYMAT_LEN, k->keymat_pfs);
		/* A shorter request is a prefix (36: an AES-128 key + SHA1 key). */
		memset(part, 0xa5, sizeof(part));
		assert_int_equal(ike_keymat(k->md, d, k->len, NULL, 0, K_PROTO, K_SPI, in.ni,
					    in.ni_n, in.nr, in.nr_n, part, 36),
				 0);
		unhex(k->keymat, out, sizeof(out));
		assert_memory_equal(part, out, 36);
		assert_int_equal(part[36], 0xa5);
	}
}

static void test_unknown_md(void **state)
{
	uint8_t x[CRYPTO_MAX_MD] = {0}, y[CRYPTO_MAX_MD];

	assert_int_equal(ike_skeyid_psk("nope", x, 4, x, 8, x, 8, y), -EINVAL);
	assert_int_equal(ike_skeyid_dae("nope", x, x, 8, x, x, y, y, y), -EINVAL);
	assert_int_equal(ike_enc_key("nope", x, 32, y), -EINVAL);
	assert_int_equal(ike_phase1_iv("nope", x, 8, x, 8, 16, y), -EINVAL);
	assert_int_equal(ike_keymat("nope", x, 20, NULL, 0, 3, 1, x, 8, x, 8, y, 20), -EINVAL);
	/* An IV longer than the hash cannot be cut from it. */
	assert_int_equal(ike_phase1_iv("MD5", x, 8, x, 8, 32, y), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skeyid),	cmocka_unit_test(test_skeyid_dae),
		cmocka_unit_test(test_enc_key), cmocka_unit_test(test_iv),
		cmocka_unit_test(test_hash_ir), cmocka_unit_test(test_qm_hash),
		cmocka_unit_test(test_keymat),	cmocka_unit_test(test_unknown_md),
	};

	return cmocka_run_group_tests_name("crypto_keying", tests, NULL, NULL);
}
