/* SPDX-License-Identifier: MIT */
/*
 * Tests for lib/atomicfile.c: durable writes, and fault injection with
 * -Wl,--wrap=fsync,write,rename,syncfs (tests/test_atomicfile.wrap): ENOSPC
 * and EIO at each step return an error and leave neither the file nor a
 * temp file;
 * the same for a batch of files behind one barrier.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/atomicfile.h"
#include "lib/xalloc.h"

/* Fault injection: the nth call (1-based) of fn fails with err. */
enum fn { FN_NONE, FN_FSYNC, FN_WRITE, FN_RENAME, FN_SHORT_WRITE, FN_SYNCFS };
static struct { enum fn fn; int nth, err, calls; } fault;

int __real_fsync(int fd);
int __wrap_fsync(int fd);
ssize_t __real_write(int fd, const void *p, size_t n);
ssize_t __wrap_write(int fd, const void *p, size_t n);
int __real_rename(const char *from, const char *to);
int __wrap_rename(const char *from, const char *to);
int __real_syncfs(int fd);
int __wrap_syncfs(int fd);

static int
fault_hit(enum fn fn)
{
	if (fault.fn != fn)
		return 0;
	return ++fault.calls == fault.nth;
}

int
__wrap_fsync(int fd)
{
	if (fault_hit(FN_FSYNC)) {
		errno = fault.err;
		return -1;
	}
	return __real_fsync(fd);
}

ssize_t
__wrap_write(int fd, const void *p, size_t n)
{
	if (fault.fn == FN_SHORT_WRITE) {
		/* first call writes one byte, the second fails */
		fault.calls++;
		if (fault.calls == 1 && n > 1)
			return __real_write(fd, p, 1);
		if (fault.calls == 2) {
			errno = fault.err;
			return -1;
		}
	}
	if (fault_hit(FN_WRITE)) {
		errno = fault.err;
		return -1;
	}
	return __real_write(fd, p, n);
}

int
__wrap_rename(const char *from, const char *to)
{
	if (fault_hit(FN_RENAME)) {
		errno = fault.err;
		return -1;
	}
	return __real_rename(from, to);
}

int
__wrap_syncfs(int fd)
{
	if (fault_hit(FN_SYNCFS)) {
		errno = fault.err;
		return -1;
	}
	return __real_syncfs(fd);
}

static int
setup(void **state)
{
	char *dir = xstrdup("/tmp/bv-atomicfile-XXXXXX");

	if (mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	memset(&fault, 0, sizeof(fault));
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

static size_t
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = xcalloc(1, 4096);

	if (f == NULL) {
		free(s);
		return NULL;
	}
	assert_true(fread(s, 1, 4095, f) < 4095);
	fclose(f);
	return s;
}

static void
test_write_ok(void **state)
{
	const char *root = *state;
	struct err e = { 0 };
	struct stat sb;
	char *path, *s;

	assert_int_equal(atomicfile_write(root, "a/b/c.txt", "hello", 5, &e),
			 0);
	path = xasprintf("%s/a/b/c.txt", root);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	s = slurp(path);
	assert_string_equal(s, "hello");
	free(s);
	/* replacing works, too */
	assert_int_equal(atomicfile_write(root, "a/b/c.txt", "bye", 3, &e), 0);
	s = slurp(path);
	assert_string_equal(s, "bye");
	free(s);
	free(path);
	path = xasprintf("%s/tmp", root);
	assert_int_equal(count_entries(path), 0);
	free(path);
}

static void
test_bad_paths(void **state)
{
	static const char *const bad[] = {
		"", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a/",
	};
	struct err e = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(atomicfile_write(*state, bad[i], "x", 1, &e),
				 -1);
		assert_int_equal(e.code, 64);
	}
	assert_true(atomicfile_relpath_is_clean("archive/ab/cd"));
}

static void
test_faults(void **state)
{
	static const struct {
		enum fn fn;
		int nth, err;
		const char *msg;	/* substring of the error */
		int old_kept;		/* the previous file survives */
	} cases[] = {
		{ FN_WRITE, 1, ENOSPC, "write", 1 },
		{ FN_WRITE, 1, EIO, "Input/output error", 1 },
		{ FN_SHORT_WRITE, 0, ENOSPC, "No space left on device", 1 },
		{ FN_FSYNC, 1, EIO, "fsync", 1 },
		{ FN_FSYNC, 1, ENOSPC, "No space left", 1 },
		{ FN_RENAME, 1, EIO, "rename", 1 },
		{ FN_RENAME, 1, ENOSPC, "rename", 1 },
		/* the directory fsync after the rename: the new file goes */
		{ FN_FSYNC, 2, EIO, "fsync", 0 },
	};
	const char *root = *state;
	char *path = xasprintf("%s/q/file", root);
	char *tmpdir = xasprintf("%s/tmp", root);
	struct err e;
	size_t i;
	char *s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&fault, 0, sizeof(fault));
		assert_int_equal(atomicfile_write(root, "q/file", "old", 3,
						  NULL), 0);
		fault.fn = cases[i].fn;
		fault.nth = cases[i].nth;
		fault.err = cases[i].err;
		memset(&e, 0, sizeof(e));
		assert_int_equal(atomicfile_write(root, "q/file", "new data",
						  8, &e), -1);
		assert_int_equal(e.code, 74);
		assert_non_null(strstr(e.msg, cases[i].msg));
		assert_int_equal(count_entries(tmpdir), 0);
		s = slurp(path);
		if (cases[i].old_kept) {
			assert_string_equal(s, "old");
		} else {
			assert_null(s);
			unlink(path);
		}
		free(s);
		/* a fresh name: nothing at all is left in place */
		fault.calls = 0;
		assert_int_equal(atomicfile_write(root, "q/fresh", "fresh", 5, &e),
				 -1);
		s = xasprintf("%s/q/fresh", root);
		assert_int_equal(access(s, F_OK), -1);
		free(s);
		assert_int_equal(count_entries(tmpdir), 0);
	}
	free(path);
	free(tmpdir);
}

/* Files behind one barrier: all there after the commit, nothing before
 * it; a fault at any step of the barrier leaves none of them. Three files
 * and a kept one take the syncfs way, two and a kept one the fsync way. */
static void
test_batch(void **state)
{
	static const struct {
		size_t nfiles;
		enum fn fn;
		int nth;
	} faults[] = {
		{ 3, FN_NONE, 0 },
		{ 3, FN_SYNCFS, 1 },			/* before the renames */
		{ 3, FN_RENAME, 1 }, { 3, FN_RENAME, 2 },	/* after one */
		{ 3, FN_SYNCFS, 2 },			/* after the renames */
		{ 2, FN_NONE, 0 },
		{ 2, FN_FSYNC, 2 },			/* a file's fsync */
		{ 2, FN_FSYNC, 3 },			/* the kept file's */
		{ 2, FN_RENAME, 2 },
		{ 2, FN_FSYNC, 4 },			/* a directory's */
	};
	const char *root = *state, *names[] = { "b/one", "c/two", "b/three" };
	char *tmpdir = xasprintf("%s/tmp", root), *kept = xasprintf("%s/k", root);
	struct atomicfile_batch *b;
	struct err e;
	size_t i, k;
	char *s;

	assert_int_equal(atomicfile_write(root, "k", "kept", 4, NULL), 0);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		memset(&fault, 0, sizeof(fault));
		b = atomicfile_batch_new(root);
		for (k = 0; k < faults[i].nfiles; k++)
			assert_int_equal(atomicfile_batch_add(b, names[k], names[k],
							      strlen(names[k]), &e), 0);
		atomicfile_batch_keep(b, "k");
		assert_int_equal(atomicfile_batch_count(b), faults[i].nfiles + 1);
		s = xasprintf("%s/b/one", root);
		assert_int_equal(access(s, F_OK), -1);	/* not before the commit */
		free(s);
		fault.fn = faults[i].fn;
		fault.nth = faults[i].nth;
		fault.err = EIO;
		memset(&e, 0, sizeof(e));
		assert_int_equal(atomicfile_batch_commit(b, &e),
				 faults[i].fn == FN_NONE ? 0 : -1);
		assert_int_equal(fault.calls >= fault.nth, true);
		assert_int_equal(atomicfile_batch_count(b), 0);
		atomicfile_batch_free(&b);
		assert_null(b);
		assert_int_equal(count_entries(tmpdir), 0);
		for (k = 0; k < faults[i].nfiles; k++) {
			s = xasprintf("%s/%s", root, names[k]);
			if (faults[i].fn == FN_NONE) {
				char *got = slurp(s);

				assert_string_equal(got, names[k]);
				free(got);
				unlink(s);
			} else {
				assert_int_equal(access(s, F_OK), -1);
			}
			free(s);
		}
		s = slurp(kept);
		assert_string_equal(s, "kept");	/* a kept file is never removed */
		free(s);
	}
	/* freed without a commit: nothing stays behind */
	b = atomicfile_batch_new(root);
	assert_int_equal(atomicfile_batch_add(b, "b/one", "x", 1, &e), 0);
	atomicfile_batch_free(&b);
	assert_int_equal(count_entries(tmpdir), 0);
	free(tmpdir);
	free(kept);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
