/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mime.c — libFuzzer target for filters/mime.c and filters/html.c.
 *
 * The first byte picks the limits: the daemon's defaults, or tight ones so
 * the truncation paths (message, header, line, depth, parts, text) are
 * reached by inputs of a few KB. The rest is one raw message for
 * mime_parse(); its result must keep mime.h's promises: text never NULL,
 * NUL-free, text_len right, UTF-8. The whole input is also given to
 * html_to_text(), whose text must be UTF-8 when the input was (html.h
 * leaves converting to UTF-8 to the caller).
 * Built by `make fuzz` (clang, ASan+UBSan); run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filters/html.h"
#include "filters/mime.h"
#include "tests/fuzz/fuzz_check.h"

static const struct limits LIM_DEFAULT = {
	50u << 20, 256u << 10, 1u << 20, 20, 500, 4u << 20
};
static const struct limits LIM_TIGHT = {
	4096, 512, 256, 3, 8, 1024
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_headers(const struct mime_header *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(h[i].name != NULL && h[i].value != NULL);
		FUZZ_ASSERT(strpbrk(h[i].value, "\r\n") == NULL);
	}
}

static void
check_msg(const struct mime_msg *m)
{
	size_t i;

	FUZZ_ASSERT(m->text != NULL);
	FUZZ_ASSERT(strlen(m->text) == m->text_len);
	FUZZ_ASSERT(fuzz_is_utf8(m->text, m->text_len));
	check_headers(m->headers, m->nheaders);
	check_headers(m->returned_headers, m->nreturned_headers);
	for (i = 0; i < m->nattachments; i++)
		FUZZ_ASSERT(m->attachments[i].content_type != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct limits *lim;
	struct mime_msg *m = NULL;
	struct err e;
	char *text;

	if (size == 0)
		return 0;
	lim = data[0] & 1 ? &LIM_TIGHT : &LIM_DEFAULT;
	if (mime_parse((const char *)data + 1, size - 1, lim, &m, &e) == 0) {
		check_msg(m);
		mime_msg_free(&m);
	} else {
		FUZZ_ASSERT(m == NULL && e.msg[0] != '\0');
	}

	text = html_to_text((const char *)data, size);
	FUZZ_ASSERT(text != NULL);
	if (fuzz_is_utf8((const char *)data, size))
		FUZZ_ASSERT(fuzz_is_utf8(text, strlen(text)));
	free(text);
	return 0;
}
