/* SPDX-License-Identifier: MIT */
/*
 * ctl_parse.c — `brudvagtctl parse FILE…`: stateless analysis of RFC 5322
 * messages, one JSON object per message, one a line (the contract's keys).
 * An unreadable or unanalysable file gives {"file": …, "error": …}; the
 * other files are still processed and the exit status is 65.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "daemon/ctl.h"
#include "filters/analysis.h"
#include "lib/buf.h"
#include "lib/log.h"

#define EX_OK_ 0
#define EX_DATAERR_ 65

/* Read all of f, at most max bytes (more is cut: the analysis flags it).
 * Returns 0, or -1 with errno. */
static int
read_all(FILE *f, size_t max, struct buf *b)
{
	char chunk[65536];
	struct stat st;
	size_t n;

	/* a regular file's size is known: one allocation, not doubling */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		buf_reserve(b, (size_t)st.st_size < max ? (size_t)st.st_size : max);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (b->len < max)
			buf_append(b, chunk, b->len + n > max ? max - b->len : n);
	return ferror(f) ? -1 : 0;
}

static void
print_error(const char *file, const char *msg)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "error", json_string(msg));
	s = json_dumps(o, JSON_PRESERVE_ORDER);
	puts(s);
	free(s);
	json_decref(o);
}

static int
parse_one(const struct settings *s, const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	struct buf b = { 0 };
	struct analysis *a = NULL;
	struct err e = { 0 };
	char *json;
	int rc;

	if (f == NULL) {
		print_error(file, strerror(errno));
		return EX_DATAERR_;
	}
	/* one byte over the limit lets the decoder see it was cut */
	rc = read_all(f, s->limits.max_message_bytes + 1, &b);
	if (f != stdin)
		fclose(f);
	if (rc < 0) {
		print_error(file, strerror(errno));
		buf_free(&b);
		return EX_DATAERR_;
	}
	if (analysis_run(s, buf_cstr(&b), b.len, &a, &e) < 0) {
		print_error(file, e.msg[0] ? e.msg : "not an RFC 5322 message");
		buf_free(&b);
		return EX_DATAERR_;
	}
	json = analysis_to_json(s, a, file);
	puts(json);
	free(json);
	analysis_free(&a);
	buf_free(&b);
	return EX_OK_;
}

int
ctl_parse(const struct settings *s, int argc, char **argv)
{
	int i, rc = EX_OK_;

	if (argc < 2) {
		fprintf(stderr, "usage: brudvagtctl [-c CONFIG] parse FILE... (- reads stdin)\n");
		return 64;
	}
	for (i = 1; i < argc; i++)
		if (parse_one(s, argv[i]) != EX_OK_)
			rc = EX_DATAERR_;
	fflush(stdout);
	return rc;
}
