/* SPDX-License-Identifier: MIT */
/*
 * Tests for daemon/deadlines.c's pure decision function: a table of one
 * case each (parties, what they did and when, the time "now", the ledger
 * keys already recorded) and exactly the mails that must be due, by kind,
 * Subject, number of ledger keys and recipients. Every row is decided a
 * second time with its own keys added to the ledger and must then give
 * nothing (idempotency). Times cross the end of summer time. The digest
 * and the outbox sender have their own tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/deadlines.h"
#include "lib/cphtime.h"
#include "lib/xalloc.h"

#define H 3600
#define NONE (-1.0)
#define MAXP 4
#define MAXW 4

/* 1 December 2026 09:00 UTC = 10.00 in Copenhagen (CET). */
static int64_t
t_dec(void)
{
	return cph_days_from_civil(2026, 12, 1) * 86400 + 9 * H;
}

/* 24 October 2026 10:00 UTC = 12.00 CEST; summer time ends the next
 * night, so t + 24 h is 11.00 CET on the wall clock. */
static int64_t
t_oct(void)
{
	return cph_days_from_civil(2026, 10, 24) * 86400 + 10 * H;
}

struct pspec {
	enum store_party_kind kind;
	const char *name;
	bool reporter;
	double notified, ack;	/* hours after t0, NONE */
	enum store_tristate decision;
};

struct row {
	const char *name;
	bool october;			/* t0 = t_oct() instead of t_dec() */
	enum store_case_status status;
	enum store_tristate reported;	/* the case's reported_to_authority */
	struct pspec p[MAXP];
	double now;			/* hours after t0 */
	const char *sent[MAXW];
	/* "kind|Subject|marks|recipients" */
	const char *want[MAXW];
};

#define EGEDAL_REP { STORE_PARTY_MUNICIPALITY, "Egedal", true, NONE, NONE, STORE_NULL }
#define MUNI(n, no, ack) { STORE_PARTY_MUNICIPALITY, n, false, no, ack, STORE_NULL }
#define MUNI_D(n, no, ack, d) { STORE_PARTY_MUNICIPALITY, n, false, no, ack, d }
#define DELOITTE(no, ack) { STORE_PARTY_SUPPLIER, "Deloitte", false, no, ack, STORE_NULL }
#define REF "[BV-2026-0001] "
#define OWNER "borgerservice@aarhus.dk databeskyttelse@aarhus.dk"

static const struct row ROWS[] = {
	{ "nothing before the first reminder", false, STORE_CASE_OPEN, STORE_TRUE,
	  { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 7.99, { NULL }, { NULL } },
	{ "reminder at 8 h to the silent party's contacts", false, STORE_CASE_OPEN, STORE_TRUE,
	  { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 8, { NULL },
	  { "reminder|" REF "Påmindelse: kvittering senest 02.12.2026 kl. 10.00|1|"
	    "dpo@viborg.dk tina.overgaard@viborg.dk" } },
	{ "the 8 h reminder is not sent twice", false, STORE_CASE_OPEN, STORE_TRUE,
	  { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 9,
	  { "BV-2026-0001/reminder/p2/8h" }, { NULL } },
	{ "reminder at 16 h", false, STORE_CASE_OPEN, STORE_TRUE,
	  { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 16,
	  { "BV-2026-0001/reminder/p2/8h" },
	  { "reminder|" REF "Påmindelse: kvittering senest 02.12.2026 kl. 10.00|1|"
	    "dpo@viborg.dk tina.overgaard@viborg.dk" } },
	{ "down from 7 h to 17 h: one reminder, the 8 h one recorded with it", false,
	  STORE_CASE_OPEN, STORE_TRUE, { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 17,
	  { NULL },
	  { "reminder|" REF "Påmindelse: kvittering senest 02.12.2026 kl. 10.00|2|"
	    "dpo@viborg.dk tina.overgaard@viborg.dk" } },
	{ "an ack between the reminders stops them", false, STORE_CASE_OPEN, STORE_TRUE,
	  { EGEDAL_REP, MUNI("Viborg", 0, 10) }, 16,
	  { "BV-2026-0001/reminder/p2/8h" }, { NULL } },
	{ "an ack after a reminder: no escalation", false, STORE_CASE_OPEN, STORE_TRUE,
	  { EGEDAL_REP, MUNI("Viborg", 0, 20) }, 25,
	  { "BV-2026-0001/reminder/p2/8h", "BV-2026-0001/reminder/p2/16h" }, { NULL } },
	{ "escalation at 24 h names exactly the silent parties", false, STORE_CASE_OPEN,
	  STORE_TRUE,
	  { DELOITTE(0, NONE), EGEDAL_REP, MUNI("Viborg", 0, NONE), MUNI("Favrskov", 0, 3) },
	  24, { "BV-2026-0001/reminder/p1/16h", "BV-2026-0001/reminder/p3/16h" },
	  { "escalation|" REF "Eskalering: ingen kvittering fra Viborg og Deloitte|2|" OWNER } },
	{ "three silent: a comma and 'og'", false, STORE_CASE_OPEN, STORE_TRUE,
	  { DELOITTE(0, NONE), MUNI("Viborg", 0, NONE), MUNI("Favrskov", 0, NONE), EGEDAL_REP },
	  24.5, { "BV-2026-0001/reminder/p1/16h", "BV-2026-0001/reminder/p2/16h",
		  "BV-2026-0001/reminder/p3/16h" },
	  { "escalation|" REF "Eskalering: ingen kvittering fra Viborg, Favrskov og Deloitte|3|"
	    OWNER } },
	{ "escalated once: nothing more", false, STORE_CASE_OPEN, STORE_TRUE,
	  { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 30,
	  { "BV-2026-0001/escalation/p2" }, { NULL } },
	{ "a party late later: a new escalation naming every silent one", false,
	  STORE_CASE_OPEN, STORE_TRUE,
	  { EGEDAL_REP, MUNI("Viborg", 0, NONE), MUNI("Favrskov", 2, NONE) }, 26,
	  { "BV-2026-0001/escalation/p2", "BV-2026-0001/reminder/p3/16h" },
	  { "escalation|" REF "Eskalering: ingen kvittering fra Viborg og Favrskov|1|" OWNER } },
	{ "a held case is not chased", false, STORE_CASE_HELD, STORE_NULL,
	  { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 80, { NULL }, { NULL } },
	{ "a closed case is not chased", false, STORE_CASE_CLOSED, STORE_NULL,
	  { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 80, { NULL }, { NULL } },
	{ "not notified yet: no reminder, no escalation", false, STORE_CASE_OPEN, STORE_TRUE,
	  { EGEDAL_REP, MUNI("Viborg", NONE, NONE) }, 30, { NULL }, { NULL } },
	{ "DST: the 8 h reminder names the deadline in winter time", true,
	  STORE_CASE_OPEN, STORE_TRUE, { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 8, { NULL },
	  { "reminder|" REF "Påmindelse: kvittering senest 25.10.2026 kl. 11.00|1|"
	    "dpo@viborg.dk tina.overgaard@viborg.dk" } },
	{ "DST: 24 h are 24 hours, not wall-clock 12.00 to 12.00", true,
	  STORE_CASE_OPEN, STORE_TRUE, { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 23.99,
	  { "BV-2026-0001/reminder/p2/8h", "BV-2026-0001/reminder/p2/16h" }, { NULL } },
	{ "DST: escalation at 11.00 CET", true, STORE_CASE_OPEN, STORE_TRUE,
	  { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 24,
	  { "BV-2026-0001/reminder/p2/8h", "BV-2026-0001/reminder/p2/16h" },
	  { "escalation|" REF "Eskalering: ingen kvittering fra Viborg|1|" OWNER } },
	{ "authority: the reporter is warned at 48 h", false, STORE_CASE_OPEN, STORE_NULL,
	  { EGEDAL_REP, MUNI_D("Viborg", 0, 1, STORE_TRUE) }, 48, { NULL },
	  { "authority|" REF "Påmindelse: frist for anmeldelse til Datatilsynet "
	    "04.12.2026 kl. 10.00 (Egedal)|1|dpo@egekom.dk camilla.holm@egekom.dk" } },
	{ "authority: and at 66 h", false, STORE_CASE_OPEN, STORE_NULL,
	  { EGEDAL_REP, MUNI_D("Viborg", 0, 1, STORE_TRUE) }, 66,
	  { "BV-2026-0001/authority-warning/p1/48h" },
	  { "authority|" REF "Påmindelse: frist for anmeldelse til Datatilsynet "
	    "04.12.2026 kl. 10.00 (Egedal)|1|dpo@egekom.dk camilla.holm@egekom.dk" } },
	{ "authority: passed undecided, municipalities and the owner told", false,
	  STORE_CASE_OPEN, STORE_NULL,
	  { EGEDAL_REP, MUNI("Viborg", 0, 1), MUNI("Favrskov", NONE, NONE) }, 72,
	  { "BV-2026-0001/authority-warning/p1/66h", "BV-2026-0001/authority-warning/p2/66h" },
	  { "authority|" REF "Fristen for anmeldelse til Datatilsynet er overskredet (Egedal)|1|"
	    "dpo@egekom.dk camilla.holm@egekom.dk",
	    "authority|" REF "Fristen for anmeldelse til Datatilsynet er overskredet (Viborg)|1|"
	    "dpo@viborg.dk tina.overgaard@viborg.dk",
	    "authority|" REF "Datatilsynet: fristen er overskredet uden beslutning fra "
	    "Egedal, Viborg og Favrskov|3|" OWNER } },
	{ "authority: a decision stops it (the reporter's from its report)", false,
	  STORE_CASE_OPEN, STORE_FALSE,
	  { EGEDAL_REP, MUNI_D("Viborg", 0, 1, STORE_FALSE) }, 72, { NULL }, { NULL } },
};
#define NROWS (sizeof(ROWS) / sizeof(ROWS[0]))

static struct settings *
settings(int digest_hour)
{
	struct settings *s = NULL;
	struct err e = { 0 };

	if (settings_load_default(&s, &e) < 0)
		fail_msg("settings: %s", e.msg);
	s->deadlines.digest_hour = digest_hour;
	return s;
}

static int64_t
at(int64_t t0, double h)
{
	return h == NONE ? 0 : t0 + (int64_t)(h * H);
}

/* The case of a row: BV-2026-0001, aware at t0, parties numbered 1.. */
static void
make_case(const struct row *r, struct store_case *c)
{
	int64_t t0 = r->october ? t_oct() : t_dec();
	size_t i;

	memset(c, 0, sizeof(*c));
	c->id = 1;
	snprintf(c->ref, sizeof(c->ref), "BV-2026-0001");
	c->status = r->status;
	c->reported_to_authority = r->reported;
	c->reporting_municipality = (char *)"Egedal";
	c->affected_count = -1;
	c->created_at = c->aware_at = t0;
	c->parties = xcalloc(MAXP, sizeof(*c->parties));
	for (i = 0; i < MAXP && r->p[i].name != NULL; i++) {
		c->parties[i].id = (int64_t)i + 1;
		c->parties[i].kind = r->p[i].kind;
		c->parties[i].name = (char *)r->p[i].name;
		c->parties[i].reporter = r->p[i].reporter;
		c->parties[i].notified_at = at(t0, r->p[i].notified);
		c->parties[i].ack_at = at(t0, r->p[i].ack);
		c->parties[i].authority_decision = r->p[i].decision;
	}
	c->nparties = i;
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
describe(const struct deadline_action *a)
{
	char *rc, *out;
	size_t i, len = 0;

	for (i = 0; i < a->nrecipients; i++)
		len += strlen(a->recipients[i]) + 1;
	rc = xcalloc(len + 1, 1);
	for (i = 0; i < a->nrecipients; i++) {
		if (i)
			strcat(rc, " ");
		strcat(rc, a->recipients[i]);
	}
	out = xasprintf("%s|%s|%zu|%s", a->mail_kind, a->subject, a->nmarks, rc);
	free(rc);
	return out;
}

static void
check_row(const struct settings *s, const struct row *r)
{
	int64_t t0 = r->october ? t_oct() : t_dec();
	struct deadline_action *v = NULL, *again = NULL;
	struct store_case c;
	char **sent = xcalloc(64, sizeof(*sent)), *d;
	size_t n, nsent = 0, nw = 0, i, j;

	print_message("%s\n", r->name);
	make_case(r, &c);
	for (i = 0; i < MAXW && r->sent[i]; i++)
		sent[nsent++] = (char *)r->sent[i];
	qsort(sent, nsent, sizeof(*sent), cmp_key);
	n = deadline_decide(s, &c, 1, sent, nsent, at(t0, r->now), &v);
	while (nw < MAXW && r->want[nw])
		nw++;
	for (i = 0; i < n; i++) {
		d = describe(&v[i]);
		if (i >= nw || strcmp(d, r->want[i]) != 0)
			fail_msg("%s: mail %zu:\n  got  %s\n  want %s", r->name, i, d,
				 i < nw ? r->want[i] : "(none)");
		assert_string_equal(v[i].ref, "BV-2026-0001");
		assert_ptr_equal(v[i].topic, v[i].subject + strlen(REF));
		assert_non_null(strstr(v[i].body, "BV-2026-0001"));
		free(d);
	}
	assert_int_equal(n, nw);
	/* the same moment again, with these mails in the ledger: nothing */
	for (i = 0; i < n; i++)
		for (j = 0; j < v[i].nmarks; j++)
			sent[nsent++] = (char *)v[i].marks[j].key;
	qsort(sent, nsent, sizeof(*sent), cmp_key);
	assert_int_equal(deadline_decide(s, &c, 1, sent, nsent, at(t0, r->now), &again), 0);
	assert_null(again);
	deadline_actions_free(&v, n);
	free(sent);
	free(c.parties);
}

static void
test_table(void **state)
{
	struct settings *s = settings(-1);
	size_t i;

	(void)state;
	for (i = 0; i < NROWS; i++)
		check_row(s, &ROWS[i]);
	settings_free(&s);
}

/* The escalation's body holds each silent party's contact details and its
 * out-of-office return; no text of the case. */
static void
test_escalation_body(void **state)
{
	struct settings *s = settings(-1);
	const struct row *r = &ROWS[7];
	struct deadline_action *v = NULL;
	struct store_case c;
	size_t n;

	(void)state;
	make_case(r, &c);
	c.description = (char *)"Borgeren Jens Jensen fik vist en anden samtale";
	c.parties[2].return_date = cph_days_from_civil(2026, 12, 7) * 86400 - H;
	n = deadline_decide(s, &c, 1, NULL, 0, at(t_dec(), 24), &v);
	assert_int_equal(n, 1);
	assert_non_null(strstr(v[0].body, "Viborg\n  Underrettet: 01.12.2026 kl. 10.00, "
				"frist: 02.12.2026 kl. 10.00\n"
				"  Fraværsbesked: tilbage 07.12.2026 kl. 00.00\n"
				"  Kontakt: DPO Henrik Bruun <dpo@viborg.dk>, mobil +45 20 00 34 01\n"));
	assert_non_null(strstr(v[0].body, "Deloitte\n"));
	assert_non_null(strstr(v[0].body, "Kontakt: <muni-servicedesk@deloitte.dk>"));
	assert_null(strstr(v[0].body, "Jens Jensen"));
	assert_string_equal(v[0].detail, "kind=escalation parties=Viborg og Deloitte");
	deadline_actions_free(&v, n);
	free(c.parties);
	settings_free(&s);
}

static void
test_digest(void **state)
{
	static const struct {
		int y, mo, d, h, mi;	/* UTC */
		const char *sent;
		const char *subject;	/* NULL: none due */
	} rows[] = {
		{ 2026, 12, 1, 6, 59, NULL, NULL },	/* 07.59 CET */
		{ 2026, 12, 1, 7, 0, NULL, "brudvagt: daglig oversigt 01.12.2026 (1 åben sag)" },
		{ 2026, 12, 1, 22, 0, "digest/2026-12-01", NULL },
		/* 23.30 UTC is 00.30 the next day: before 08.00, none yet */
		{ 2026, 12, 1, 23, 30, "digest/2026-12-01", NULL },
		/* summer time: 06.00 UTC is 08.00 CEST */
		{ 2026, 7, 1, 6, 0, NULL, "brudvagt: daglig oversigt 01.07.2026 (1 åben sag)" },
		{ 2026, 7, 1, 5, 59, NULL, NULL },
	};
	struct settings *s = settings(8);
	struct deadline_action *v = NULL;
	struct store_case c;
	struct row r = { "digest", false, STORE_CASE_OPEN, STORE_NULL,
			 { EGEDAL_REP, MUNI("Viborg", 0, NONE) }, 0, { NULL }, { NULL } };
	char *sent[1];
	int64_t now;
	size_t i, n;

	(void)state;
	make_case(&r, &c);
	c.parties[1].notified_at = 0;	/* no ack mails: the digest alone */
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		now = cph_days_from_civil(rows[i].y, rows[i].mo, rows[i].d) * 86400 +
		      rows[i].h * H + rows[i].mi * 60;
		c.created_at = c.aware_at = now - 1;	/* no authority mails */
		sent[0] = (char *)rows[i].sent;
		n = deadline_decide(s, &c, 1, sent, rows[i].sent ? 1 : 0, now, &v);
		if (rows[i].subject == NULL) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_int_equal(n, 1);
		assert_string_equal(v[0].mail_kind, "digest");
		assert_string_equal(v[0].subject, rows[i].subject);
		assert_string_equal(v[0].ref, "");
		assert_ptr_equal(v[0].topic, v[0].subject);
		assert_non_null(strstr(v[0].body, "Mangler kvittering: Viborg (ikke underrettet endnu)"));
		assert_non_null(strstr(v[0].body, "Mangler beslutning om Datatilsynet: Egedal"));
		assert_non_null(strstr(v[0].body, "udløber inden for 24 timer:\n"));
		deadline_actions_free(&v, n);
	}
	free(c.parties);
	settings_free(&s);
}

static void
test_join_names(void **state)
{
	static const char *const names[] = { "Viborg", "Favrskov", "Deloitte" };
	char *s;

	(void)state;
	s = deadline_join_names(names, 0);
	assert_string_equal(s, "");
	free(s);
	s = deadline_join_names(names, 1);
	assert_string_equal(s, "Viborg");
	free(s);
	s = deadline_join_names(names, 2);
	assert_string_equal(s, "Viborg og Favrskov");
	free(s);
	s = deadline_join_names(names, 3);
	assert_string_equal(s, "Viborg, Favrskov og Deloitte");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_escalation_body),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_join_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
