/* SPDX-License-Identifier: MIT */
/*
 * ctl_cases.c — `brudvagtctl cases [--json]`: one line per case, oldest
 * first. For a person an aligned table with a header (REF, STATUS, NEXT
 * DEADLINE, OUTSTANDING, MUNICIPALITIES); with --json one JSON object per
 * line with the keys ref, status, origin, severity, created_at,
 * municipalities, affects_all, outstanding, next_deadline,
 * next_deadline_kind. Reads the store only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ctl.h"
#include "lib/xalloc.h"

enum { COL_REF, COL_STATUS, COL_DEADLINE, COL_OUTSTANDING, COL_MUNI, NCOL };

static const char *const HEADER[NCOL] = {
	"REF", "STATUS", "NEXT DEADLINE", "OUTSTANDING", "MUNICIPALITIES",
};

/* Width on a terminal: UTF-8 code points (the Danish letters are two bytes). */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* names joined with ", " into out, or "-" when there are none. */
static void
join(const char *const *v, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(out, ", ");
		buf_puts(out, v[i]);
	}
	if (n == 0)
		buf_puts(out, "-");
}

#define OUTSTANDING_SHOWN 4

static void
outstanding_text(const struct store_case *c, struct buf *out)
{
	const char **v = xcalloc(c->nparties + 1, sizeof(*v));
	size_t n = 0, i;

	for (i = 0; i < c->nparties; i++)
		if (ctl_party_owes_ack(&c->parties[i]))
			v[n++] = c->parties[i].name;
	/* a case of all 40 would make a 400-character column: the first
	 * few and a count (show REF and --json list them all) */
	if (n > OUTSTANDING_SHOWN) {
		join(v, OUTSTANDING_SHOWN, out);
		buf_printf(out, " +%zu", n - OUTSTANDING_SHOWN);
	} else {
		join(v, n, out);
	}
	free(v);
}

static void
deadline_text(const struct settings *s, const struct store_case *c,
	      int64_t now, struct buf *out)
{
	struct ctl_deadline d;
	char t[CTL_TIME_MAX];

	if (!ctl_next_deadline(s, c, &d)) {
		buf_puts(out, "-");
		return;
	}
	ctl_time_short(d.at, t);
	buf_printf(out, "%s %s%s", t, ctl_deadline_kind_name(d.kind),
		   d.at <= now ? " overskredet" : "");
}

/* The cells of one case's row (each owned by cell[i]). */
static void
row_cells(const struct settings *s, const struct store_case *c, int64_t now,
	  struct buf cell[NCOL])
{
	const char **m;
	size_t n;

	buf_puts(&cell[COL_REF], c->ref);
	buf_puts(&cell[COL_STATUS], store_case_status_name(c->status));
	deadline_text(s, c, now, &cell[COL_DEADLINE]);
	outstanding_text(c, &cell[COL_OUTSTANDING]);
	n = ctl_case_municipalities(c, &m);
	if (c->affects_all)
		buf_puts(&cell[COL_MUNI], "alle kommuner");
	else
		join(m, n, &cell[COL_MUNI]);
	free(m);
}

static void
put_row(const char *const cell[NCOL], const size_t w[NCOL], struct buf *out)
{
	size_t i, pad;

	for (i = 0; i < NCOL; i++) {
		buf_puts(out, cell[i]);
		if (i + 1 == NCOL)
			break;
		for (pad = width(cell[i]); pad < w[i] + 2; pad++)
			buf_putc(out, ' ');
	}
	buf_putc(out, '\n');
}

void
ctl_cases_table(const struct settings *s, const struct store_case *v,
		size_t n, int64_t now, struct buf *out)
{
	struct buf *cells = xcalloc(n * NCOL + 1, sizeof(*cells));
	const char *row[NCOL];
	size_t w[NCOL], i, k;

	for (k = 0; k < NCOL; k++)
		w[k] = width(HEADER[k]);
	for (i = 0; i < n; i++) {
		row_cells(s, &v[i], now, &cells[i * NCOL]);
		for (k = 0; k < NCOL; k++)
			if (width(buf_cstr(&cells[i * NCOL + k])) > w[k])
				w[k] = width(buf_cstr(&cells[i * NCOL + k]));
	}
	put_row(HEADER, w, out);
	for (i = 0; i < n; i++) {
		for (k = 0; k < NCOL; k++)
			row[k] = buf_cstr(&cells[i * NCOL + k]);
		put_row(row, w, out);
	}
	for (i = 0; i < n * NCOL; i++)
		buf_free(&cells[i]);
	free(cells);
}

json_t *
ctl_cases_json(const struct settings *s, const struct store_case *c)
{
	json_t *o = json_object(), *m = json_array(), *out = json_array();
	const char **names;
	struct ctl_deadline d;
	size_t n, i;
	bool has = ctl_next_deadline(s, c, &d);

	n = ctl_case_municipalities(c, &names);
	for (i = 0; i < n; i++)
		json_array_append_new(m, json_string(names[i]));
	free(names);
	for (i = 0; i < c->nparties; i++)
		if (ctl_party_owes_ack(&c->parties[i]))
			json_array_append_new(out,
					      json_string(c->parties[i].name));
	json_object_set_new(o, "ref", json_string(c->ref));
	json_object_set_new(o, "status",
			    json_string(store_case_status_name(c->status)));
	json_object_set_new(o, "origin", c->origin == STORE_ORIGIN_NONE ?
			    json_null() :
			    json_string(store_origin_name(c->origin)));
	json_object_set_new(o, "severity", ctl_json_text(c->severity));
	json_object_set_new(o, "created_at", ctl_json_time(c->created_at));
	json_object_set_new(o, "municipalities", m);
	json_object_set_new(o, "affects_all", json_boolean(c->affects_all));
	json_object_set_new(o, "outstanding", out);
	json_object_set_new(o, "next_deadline",
			    has ? ctl_json_time(d.at) : json_null());
	json_object_set_new(o, "next_deadline_kind", has ?
			    json_string(ctl_deadline_kind_name(d.kind)) :
			    json_null());
	return o;
}

static int
print_json(const struct settings *s, const struct store_case *v, size_t n)
{
	size_t i;
	char *line;
	json_t *o;

	for (i = 0; i < n; i++) {
		o = ctl_cases_json(s, &v[i]);
		line = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
		json_decref(o);
		if (line == NULL)
			return CTL_EX_IOERR;
		puts(line);
		free(line);
	}
	return 0;
}

int
ctl_cases(const struct settings *s, int argc, char **argv)
{
	struct store *st = NULL;
	struct store_case *v = NULL;
	struct buf out = { 0 };
	struct err e = { 0 };
	size_t n = 0;
	int json = 0, rc;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1) {
		fprintf(stderr, "usage: brudvagtctl -c CONFIG cases [--json]\n");
		return CTL_EX_USAGE;
	}
	if ((rc = ctl_store_open(s, &st)) != 0)
		return rc;
	if (store_case_list(st, &v, &n, &e) == -1) {
		fprintf(stderr, "brudvagtctl: %s\n", e.msg);
		store_close(&st);
		return CTL_EX_UNAVAILABLE;
	}
	store_close(&st);
	if (json) {
		rc = print_json(s, v, n);
	} else {
		ctl_cases_table(s, v, n, (int64_t)time(NULL), &out);
		fputs(buf_cstr(&out), stdout);
		buf_free(&out);
	}
	store_case_list_free(&v, n);
	return fflush(stdout) == 0 ? rc : CTL_EX_IOERR;
}
