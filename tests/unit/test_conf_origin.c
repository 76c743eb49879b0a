/* Where settings come from, as the compact sections keep it (an origin is
 * a line, a file index and a key table row; an ID lives in one byte arena
 * of the load): errors found only when conns are built name the file,
 * the line and the spelling (an alias too) of the setting, also when it
 * came from an indented include or from %default; IDs reach the conns
 * whole through %default and also=; and 300 included files (the file
 * names' hash grows several times) keep each conn's own file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include "conf/helpers.h"
#include "wire/isakmp.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void expect_load_error(const char *path, const char *want)
{
	struct conf *c = NULL;
	char err[1024];
	int ret = conf_load(path, NULL, stub_is_local, (void *)here, &c, err, sizeof(err));

	if (ret != -EINVAL || strcmp(err, want))
		fail_msg("want -EINVAL \"%s\"\n got %d \"%s\"", want, ret, err);
	assert_null(c);
}

/* A setting of an indented include, found wrong only when the conn is
 * built: the message names the included file, its line and the alias. */
static void test_origin_in_include(void **state)
{
	char dir[] = "/tmp/oakley-origin-XXXXXX", inc[128], path[128], text[512], want[1024];

	assert_non_null(mkdtemp(dir));
	snprintf(inc, sizeof(inc), "%s/esp.inc", dir);
	write_file(inc, "# esp\n phase2alg=aes128-sha1-modp2048,aes128-sha1-modp1024\n");
	snprintf(path, sizeof(path), "%s/ipsec.conf", dir);
	snprintf(text, sizeof(text),
		 "conn a\n left=10.0.0.1\n right=10.0.0.2\n include esp.inc\n auto=add\n");
	write_file(path, text);
	snprintf(want, sizeof(want),
		 "%s:2: conn 'a': quick mode sends one PFS group, but phase2alg= offers "
		 "modp2048 and modp1024",
		 inc);
	expect_load_error(path, want);

	/* from %default, in the main file, after the conn */
	write_file(path, "conn a\n left=10.0.0.1\n right=10.0.0.2\n\nconn %default\n"
			 " rightid=@peer\n leftid=%any\n");
	snprintf(want, sizeof(want), "%s:7: leftid=%%any in conn 'a': the local ID must be one ID",
		 path);
	expect_load_error(path, want);
	unlink(inc);
	unlink(path);
	rmdir(dir);
}

static void assert_id_bytes(const struct conf_id *id, uint8_t type, const char *data)
{
	assert_int_equal(id->type, type);
	assert_int_equal(id->len, strlen(data));
	assert_memory_equal(id->data, data, id->len);
	/* the rest of the struct is zero, as before the arena */
	for (size_t i = id->len; i < sizeof(id->data); i++)
		assert_int_equal(id->data[i], 0);
}

static void test_ids_inherited(void **state)
{
	static const char text[] = "conn %default\n leftid=@gw.example\n\n"
				   "conn base\n rightid=user@peer.example\n auto=ignore\n\n"
				   "conn a\n also=base\n left=10.0.0.1\n right=10.0.0.2\n\n"
				   "conn b\n also=base\n left=10.0.0.1\n right=10.0.0.3\n"
				   " rightid=@#0102ff\n leftid=\n";
	struct loaded l;
	const struct conf *c = load_ok(&l, text, NULL);
	static const uint8_t ip1[4] = {10, 0, 0, 1};

	assert_int_equal(c->nconns, 2);
	assert_id_bytes(&c->conns[0].local.id, ID_FQDN, "gw.example");
	assert_id_bytes(&c->conns[0].remote.id, ID_USER_FQDN, "user@peer.example");
	assert_id_bytes(&c->conns[1].remote.id, ID_KEY_ID, "\x01\x02\xff");
	/* leftid= resets: the address is the ID */
	assert_int_equal(c->conns[1].local.id.type, ID_IPV4_ADDR);
	assert_memory_equal(c->conns[1].local.id.data, ip1, 4);
	loaded_free(&l);
}

#define NFILES 300

static void test_many_files(void **state)
{
	char dir[] = "/tmp/oakley-files-XXXXXX", path[NFILES][128], main_path[128], want[1024];
	char text[256];
	struct conf *c = NULL;
	unsigned i;
	int ret;

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < NFILES; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/c%03u.conf", dir, i);
		snprintf(text, sizeof(text), "\nconn c%u\n left=10.0.0.1\n right=10.0.%u.%u\n", i,
			 1 + i / 250, 1 + i % 250);
		write_file(path[i], text);
	}
	snprintf(main_path, sizeof(main_path), "%s/ipsec.conf", dir);
	write_file(main_path, "include c*.conf\n# and the first one again\ninclude c000.conf\n");
	/* c000.conf read twice defines c0 twice: the second read names the
	 * same file (the hash finds it) */
	ret = conf_load(main_path, NULL, stub_is_local, (void *)here, &c, want, sizeof(want));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(want, "conn 'c0' is defined twice"));
	write_file(main_path, "include c*.conf\n");
	ret = conf_load(main_path, NULL, stub_is_local, (void *)here, &c, want, sizeof(want));
	if (ret)
		fail_msg("%s", want);
	assert_int_equal(c->nconns, NFILES);
	assert_int_equal(c->nfiles, NFILES + 1);
	for (i = 0; i < NFILES; i++) {
		assert_string_equal(c->conns[i].file, path[i]);
		assert_int_equal(c->conns[i].line, 2);
	}
	conf_free(c);
	/* an error in a late file names it */
	write_file(path[250], "conn c250\n left=10.0.0.1\n ike=aes128-sha1-modp2048\n"
			      " aggressive=yes\n ike=aes128-sha1-modp2048,aes128-sha1-modp1024\n");
	snprintf(want, sizeof(want),
		 "%s:5: conn 'c250': aggressive mode sends one DH group, but ike= offers "
		 "modp2048 and modp1024",
		 path[250]);
	expect_load_error(main_path, want);
	for (i = 0; i < NFILES; i++)
		unlink(path[i]);
	unlink(main_path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origin_in_include),
		cmocka_unit_test(test_ids_inherited),
		cmocka_unit_test(test_many_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
