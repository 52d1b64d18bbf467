/* SPDX-License-Identifier: MIT */
/*
 * ctl_case.c — the views of a case that brudvagtctl's commands share:
 * opening the store, Copenhagen time strings, who still owes an
 * acknowledgement, the pending deadlines, matching a party name typed by
 * an operator, and the Danish words for data categories and severity.
 * Pure functions of a struct store_case (except the two that touch the
 * store); called by ctl_cases.c, ctl_show.c, ctl_ack.c, ctl_export.c and
 * register.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/ctl.h"
#include "filters/cpr.h"
#include "lib/cphtime.h"
#include "lib/xalloc.h"

int
ctl_store_open(const struct settings *s, struct store **r)
{
	struct err e = { 0 };
	struct stat sb;

	if (stat(s->store_path, &sb) == -1) {
		fprintf(stderr, "brudvagtctl: store %s: %s (has brudvagtd "
			"run yet?)\n", s->store_path, strerror(errno));
		return CTL_EX_UNAVAILABLE;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(stderr, "brudvagtctl: store %s: not a regular file\n",
			s->store_path);
		return CTL_EX_UNAVAILABLE;
	}
	if (store_open(s->store_path, r, &e) == -1) {
		fprintf(stderr, "brudvagtctl: store %s: cannot open: %s\n",
			s->store_path, e.msg);
		return CTL_EX_UNAVAILABLE;
	}
	return 0;
}

int
ctl_case_fetch(struct store *st, const char *ref, struct store_case **r)
{
	struct err e = { 0 };
	int rc = store_case_get(st, ref, r, &e);

	if (rc == 1)
		return 0;
	if (rc == 0) {
		fprintf(stderr, "brudvagtctl: no case %s\n", ref);
		return CTL_EX_DATAERR;
	}
	fprintf(stderr, "brudvagtctl: %s\n", e.msg);
	return CTL_EX_UNAVAILABLE;
}

/* ---- time and text ---- */

void
ctl_time_short(int64_t t, char out[CTL_TIME_MAX])
{
	struct cph_tm tm;

	if (t == 0) {
		out[0] = '\0';
		return;
	}
	cph_from_utc(t, &tm);
	snprintf(out, CTL_TIME_MAX, "%04d-%02d-%02d %02d:%02d", tm.year,
		 tm.mon, tm.day, tm.hour, tm.min);
}

json_t *
ctl_json_time(int64_t t)
{
	char iso[CPH_ISO_MAX];

	if (t == 0)
		return json_null();
	cph_iso_minute(t, iso);
	return json_string(iso);
}

char *
ctl_redact(const char *s)
{
	return s == NULL ? NULL : cpr_redact(s, strlen(s));
}

json_t *
ctl_json_text(const char *s)
{
	char *r;
	json_t *j;

	if (s == NULL)
		return json_null();
	r = ctl_redact(s);
	j = json_string(r);
	free(r);
	/* not UTF-8 (the store holds decoded text, but never trust it) */
	return j != NULL ? j : json_string("?");
}

/* ---- acknowledgements and deadlines ---- */

bool
ctl_party_owes_ack(const struct store_party *p)
{
	return p->ack_at == 0 && !p->reporter &&
	       p->kind != STORE_PARTY_SYSTEM_OWNER;
}

enum store_tristate
ctl_party_authority(const struct store_case *c, const struct store_party *p)
{
	if (p->authority_decision != STORE_NULL)
		return p->authority_decision;
	if (p->kind == STORE_PARTY_MUNICIPALITY &&
	    c->reporting_municipality != NULL &&
	    strcmp(p->name, c->reporting_municipality) == 0)
		return c->reported_to_authority;
	return STORE_NULL;
}

size_t
ctl_case_municipalities(const struct store_case *c, const char ***v_r)
{
	const char **v = xcalloc(c->nparties + 1, sizeof(*v));
	size_t n = 0, i, j;

	if (c->reporting_municipality != NULL)
		v[n++] = c->reporting_municipality;
	for (i = 0; i < c->nparties; i++) {
		if (c->parties[i].kind != STORE_PARTY_MUNICIPALITY)
			continue;
		for (j = 0; j < n && strcmp(v[j], c->parties[i].name) != 0; j++)
			;
		if (j == n)
			v[n++] = c->parties[i].name;
	}
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*v_r = v;
	return n;
}

static int
deadline_cmp(const void *a, const void *b)
{
	const struct ctl_deadline *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->party < y->party ? -1 : x->party > y->party;
}

size_t
ctl_case_deadlines(const struct settings *s, const struct store_case *c,
		   struct ctl_deadline **r)
{
	struct ctl_deadline *v;
	const struct store_party *p;
	size_t n = 0, i;

	*r = NULL;
	if (c->status == STORE_CASE_CLOSED || c->status == STORE_CASE_REJECTED
	    || c->nparties == 0)
		return 0;
	v = xcalloc(2 * c->nparties, sizeof(*v));
	for (i = 0; i < c->nparties; i++) {
		p = &c->parties[i];
		if (ctl_party_owes_ack(p))
			v[n++] = (struct ctl_deadline){
				(p->notified_at ? p->notified_at : c->created_at)
				+ (int64_t)s->deadlines.ack_hours * 3600,
				CTL_DEADLINE_ACK, p };
		if (p->kind == STORE_PARTY_MUNICIPALITY &&
		    ctl_party_authority(c, p) == STORE_NULL)
			v[n++] = (struct ctl_deadline){
				c->aware_at +
				(int64_t)s->deadlines.authority_hours * 3600,
				CTL_DEADLINE_AUTHORITY, p };
	}
	if (n == 0) {
		free(v);
		return 0;
	}
	qsort(v, n, sizeof(*v), deadline_cmp);
	*r = v;
	return n;
}

bool
ctl_next_deadline(const struct settings *s, const struct store_case *c,
		  struct ctl_deadline *r)
{
	struct ctl_deadline *v;
	size_t n = ctl_case_deadlines(s, c, &v);

	if (n > 0)
		*r = v[0];
	free(v);
	return n > 0;
}

const char *
ctl_deadline_kind_name(enum ctl_deadline_kind k)
{
	return k == CTL_DEADLINE_ACK ? "ack" : "authority";
}

/* ---- party names ---- */

/* How the letters outside ASCII fold: in full (ae, oe, aa) and short. */
static const struct {
	const char *utf8, *full, *brief;
} FOLD[] = {
	{ "æ", "ae", "ae" }, { "Æ", "ae", "ae" },
	{ "ø", "oe", "o" }, { "Ø", "oe", "o" },
	{ "å", "aa", "a" }, { "Å", "aa", "a" },
	{ "ä", "ae", "a" }, { "Ä", "ae", "a" },
	{ "ö", "oe", "o" }, { "Ö", "oe", "o" },
	{ "ü", "ue", "u" }, { "Ü", "ue", "u" },
	{ "é", "e", "e" }, { "É", "e", "e" },
};
#define NFOLD (sizeof(FOLD) / sizeof(FOLD[0]))

/* s folded to lowercase ASCII (owned), brief or full spellings. */
static char *
fold(const char *s, bool brief)
{
	struct buf b = { 0 };
	size_t k, len;

	while (*s != '\0') {
		for (k = 0; k < NFOLD; k++) {
			len = strlen(FOLD[k].utf8);
			if (strncmp(s, FOLD[k].utf8, len) == 0)
				break;
		}
		if (k < NFOLD) {
			buf_puts(&b, brief ? FOLD[k].brief : FOLD[k].full);
			s += len;
			continue;
		}
		if (*s != ' ' && *s != '-' && *s != '.')
			buf_putc(&b, (char)tolower((unsigned char)*s));
		s++;
	}
	return buf_steal(&b);
}

bool
ctl_name_matches(const char *canonical, const char *input)
{
	char *in = fold(input, false), *full = fold(canonical, false);
	char *brief = fold(canonical, true);
	bool ok = in[0] != '\0' &&
		  (strcmp(in, full) == 0 || strcmp(in, brief) == 0);

	free(in);
	free(full);
	free(brief);
	return ok;
}

int
ctl_party_match(const struct store_case *c, const char *input)
{
	const struct store_party *p;
	size_t i;

	for (i = 0; i < c->nparties; i++) {
		p = &c->parties[i];
		if (p->kind == STORE_PARTY_SUPPLIER &&
		    (strcasecmp(input, "supplier") == 0 ||
		     ctl_name_matches(p->name, input)))
			return (int)i;
		if (p->kind == STORE_PARTY_MUNICIPALITY &&
		    ctl_name_matches(p->name, input))
			return (int)i;
	}
	return -1;
}

/* ---- Danish words ---- */

static const struct {
	const char *name, *danish;
} CATEGORIES[] = {
	{ "cpr", "CPR-nummer" },
	{ "health", "Helbredsoplysninger" },
	{ "name", "Navn" },
	{ "address", "Adresse" },
	{ "protected_address", "Navne- og adressebeskyttelse" },
	{ "criminal", "Strafbare forhold" },
	{ "union", "Fagforeningsmedlemskab" },
	{ "financial", "Økonomiske forhold" },
	{ "contact", "Kontaktoplysninger" },
	{ "other", "Andet" },
};

static const struct {
	const char *name, *danish;
} SEVERITIES[] = {
	{ "low", "lav" }, { "medium", "middel" }, { "high", "høj" },
};

const char *
ctl_category_danish(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(CATEGORIES) / sizeof(CATEGORIES[0]); i++)
		if (strcmp(CATEGORIES[i].name, name) == 0)
			return CATEGORIES[i].danish;
	return NULL;
}

/* Call fn for each space-separated word of cats. */
static void
each_word(const char *cats, void (*fn)(const char *, void *), void *arg)
{
	char *copy, *word, *save = NULL;

	if (cats == NULL)
		return;
	copy = xstrdup(cats);
	for (word = strtok_r(copy, " ", &save); word != NULL;
	     word = strtok_r(NULL, " ", &save))
		fn(word, arg);
	free(copy);
}

static void
add_danish(const char *word, void *arg)
{
	struct buf *out = arg;
	const char *d = ctl_category_danish(word);

	if (out->len > 0)
		buf_puts(out, ", ");
	buf_puts(out, d != NULL ? d : word);
}

void
ctl_categories_danish(const char *cats, struct buf *out)
{
	struct buf b = { 0 };

	each_word(cats, add_danish, &b);
	buf_puts(out, buf_cstr(&b));
	buf_free(&b);
}

static void
add_json(const char *word, void *arg)
{
	json_array_append_new(arg, json_string(word));
}

json_t *
ctl_categories_json(const char *cats)
{
	json_t *a = json_array();

	each_word(cats, add_json, a);
	return a;
}

const char *
ctl_severity_danish(const char *s)
{
	size_t i;

	if (s == NULL)
		return "";
	for (i = 0; i < sizeof(SEVERITIES) / sizeof(SEVERITIES[0]); i++)
		if (strcmp(SEVERITIES[i].name, s) == 0)
			return SEVERITIES[i].danish;
	return s;
}

const char *
ctl_tristate_danish(enum store_tristate t)
{
	return t == STORE_TRUE ? "Ja" : t == STORE_FALSE ? "Nej" : "";
}
