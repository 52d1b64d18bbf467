/* SPDX-License-Identifier: MIT */
/*
 * Tests for spool/archive.c: SHA-256 names, idempotent puts, read-back, and
 * damaged files reported (get) or moved to corrupt/ (put), never deleted.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/xalloc.h"
#include "spool/archive.h"

static int
setup(void **state)
{
	char *dir = xstrdup("/tmp/bv-archive-XXXXXX");

	if (mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", (char *)*state);
	int rc = system(cmd);

	free(cmd);
	free(*state);
	return rc == 0 ? 0 : -1;
}

static void
test_hash_vectors(void **state)
{
	static const struct { const char *in, *hex; } cases[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb924"
		      "27ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad" },
	};
	char hex[ARCHIVE_HASH_HEX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(archive_hash(cases[i].in, strlen(cases[i].in),
					      hex, NULL), 0);
		assert_string_equal(hex, cases[i].hex);
	}
}

static void
test_body_hash(void **state)
{
	static const struct { const char *a, *b; int same; } cases[] = {
		{ "Received: x\r\nSubject: s\r\n\r\nbody\r\n",
		  "Received: y\r\nDelivered-To: z\r\nSubject: s\r\n\r\nbody\r\n",
		  1 },
		{ "A: x\n\nbody\n", "B: y\n\nbody\n", 1 },
		{ "A: x\n\nbody\n", "A: x\n\nbodY\n", 0 },
		{ "A: x\n", "B: y\n", 1 },	/* no body at all */
	};
	char ha[ARCHIVE_HASH_HEX], hb[ARCHIVE_HASH_HEX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(archive_body_hash(cases[i].a,
			strlen(cases[i].a), ha, NULL), 0);
		assert_int_equal(archive_body_hash(cases[i].b,
			strlen(cases[i].b), hb, NULL), 0);
		assert_int_equal(strcmp(ha, hb) == 0, cases[i].same);
	}
}

static void
test_put_get(void **state)
{
	const char *spool = *state;
	const char msg[] = "Subject: brud\r\n\r\nder er sket et brud\r\n";
	char path[ARCHIVE_PATH_MAX], path2[ARCHIVE_PATH_MAX], hex[65];
	char *full, *back;
	struct stat sb, sb2;
	struct err e = { 0 };
	size_t len;

	assert_int_equal(archive_put(spool, msg, strlen(msg), path, &e), 0);
	assert_int_equal(archive_hash(msg, strlen(msg), hex, NULL), 0);
	assert_int_equal(strlen(path), ARCHIVE_PATH_MAX - 1);
	assert_memory_equal(path, "archive/", 8);
	assert_memory_equal(path + 8, hex, 2);
	assert_string_equal(path + 11, hex);
	full = xasprintf("%s/%s", spool, path);
	assert_int_equal(stat(full, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* idempotent: the same file, untouched */
	assert_int_equal(archive_put(spool, msg, strlen(msg), path2, &e), 0);
	assert_string_equal(path, path2);
	assert_int_equal(stat(full, &sb2), 0);
	assert_int_equal(sb.st_ino, sb2.st_ino);

	assert_int_equal(archive_get(spool, path, &back, &len, &e), 0);
	assert_int_equal(len, strlen(msg));
	assert_string_equal(back, msg);
	free(back);
	free(full);
}

static void
test_damaged(void **state)
{
	const char *spool = *state;
	const char msg[] = "Subject: x\r\n\r\nbody\r\n";
	char path[ARCHIVE_PATH_MAX], *full, *back, *corrupt;
	struct err e = { 0 };
	size_t len;
	FILE *f;
	DIR *d;
	int n = 0;

	assert_int_equal(archive_put(spool, msg, strlen(msg), path, &e), 0);
	full = xasprintf("%s/%s", spool, path);
	f = fopen(full, "w");
	assert_non_null(f);
	fputs("Subject: x\r\n\r\nbod", f);
	fclose(f);

	/* get reports it and leaves it where it is */
	assert_int_equal(archive_get(spool, path, &back, &len, &e), -1);
	assert_int_equal(e.code, 65);
	assert_non_null(strstr(e.msg, "does not match"));
	assert_int_equal(access(full, F_OK), 0);

	/* put moves it aside and writes the message afresh */
	assert_int_equal(archive_put(spool, msg, strlen(msg), path, &e), 0);
	assert_int_equal(archive_get(spool, path, &back, &len, &e), 0);
	assert_string_equal(back, msg);
	free(back);
	corrupt = xasprintf("%s/corrupt", spool);
	d = opendir(corrupt);
	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	assert_int_equal(n, 3);		/* ".", ".." and the damaged file */
	free(corrupt);

	/* a missing file is an I/O error */
	unlink(full);
	assert_int_equal(archive_get(spool, path, &back, &len, &e), -1);
	assert_int_equal(e.code, 74);
	free(full);
}

static void
test_bad_paths(void **state)
{
	static const char *const bad[] = {
		"", "archive/", "../etc/passwd",
		"archive/ab/cd",
		"archive/ab/../../../../../../../../../../../../../etc/passwd",
		"archive/xx/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"archive/E3/E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
	};
	struct err e = { 0 };
	char *back;
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(archive_get(*state, bad[i], &back, &len, &e),
				 -1);
		assert_int_equal(e.code, 64);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_body_hash),
		cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
