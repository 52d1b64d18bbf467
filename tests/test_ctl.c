/* SPDX-License-Identifier: MIT */
/*
 * Tests for brudvagtctl's case views and output (daemon/ctl_case.c,
 * ctl_cases.c, ctl_show.c, register.c), without running main: a store
 * made with store_ingest in a mkdtemp directory (two cases, one with every
 * register field and text holding ; " newlines, a leading = and a CPR
 * number), and hand-built cases for deadlines across the end of summer
 * time. Checks the exact CSV bytes (BOM, CRLF, quoting, column order, the
 * formula guard), the JSON keys, who still owes an ack, the deadlines and
 * the spellings of a party name an operator may type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/ctl.h"
#include "daemon/register.h"
#include "lib/cphtime.h"
#include "lib/xalloc.h"

/* ---- fixture: a store with two cases ---- */

struct fx {
	char *dir, *path;
	struct store *s;
	struct settings *set;
	struct store_case *v;
	size_t n;
};

static const char SHA_A[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char SHA_B[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static const struct store_party_in PARTIES_1[] = {
	{ STORE_PARTY_MUNICIPALITY, "Egedal", true },
	{ STORE_PARTY_SUPPLIER, "Deloitte", false },
	{ STORE_PARTY_MUNICIPALITY, "Hjørring", false },
	{ STORE_PARTY_SYSTEM_OWNER, "Borgerservice, Aarhus Kommune", false },
};

static const struct store_party_in PARTIES_2[] = {
	{ STORE_PARTY_SUPPLIER, "Deloitte", true },
	{ STORE_PARTY_SYSTEM_OWNER, "Borgerservice, Aarhus Kommune", false },
};

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return cph_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

/* 2026-10-05 13:20 UTC = 15:20 summer time */
#define T1 utc(2026, 10, 5, 13, 20)
/* 2026-12-01 10:00 UTC = 11:00 winter time */
#define T2 utc(2026, 12, 1, 10, 0)

static int
ingest_fixture(struct store *s, struct err *e)
{
	struct store_ingest_result r;
	struct store_message_in one = {
		.account = "borgerservice", .mailbox = "INBOX",
		.uidvalidity = 1, .uid = 1, .message_id = "<r1@egekom.dk>",
		.body_sha256 = SHA_A, .kind = STORE_KIND_REPORT,
		.from_addr = "dpo@egekom.dk", .subject = "Brud 010203-1234",
		.has_date = true, .date = T1, .received_at = T1,
		.incident = {
			.origin = STORE_ORIGIN_MUNICIPALITY,
			.reporter = "dpo@egekom.dk",
			.reporting_municipality = "Egedal",
			.has_breach_at = true, .breach_at = T1 - 86400,
			.has_discovered_at = true, .discovered_at = T1 - 3600,
			.description = "MUNI viste svar; til \"forkert\" borger\n"
				       "anden linje",
			.cause = "=cmd|' /C calc'!A0",
			.consequences = "+45 borgere; fx 010203-1234",
			.measures = "Fejlen er rettet\r\nLogning slået til",
			.data_categories = "cpr health protected_address",
			.affected_count = 45, .cpr_count = 1,
			.severity = "high",
			.reported_to_authority = STORE_TRUE,
		},
		.parties = PARTIES_1, .nparties = 4,
	};
	struct store_message_in two = {
		.account = "dpo", .mailbox = "INBOX", .uidvalidity = 1,
		.uid = 1, .message_id = "<r2@deloitte.dk>",
		.body_sha256 = SHA_B, .kind = STORE_KIND_REPORT,
		.from_addr = "muni@deloitte.dk", .subject = "Hændelse",
		.has_date = true, .date = T2, .received_at = T2,
		.incident = {
			.origin = STORE_ORIGIN_SUPPLIER,
			.reporter = "muni@deloitte.dk",
			.affected_count = -1,
			.reported_to_authority = STORE_NULL,
			.affects_all = true,
		},
		.parties = PARTIES_2, .nparties = 2,
	};

	if (store_ingest(s, &one, &r, e) == -1)
		return -1;
	return store_ingest(s, &two, &r, e);
}

static void
relist(struct fx *fx)
{
	struct err e = { 0 };

	store_case_list_free(&fx->v, fx->n);
	if (store_case_list(fx->s, &fx->v, &fx->n, &e) == -1)
		fail_msg("list: %s", e.msg);
	assert_int_equal(fx->n, 2);
}

static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	struct err e = { 0 };

	fx->dir = xstrdup("/tmp/bv-ctl-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	fx->path = xasprintf("%s/brudvagt.db", fx->dir);
	if (settings_load_default(&fx->set, &e) == -1 ||
	    store_open(fx->path, &fx->s, &e) == -1 ||
	    ingest_fixture(fx->s, &e) == -1 ||
	    store_case_list(fx->s, &fx->v, &fx->n, &e) == -1) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char *cmd = xasprintf("rm -rf '%s'", fx->dir);
	int rc;

	store_case_list_free(&fx->v, fx->n);
	store_close(&fx->s);
	settings_free(&fx->set);
	rc = system(cmd);
	free(cmd);
	free(fx->dir);
	free(fx->path);
	free(fx);
	return rc == 0 ? 0 : -1;
}

/* ---- the register ---- */

#define CSV_HEADER \
	"\xEF\xBB\xBF" \
	"Sag;Kommune;Dato og tidspunkt for bruddet;" \
	"Dato og tidspunkt for underretning;Hvad der skete;Årsag;" \
	"Typer af personoplysninger;Antal berørte;Konsekvenser;" \
	"Afhjælpende og forebyggende foranstaltninger;" \
	"Anmeldt til Datatilsynet;Status;Alvorlighed;Oprettet\r\n"

#define CSV_CASE1(muni, reported) \
	"BV-2026-0001;" muni ";04-10-2026 15:20;05-10-2026 14:20;" \
	"\"MUNI viste svar; til \"\"forkert\"\" borger\nanden linje\";" \
	"'=cmd|' /C calc'!A0;" \
	"CPR-nummer, Helbredsoplysninger, Navne- og adressebeskyttelse;45;" \
	"\"'+45 borgere; fx [CPR fjernet]\";" \
	"\"Fejlen er rettet\r\nLogning slået til\";" \
	reported ";Åben;høj;05-10-2026 15:20\r\n"

#define CSV_CASE2 \
	"BV-2026-0002;alle kommuner;;;;;;;;;;Åben;;01-12-2026 11:00\r\n"

static void
test_csv_bytes(void **state)
{
	struct fx *fx = *state;
	struct register_row *rows = NULL;
	struct buf out = { 0 };
	size_t n = register_rows(fx->v, fx->n, 0, &rows);

	assert_int_equal(n, 3);
	register_csv(rows, n, &out);
	assert_string_equal(buf_cstr(&out),
			    CSV_HEADER CSV_CASE1("Egedal", "Ja")
			    CSV_CASE1("Hjørring", "") CSV_CASE2);
	free(rows);
	buf_free(&out);
}

static void
test_csv_since_and_decision(void **state)
{
	struct fx *fx = *state;
	struct register_row *rows = NULL;
	struct buf out = { 0 };
	int64_t since;
	size_t n;

	/* Hjørring's own decision wins over the empty default */
	fx->v[0].parties[2].authority_decision = STORE_FALSE;
	n = register_rows(fx->v, fx->n, 0, &rows);
	assert_int_equal(n, 3);
	assert_int_equal(rows[1].reported, STORE_FALSE);
	free(rows);
	/* --since 2026-12-01: midnight Copenhagen, only the second case */
	assert_true(cph_to_utc(2026, 12, 1, 0, 0, &since));
	n = register_rows(fx->v, fx->n, since, &rows);
	assert_int_equal(n, 1);
	register_csv(rows, n, &out);
	assert_string_equal(buf_cstr(&out), CSV_HEADER CSV_CASE2);
	free(rows);
	buf_free(&out);
	/* a day later than the second case: nothing */
	assert_true(cph_to_utc(2026, 12, 2, 0, 0, &since));
	assert_int_equal(register_rows(fx->v, fx->n, since, &rows), 0);
	free(rows);
}

static void
test_csv_field(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "a;b", "\"a;b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "cr\rhere", "\"cr\rhere\"" },
		{ "=1+2", "'=1+2" },
		{ "+45", "'+45" },
		{ "-3", "'-3" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\tx", "'\tx" },
		{ "=a;b", "\"'=a;b\"" },
		{ "a=b", "a=b" },
		{ "Æblegrød på ø", "Æblegrød på ø" },
		{ "cpr 010203-1234", "cpr [CPR fjernet]" },
	};
	struct buf b = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_truncate(&b, 0);
		register_csv_field(cases[i].in, &b);
		assert_string_equal(buf_cstr(&b), cases[i].out);
	}
	buf_truncate(&b, 0);
	register_csv_field(NULL, &b);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

static void
test_register_json(void **state)
{
	struct fx *fx = *state;
	struct register_row *rows = NULL;
	size_t n = register_rows(fx->v, fx->n, 0, &rows);
	json_t *a = register_json(rows, n);
	char *s = json_dumps(json_array_get(a, 2),
			     JSON_COMPACT | JSON_PRESERVE_ORDER);

	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(s, "{\"case_ref\":\"BV-2026-0002\","
		"\"municipality\":\"alle kommuner\",\"breach_at\":null,"
		"\"discovered_at\":null,\"description\":null,\"cause\":null,"
		"\"data_categories\":[],\"affected_count\":null,"
		"\"consequences\":null,\"measures\":null,"
		"\"reported_to_authority\":null,\"status\":\"open\","
		"\"severity\":null,\"created_at\":\"2026-12-01T11:00+01:00\"}");
	free(s);
	s = json_dumps(json_array_get(a, 0), JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"case_ref\":\"BV-2026-0001\","
		"\"municipality\":\"Egedal\","
		"\"breach_at\":\"2026-10-04T15:20+02:00\","
		"\"discovered_at\":\"2026-10-05T14:20+02:00\","
		"\"description\":\"MUNI viste svar; til \\\"forkert\\\" borger"
		"\\nanden linje\",\"cause\":\"=cmd|' /C calc'!A0\","
		"\"data_categories\":[\"cpr\",\"health\",\"protected_address\"],"
		"\"affected_count\":45,"
		"\"consequences\":\"+45 borgere; fx [CPR fjernet]\","
		"\"measures\":\"Fejlen er rettet\\r\\nLogning slået til\","
		"\"reported_to_authority\":true,\"status\":\"open\","
		"\"severity\":\"high\",\"created_at\":\"2026-10-05T15:20+02:00\"}");
	free(s);
	assert_true(json_is_null(json_object_get(json_array_get(a, 1),
						 "reported_to_authority")));
	json_decref(a);
	free(rows);
}

/* ---- cases: outstanding acks, table, JSON ---- */

static void
assert_names(json_t *a, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(json_array_size(a), n);
	for (i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(a, i)),
				    want[i]);
}

static void
test_outstanding(void **state)
{
	static const char *const before[] = { "Deloitte", "Hjørring" };
	static const char *const after[] = { "Deloitte" };
	static const char *const munis[] = { "Egedal", "Hjørring" };
	struct fx *fx = *state;
	struct err e = { 0 };
	json_t *o = ctl_cases_json(fx->set, &fx->v[0]);

	/* the reporter and the system owner owe nothing */
	assert_names(json_object_get(o, "outstanding"), before, 2);
	assert_names(json_object_get(o, "municipalities"), munis, 2);
	assert_string_equal(json_string_value(json_object_get(o, "next_deadline")),
			    "2026-10-06T15:20+02:00");
	json_decref(o);
	assert_int_equal(store_record_ack(fx->s, "BV-2026-0001",
					  STORE_PARTY_MUNICIPALITY, "Hjørring",
					  T1 + 600, "dpo@hjoerring.dk", 0, &e), 1);
	relist(fx);
	o = ctl_cases_json(fx->set, &fx->v[0]);
	assert_names(json_object_get(o, "outstanding"), after, 1);
	json_decref(o);
	o = ctl_cases_json(fx->set, &fx->v[1]);
	assert_names(json_object_get(o, "outstanding"), NULL, 0);
	assert_names(json_object_get(o, "municipalities"), NULL, 0);
	assert_true(json_is_true(json_object_get(o, "affects_all")));
	assert_true(json_is_null(json_object_get(o, "next_deadline")));
	assert_string_equal(json_string_value(json_object_get(o, "origin")),
			    "supplier");
	json_decref(o);
}

static void
test_cases_table(void **state)
{
	struct fx *fx = *state;
	struct buf out = { 0 };

	ctl_cases_table(fx->set, fx->v, fx->n, utc(2027, 1, 1, 0, 0), &out);
	assert_string_equal(buf_cstr(&out),
		"REF           STATUS  NEXT DEADLINE                     "
		"OUTSTANDING         MUNICIPALITIES\n"
		"BV-2026-0001  open    2026-10-06 15:20 ack overskredet  "
		"Deloitte, Hjørring  Egedal, Hjørring\n"
		"BV-2026-0002  open    -                                 "
		"-                   alle kommuner\n");
	buf_free(&out);
	/* before the deadline it is not overdue */
	ctl_cases_table(fx->set, fx->v, 1, T1, &out);
	assert_non_null(strstr(buf_cstr(&out), "2026-10-06 15:20 ack  "));
	assert_null(strstr(buf_cstr(&out), "overskredet"));
	buf_free(&out);
}

/* ---- deadlines across the end of summer time ---- */

static void
test_deadline_dst(void **state)
{
	struct fx *fx = *state;
	struct store_party p[] = {
		{ .kind = STORE_PARTY_MUNICIPALITY, .name = (char *)"Viborg",
		  .authority_decision = STORE_NULL },
		{ .kind = STORE_PARTY_SUPPLIER, .name = (char *)"Deloitte",
		  .authority_decision = STORE_NULL },
	};
	struct store_case c = {
		.status = STORE_CASE_OPEN,
		/* Saturday 24 Oct 2026 12:00 summer time */
		.created_at = utc(2026, 10, 24, 10, 0),
		/* Friday 23 Oct 14:00 summer time */
		.aware_at = utc(2026, 10, 23, 12, 0),
		.parties = p, .nparties = 2,
	};
	struct ctl_deadline *v = NULL, d;
	char t[CTL_TIME_MAX];
	json_t *j;
	size_t n;

	/* 24 hours later the clock has gone back: 11:00 winter time */
	n = ctl_case_deadlines(fx->set, &c, &v);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].kind, CTL_DEADLINE_ACK);
	assert_ptr_equal(v[0].party, &p[0]);
	assert_ptr_equal(v[1].party, &p[1]);
	ctl_time_short(v[0].at, t);
	assert_string_equal(t, "2026-10-25 11:00");
	/* 72 hours from Friday 14:00 CEST is Monday 13:00 CET */
	assert_int_equal(v[2].kind, CTL_DEADLINE_AUTHORITY);
	ctl_time_short(v[2].at, t);
	assert_string_equal(t, "2026-10-26 13:00");
	j = ctl_json_time(v[2].at);
	assert_string_equal(json_string_value(j), "2026-10-26T13:00+01:00");
	json_decref(j);
	free(v);

	/* notified_at counts from the forward; an ack ends that deadline */
	p[0].notified_at = utc(2026, 10, 24, 22, 30);
	p[1].ack_at = utc(2026, 10, 24, 11, 0);
	assert_true(ctl_next_deadline(fx->set, &c, &d));
	assert_int_equal(d.kind, CTL_DEADLINE_ACK);
	ctl_time_short(d.at, t);
	assert_string_equal(t, "2026-10-25 23:30");
	/* a decision ends the authority deadline */
	p[0].authority_decision = STORE_FALSE;
	p[0].ack_at = d.at;
	assert_false(ctl_next_deadline(fx->set, &c, &d));
	/* a closed case has none */
	p[0].authority_decision = STORE_NULL;
	c.status = STORE_CASE_CLOSED;
	assert_int_equal(ctl_case_deadlines(fx->set, &c, &v), 0);
	assert_null(v);
}

/* ---- party names ---- */

static void
test_name_matches(void **state)
{
	static const struct {
		const char *canonical, *input;
		bool match;
	} cases[] = {
		{ "Hjørring", "Hjørring", true },
		{ "Hjørring", "hjørring", true },
		{ "Hjørring", "HJØRRING", true },
		{ "Hjørring", "Hjoerring", true },
		{ "Hjørring", "hjorring", true },
		{ "Brønderslev", "Bronderslev", true },
		{ "Halsnæs", "halsnaes", true },
		{ "Samsø", "SAMSOE", true },
		{ "Ringkøbing-Skjern", "ringkobing skjern", true },
		{ "Ringkøbing-Skjern", "RingkøbingSkjern", true },
		{ "Aarhus", "Århus", true },
		{ "Furesø", "Furesø Kommune", false },
		{ "Egedal", "Egeda", false },
		{ "Egedal", "", false },
		{ "Horsens", "Holstebro", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ctl_name_matches(cases[i].canonical, cases[i].input) !=
		    cases[i].match)
			fail_msg("%s ~ %s: want %d", cases[i].canonical,
				 cases[i].input, cases[i].match);
}

static void
test_party_match(void **state)
{
	static const struct {
		const char *input;
		int index;
	} cases[] = {
		{ "supplier", 1 }, { "SUPPLIER", 1 }, { "deloitte", 1 },
		{ "Hjoerring", 2 }, { "egedal", 0 }, { "Viborg", -1 },
		{ "Borgerservice, Aarhus Kommune", -1 }, { "Aarhus", -1 },
	};
	struct fx *fx = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ctl_party_match(&fx->v[0], cases[i].input) != cases[i].index)
			fail_msg("%s: want %d", cases[i].input, cases[i].index);
}

/* ---- show ---- */

static void
test_show(void **state)
{
	static const char *const want[] = {
		"Sag BV-2026-0001 (open)\n",
		"  Dato og tidspunkt for bruddet: 2026-10-04 15:20\n",
		"  Dato og tidspunkt for underretning: 2026-10-05 14:20\n",
		"  Hvad der skete: MUNI viste svar; til \"forkert\" borger\n"
		"      anden linje\n",
		"  Årsag: =cmd|' /C calc'!A0\n",
		"  Typer af personoplysninger: CPR-nummer, Helbredsoplysninger,"
		" Navne- og adressebeskyttelse\n",
		"  Antal berørte: 45\n",
		"  Konsekvenser: +45 borgere; fx [CPR fjernet]\n",
		"  Anmeldt til Datatilsynet: Ja\n",
		"  Alvorlighed: høj\n",
		"  Egedal (kommune, indberetter): ingen kvittering krævet; "
		"Datatilsynet: anmeldes\n",
		"  Deloitte (leverandør): ingen kvittering endnu\n",
		"  2026-10-06 15:20  kvittering          Deloitte  overskredet\n",
		"  2026-10-08 14:20  Datatilsynet (72t)  Hjørring  overskredet\n",
		"report      dpo@egekom.dk  Brud [CPR fjernet]\n",
		"  2026-10-05 15:20  opened  ",
	};
	struct fx *fx = *state;
	struct store_case *c = NULL;
	struct buf out = { 0 };
	struct err e = { 0 };
	json_t *o;
	size_t i;

	assert_int_equal(store_case_get(fx->s, "BV-2026-0001", &c, &e), 1);
	ctl_show_text(fx->set, c, utc(2027, 1, 1, 0, 0), &out);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(buf_cstr(&out), want[i]) == NULL)
			fail_msg("show lacks \"%s\":\n%s", want[i], buf_cstr(&out));
	assert_null(strstr(buf_cstr(&out), "010203"));
	buf_free(&out);

	o = ctl_show_json(fx->set, c, utc(2027, 1, 1, 0, 0));
	assert_string_equal(json_string_value(json_object_get(o, "ref")),
			    "BV-2026-0001");
	assert_int_equal(json_array_size(json_object_get(o, "parties")), 4);
	assert_int_equal(json_array_size(json_object_get(o, "messages")), 1);
	assert_true(json_array_size(json_object_get(o, "events")) >= 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(o, "parties"), 2),
		"authority_deadline")), "2026-10-08T14:20+02:00");
	assert_true(json_is_true(json_object_get(
		json_array_get(json_object_get(o, "parties"), 2), "overdue")));
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(o, "messages"), 0), "subject")),
		"Brud [CPR fjernet]");
	json_decref(o);
	store_case_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_csv_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_since_and_decision,
						setup, teardown),
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test_setup_teardown(test_register_json, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_outstanding, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cases_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deadline_dst, setup,
						teardown),
		cmocka_unit_test(test_name_matches),
		cmocka_unit_test_setup_teardown(test_party_match, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_show, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
