/* SPDX-License-Identifier: MIT */
/*
 * Tests for daemon/notify.c: the routing — the procedure's table as data,
 * origin, status and parties in, "kind:address" out, in order — and the
 * per-sender and per-address limits, on a real store and spool in a temp
 * directory: a stream of reports in, each case's status and queued mails
 * out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/notify.h"
#include "lib/atomicfile.h"
#include "lib/buf.h"
#include "lib/xalloc.h"
#include "spool/outbound.h"

static const char CONF[] =
	"accounts = ( { name = \"a\"; host = \"h\"; user = \"u\"; password_file = \"/p\"; } );\n"
	"smtp = { host = \"h\"; from = \"brudvagt@aarhus.dk\"; };\n"
	"system_owner = { name = \"Borgerservice\"; emails = [ \"bs@aarhus.dk\", \"dpo@aarhus.dk\" ]; };\n"
	"supplier = { name = \"Deloitte\"; domains = [ \"deloitte.dk\" ]; emails = [ \"sec@deloitte.dk\" ]; };\n"
	"municipalities = (\n"
	" { name = \"Viborg\"; domains = [ \"viborg.dk\" ]; contacts = ( { email = \"dpo@viborg.dk\"; } ); },\n"
	" { name = \"Favrskov\"; domains = [ \"favrskov.dk\" ]; contacts = ( { email = \"dpo@favrskov.dk\"; }, { email = \"it@favrskov.dk\"; } ); },\n"
	" { name = \"Skive\"; domains = [ \"skivekommune.dk\" ]; contacts = ( { email = \"dpo@skivekommune.dk\"; } ); } );\n";

#define P_SUP { .id = 1, .kind = STORE_PARTY_SUPPLIER, .name = "Deloitte" }
#define P_SUP_R { .id = 1, .kind = STORE_PARTY_SUPPLIER, .name = "Deloitte", .reporter = true }
#define P_VIB { .id = 2, .kind = STORE_PARTY_MUNICIPALITY, .name = "Viborg" }
#define P_VIB_R { .id = 2, .kind = STORE_PARTY_MUNICIPALITY, .name = "Viborg", .reporter = true }
#define P_FAV { .id = 3, .kind = STORE_PARTY_MUNICIPALITY, .name = "Favrskov" }
#define P_SKI { .id = 4, .kind = STORE_PARTY_MUNICIPALITY, .name = "Skive" }
#define P_SO_R { .id = 5, .kind = STORE_PARTY_SYSTEM_OWNER, .name = "Borgerservice", .reporter = true }

static const struct {
	const char *what;
	enum store_origin origin;
	enum store_case_status status;
	enum notify_stage stage;
	const char *reporter;
	struct store_party parties[5];
	size_t nparties;
	const char *want;
} ROUTES[] = {
	{ "municipality: supplier and the other affected municipalities",
	  STORE_ORIGIN_MUNICIPALITY, STORE_CASE_OPEN, NOTIFY_OPENED, "hd@viborg.dk",
	  { P_SUP, P_VIB_R, P_FAV }, 3,
	  "receipt:hd@viborg.dk triage:bs@aarhus.dk triage:dpo@aarhus.dk "
	  "forward:sec@deloitte.dk forward:dpo@favrskov.dk forward:it@favrskov.dk" },
	{ "municipality alone: the supplier only",
	  STORE_ORIGIN_MUNICIPALITY, STORE_CASE_OPEN, NOTIFY_OPENED, "hd@viborg.dk",
	  { P_SUP, P_VIB_R }, 2,
	  "receipt:hd@viborg.dk triage:bs@aarhus.dk triage:dpo@aarhus.dk forward:sec@deloitte.dk" },
	{ "a forward never goes back to the reporter's address",
	  STORE_ORIGIN_MUNICIPALITY, STORE_CASE_OPEN, NOTIFY_OPENED, "dpo@favrskov.dk",
	  { P_SUP, P_VIB, P_FAV }, 3,
	  "receipt:dpo@favrskov.dk triage:bs@aarhus.dk triage:dpo@aarhus.dk "
	  "forward:sec@deloitte.dk forward:dpo@viborg.dk forward:it@favrskov.dk" },
	{ "supplier: every affected municipality, not the supplier",
	  STORE_ORIGIN_SUPPLIER, STORE_CASE_OPEN, NOTIFY_OPENED, "rj@deloitte.dk",
	  { P_SUP_R, P_VIB, P_FAV, P_SKI }, 4,
	  "receipt:rj@deloitte.dk triage:bs@aarhus.dk triage:dpo@aarhus.dk "
	  "forward:dpo@viborg.dk forward:dpo@favrskov.dk forward:it@favrskov.dk "
	  "forward:dpo@skivekommune.dk" },
	{ "system owner: no triage; supplier and municipalities",
	  STORE_ORIGIN_SYSTEM_OWNER, STORE_CASE_OPEN, NOTIFY_OPENED, "bs@aarhus.dk",
	  { P_SUP, P_SKI, P_SO_R }, 3,
	  "receipt:bs@aarhus.dk forward:sec@deloitte.dk forward:dpo@skivekommune.dk" },
	{ "held (spoofed): the triage only",
	  STORE_ORIGIN_MUNICIPALITY, STORE_CASE_HELD, NOTIFY_OPENED, "lk@skivekommune.dk",
	  { P_SUP, P_SKI }, 2,
	  "triage:bs@aarhus.dk triage:dpo@aarhus.dk" },
	{ "held (unknown sender): the triage only",
	  STORE_ORIGIN_UNKNOWN, STORE_CASE_HELD, NOTIFY_OPENED, "x@gmail.com",
	  { P_SUP, P_VIB }, 2,
	  "triage:bs@aarhus.dk triage:dpo@aarhus.dk" },
	{ "held system owner (spoofed): still the triage",
	  STORE_ORIGIN_SYSTEM_OWNER, STORE_CASE_HELD, NOTIFY_OPENED, "bs@aarhus.dk",
	  { P_SUP, P_SO_R }, 2,
	  "triage:bs@aarhus.dk triage:dpo@aarhus.dk" },
	{ "released: receipt and forwards, no second triage",
	  STORE_ORIGIN_MUNICIPALITY, STORE_CASE_HELD, NOTIFY_RELEASED, "lk@skivekommune.dk",
	  { P_SUP, P_SKI }, 2,
	  "receipt:lk@skivekommune.dk forward:sec@deloitte.dk forward:dpo@skivekommune.dk" },
	{ "released unknown sender: no receipt to it",
	  STORE_ORIGIN_UNKNOWN, STORE_CASE_HELD, NOTIFY_RELEASED, "x@gmail.com",
	  { P_SUP, P_VIB }, 2,
	  "forward:sec@deloitte.dk forward:dpo@viborg.dk" },
	{ "unanalysable: the triage only",
	  STORE_ORIGIN_NONE, STORE_CASE_NEEDS_TRIAGE, NOTIFY_OPENED, NULL,
	  { P_SUP }, 0,
	  "triage:bs@aarhus.dk triage:dpo@aarhus.dk" },
};

static void
test_route(void **state)
{
	struct settings *s = NULL;
	struct err e = { 0 };
	size_t i, j, n;

	(void)state;
	assert_int_equal(settings_load_string(CONF, "test.conf", &s, &e), 0);
	for (i = 0; i < sizeof(ROUTES) / sizeof(ROUTES[0]); i++) {
		struct store_case c = { .origin = ROUTES[i].origin,
			.status = ROUTES[i].status,
			.reporter = (char *)ROUTES[i].reporter,
			.parties = (struct store_party *)ROUTES[i].parties,
			.nparties = ROUTES[i].nparties };
		struct notify_rcpt *v = NULL;
		struct buf b = { 0 };

		n = notify_route(s, &c, ROUTES[i].stage, &v);
		for (j = 0; j < n; j++)
			buf_printf(&b, "%s%s:%s", j ? " " : "",
				   notify_kind_name(v[j].kind), v[j].addr);
		if (strcmp(buf_cstr(&b), ROUTES[i].want) != 0)
			fail_msg("%s:\n got  %s\n want %s", ROUTES[i].what,
				 buf_cstr(&b), ROUTES[i].want);
		for (j = 0; j < n; j++)
			if (v[j].kind == NOTIFY_FORWARD)
				assert_true(v[j].party > 0);
		free(v);
		buf_free(&b);
	}
	settings_free(&s);
}

/* ---- the limits ---- */

#define T0 1796000000		/* 2026-11-30, a Monday */
#define MAX_REPORTS 8

/* One report: its sender, its arrival (seconds after T0), how it came in. */
struct report {
	const char *from;
	int at;
	char how;		/* 'o' open, 's' spoofed (held), 'u' unanalysable,
				 * 'c' open, ingest not asked (a concurrent
				 * report committed between count and commit) */
};

static const struct {
	const char *what;
	int limit, receipts;	/* the two settings */
	struct report r[MAX_REPORTS];
	const char *release;	/* release this case (1-based) before queueing */
	const char *want;	/* per case "status:mails", mails by seq: r receipt,
				 * t triage, f forward; "!N" the case that told the
				 * system owner of the flood, N the count it told */
} LIMITS[] = {
	{ "a flood: the first three go out, the rest are held, one notice", 3, 10,
	  { { "hd@viborg.dk", 0, 'o' }, { "hd@viborg.dk", 1, 'o' }, { "hd@viborg.dk", 2, 'o' },
	    { "hd@viborg.dk", 3, 'o' }, { "hd@viborg.dk", 4, 'o' }, { "hd@viborg.dk", 5, 'o' } }, NULL,
	  "open:rttf open:rttf open:rttf held:tt!4 held: held:" },
	{ "another sender in the same minute is not held", 2, 10,
	  { { "hd@viborg.dk", 0, 'o' }, { "hd@viborg.dk", 1, 'o' }, { "hd@viborg.dk", 2, 'o' },
	    { "lk@viborg.dk", 3, 'o' }, { "hd@viborg.dk", 4, 'o' } }, NULL,
	  "open:rttf open:rttf held:tt!3 open:rttf held:" },
	{ "the sender is compared without case", 1, 10,
	  { { "hd@viborg.dk", 0, 'o' }, { "HD@Viborg.dk", 1, 'o' } }, NULL,
	  "open:rttf held:tt!2" },
	{ "an hour later the window has moved on", 2, 10,
	  { { "hd@viborg.dk", 0, 'o' }, { "hd@viborg.dk", 1, 'o' }, { "hd@viborg.dk", 2, 'o' },
	    { "hd@viborg.dk", 3602, 'o' } }, NULL,
	  "open:rttf open:rttf held:tt!3 open:rttf" },
	{ "a flood that goes on: one notice an hour", 1, 10,
	  { { "hd@viborg.dk", 0, 'o' }, { "hd@viborg.dk", 1, 'o' }, { "hd@viborg.dk", 1800, 'o' },
	    { "hd@viborg.dk", 3602, 'o' }, { "hd@viborg.dk", 3603, 'o' } }, NULL,
	  "open:rttf held:tt!2 held: held:tt!2 held:" },
	{ "a new hour's notice counts the whole hour, past the limit", 1, 10,
	  { { "hd@viborg.dk", 0, 'o' }, { "hd@viborg.dk", 1, 'o' }, { "hd@viborg.dk", 2, 'o' },
	    { "hd@viborg.dk", 3, 'o' }, { "hd@viborg.dk", 3602, 'o' } }, NULL,
	  "open:rttf held:tt!2 held: held: held:tt!3" },
	{ "limit 0: no limit", 0, 10,
	  { { "hd@viborg.dk", 0, 'o' }, { "hd@viborg.dk", 1, 'o' }, { "hd@viborg.dk", 2, 'o' },
	    { "hd@viborg.dk", 3, 'o' } }, NULL,
	  "open:rttf open:rttf open:rttf open:rttf" },
	{ "receipts: two an hour to one address", 0, 2,
	  { { "hd@viborg.dk", 0, 'o' }, { "hd@viborg.dk", 1, 'o' }, { "hd@viborg.dk", 2, 'o' },
	    { "hd@viborg.dk", 3, 'o' } }, NULL,
	  "open:rttf open:rttf open:ttf open:ttf" },
	{ "receipts: 0 is no limit", 0, 0,
	  { { "hd@viborg.dk", 0, 'o' }, { "hd@viborg.dk", 1, 'o' }, { "hd@viborg.dk", 2, 'o' } }, NULL,
	  "open:rttf open:rttf open:rttf" },
	{ "spoofed, over the limit: no triage per case either", 2, 10,
	  { { "hd@viborg.dk", 0, 's' }, { "hd@viborg.dk", 1, 's' }, { "hd@viborg.dk", 2, 's' },
	    { "hd@viborg.dk", 3, 's' } }, NULL,
	  "held:tt held:tt held:tt!3 held:" },
	{ "unanalysable, over the limit: no triage per case", 1, 10,
	  { { "hd@viborg.dk", 0, 'u' }, { "hd@viborg.dk", 1, 'u' }, { "hd@viborg.dk", 2, 'u' } }, NULL,
	  "needs_triage:tt needs_triage:tt!2 needs_triage:" },
	{ "ingest let it open (concurrent reports): held when queued", 2, 10,
	  { { "hd@viborg.dk", 0, 'c' }, { "hd@viborg.dk", 1, 'c' }, { "hd@viborg.dk", 2, 'c' },
	    { "hd@viborg.dk", 3, 'c' } }, NULL,
	  "open:rttf open:rttf held:tt!3 held:" },
	{ "released before its first mails: stays open, nothing twice", 1, 10,
	  { { "hd@viborg.dk", 0, 'o' }, { "hd@viborg.dk", 1, 'o' } }, "2",
	  "open:rttf open:rftt!2" },
	{ "spoofed, released before its first mails: nothing twice", 0, 10,
	  { { "hd@viborg.dk", 0, 's' } }, "1",
	  "open:rf" },
};

struct fx {
	char *dir;
	struct settings *s;
	struct store *st;
};

static void
fx_open(struct fx *fx, int limit, int receipts)
{
	struct err e = { 0 };
	char *conf;

	fx->dir = xstrdup("/tmp/bv-notify-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	conf = xasprintf("%s"
		"store = { path = \"%s/bv.db\"; };\nspool = { path = \"%s/spool\"; };\n"
		"templates = { path = \"%s/none\"; };\n"
		"limits = { reports_per_sender_per_hour = %d;"
		" receipts_per_address_per_hour = %d; };\n",
		CONF, fx->dir, fx->dir, fx->dir, limit, receipts);
	if (settings_load_string(conf, "t.conf", &fx->s, &e) < 0 ||
	    store_open(fx->s->store_path, &fx->st, &e) < 0 ||
	    atomicfile_mkdirs(fx->dir, "spool", &e) < 0)
		fail_msg("fixture: %s", e.msg);
	free(conf);
}

static void
fx_close(struct fx *fx)
{
	char *cmd = xasprintf("rm -rf '%s'", fx->dir);

	store_close(&fx->st);
	settings_free(&fx->s);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(fx->dir);
}

/* Store report r number i as ingest does (ingest.c: the hold, the parties). */
static void
ingest(struct fx *fx, const struct report *r, int i)
{
	const struct store_party_in parties[] = {
		{ STORE_PARTY_SUPPLIER, "Deloitte", false },
		{ STORE_PARTY_MUNICIPALITY, "Viborg", true },
	};
	char mid[64], hash[65];
	struct store_message_in in = {
		.account = "a", .mailbox = "INBOX", .uidvalidity = 1, .uid = (uint32_t)i + 1,
		.message_id = mid, .body_sha256 = hash, .from_addr = r->from,
		.received_at = T0 + r->at,
		.kind = r->how == 'u' ? STORE_KIND_UNANALYSABLE : STORE_KIND_REPORT,
		.incident = { .origin = STORE_ORIGIN_MUNICIPALITY, .reporter = r->from,
			      .reporting_municipality = "Viborg", .affected_count = -1,
			      .reported_to_authority = STORE_NULL, .spoofed = r->how == 's' },
		.parties = parties, .nparties = 2,
	};
	struct store_ingest_result res;
	struct err e = { 0 };

	snprintf(mid, sizeof(mid), "<flood-%d@viborg.dk>", i);
	snprintf(hash, sizeof(hash), "%064d", i);
	in.hold = r->how == 's' ||
		  (r->how == 'o' && notify_sender_over_limit(fx->s, fx->st, r->from, in.received_at));
	if (store_ingest(fx->st, &in, &res, &e) < 0 || !res.case_opened)
		fail_msg("ingest %d: %s", i, e.msg);
}

/* "status:mails" of every case, in order (see LIMITS). */
static void
summarize(struct fx *fx, struct buf *b)
{
	struct store_outbound *o = NULL;
	struct store_case *v = NULL, *c = NULL;
	struct err e = { 0 };
	size_t n = 0, no = 0, i, j, k;

	assert_int_equal(store_case_list(fx->st, &v, &n, &e), 0);
	assert_int_equal(store_outbound_list(fx->st, STORE_OUT_LIST_QUEUED, 0, &o, &no, &e), 0);
	for (i = 0; i < n; i++) {
		buf_printf(b, "%s%s:", i ? " " : "", store_case_status_name(v[i].status));
		for (j = 0; j < no; j++)	/* oldest first: seq order per case */
			if (strcmp(o[j].case_ref, v[i].ref) == 0)
				buf_putc(b, o[j].kind[0]);
		assert_int_equal(store_case_get(fx->st, v[i].ref, &c, &e), 1);
		for (k = 0; k < c->nevents; k++)
			if (strcmp(c->events[k].type, "mails_queued") == 0 && c->events[k].detail &&
			    strncmp(c->events[k].detail, STORE_FLOOD_NOTICE,
				    strlen(STORE_FLOOD_NOTICE)) == 0)
				buf_printf(b, "!%ld", strtol(c->events[k].detail +
					   strlen(STORE_FLOOD_NOTICE), NULL, 10));
		store_case_free(&c);
	}
	store_outbound_list_free(&o, no);
	store_case_list_free(&v, n);
}

static void
test_limits(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(LIMITS) / sizeof(LIMITS[0]); i++) {
		struct fx fx = { 0 };
		struct err e = { 0 };
		struct buf b = { 0 };
		int last = 0;

		fx_open(&fx, LIMITS[i].limit, LIMITS[i].receipts);
		for (j = 0; j < MAX_REPORTS && LIMITS[i].r[j].from; j++) {
			ingest(&fx, &LIMITS[i].r[j], (int)j);
			last = LIMITS[i].r[j].at;
		}
		if (LIMITS[i].release) {
			char *ref = xasprintf("BV-2026-%04d", atoi(LIMITS[i].release));

			if (notify_release(fx.s, fx.st, ref, T0 + last, "test", &e) < 0)
				fail_msg("%s: release: %s", LIMITS[i].what, e.msg);
			free(ref);
		}
		if (notify_pending(fx.s, fx.st, T0 + last, NULL, &e) < 0)
			fail_msg("%s: %s", LIMITS[i].what, e.msg);
		/* A second run (a catch-up after a crash) changes nothing. */
		assert_int_equal(notify_pending(fx.s, fx.st, T0 + last, NULL, &e), 0);
		summarize(&fx, &b);
		if (strcmp(buf_cstr(&b), LIMITS[i].want) != 0)
			fail_msg("%s:\n got  %s\n want %s", LIMITS[i].what,
				 buf_cstr(&b), LIMITS[i].want);
		buf_free(&b);
		fx_close(&fx);
	}
}

/* SIGTERM during a backlog: notify_pending stops between two cases. */
static void
test_stop(void **state)
{
	static const struct report r = { "hd@viborg.dk", 0, 'o' };
	volatile sig_atomic_t stop = 1;
	struct fx fx = { 0 };
	struct err e = { 0 };
	struct buf b = { 0 };
	int i;

	(void)state;
	fx_open(&fx, 0, 10);
	for (i = 0; i < 3; i++)
		ingest(&fx, &r, i);
	assert_int_equal(notify_pending(fx.s, fx.st, T0, &stop, &e), 0);
	summarize(&fx, &b);
	assert_string_equal(buf_cstr(&b), "open: open: open:");
	buf_free(&b);
	stop = 0;
	assert_int_equal(notify_pending(fx.s, fx.st, T0, &stop, &e), 3);
	summarize(&fx, &b);
	assert_string_equal(buf_cstr(&b), "open:rttf open:rttf open:rttf");
	buf_free(&b);
	fx_close(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
