/* SPDX-License-Identifier: MIT */
/*
 * register.c — the breach register (fortegnelse) as CSV or JSON (see
 * register.h). Owns the column order and the Danish words of the CSV.
 * Called by ctl_export.c; pure, so tests check the exact bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl.h"
#include "daemon/register.h"
#include "lib/cphtime.h"
#include "lib/xalloc.h"

static const char BOM[] = "\xEF\xBB\xBF";
static const char CRLF[] = "\r\n";

enum col {
	C_REF, C_MUNI, C_BREACH, C_DISCOVERED, C_DESCRIPTION, C_CAUSE,
	C_CATEGORIES, C_COUNT, C_CONSEQUENCES, C_MEASURES, C_REPORTED,
	C_STATUS, C_SEVERITY, C_CREATED, NCOL
};

/* Danish column name and JSON key, in the order of the columns. */
static const struct {
	const char *danish, *key;
} COLS[NCOL] = {
	[C_REF] = { "Sag", "case_ref" },
	[C_MUNI] = { "Kommune", "municipality" },
	[C_BREACH] = { "Dato og tidspunkt for bruddet", "breach_at" },
	[C_DISCOVERED] = { "Dato og tidspunkt for underretning",
			   "discovered_at" },
	[C_DESCRIPTION] = { "Hvad der skete", "description" },
	[C_CAUSE] = { "Årsag", "cause" },
	[C_CATEGORIES] = { "Typer af personoplysninger", "data_categories" },
	[C_COUNT] = { "Antal berørte", "affected_count" },
	[C_CONSEQUENCES] = { "Konsekvenser", "consequences" },
	[C_MEASURES] = { "Afhjælpende og forebyggende foranstaltninger",
			 "measures" },
	[C_REPORTED] = { "Anmeldt til Datatilsynet", "reported_to_authority" },
	[C_STATUS] = { "Status", "status" },
	[C_SEVERITY] = { "Alvorlighed", "severity" },
	[C_CREATED] = { "Oprettet", "created_at" },
};

static const char *const STATUS_DANISH[] = {
	[STORE_CASE_OPEN] = "Åben",
	[STORE_CASE_HELD] = "Tilbageholdt",
	[STORE_CASE_NEEDS_TRIAGE] = "Kræver vurdering",
	[STORE_CASE_CLOSED] = "Lukket",
	[STORE_CASE_REJECTED] = "Afvist",
};

/* ---- rows ---- */

static enum store_tristate
reported_for(const struct store_case *c, const char *muni)
{
	size_t i;

	for (i = 0; i < c->nparties; i++)
		if (c->parties[i].kind == STORE_PARTY_MUNICIPALITY &&
		    strcmp(c->parties[i].name, muni) == 0)
			return ctl_party_authority(c, &c->parties[i]);
	/* the reporter, when it is not also a party */
	if (c->reporting_municipality != NULL &&
	    strcmp(c->reporting_municipality, muni) == 0)
		return c->reported_to_authority;
	return STORE_NULL;
}

size_t
register_rows(const struct store_case *v, size_t n, int64_t since,
	      struct register_row **r)
{
	struct register_row *rows = NULL;
	const char **m;
	size_t nrows = 0, i, k, nm;

	for (i = 0; i < n; i++) {
		if (v[i].created_at < since)
			continue;
		nm = ctl_case_municipalities(&v[i], &m);
		rows = xreallocarray(rows, nrows + (nm ? nm : 1), sizeof(*rows));
		for (k = 0; k < nm; k++)
			rows[nrows++] = (struct register_row){ &v[i], m[k],
				reported_for(&v[i], m[k]) };
		if (nm == 0)
			rows[nrows++] = (struct register_row){ &v[i],
				v[i].affects_all ? "alle kommuner" : "",
				v[i].reported_to_authority };
		free(m);
	}
	*r = rows;
	return nrows;
}

/* ---- CSV ---- */

void
register_csv_field(const char *field, struct buf *out)
{
	char *r = ctl_redact(field != NULL ? field : "");
	const char *p;
	bool guard = strchr("=+-@\t\r", r[0]) != NULL && r[0] != '\0';
	bool quote = strpbrk(r, ";\"\r\n") != NULL;

	if (quote)
		buf_putc(out, '"');
	if (guard)
		buf_putc(out, '\'');
	for (p = r; *p != '\0'; p++) {
		if (*p == '"')
			buf_putc(out, '"');
		buf_putc(out, *p);
	}
	if (quote)
		buf_putc(out, '"');
	free(r);
}

/* "05-10-2026 15:20" (Copenhagen), as a Danish Excel reads it. */
static void
csv_time(bool has, int64_t t, char out[CTL_TIME_MAX])
{
	struct cph_tm tm;

	out[0] = '\0';
	if (!has)
		return;
	cph_from_utc(t, &tm);
	snprintf(out, CTL_TIME_MAX, "%02d-%02d-%04d %02d:%02d", tm.day,
		 tm.mon, tm.year, tm.hour, tm.min);
}

/* The text of column k of row w (a temporary in tmp, or borrowed). */
static const char *
csv_cell(const struct register_row *w, enum col k, struct buf *tmp)
{
	const struct store_case *c = w->c;
	char t[CTL_TIME_MAX];

	buf_truncate(tmp, 0);
	switch (k) {
	case C_REF: return c->ref;
	case C_MUNI: return w->municipality;
	case C_BREACH: csv_time(c->has_breach_at, c->breach_at, t); break;
	case C_DISCOVERED:
		csv_time(c->has_discovered_at, c->discovered_at, t); break;
	case C_DESCRIPTION: return c->description;
	case C_CAUSE: return c->cause;
	case C_CATEGORIES:
		ctl_categories_danish(c->data_categories, tmp);
		return buf_cstr(tmp);
	case C_COUNT:
		if (c->affected_count >= 0)
			buf_printf(tmp, "%ld", c->affected_count);
		return buf_cstr(tmp);
	case C_CONSEQUENCES: return c->consequences;
	case C_MEASURES: return c->measures;
	case C_REPORTED: return ctl_tristate_danish(w->reported);
	case C_STATUS:
		return c->status <= STORE_CASE_REJECTED ?
		       STATUS_DANISH[c->status] : "";
	case C_SEVERITY: return ctl_severity_danish(c->severity);
	case C_CREATED: csv_time(true, c->created_at, t); break;
	case NCOL: break;
	}
	buf_puts(tmp, t);
	return buf_cstr(tmp);
}

void
register_csv(const struct register_row *rows, size_t n, struct buf *out)
{
	struct buf tmp = { 0 };
	size_t i;
	int k;

	buf_puts(out, BOM);
	for (k = 0; k < NCOL; k++) {
		if (k > 0)
			buf_putc(out, ';');
		register_csv_field(COLS[k].danish, out);
	}
	buf_puts(out, CRLF);
	for (i = 0; i < n; i++) {
		for (k = 0; k < NCOL; k++) {
			if (k > 0)
				buf_putc(out, ';');
			register_csv_field(csv_cell(&rows[i], k, &tmp), out);
		}
		buf_puts(out, CRLF);
	}
	buf_free(&tmp);
}

/* ---- JSON ---- */

static json_t *
json_cell(const struct register_row *w, enum col k)
{
	const struct store_case *c = w->c;

	switch (k) {
	case C_REF: return json_string(c->ref);
	case C_MUNI:
		return w->municipality[0] != '\0' ?
		       json_string(w->municipality) : json_null();
	case C_BREACH:
		return c->has_breach_at ? ctl_json_time(c->breach_at) :
		       json_null();
	case C_DISCOVERED:
		return c->has_discovered_at ? ctl_json_time(c->discovered_at) :
		       json_null();
	case C_DESCRIPTION: return ctl_json_text(c->description);
	case C_CAUSE: return ctl_json_text(c->cause);
	case C_CATEGORIES: return ctl_categories_json(c->data_categories);
	case C_COUNT:
		return c->affected_count >= 0 ?
		       json_integer(c->affected_count) : json_null();
	case C_CONSEQUENCES: return ctl_json_text(c->consequences);
	case C_MEASURES: return ctl_json_text(c->measures);
	case C_REPORTED:
		return w->reported == STORE_NULL ? json_null() :
		       json_boolean(w->reported == STORE_TRUE);
	case C_STATUS:
		return json_string(store_case_status_name(c->status));
	case C_SEVERITY: return ctl_json_text(c->severity);
	case C_CREATED: return ctl_json_time(c->created_at);
	case NCOL: break;
	}
	return json_null();
}

json_t *
register_json(const struct register_row *rows, size_t n)
{
	json_t *a = json_array(), *o;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		o = json_object();
		for (k = 0; k < NCOL; k++)
			json_object_set_new(o, COLS[k].key,
					    json_cell(&rows[i], k));
		json_array_append_new(a, o);
	}
	return a;
}
