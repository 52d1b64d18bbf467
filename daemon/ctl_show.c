/* SPDX-License-Identifier: MIT */
/*
 * ctl_show.c — `brudvagtctl show [--json] REF`: the whole case for a
 * person. The incident under the procedure's Danish field names, origin
 * and reporter, the parties with their acknowledgements, Datatilsynet
 * decisions and out-of-office return dates, every pending deadline (ack
 * and the 72-hour authority deadline per municipality, "overskredet" once
 * past), the correspondence, the history and the field changes. Times in
 * Europe/Copenhagen. Reads the store only.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ctl.h"
#include "lib/cphtime.h"
#include "lib/xalloc.h"

enum field_kind { F_TIME, F_TEXT, F_CATS, F_COUNT, F_TRI, F_SEVERITY };

/* The register fields in the procedure's order: store name, Danish label. */
static const struct {
	const char *key, *label;
	enum field_kind kind;
	size_t off;		/* of the value in struct store_case */
	size_t has_off;		/* F_TIME: of its bool has_ flag */
} FIELDS[] = {
	{ "breach_at", "Dato og tidspunkt for bruddet", F_TIME,
	  offsetof(struct store_case, breach_at),
	  offsetof(struct store_case, has_breach_at) },
	{ "discovered_at", "Dato og tidspunkt for underretning", F_TIME,
	  offsetof(struct store_case, discovered_at),
	  offsetof(struct store_case, has_discovered_at) },
	{ "description", "Hvad der skete", F_TEXT,
	  offsetof(struct store_case, description), 0 },
	{ "cause", "Årsag", F_TEXT, offsetof(struct store_case, cause), 0 },
	{ "data_categories", "Typer af personoplysninger", F_CATS,
	  offsetof(struct store_case, data_categories), 0 },
	{ "affected_count", "Antal berørte", F_COUNT,
	  offsetof(struct store_case, affected_count), 0 },
	{ "consequences", "Konsekvenser", F_TEXT,
	  offsetof(struct store_case, consequences), 0 },
	{ "measures", "Afhjælpende og forebyggende foranstaltninger", F_TEXT,
	  offsetof(struct store_case, measures), 0 },
	{ "reported_to_authority", "Anmeldt til Datatilsynet", F_TRI,
	  offsetof(struct store_case, reported_to_authority), 0 },
	{ "severity", "Alvorlighed", F_SEVERITY,
	  offsetof(struct store_case, severity), 0 },
};
#define NFIELDS (sizeof(FIELDS) / sizeof(FIELDS[0]))

static const char NOT_STATED[] = "(ikke oplyst)";

static const char *
field_label(const char *key)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (strcmp(FIELDS[i].key, key) == 0)
			return FIELDS[i].label;
	return key;
}

/* "  label: text", continuation lines indented; NULL or "" not stated. */
static void
put_text(struct buf *out, const char *label, const char *text)
{
	char *r = ctl_redact(text);
	const char *p;

	buf_printf(out, "  %s: ", label);
	if (r == NULL || r[0] == '\0')
		buf_puts(out, NOT_STATED);
	for (p = r; p != NULL && *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		buf_putc(out, *p);
		if (*p == '\n' && p[1] != '\0')
			buf_puts(out, "      ");
	}
	if (out->len > 0 && out->s[out->len - 1] != '\n')
		buf_putc(out, '\n');
	free(r);
}

static void
put_time(struct buf *out, const char *label, int64_t t)
{
	char s[CTL_TIME_MAX];

	ctl_time_short(t, s);
	put_text(out, label, s);
}

static void
put_field(struct buf *out, const struct store_case *c, size_t i)
{
	const char *base = (const char *)c + FIELDS[i].off;
	struct buf b = { 0 };

	switch (FIELDS[i].kind) {
	case F_TIME:
		if (*(const bool *)((const char *)c + FIELDS[i].has_off))
			put_time(out, FIELDS[i].label, *(const int64_t *)base);
		else
			put_text(out, FIELDS[i].label, NULL);
		return;
	case F_TEXT:
		put_text(out, FIELDS[i].label, *(char *const *)base);
		return;
	case F_CATS:
		ctl_categories_danish(*(char *const *)base, &b);
		break;
	case F_COUNT:
		if (*(const long *)base >= 0)
			buf_printf(&b, "%ld", *(const long *)base);
		break;
	case F_TRI:
		buf_puts(&b, ctl_tristate_danish(*(const enum store_tristate *)
						 base));
		break;
	case F_SEVERITY:
		buf_puts(&b, ctl_severity_danish(*(char *const *)base));
		break;
	}
	put_text(out, FIELDS[i].label, buf_cstr(&b));
	buf_free(&b);
}

static void
put_head(const struct store_case *c, struct buf *out)
{
	const char **m;
	size_t n = ctl_case_municipalities(c, &m), i;
	char t[CTL_TIME_MAX];

	buf_printf(out, "Sag %s (%s)\n", c->ref,
		   store_case_status_name(c->status));
	ctl_time_short(c->created_at, t);
	buf_printf(out, "  Oprettet: %s\n", t);
	ctl_time_short(c->aware_at, t);
	buf_printf(out, "  Kendskab til bruddet (72-timersfristens start): %s\n",
		   t);
	buf_printf(out, "  Indberettet af: %s",
		   c->origin == STORE_ORIGIN_NONE ? "ukendt" :
		   store_origin_name(c->origin));
	if (c->reporting_municipality != NULL)
		buf_printf(out, " (%s)", c->reporting_municipality);
	if (c->reporter != NULL)
		buf_printf(out, ", %s", c->reporter);
	buf_puts(out, c->spoofed ? " — AFSENDER IKKE VERIFICERET\n" : "\n");
	buf_puts(out, "  Kommuner: ");
	if (c->affects_all)
		buf_puts(out, "alle kommuner");
	for (i = 0; !c->affects_all && i < n; i++)
		buf_printf(out, "%s%s", i ? ", " : "", m[i]);
	buf_puts(out, !c->affects_all && n == 0 ? "-\n" : "\n");
	free(m);
}

static void
put_incident(const struct store_case *c, struct buf *out)
{
	size_t i;

	buf_puts(out, "\nHændelsen\n");
	for (i = 0; i < NFIELDS; i++)
		put_field(out, c, i);
	if (c->cpr_count > 0)
		buf_printf(out, "  CPR-numre i indberetningen: %d (fjernet)\n",
			   c->cpr_count);
}

static const char *
party_kind_danish(const struct store_party *p)
{
	static const char *const K[] = {
		[STORE_PARTY_SUPPLIER] = "leverandør",
		[STORE_PARTY_MUNICIPALITY] = "kommune",
		[STORE_PARTY_SYSTEM_OWNER] = "systemejer",
	};
	return p->kind <= STORE_PARTY_SYSTEM_OWNER ? K[p->kind] : "?";
}

static void
put_party(const struct store_case *c, const struct store_party *p,
	  struct buf *out)
{
	enum store_tristate d = ctl_party_authority(c, p);
	char t[CTL_TIME_MAX];
	struct cph_tm tm;

	buf_printf(out, "  %s (%s%s): ", p->name, party_kind_danish(p),
		   p->reporter ? ", indberetter" : "");
	ctl_time_short(p->ack_at, t);
	if (p->ack_at != 0)
		buf_printf(out, "kvitteret %s af %s%s", t,
			   p->ack_from ? p->ack_from : "?",
			   p->ack_message == 0 ? " (manuelt)" : "");
	else
		buf_puts(out, ctl_party_owes_ack(p) ? "ingen kvittering endnu" :
			 "ingen kvittering krævet");
	ctl_time_short(p->notified_at, t);
	if (p->notified_at != 0)
		buf_printf(out, "; underrettet %s", t);
	if (p->kind == STORE_PARTY_MUNICIPALITY) {
		ctl_time_short(p->authority_decision_at, t);
		buf_printf(out, "; Datatilsynet: %s",
			   d == STORE_TRUE ? "anmeldes" :
			   d == STORE_FALSE ? "anmeldes ikke" :
			   "ingen beslutning");
		if (p->authority_decision != STORE_NULL && t[0] != '\0')
			buf_printf(out, " (%s)", t);
	}
	if (p->return_date != 0) {
		cph_from_utc(p->return_date, &tm);
		buf_printf(out, "; fraværende til %04d-%02d-%02d", tm.year,
			   tm.mon, tm.day);
	}
	buf_putc(out, '\n');
}

static void
put_deadlines(const struct settings *s, const struct store_case *c,
	      int64_t now, struct buf *out)
{
	struct ctl_deadline *v;
	size_t n = ctl_case_deadlines(s, c, &v), i;
	char t[CTL_TIME_MAX];

	buf_puts(out, "\nFrister\n");
	if (n == 0)
		buf_puts(out, "  ingen\n");
	for (i = 0; i < n; i++) {
		ctl_time_short(v[i].at, t);
		buf_printf(out, "  %s  %s  %s%s\n", t,
			   v[i].kind == CTL_DEADLINE_ACK ? "kvittering        " :
			   "Datatilsynet (72t)", v[i].party->name,
			   v[i].at <= now ? "  overskredet" : "");
	}
	free(v);
}

static void
put_messages(const struct store_case *c, struct buf *out)
{
	char t[CTL_TIME_MAX], *subj;
	size_t i;

	buf_puts(out, "\nKorrespondance\n");
	if (c->nmessages == 0)
		buf_puts(out, "  ingen\n");
	for (i = 0; i < c->nmessages; i++) {
		const struct store_message *m = &c->messages[i];

		ctl_time_short(m->received_at, t);
		subj = ctl_redact(m->subject);
		buf_printf(out, "  %s  %-10s  %s  %s\n", t,
			   store_kind_name(m->kind),
			   m->from_addr ? m->from_addr : "?",
			   subj ? subj : "(intet emne)");
		free(subj);
	}
}

static void
put_history(const struct store_case *c, struct buf *out)
{
	char t[CTL_TIME_MAX], *a, *b;
	size_t i;

	buf_puts(out, "\nHistorik\n");
	for (i = 0; i < c->nevents; i++) {
		ctl_time_short(c->events[i].at, t);
		a = ctl_redact(c->events[i].detail);
		buf_printf(out, "  %s  %s%s%s\n", t, c->events[i].type,
			   a ? "  " : "", a ? a : "");
		free(a);
	}
	buf_puts(out, "\nÆndringer\n");
	if (c->nchanges == 0)
		buf_puts(out, "  ingen\n");
	for (i = 0; i < c->nchanges; i++) {
		const struct store_field_change *f = &c->changes[i];

		ctl_time_short(f->at, t);
		a = ctl_redact(f->old_value);
		b = ctl_redact(f->new_value);
		buf_printf(out, "  %s  %s: %s → %s", t, field_label(f->field),
			   a ? a : NOT_STATED, b ? b : NOT_STATED);
		if (f->source_message != 0)
			buf_printf(out, " (besked %lld)",
				   (long long)f->source_message);
		buf_putc(out, '\n');
		free(a);
		free(b);
	}
}

void
ctl_show_text(const struct settings *s, const struct store_case *c,
	      int64_t now, struct buf *out)
{
	size_t i;

	put_head(c, out);
	put_incident(c, out);
	buf_puts(out, "\nParter\n");
	for (i = 0; i < c->nparties; i++)
		put_party(c, &c->parties[i], out);
	put_deadlines(s, c, now, out);
	put_messages(c, out);
	put_history(c, out);
}

/* ---- JSON ---- */

static json_t *
tristate_json(enum store_tristate t)
{
	return t == STORE_NULL ? json_null() : json_boolean(t == STORE_TRUE);
}

static json_t *
date_json(int64_t t)
{
	struct cph_tm tm;
	char d[16];

	if (t == 0)
		return json_null();
	cph_from_utc(t, &tm);
	snprintf(d, sizeof(d), "%04d-%02d-%02d", tm.year, tm.mon, tm.day);
	return json_string(d);
}

static json_t *
party_json(const struct settings *s, const struct store_case *c,
	   const struct store_party *p, int64_t now)
{
	json_t *o = json_object();
	struct ctl_deadline *v;
	size_t n = ctl_case_deadlines(s, c, &v), i;

	json_object_set_new(o, "kind", json_string(store_party_kind_name(p->kind)));
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "reporter", json_boolean(p->reporter));
	json_object_set_new(o, "notified_at", ctl_json_time(p->notified_at));
	json_object_set_new(o, "ack_at", ctl_json_time(p->ack_at));
	json_object_set_new(o, "ack_from", ctl_json_text(p->ack_from));
	json_object_set_new(o, "ack_by_hand",
			    json_boolean(p->ack_at != 0 && p->ack_message == 0));
	json_object_set_new(o, "authority_decision",
			    tristate_json(ctl_party_authority(c, p)));
	json_object_set_new(o, "authority_decision_at",
			    ctl_json_time(p->authority_decision_at));
	json_object_set_new(o, "return_date", date_json(p->return_date));
	json_object_set_new(o, "ack_deadline", json_null());
	json_object_set_new(o, "authority_deadline", json_null());
	for (i = 0; i < n; i++)
		if (v[i].party == p)
			json_object_set_new(o, v[i].kind == CTL_DEADLINE_ACK ?
					    "ack_deadline" :
					    "authority_deadline",
					    ctl_json_time(v[i].at));
	json_object_set_new(o, "overdue", json_false());
	for (i = 0; i < n; i++)
		if (v[i].party == p && v[i].at <= now)
			json_object_set_new(o, "overdue", json_true());
	free(v);
	return o;
}

static void
incident_json(const struct store_case *c, json_t *o)
{
	json_object_set_new(o, "breach_at", c->has_breach_at ?
			    ctl_json_time(c->breach_at) : json_null());
	json_object_set_new(o, "discovered_at", c->has_discovered_at ?
			    ctl_json_time(c->discovered_at) : json_null());
	json_object_set_new(o, "description", ctl_json_text(c->description));
	json_object_set_new(o, "cause", ctl_json_text(c->cause));
	json_object_set_new(o, "data_categories",
			    ctl_categories_json(c->data_categories));
	json_object_set_new(o, "affected_count", c->affected_count >= 0 ?
			    json_integer(c->affected_count) : json_null());
	json_object_set_new(o, "consequences", ctl_json_text(c->consequences));
	json_object_set_new(o, "measures", ctl_json_text(c->measures));
	json_object_set_new(o, "reported_to_authority",
			    tristate_json(c->reported_to_authority));
	json_object_set_new(o, "severity", ctl_json_text(c->severity));
	json_object_set_new(o, "cpr_count", json_integer(c->cpr_count));
}

static json_t *
messages_json(const struct store_case *c)
{
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; i < c->nmessages; i++) {
		const struct store_message *m = &c->messages[i];

		o = json_object();
		json_object_set_new(o, "received_at",
				    ctl_json_time(m->received_at));
		json_object_set_new(o, "date", m->has_date ?
				    ctl_json_time(m->date) : json_null());
		json_object_set_new(o, "kind",
				    json_string(store_kind_name(m->kind)));
		json_object_set_new(o, "from", ctl_json_text(m->from_addr));
		json_object_set_new(o, "subject", ctl_json_text(m->subject));
		json_object_set_new(o, "message_id",
				    ctl_json_text(m->message_id));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
history_json(const struct store_case *c, bool changes)
{
	json_t *a = json_array(), *o;
	size_t i, n = changes ? c->nchanges : c->nevents;

	for (i = 0; i < n; i++) {
		o = json_object();
		if (changes) {
			const struct store_field_change *f = &c->changes[i];

			json_object_set_new(o, "at", ctl_json_time(f->at));
			json_object_set_new(o, "field", json_string(f->field));
			json_object_set_new(o, "old", ctl_json_text(f->old_value));
			json_object_set_new(o, "new", ctl_json_text(f->new_value));
			json_object_set_new(o, "source_message", f->source_message ?
					    json_integer(f->source_message) :
					    json_null());
		} else {
			json_object_set_new(o, "at",
					    ctl_json_time(c->events[i].at));
			json_object_set_new(o, "type",
					    json_string(c->events[i].type));
			json_object_set_new(o, "detail",
					    ctl_json_text(c->events[i].detail));
		}
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
ctl_show_json(const struct settings *s, const struct store_case *c,
	      int64_t now)
{
	json_t *o = ctl_cases_json(s, c), *parties = json_array();
	size_t i;

	json_object_set_new(o, "aware_at", ctl_json_time(c->aware_at));
	json_object_set_new(o, "reporter", ctl_json_text(c->reporter));
	json_object_set_new(o, "reporting_municipality",
			    ctl_json_text(c->reporting_municipality));
	json_object_set_new(o, "spoofed", json_boolean(c->spoofed));
	incident_json(c, o);
	for (i = 0; i < c->nparties; i++)
		json_array_append_new(parties,
				      party_json(s, c, &c->parties[i], now));
	json_object_set_new(o, "parties", parties);
	json_object_set_new(o, "messages", messages_json(c));
	json_object_set_new(o, "events", history_json(c, false));
	json_object_set_new(o, "changes", history_json(c, true));
	return o;
}

int
ctl_show(const struct settings *s, int argc, char **argv)
{
	struct store *st = NULL;
	struct store_case *c = NULL;
	struct buf out = { 0 };
	const char *ref = NULL;
	int json = 0, bad = 0, rc, i;
	char *text;
	json_t *o;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (ref == NULL && argv[i][0] != '-')
			ref = argv[i];
		else
			bad = 1;
	}
	if (ref == NULL || bad) {
		fprintf(stderr, "usage: brudvagtctl -c CONFIG show [--json] REF\n");
		return CTL_EX_USAGE;
	}
	if ((rc = ctl_store_open(s, &st)) != 0)
		return rc;
	rc = ctl_case_fetch(st, ref, &c);
	store_close(&st);
	if (rc != 0)
		return rc;
	if (json) {
		o = ctl_show_json(s, c, (int64_t)time(NULL));
		text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(2));
		json_decref(o);
		puts(text ? text : "{}");
		free(text);
	} else {
		ctl_show_text(s, c, (int64_t)time(NULL), &out);
		fputs(buf_cstr(&out), stdout);
		buf_free(&out);
	}
	store_case_free(&c);
	return fflush(stdout) == 0 ? 0 : CTL_EX_IOERR;
}
