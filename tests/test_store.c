/* SPDX-License-Identifier: MIT */
/*
 * Tests for spool/store.c: case refs, cross-account and hash dedup, reply
 * linking, triage, acknowledgements, schema and reopen, and fault injection
 * with -Wl,--wrap=sqlite3_step (tests/test_store.wrap): a failure at any
 * step of an ingest leaves no case, no message and no mailbox advance, and
 * the retry gets the ref the failed attempt would have had (no gaps).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "lib/cphtime.h"
#include "lib/xalloc.h"
#include "spool/store.h"

/* ---- fault injection: the nth sqlite3_step from now fails ---- */

static struct { int nth, calls, rc; } fault;

int __real_sqlite3_step(sqlite3_stmt *st);
int __wrap_sqlite3_step(sqlite3_stmt *st);

int
__wrap_sqlite3_step(sqlite3_stmt *st)
{
	if (fault.nth > 0 && ++fault.calls == fault.nth)
		return fault.rc;
	return __real_sqlite3_step(st);
}

static void
fault_arm(int nth, int rc)
{
	fault.nth = nth;
	fault.calls = 0;
	fault.rc = rc;
}

/* ---- fixtures ---- */

struct fx {
	char *dir, *path;
	struct store *s;
};

static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	struct err e = { 0 };

	fault_arm(0, 0);
	fx->dir = xstrdup("/tmp/bv-store-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	fx->path = xasprintf("%s/brudvagt.db", fx->dir);
	if (store_open(fx->path, &fx->s, &e) == -1) {
		fprintf(stderr, "%s\n", e.msg);
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

	store_close(&fx->s);
	rc = system(cmd);
	free(cmd);
	free(fx->dir);
	free(fx->path);
	free(fx);
	return rc == 0 ? 0 : -1;
}

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return cph_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static const char BODY_A[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char BODY_B[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static const struct store_party_in PARTIES[] = {
	{ STORE_PARTY_MUNICIPALITY, "Egedal", true },
	{ STORE_PARTY_SUPPLIER, "Deloitte", false },
	{ STORE_PARTY_MUNICIPALITY, "Viborg", false },
	{ STORE_PARTY_SYSTEM_OWNER, "Borgerservice, Aarhus Kommune", false },
};

/* A report from Egedal in account borgerservice, uid uid. */
static struct store_message_in
report(const char *message_id, uint32_t uid, int64_t now)
{
	struct store_message_in in = {
		.account = "borgerservice", .mailbox = "INBOX",
		.uidvalidity = 7, .uid = uid,
		.message_id = message_id, .body_sha256 = BODY_A,
		.kind = STORE_KIND_REPORT, .from_addr = "dpo@egekom.dk",
		.subject = "Brud på persondatasikkerheden",
		.has_date = true, .date = now - 60,
		.archive_path = "archive/aa/aaaa",
		.analysis_json = "{\"kind\":\"report\"}",
		.received_at = now,
		.incident = {
			.origin = STORE_ORIGIN_MUNICIPALITY,
			.reporter = "dpo@egekom.dk",
			.reporting_municipality = "Egedal",
			.has_discovered_at = true, .discovered_at = now - 3600,
			.description = "MUNI viste svar til forkert borger",
			.data_categories = "cpr name",
			.affected_count = 45, .cpr_count = 2,
			.severity = "high",
			.reported_to_authority = STORE_NULL,
		},
		.parties = PARTIES, .nparties = 4,
	};
	return in;
}

/* A reply of kind k naming ref, from account/uid. */
static struct store_message_in
reply(enum store_kind k, const char *message_id, const char *ref,
      uint32_t uid, int64_t now)
{
	struct store_message_in in = {
		.account = "dpo", .mailbox = "INBOX", .uidvalidity = 3,
		.uid = uid, .message_id = message_id, .body_sha256 = BODY_B,
		.kind = k, .from_addr = "it@viborg.dk", .subject = "Sv: x",
		.has_date = true, .date = now, .case_ref = ref,
		.received_at = now,
	};
	return in;
}

static void
ingest_ok(struct fx *fx, const struct store_message_in *in,
	  struct store_ingest_result *r)
{
	struct err e = { 0 };

	if (store_ingest(fx->s, in, r, &e) != 0)
		fail_msg("ingest: %s", e.msg);
}

static size_t
count_cases(struct fx *fx)
{
	struct store_case *v = NULL;
	struct err e = { 0 };
	size_t n = 0;

	assert_int_equal(store_case_list(fx->s, &v, &n, &e), 0);
	store_case_list_free(&v, n);
	return n;
}

static struct store_case *
get_case(struct fx *fx, const char *ref)
{
	struct store_case *c = NULL;
	struct err e = { 0 };

	assert_int_equal(store_case_get(fx->s, ref, &c, &e), 1);
	return c;
}

/* ---- tests ---- */

static void
test_case_refs(void **state)
{
	static const struct {
		const char *mid;
		int y, mo, d, h, mi;	/* UTC */
		const char *ref;
	} cases[] = {
		{ "<r1@egekom.dk>", 2026, 3, 1, 9, 0, "BV-2026-0001" },
		{ "<r2@egekom.dk>", 2026, 6, 1, 9, 0, "BV-2026-0002" },
		/* 23:30 UTC on 31 December is 00:30 in Copenhagen: 2027 */
		{ "<r3@egekom.dk>", 2026, 12, 31, 23, 30, "BV-2027-0001" },
		{ "<r4@egekom.dk>", 2027, 2, 1, 9, 0, "BV-2027-0002" },
	};
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_case *c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in = report(cases[i].mid, (uint32_t)i + 1,
			    utc(cases[i].y, cases[i].mo, cases[i].d,
				cases[i].h, cases[i].mi));
		ingest_ok(fx, &in, &r);
		assert_true(r.case_opened);
		assert_false(r.duplicate);
		assert_string_equal(r.case_ref, cases[i].ref);
	}
	c = get_case(fx, "BV-2027-0001");
	assert_int_equal(c->year, 2027);
	assert_int_equal(c->seq, 1);
	assert_int_equal(c->status, STORE_CASE_OPEN);
	assert_int_equal(c->origin, STORE_ORIGIN_MUNICIPALITY);
	assert_string_equal(c->reporting_municipality, "Egedal");
	assert_int_equal(c->affected_count, 45);
	assert_int_equal(c->cpr_count, 2);
	assert_string_equal(c->severity, "high");
	assert_int_equal(c->reported_to_authority, STORE_NULL);
	assert_int_equal(c->aware_at, c->discovered_at);
	assert_int_equal(c->nparties, 4);
	assert_true(c->parties[0].reporter);
	assert_string_equal(c->parties[1].name, "Deloitte");
	assert_int_equal(c->parties[1].kind, STORE_PARTY_SUPPLIER);
	assert_int_equal(c->nevents, 1);
	assert_string_equal(c->events[0].type, "opened");
	assert_int_equal(c->nmessages, 1);
	assert_int_equal(c->messages[0].id, c->report_message);
	store_case_free(&c);
	assert_null(c);
	assert_int_equal(count_cases(fx), 4);
}

static void
test_cross_account_dedup(void **state)
{
	struct fx *fx = *state;
	struct store_ingest_result r1, r2;
	struct store_message_in in;
	struct store_mailbox mb;
	struct store_message m;
	struct err e = { 0 };
	int64_t now = utc(2026, 11, 30, 10, 0);

	in = report("<same@egekom.dk>", 41, now);
	ingest_ok(fx, &in, &r1);
	in.account = "dpo";		/* the copy in the DPO mailbox */
	in.uidvalidity = 3;
	in.uid = 12;
	in.archive_path = "archive/bb/bbbb";	/* other Received headers */
	ingest_ok(fx, &in, &r2);
	assert_true(r2.duplicate);
	assert_false(r2.case_opened);
	assert_int_equal(r2.message, r1.message);
	assert_int_equal(r2.case_id, r1.case_id);
	assert_string_equal(r2.case_ref, "BV-2026-0001");
	assert_int_equal(count_cases(fx), 1);

	assert_int_equal(store_message_find(fx->s, "<same@egekom.dk>", &m, &e),
			 1);
	assert_int_equal(m.nlocations, 2);
	assert_string_equal(m.account, "borgerservice");
	assert_int_equal(m.kind, STORE_KIND_REPORT);
	store_message_free(&m);
	assert_int_equal(store_message_find(fx->s, "<nope@x>", &m, &e), 0);

	/* both mailboxes advanced */
	assert_int_equal(store_mailbox_get(fx->s, "borgerservice", "INBOX",
					   &mb, &e), 1);
	assert_int_equal(mb.last_uid, 41);
	assert_int_equal(store_mailbox_get(fx->s, "dpo", "INBOX", &mb, &e), 1);
	assert_int_equal(mb.uidvalidity, 3);
	assert_int_equal(mb.last_uid, 12);

	/* seen again at the same place: still one location */
	ingest_ok(fx, &in, &r2);
	assert_true(r2.duplicate);
	assert_int_equal(store_message_find(fx->s, "<same@egekom.dk>", &m, &e),
			 1);
	assert_int_equal(m.nlocations, 2);
	store_message_free(&m);
}

static void
test_hash_dedup(void **state)
{
	static const struct {
		const char *body, *from;
		int64_t date_shift;
		int duplicate;
	} cases[] = {
		{ BODY_A, "dpo@egekom.dk", 0, 0 },	/* the first */
		{ BODY_A, "dpo@egekom.dk", 0, 1 },	/* its copy */
		{ BODY_A, "dpo@egekom.dk", 60, 0 },	/* other Date */
		{ BODY_A, "it@viborg.dk", 0, 0 },	/* other From */
		{ BODY_B, "dpo@egekom.dk", 0, 0 },	/* other body */
		{ BODY_B, "dpo@egekom.dk", 0, 1 },
	};
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	int64_t now = utc(2026, 11, 30, 10, 0);
	size_t i, opened = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in = report(NULL, (uint32_t)i + 1, now);
		in.body_sha256 = cases[i].body;
		in.from_addr = cases[i].from;
		in.date += cases[i].date_shift;
		in.account = i % 2 ? "dpo" : "borgerservice";
		ingest_ok(fx, &in, &r);
		assert_int_equal(r.duplicate, cases[i].duplicate);
		assert_int_equal(r.case_opened, !cases[i].duplicate);
		opened += r.case_opened;
	}
	assert_int_equal(count_cases(fx), opened);
}

static void
test_replies_link(void **state)
{
	static const struct {
		enum store_kind kind;
		const char *mid, *ref;
		int linked, unknown;
	} cases[] = {
		{ STORE_KIND_ACK, "<a1@viborg.dk>", "BV-2026-0001", 1, 0 },
		{ STORE_KIND_AUTO_REPLY, "<a2@viborg.dk>", "BV-2026-0001", 1, 0 },
		{ STORE_KIND_BOUNCE, "<a3@mx>", "BV-2026-0001", 1, 0 },
		{ STORE_KIND_ACK, "<a4@viborg.dk>", "BV-2026-0099", 0, 1 },
		{ STORE_KIND_OTHER, "<a5@viborg.dk>", NULL, 0, 0 },
	};
	struct fx *fx = *state;
	struct store_ingest_result r, rep;
	struct store_message_in in;
	struct store_message m;
	struct store_case *c;
	struct err e = { 0 };
	int64_t now = utc(2026, 11, 30, 10, 0);
	size_t i;

	in = report("<rep@egekom.dk>", 1, now);
	ingest_ok(fx, &in, &rep);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in = reply(cases[i].kind, cases[i].mid, cases[i].ref,
			   (uint32_t)i + 1, now + 60);
		ingest_ok(fx, &in, &r);
		assert_false(r.case_opened);
		assert_false(r.duplicate);
		assert_int_equal(r.case_id, cases[i].linked ? rep.case_id : 0);
		assert_int_equal(r.unknown_case_ref, cases[i].unknown);
		assert_int_equal(store_message_find(fx->s, cases[i].mid, &m,
						    &e), 1);
		assert_int_equal(m.unknown_case_ref, cases[i].unknown);
		assert_int_equal(m.kind, cases[i].kind);
		store_message_free(&m);
	}
	assert_int_equal(count_cases(fx), 1);
	c = get_case(fx, "BV-2026-0001");
	assert_int_equal(c->nmessages, 4);	/* report + 3 linked */
	assert_int_equal(c->nevents, 4);	/* opened + 3 linked */
	assert_string_equal(c->events[3].type, "linked");
	store_case_free(&c);
}

static void
test_triage_and_hold(void **state)
{
	static const struct {
		enum store_kind kind;
		int hold;
		enum store_case_status status;
		size_t nparties;
	} cases[] = {
		{ STORE_KIND_UNANALYSABLE, 0, STORE_CASE_NEEDS_TRIAGE, 0 },
		{ STORE_KIND_REPORT, 1, STORE_CASE_HELD, 4 },
		{ STORE_KIND_REPORT, 0, STORE_CASE_OPEN, 4 },
	};
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_case *c;
	char mid[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(mid, sizeof(mid), "<t%zu@x>", i);
		in = report(mid, (uint32_t)i + 1, utc(2026, 11, 30, 10, 0));
		in.kind = cases[i].kind;
		in.hold = cases[i].hold;
		ingest_ok(fx, &in, &r);
		assert_true(r.case_opened);
		c = get_case(fx, r.case_ref);
		assert_int_equal(c->status, cases[i].status);
		assert_int_equal(c->nparties, cases[i].nparties);
		assert_string_equal(c->reporter, "dpo@egekom.dk");
		store_case_free(&c);
	}
}

static void
test_mailbox_state(void **state)
{
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_mailbox mb;
	struct err e = { 0 };
	int64_t now = utc(2026, 11, 30, 10, 0);

	assert_int_equal(store_mailbox_get(fx->s, "borgerservice", "INBOX",
					   &mb, &e), 0);
	in = report("<m10@x>", 10, now);
	ingest_ok(fx, &in, &r);
	in = report("<m5@x>", 5, now);		/* an older UID: no going back */
	ingest_ok(fx, &in, &r);
	assert_int_equal(store_mailbox_get(fx->s, "borgerservice", "INBOX",
					   &mb, &e), 1);
	assert_int_equal(mb.uidvalidity, 7);
	assert_int_equal(mb.last_uid, 10);

	/* a new UIDVALIDITY is refused until resolved, and changes nothing */
	in = report("<m11@x>", 11, now);
	in.uidvalidity = 8;
	assert_int_equal(store_ingest(fx->s, &in, &r, &e), -1);
	assert_int_equal(e.code, 65);
	assert_int_equal(count_cases(fx), 2);
	assert_int_equal(store_mailbox_set(fx->s, "borgerservice", "INBOX", 8,
					   0, now, &e), 0);
	ingest_ok(fx, &in, &r);
	assert_int_equal(store_mailbox_get(fx->s, "borgerservice", "INBOX",
					   &mb, &e), 1);
	assert_int_equal(mb.uidvalidity, 8);
	assert_int_equal(mb.last_uid, 11);
}

static void
test_fault_injection(void **state)
{
	static const int codes[] = { SQLITE_IOERR, SQLITE_FULL, SQLITE_BUSY };
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_mailbox mb;
	struct store_message m;
	struct err e;
	char mid[32], ref[STORE_REF_MAX];
	int64_t now = utc(2026, 11, 30, 10, 0);
	int n, failures = 0, seq = 0, code;

	for (n = 1;; n++) {
		code = codes[n % 3];
		snprintf(mid, sizeof(mid), "<f%d@x>", n);
		in = report(mid, (uint32_t)n + 100, now);
		memset(&e, 0, sizeof(e));
		fault_arm(n, code);
		if (store_ingest(fx->s, &in, &r, &e) == 0) {
			fault_arm(0, 0);
			assert_true(fault.nth == 0);
			break;		/* the nth step was never reached */
		}
		fault_arm(0, 0);
		failures++;
		assert_int_equal(e.code, code == SQLITE_BUSY ? 75 : 74);
		/* nothing of it is there */
		assert_int_equal(count_cases(fx), (size_t)seq);
		assert_int_equal(store_message_find(fx->s, mid, &m, &e), 0);
		if (seq == 0)
			assert_int_equal(store_mailbox_get(fx->s,
				"borgerservice", "INBOX", &mb, &e), 0);
		else {
			assert_int_equal(store_mailbox_get(fx->s,
				"borgerservice", "INBOX", &mb, &e), 1);
			assert_int_equal(mb.last_uid, (uint32_t)n + 99);
		}
		/* the retry succeeds, with the next ref: no gap */
		ingest_ok(fx, &in, &r);
		snprintf(ref, sizeof(ref), "BV-2026-%04d", ++seq);
		assert_string_equal(r.case_ref, ref);
		assert_int_equal(store_mailbox_get(fx->s, "borgerservice",
						   "INBOX", &mb, &e), 1);
		assert_int_equal(mb.last_uid, (uint32_t)n + 100);
	}
	/* every step of an ingest was failed once, COMMIT included */
	print_message("%d injected step failures, each rolled back\n",
		      failures);
	assert_true(failures >= 10);
	assert_int_equal(store_integrity_check(fx->s, &e), 1);
}

/*
 * A batch: each message's change is a savepoint. A step failing anywhere in
 * one message undoes that message alone; the batch still commits the one
 * before it, the position stops there, and the retry gets the next ref (no
 * gap). A failing COMMIT keeps nothing of the batch.
 */
static void
test_batch_savepoints(void **state)
{
	static const int codes[] = { SQLITE_IOERR, SQLITE_BUSY, SQLITE_CONSTRAINT };
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_mailbox mb;
	struct store_message m;
	struct err e;
	char good[32], bad[32];
	int64_t now = utc(2026, 11, 30, 10, 0);
	int n, failures = 0;
	uint32_t uid = 0;
	size_t cases = 0;

	for (n = 1;; n++) {
		snprintf(good, sizeof(good), "<g%d@x>", n);
		snprintf(bad, sizeof(bad), "<b%d@x>", n);
		assert_int_equal(store_batch_begin(fx->s, &e), 0);
		assert_int_equal(store_batch_begin(fx->s, &e), -1);	/* no nesting */
		in = report(good, ++uid, now);
		ingest_ok(fx, &in, &r);
		in = report(bad, ++uid, now);
		fault_arm(n, codes[n % 3]);
		if (store_ingest(fx->s, &in, &r, &e) == 0) {
			fault_arm(0, 0);
			assert_int_equal(store_batch_end(fx->s, 0, &e), 0);
			break;		/* the nth step was never reached */
		}
		fault_arm(0, 0);
		failures++;
		memset(&e, 0, sizeof(e));
		assert_int_equal(store_batch_end(fx->s, 0, &e), 0);
		cases++;
		assert_int_equal(count_cases(fx), cases);
		assert_int_equal(store_message_find(fx->s, bad, &m, &e), 0);
		assert_int_equal(store_mailbox_get(fx->s, "borgerservice", "INBOX",
						   &mb, &e), 1);
		assert_int_equal(mb.last_uid, uid - 1);
		/* the retry, alone: the next ref */
		ingest_ok(fx, &in, &r);
		cases++;
		assert_int_equal(count_cases(fx), cases);
	}
	print_message("%d failing steps in a batch, each undone alone\n", failures);
	assert_true(failures >= 10);
	cases += 2;
	assert_int_equal(count_cases(fx), cases);

	/* the COMMIT fails: nothing of the batch stays */
	assert_int_equal(store_batch_begin(fx->s, &e), 0);
	in = report("<lost@x>", ++uid, now);
	ingest_ok(fx, &in, &r);
	fault_arm(1, SQLITE_IOERR);
	assert_int_equal(store_batch_end(fx->s, 0, &e), -1);
	fault_arm(0, 0);
	assert_int_equal(count_cases(fx), cases);
	/* rolled back on purpose */
	assert_int_equal(store_batch_begin(fx->s, &e), 0);
	ingest_ok(fx, &in, &r);
	assert_int_equal(store_batch_end(fx->s, -1, &e), -1);
	assert_int_equal(count_cases(fx), cases);
	ingest_ok(fx, &in, &r);
	assert_int_equal(count_cases(fx), cases + 1);
	assert_int_equal(store_integrity_check(fx->s, &e), 1);
}

static void
test_record_ack(void **state)
{
	static const struct {
		const char *ref;
		enum store_party_kind kind;
		const char *name;
		int rc, code;
	} cases[] = {
		{ "BV-2026-0001", STORE_PARTY_MUNICIPALITY, "Viborg", 1, 0 },
		{ "BV-2026-0001", STORE_PARTY_MUNICIPALITY, "Viborg", 0, 0 },
		{ "BV-2026-0001", STORE_PARTY_SUPPLIER, NULL, 1, 0 },
		{ "BV-2026-0001", STORE_PARTY_MUNICIPALITY, "Aalborg", -1, 65 },
		{ "BV-2026-0042", STORE_PARTY_SUPPLIER, NULL, -1, 65 },
	};
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_case *c;
	struct err e;
	int64_t now = utc(2026, 11, 30, 10, 0);
	size_t i;

	in = report("<ack@egekom.dk>", 1, now);
	ingest_ok(fx, &in, &r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&e, 0, sizeof(e));
		assert_int_equal(store_record_ack(fx->s, cases[i].ref,
			cases[i].kind, cases[i].name, now + 60 * (int)(i + 1),
			"it@viborg.dk", 0, &e), cases[i].rc);
		assert_int_equal(e.code, cases[i].code);
	}
	c = get_case(fx, "BV-2026-0001");
	assert_int_equal(c->parties[2].ack_at, now + 60);	/* the first */
	assert_string_equal(c->parties[2].ack_from, "it@viborg.dk");
	assert_int_equal(c->parties[1].ack_at, now + 180);
	assert_int_equal(c->parties[0].ack_at, 0);
	assert_int_equal(c->nevents, 4);	/* opened + 3 acks */
	store_case_free(&c);
}

static void
test_events_append_only(void **state)
{
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_case *c;
	struct err e = { 0 };
	sqlite3 *db;
	int64_t now = utc(2026, 11, 30, 10, 0);

	in = report("<ev@egekom.dk>", 1, now);
	ingest_ok(fx, &in, &r);
	assert_int_equal(store_event_append(fx->s, r.case_ref, now + 1,
					    "reminder", "party=Viborg", &e), 0);
	assert_int_equal(store_event_append(fx->s, "BV-1999-0001", now,
					    "x", NULL, &e), -1);
	assert_int_equal(e.code, 65);
	c = get_case(fx, r.case_ref);
	assert_int_equal(c->nevents, 2);
	assert_string_equal(c->events[1].detail, "party=Viborg");
	store_case_free(&c);

	/* history cannot be rewritten, even from outside */
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE events SET type = 'x'",
					  NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM events",
					  NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void
test_party_records(void **state)
{
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_case *c;
	struct err e = { 0 };
	int64_t now = utc(2026, 11, 30, 10, 0), back = utc(2026, 12, 7, 7, 0);

	in = report("<pr@egekom.dk>", 1, now);
	ingest_ok(fx, &in, &r);
	/* notified: the first time counts */
	assert_int_equal(store_record_notified(fx->s, r.case_ref,
		STORE_PARTY_MUNICIPALITY, "Viborg", now + 60, &e), 1);
	assert_int_equal(store_record_notified(fx->s, r.case_ref,
		STORE_PARTY_MUNICIPALITY, "Viborg", now + 120, &e), 0);
	/* a decision, the same again (nothing), then a change of mind */
	assert_int_equal(store_record_authority(fx->s, r.case_ref, "Viborg",
		STORE_FALSE, now + 180, 0, &e), 1);
	assert_int_equal(store_record_authority(fx->s, r.case_ref, "Viborg",
		STORE_FALSE, now + 240, 0, &e), 0);
	assert_int_equal(store_record_authority(fx->s, r.case_ref, "Viborg",
		STORE_TRUE, now + 300, 0, &e), 1);
	assert_int_equal(store_record_authority(fx->s, r.case_ref, "Viborg",
		STORE_NULL, now + 300, 0, &e), -1);
	assert_int_equal(e.code, 64);
	assert_int_equal(store_record_authority(fx->s, r.case_ref, "Aalborg",
		STORE_TRUE, now + 300, 0, &e), -1);
	assert_int_equal(e.code, 65);
	/* out of office */
	assert_int_equal(store_record_return_date(fx->s, r.case_ref,
		STORE_PARTY_SUPPLIER, NULL, back, now + 360, &e), 1);
	assert_int_equal(store_record_return_date(fx->s, r.case_ref,
		STORE_PARTY_SUPPLIER, NULL, back, now + 420, &e), 0);
	c = get_case(fx, r.case_ref);
	assert_int_equal(c->parties[2].notified_at, now + 60);
	assert_int_equal(c->parties[2].authority_decision, STORE_TRUE);
	assert_int_equal(c->parties[2].authority_decision_at, now + 300);
	assert_int_equal(c->parties[1].return_date, back);
	/* opened, notified, authority x2, out_of_office */
	assert_int_equal(c->nevents, 5);
	assert_string_equal(c->events[3].detail,
			    "party=Viborg decision=yes previous=no by=hand");
	assert_string_equal(c->events[4].type, "out_of_office");
	store_case_free(&c);
}

static void
test_case_update(void **state)
{
	static const struct {
		struct store_field_update u;
		int rc, code;
	} cases[] = {
		{ { "affected_count", NULL, 45 }, 0, 0 },	/* same */
		{ { "affected_count", NULL, 46 }, 1, 0 },
		{ { "cause", "Fejl i konfigurationen", 0 }, 1, 0 },
		{ { "cause", "Fejl i konfigurationen", 0 }, 0, 0 },
		{ { "bogus", "x", 0 }, -1, 64 },
		{ { "cause", NULL, 0 }, -1, 64 },
		{ { "affected_count", NULL, -3 }, -1, 64 },
	};
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_case *c;
	struct err e;
	int64_t now = utc(2026, 11, 30, 10, 0), disc = utc(2026, 11, 29, 8, 0);
	struct store_field_update both[] = {
		{ "measures", "Rettet", 0 }, { "discovered_at", NULL, disc },
	};
	size_t i;

	in = report("<up@egekom.dk>", 1, now);
	ingest_ok(fx, &in, &r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&e, 0, sizeof(e));
		assert_int_equal(store_case_update(fx->s, r.case_ref,
			&cases[i].u, 1, now + 60, r.message, &e), cases[i].rc);
		assert_int_equal(e.code, cases[i].code);
	}
	assert_int_equal(store_case_update(fx->s, "BV-1999-0001", both, 2,
					   now, 0, &e), -1);
	assert_int_equal(e.code, 65);
	assert_int_equal(store_case_update(fx->s, r.case_ref, both, 2,
					   now + 120, 0, &e), 2);
	c = get_case(fx, r.case_ref);
	assert_int_equal(c->affected_count, 46);
	assert_string_equal(c->cause, "Fejl i konfigurationen");
	assert_int_equal(c->discovered_at, disc);
	assert_int_equal(c->aware_at, disc);	/* the clock moves with it */
	assert_int_equal(c->nchanges, 4);
	assert_string_equal(c->changes[0].field, "affected_count");
	assert_string_equal(c->changes[0].old_value, "45");
	assert_string_equal(c->changes[0].new_value, "46");
	assert_int_equal(c->changes[0].source_message, r.message);
	assert_null(c->changes[1].old_value);
	assert_string_equal(c->changes[3].old_value, "2026-11-30T10:00+01:00");
	assert_string_equal(c->changes[3].new_value, "2026-11-29T09:00+01:00");
	store_case_free(&c);
}

static int sends;

static int
count_send(void *ctx, struct err *e)
{
	(void)e;
	sends++;
	return ctx == NULL ? 0 : err_set(e, 75, "queue full");
}

static void
test_deadline_ledger(void **state)
{
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_case *c;
	struct err e = { 0 };
	int64_t now = utc(2026, 11, 30, 10, 0);
	struct store_deadline_mark esc[] = {
		{ "BV-2026-0001/escalation/p2", 1, 2, "escalation", now },
		{ "BV-2026-0001/escalation/p3", 1, 3, "escalation", now },
	};
	struct store_deadline_mark digest = { "digest/2026-11-30", 0, 0,
					       "digest", now };
	char **keys = NULL;
	size_t n = 0;

	in = report("<dl@egekom.dk>", 1, now);
	ingest_ok(fx, &in, &r);
	sends = 0;
	/* a failing send records nothing */
	assert_int_equal(store_deadline_record(fx->s, esc, 2, now, "x",
		count_send, fx, &e), -1);
	assert_int_equal(e.code, 75);
	assert_int_equal(store_deadline_keys(fx->s, &keys, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_deadline_record(fx->s, esc, 2, now, "x",
		count_send, NULL, &e), 1);
	assert_int_equal(store_deadline_record(fx->s, esc, 2, now + 60, "x",
		count_send, NULL, &e), 0);
	/* one key recorded already: the whole mail is not sent again */
	assert_int_equal(store_deadline_record(fx->s, &esc[1], 1, now, "x",
		count_send, NULL, &e), 0);
	assert_int_equal(store_deadline_record(fx->s, &digest, 1, now, NULL,
		count_send, NULL, &e), 1);
	assert_int_equal(sends, 3);
	assert_int_equal(store_deadline_keys(fx->s, &keys, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(keys[0], "BV-2026-0001/escalation/p2");
	assert_string_equal(keys[2], "digest/2026-11-30");
	store_deadline_keys_free(&keys, n);
	assert_null(keys);
	c = get_case(fx, r.case_ref);
	assert_int_equal(c->nevents, 2);	/* opened, one deadline */
	assert_string_equal(c->events[1].type, "deadline");
	store_case_free(&c);
}

static void
test_schema_and_reopen(void **state)
{
	struct fx *fx = *state;
	struct store_ingest_result r;
	struct store_message_in in;
	struct store_case *c;
	struct err e = { 0 };
	struct stat sb;
	sqlite3 *db;
	int v;

	assert_int_equal(store_schema_version(fx->s, &v, &e), 0);
	assert_int_equal(v, STORE_SCHEMA_VERSION);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	in = report("<keep@egekom.dk>", 1, utc(2026, 11, 30, 10, 0));
	ingest_ok(fx, &in, &r);

	store_close(&fx->s);
	assert_null(fx->s);
	assert_int_equal(store_open(fx->path, &fx->s, &e), 0);
	assert_int_equal(store_integrity_check(fx->s, &e), 1);
	c = get_case(fx, "BV-2026-0001");
	assert_string_equal(c->description,
			    "MUNI viste svar til forkert borger");
	store_case_free(&c);
	assert_int_equal(store_case_get(fx->s, "BV-2026-0002", &c, &e), 0);

	/* a database from a newer brudvagt is refused, never downgraded */
	store_close(&fx->s);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
				      NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	assert_int_equal(store_open(fx->path, &fx->s, &e), -1);
	assert_int_equal(e.code, 65);
	assert_null(fx->s);
}

/*
 * Schema 4 backfills cases.mails_queued_at from the events of a version 3
 * store: the case whose mails were queued leaves the unnotified list, the
 * other stays; a mails_queued event stamps the column from then on.
 */
static void
test_schema_4_backfill(void **state)
{
	struct fx *fx = *state;
	int64_t now = utc(2026, 11, 2, 9, 0);
	struct store_message_in a = report("<s4a@egekom.dk>", 1, now);
	struct store_message_in b = report("<s4b@egekom.dk>", 2, now);
	struct store_ingest_result ra, rb;
	struct store_outbound_in m = { 1, "receipt", 0, "dpo@egekom.dk", "outbound/a.msg" };
	struct store_outbound_commit c = { .mails = &m, .nmails = 1,
		.event = "mails_queued", .detail = "1", .now = now };
	char (*refs)[STORE_REF_MAX] = NULL;
	struct err e = { 0 };
	sqlite3 *db;
	size_t n = 0;
	int v;

	ingest_ok(fx, &a, &ra);
	ingest_ok(fx, &b, &rb);
	c.ref = ra.case_ref;
	assert_int_equal(store_outbound_commit(fx->s, &c, &e), 0);
	store_close(&fx->s);

	/* back to version 3: no column, no trigger, no partial indexes */
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP INDEX cases_unnotified;"
				      "DROP INDEX events_flood_notice;"
				      "DROP TRIGGER events_mails_queued;"
				      "ALTER TABLE cases DROP COLUMN mails_queued_at;"
				      "PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);

	assert_int_equal(store_open(fx->path, &fx->s, &e), 0);
	assert_int_equal(store_schema_version(fx->s, &v, &e), 0);
	assert_int_equal(v, 4);
	assert_int_equal(store_cases_unnotified(fx->s, now - 60, &refs, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(refs[0], rb.case_ref);
	free(refs);

	m.seq = 1;
	c.ref = rb.case_ref;
	assert_int_equal(store_outbound_commit(fx->s, &c, &e), 0);
	assert_int_equal(store_cases_unnotified(fx->s, now - 60, &refs, &n, &e), 0);
	assert_int_equal(n, 0);
	free(refs);
	assert_int_equal(store_integrity_check(fx->s, &e), 1);
}

static void
test_open_errors(void **state)
{
	struct store *s = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(store_open("/nonexistent/dir/x.db", &s, &e), -1);
	assert_int_equal(e.code, 74);
	assert_null(s);
}

/* Count mailbox_state rows from another process, as brudvagtctl or the
 * sqlite3 shell would, then close (a fresh process: SQLite state must
 * not be inherited through fork; its close is what deletes a WAL that no
 * one seems to hold). */
static int
count_elsewhere(const char *path)
{
	char *cmd = xasprintf("sqlite3 -batch -noheader '%s' "
			      "'SELECT count(*) FROM mailbox_state'", path);
	FILE *p = popen(cmd, "r");
	int n = -1;

	assert_non_null(p);
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	free(cmd);
	return n;
}

/*
 * Regression: a second store_open of the same file in one process (the
 * daemon's second watcher thread) used to open() and close() the file,
 * which dropped the first connection's POSIX locks; the next reader in
 * another process then deleted the live WAL on close, and every later
 * commit of the first connection went to a deleted file, unseen.
 */
static void
test_second_open_keeps_locks(void **state)
{
	struct fx *fx = *state;
	struct store *second = NULL;
	struct err e = { 0 };

	assert_int_equal(store_mailbox_set(fx->s, "a", "INBOX", 7, 1, 1, &e), 0);
	assert_int_equal(store_open(fx->path, &second, &e), 0);
	assert_int_equal(count_elsewhere(fx->path), 1);
	assert_int_equal(store_mailbox_set(fx->s, "b", "INBOX", 7, 1, 1, &e), 0);
	assert_int_equal(count_elsewhere(fx->path), 2);
	store_close(&second);
}

/* ---- outbound ---- */

static int64_t
party_id(struct store *s, const char *ref, const char *name)
{
	struct store_case *c = NULL;
	struct err e = { 0 };
	int64_t id = 0;
	size_t i;

	assert_int_equal(store_case_get(s, ref, &c, &e), 1);
	for (i = 0; i < c->nparties; i++)
		if (strcmp(c->parties[i].name, name) == 0)
			id = c->parties[i].id;
	store_case_free(&c);
	return id;
}

static int64_t
party_notified(struct store *s, const char *ref, const char *name)
{
	struct store_case *c = NULL;
	struct err e = { 0 };
	int64_t at = -1;
	size_t i;

	assert_int_equal(store_case_get(s, ref, &c, &e), 1);
	for (i = 0; i < c->nparties; i++)
		if (strcmp(c->parties[i].name, name) == 0)
			at = c->parties[i].notified_at;
	store_case_free(&c);
	return at;
}

/* Queue, list, retry, send (notified_at), fail; seqs re-checked. */
static void
test_outbound_rows(void **state)
{
	struct fx *fx = *state;
	int64_t now = utc(2026, 11, 2, 9, 0);
	struct store_message_in in = report("<o1@egekom.dk>", 1, now);
	struct store_ingest_result r;
	struct store_outbound *v = NULL;
	struct store_outbound o;
	struct err e = { 0 };
	size_t n = 0;
	int seq = -1;

	assert_int_equal(store_ingest(fx->s, &in, &r, &e), 0);
	assert_int_equal(store_outbound_max_seq(fx->s, r.case_ref, &seq, &e), 0);
	assert_int_equal(seq, 0);
	{
		struct store_outbound_in m[] = {
			{ 1, "receipt", 0, "dpo@egekom.dk", "outbound/a.msg" },
			{ 2, "forward", party_id(fx->s, r.case_ref, "Viborg"),
			  "dpo@viborg.dk", "outbound/b.msg" },
		};
		struct store_outbound_commit c = {
			.ref = r.case_ref, .mails = m, .nmails = 2,
			.event = "mails_queued", .detail = "2", .now = now,
		};
		char (*refs)[STORE_REF_MAX] = NULL;

		assert_int_equal(store_cases_unnotified(fx->s, now - 60, &refs, &n, &e), 0);
		assert_int_equal(n, 1);
		free(refs);
		assert_int_equal(store_outbound_commit(fx->s, &c, &e), 0);
		assert_int_equal(store_cases_unnotified(fx->s, now - 60, &refs, &n, &e), 0);
		assert_int_equal(n, 0);
		free(refs);
		/* the same seqs again: taken, 75, nothing added */
		assert_int_equal(store_outbound_commit(fx->s, &c, &e), -1);
		assert_int_equal(e.code, 75);
	}
	assert_int_equal(store_outbound_max_seq(fx->s, r.case_ref, &seq, &e), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(store_outbound_list(fx->s, STORE_OUT_LIST_DUE, now, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	/* forwards first among equals: their parties' deadlines start at 250 */
	assert_string_equal(v[0].kind, "forward");
	assert_string_equal(v[0].party_name, "Viborg");
	assert_string_equal(v[0].case_ref, r.case_ref);
	assert_int_equal(store_outbound_retry(fx->s, v[0].id, now + 60, "451 later", &e), 0);
	assert_int_equal(party_notified(fx->s, r.case_ref, "Viborg"), 0);
	store_outbound_list_free(&v, n);
	assert_int_equal(store_outbound_list(fx->s, STORE_OUT_LIST_DUE, now, &v, &n, &e), 0);
	assert_int_equal(n, 1);
	store_outbound_list_free(&v, n);
	assert_int_equal(store_outbound_list(fx->s, STORE_OUT_LIST_DUE, now + 60, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].attempts, 1);
	assert_string_equal(v[1].last_error, "451 later");
	assert_int_equal(store_outbound_sent(fx->s, v[1].id, now + 61, &e), 0);
	assert_int_equal(party_notified(fx->s, r.case_ref, "Viborg"), now + 61);
	assert_int_equal(store_outbound_sent(fx->s, v[1].id, now + 62, &e), -1);
	assert_int_equal(e.code, 65);
	{	/* the receipt fails for good; its notice goes in the same step */
		struct store_outbound_in m = { 3, "delivery-failure", 0,
			"borgerservice@aarhus.dk", "outbound/c.msg" };
		struct store_outbound_commit c = {
			.ref = r.case_ref, .mails = &m, .nmails = 1,
			.fail_id = v[0].id, .fail_status = STORE_OUT_FAILED,
			.fail_error = "550 no such user",
			.event = "delivery_failed", .detail = "dpo@egekom.dk",
			.now = now + 70,
		};
		assert_int_equal(store_outbound_commit(fx->s, &c, &e), 0);
		c.mails = NULL;
		c.nmails = 0;
		assert_int_equal(store_outbound_commit(fx->s, &c, &e), -1);
		assert_int_equal(e.code, 65);
	}
	store_outbound_list_free(&v, n);
	assert_int_equal(store_outbound_by_file(fx->s, "outbound/a.msg", &o, &e), 1);
	assert_int_equal(o.status, STORE_OUT_FAILED);
	assert_string_equal(o.last_error, "550 no such user");
	store_outbound_clear(&o);
	assert_int_equal(store_outbound_by_file(fx->s, "outbound/zz.msg", &o, &e), 0);
	assert_int_equal(store_outbound_count_recent(fx->s, "receipt", "dpo@egekom.dk", now, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_outbound_list(fx->s, STORE_OUT_LIST_QUEUED, 0, &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].kind, "delivery-failure");
	store_outbound_list_free(&v, n);
}

/* Release and reject: the status changes only from held, with the mails. */
static void
test_outbound_release(void **state)
{
	struct fx *fx = *state;
	int64_t now = utc(2026, 11, 2, 9, 0);
	struct store_message_in in = report("<o2@egekom.dk>", 1, now);
	struct store_outbound_in m = { 1, "forward", 0, "x@viborg.dk", "outbound/d.msg" };
	struct store_outbound_commit c = {
		.mails = &m, .nmails = 1, .change_status = true,
		.from = STORE_CASE_HELD, .to = STORE_CASE_OPEN,
		.event = "released", .now = now,
	};
	struct store_ingest_result r;
	struct store_case *k = NULL;
	struct err e = { 0 };

	in.hold = true;
	assert_int_equal(store_ingest(fx->s, &in, &r, &e), 0);
	c.ref = r.case_ref;
	fault_arm(4, SQLITE_IOERR);
	assert_int_equal(store_outbound_commit(fx->s, &c, &e), -1);
	fault_arm(0, 0);
	assert_int_equal(store_case_get(fx->s, r.case_ref, &k, &e), 1);
	assert_int_equal(k->status, STORE_CASE_HELD);
	store_case_free(&k);
	assert_int_equal(store_outbound_commit(fx->s, &c, &e), 0);
	assert_int_equal(store_case_get(fx->s, r.case_ref, &k, &e), 1);
	assert_int_equal(k->status, STORE_CASE_OPEN);
	store_case_free(&k);
	m.seq = 2;
	assert_int_equal(store_outbound_commit(fx->s, &c, &e), -1);
	assert_int_equal(e.code, 65);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_case_refs),
		T(test_cross_account_dedup),
		T(test_hash_dedup),
		T(test_replies_link),
		T(test_triage_and_hold),
		T(test_mailbox_state),
		T(test_fault_injection),
		T(test_batch_savepoints),
		T(test_record_ack),
		T(test_events_append_only),
		T(test_party_records),
		T(test_case_update),
		T(test_deadline_ledger),
		T(test_schema_and_reopen),
		T(test_schema_4_backfill),
		T(test_second_open_keeps_locks),
		T(test_outbound_rows),
		T(test_outbound_release),
		cmocka_unit_test(test_open_errors),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
