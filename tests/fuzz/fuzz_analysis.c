/* SPDX-License-Identifier: MIT */
/*
 * fuzz_analysis.c — libFuzzer target for the whole analysis of a message.
 *
 * Each input is one raw message. It goes through analysis_run() with the
 * embedded default settings (conf/brudvagt.conf) and analysis_to_json(),
 * as brudvagtctl parse and brudvagtd do; its text fields must be UTF-8
 * and the JSON must parse back. The
 * same bytes are then fed to a mime_feeder in 1-byte chunks and in chunks
 * of sizes drawn from the input, as the milter receives a body, and each
 * result must equal mime_parse() of the whole (mime.h promises that).
 * Built by `make fuzz` (clang, ASan+UBSan); run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conf/settings.h"
#include "filters/analysis.h"
#include "filters/mime.h"
#include "tests/fuzz/fuzz_check.h"

static struct settings *S;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err e;

	(void)argc;
	(void)argv;
	if (settings_load_default(&S, &e) != 0) {
		fprintf(stderr, "fuzz_analysis: default settings: %s\n", e.msg);
		abort();
	}
	return 0;
}

static bool
str_equal(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
headers_equal(const struct mime_header *a, const struct mime_header *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!str_equal(a[i].name, b[i].name) ||
		    !str_equal(a[i].value, b[i].value))
			return false;
	return true;
}

static bool
msg_equal(const struct mime_msg *a, const struct mime_msg *b)
{
	size_t i;

	if (a->nheaders != b->nheaders || a->text_len != b->text_len ||
	    a->nattachments != b->nattachments ||
	    a->nreturned_headers != b->nreturned_headers ||
	    a->is_delivery_report != b->is_delivery_report ||
	    a->has_html_only != b->has_html_only ||
	    a->truncated != b->truncated || a->malformed != b->malformed ||
	    a->nparts != b->nparts ||
	    memcmp(a->text, b->text, a->text_len) != 0 ||
	    !str_equal(a->delivery_status, b->delivery_status) ||
	    !headers_equal(a->headers, b->headers, a->nheaders) ||
	    !headers_equal(a->returned_headers, b->returned_headers,
			   a->nreturned_headers))
		return false;
	for (i = 0; i < a->nattachments; i++)
		if (!str_equal(a->attachments[i].filename, b->attachments[i].filename) ||
		    !str_equal(a->attachments[i].content_type,
			       b->attachments[i].content_type) ||
		    a->attachments[i].size != b->attachments[i].size)
			return false;
	return true;
}

/* Feed data in chunks: every chunk 1 byte (seed 0), or sizes 1..8192
 * drawn from a generator seeded by the input. Compare with whole. */
static void
check_feeder(const uint8_t *data, size_t size, const struct mime_msg *whole,
	     uint32_t seed)
{
	struct mime_feeder *f = mime_feeder_new(&S->limits);
	struct mime_msg *m = NULL;
	struct err e;
	size_t off = 0, n;
	int rc;

	while (off < size) {
		if (seed == 0) {
			n = 1;
		} else {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 8) % 8192;
		}
		if (n > size - off)
			n = size - off;
		FUZZ_ASSERT(mime_feeder_push(f, data + off, n) == 0);
		off += n;
	}
	FUZZ_ASSERT(mime_feeder_size(f) == size);
	rc = mime_feeder_finish(f, &m, &e);
	mime_feeder_free(&f);
	FUZZ_ASSERT(f == NULL);
	FUZZ_ASSERT((rc == 0) == (whole != NULL));
	if (rc == 0) {
		FUZZ_ASSERT(msg_equal(whole, m));
		mime_msg_free(&m);
	}
}

/* Every text the analysis hands on (JSON, store, forwards) is UTF-8. */
static void
check_utf8(const struct analysis *a)
{
	const char *const f[] = {
		a->message_id, a->from_addr, a->from_name, a->subject,
		a->in_reply_to, a->references, a->description, a->cause,
		a->consequences, a->measures, a->text_redacted,
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		FUZZ_ASSERT(f[i] == NULL || fuzz_is_utf8(f[i], strlen(f[i])));
	for (i = 0; i < a->nattachments; i++)
		FUZZ_ASSERT(a->attachments[i].filename == NULL ||
			    fuzz_is_utf8(a->attachments[i].filename,
					 strlen(a->attachments[i].filename)));
}

static void
check_analysis(const uint8_t *data, size_t size)
{
	struct analysis *a = NULL;
	struct err e;
	json_error_t je;
	json_t *j;
	char *out;
	int rc;

	rc = analysis_run(S, (const char *)data, size, &a, &e);
	FUZZ_ASSERT(rc >= -1 && rc <= 1);
	if (rc == -1) {
		FUZZ_ASSERT(a == NULL);
		return;
	}
	FUZZ_ASSERT(a != NULL && (rc == 1) == (a->error != NULL));
	check_utf8(a);
	out = analysis_to_json(S, a, "fuzz.eml");
	FUZZ_ASSERT(out != NULL);
	j = json_loads(out, 0, &je);
	FUZZ_ASSERT(json_is_object(j));
	json_decref(j);
	free(out);
	analysis_free(&a);
	FUZZ_ASSERT(a == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_msg *whole = NULL;
	struct err e;
	uint32_t seed = 2166136261u;
	size_t i;

	check_analysis(data, size);

	if (mime_parse((const char *)data, size, &S->limits, &whole, &e) != 0)
		FUZZ_ASSERT(whole == NULL);
	for (i = 0; i < size && i < 64; i++)
		seed = (seed ^ data[i]) * 16777619u;
	check_feeder(data, size, whole, 0);
	check_feeder(data, size, whole, seed | 1);
	mime_msg_free(&whole);
	return 0;
}
