/* SPDX-License-Identifier: MIT */
/*
 * ctl_export.c — `brudvagtctl export --format csv|json [--since DATE]`:
 * the breach register (fortegnelse) on stdout, one row per case and
 * affected municipality (register.c makes the bytes). DATE is YYYY-MM-DD,
 * a Copenhagen day: cases created from its midnight on. Reads the store
 * only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl.h"
#include "daemon/register.h"
#include "lib/cphtime.h"

static int
usage(void)
{
	fprintf(stderr, "usage: brudvagtctl -c CONFIG export --format csv|json "
		"[--since YYYY-MM-DD]\n");
	return CTL_EX_USAGE;
}

/* YYYY-MM-DD (Copenhagen midnight) into *r; -1 when it is not one. */
static int
parse_day(const char *s, int64_t *r)
{
	int y, m, d, n = 0;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3
	    || n != 10 || y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > cph_days_in_month(y, m))
		return -1;
	return cph_to_utc(y, m, d, 0, 0, r) ? 0 : -1;
}

/* Option value: "--opt VALUE" or "--opt=VALUE"; NULL when argv[*i] is
 * not opt. Advances *i past a separate value. */
static const char *
opt_value(int argc, char **argv, int *i, const char *opt, int *missing)
{
	size_t len = strlen(opt);

	if (strncmp(argv[*i], opt, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

static int
write_out(const char *format, const struct register_row *rows, size_t n)
{
	struct buf out = { 0 };
	char *text;
	json_t *a;

	if (strcmp(format, "csv") == 0) {
		register_csv(rows, n, &out);
		fwrite(out.s, 1, out.len, stdout);
		buf_free(&out);
	} else {
		a = register_json(rows, n);
		text = json_dumps(a, JSON_PRESERVE_ORDER | JSON_INDENT(2));
		json_decref(a);
		if (text == NULL)
			return CTL_EX_IOERR;
		puts(text);
		free(text);
	}
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : CTL_EX_IOERR;
}

int
ctl_export(const struct settings *s, int argc, char **argv)
{
	const char *format = NULL, *since = NULL, *v;
	struct store *st = NULL;
	struct store_case *cases = NULL;
	struct register_row *rows = NULL;
	struct err e = { 0 };
	int64_t from = 0;
	size_t n = 0, nrows;
	int i, missing = 0, rc;

	for (i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--format", &missing)))
			format = v;
		else if ((v = opt_value(argc, argv, &i, "--since", &missing)))
			since = v;
		else
			return usage();
	}
	if (missing || format == NULL ||
	    (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0))
		return usage();
	if (since != NULL && parse_day(since, &from) == -1) {
		fprintf(stderr, "brudvagtctl: --since %s: not a date "
			"YYYY-MM-DD\n", since);
		return CTL_EX_USAGE;
	}
	if ((rc = ctl_store_open(s, &st)) != 0)
		return rc;
	rc = store_case_list(st, &cases, &n, &e);
	store_close(&st);
	if (rc == -1) {
		fprintf(stderr, "brudvagtctl: %s\n", e.msg);
		return CTL_EX_UNAVAILABLE;
	}
	nrows = register_rows(cases, n, from, &rows);
	rc = write_out(format, rows, nrows);
	free(rows);
	store_case_list_free(&cases, n);
	return rc;
}
