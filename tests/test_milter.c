/* SPDX-License-Identifier: MIT */
/*
 * Tests for filters/milter.c: the callbacks driven by a fake MTA (struct
 * milter_io), with a fake analysis (-Wl,--wrap=analysis_run_triage) and calloc
 * failure injection (-Wl,--wrap=calloc; see tests/test_milter.wrap).
 *
 * Every callback's answer is checked on every path: only SMFIS_CONTINUE or
 * SMFIS_ACCEPT, and SMFIS_CONTINUE at connection level.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/analysis.h"
#include "filters/milter.h"
#include "lib/buf.h"

/* ---- the fake MTA ------------------------------------------------------- */

#define MAXH 32

struct fake_hdr {
	char name[64];
	char value[1024];
	int index;
};

struct fake_mta {
	void *priv;
	bool setpriv_fails, addheader_fails, chgheader_fails;
	struct fake_hdr added[MAXH];
	int nadded;
	struct fake_hdr deleted[MAXH];
	int ndeleted;
	bool accepted;		/* a message callback answered ACCEPT */
};

static struct fake_mta *
fake(SMFICTX *ctx)
{
	return (struct fake_mta *)(void *)ctx;
}

static void *
f_getpriv(SMFICTX *ctx)
{
	return fake(ctx)->priv;
}

static int
f_setpriv(SMFICTX *ctx, void *p)
{
	if (fake(ctx)->setpriv_fails)
		return MI_FAILURE;
	fake(ctx)->priv = p;
	return MI_SUCCESS;
}

static char *
f_getsymval(SMFICTX *ctx, char *name)
{
	(void)ctx;
	return strcmp(name, "i") == 0 ? "4ABC123" : NULL;
}

static int
f_addheader(SMFICTX *ctx, char *name, char *value)
{
	struct fake_mta *f = fake(ctx);

	if (f->addheader_fails)
		return MI_FAILURE;
	assert_true(f->nadded < MAXH);
	snprintf(f->added[f->nadded].name, 64, "%s", name);
	snprintf(f->added[f->nadded].value, 1024, "%s", value);
	f->nadded++;
	return MI_SUCCESS;
}

static int
f_chgheader(SMFICTX *ctx, char *name, int index, char *value)
{
	struct fake_mta *f = fake(ctx);

	assert_null(value);	/* we only ever delete */
	if (f->chgheader_fails)
		return MI_FAILURE;
	assert_true(f->ndeleted < MAXH);
	snprintf(f->deleted[f->ndeleted].name, 64, "%s", name);
	f->deleted[f->ndeleted].index = index;
	f->ndeleted++;
	return MI_SUCCESS;
}

static const struct milter_io fake_io = {
	f_getpriv, f_setpriv, f_getsymval, f_addheader, f_chgheader,
};

/* ---- wrapped: analysis, settings_free, calloc ----------------------------- */

static struct analysis fake_a;
static bool fake_affected[3];
static int fake_rc;
static int analysis_calls;
static struct buf seen_raw;

int __wrap_analysis_run_triage(const struct settings *s, const char *msg, size_t len,
			       struct analysis **r, struct err *e);
void __wrap_analysis_free(struct analysis **a);
void __wrap_settings_free(struct settings **s);
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

int
__wrap_analysis_run_triage(const struct settings *s, const char *msg, size_t len,
			   struct analysis **r, struct err *e)
{
	(void)s;
	analysis_calls++;
	buf_free(&seen_raw);
	buf_append(&seen_raw, msg, len);
	if (fake_rc < 0) {
		*r = NULL;
		return err_set(e, 65, "fake failure");
	}
	*r = &fake_a;
	return fake_rc;
}

void
__wrap_analysis_free(struct analysis **a)
{
	if (*a != NULL)
		assert_ptr_equal(*a, &fake_a);
	*a = NULL;
}

static struct settings *freed[8];
static int nfreed;

void
__wrap_settings_free(struct settings **s)
{
	if (*s != NULL && nfreed < 8)
		freed[nfreed++] = *s;
	*s = NULL;
}

static int calloc_fail_at = -1;	/* fail the n-th call from now; -1 never */
static bool calloc_fail_all;

void *
__wrap_calloc(size_t n, size_t size)
{
	if (calloc_fail_all || calloc_fail_at == 0) {
		calloc_fail_at = -1;
		return NULL;
	}
	if (calloc_fail_at > 0)
		calloc_fail_at--;
	return __real_calloc(n, size);
}

/* ---- settings ---------------------------------------------------------- */

static char *owner_v[] = { "borgerservice@aarhus.dk",
			   "databeskyttelse@aarhus.dk" };
static char *rcpt_v[] = { "borgerservice@aarhus.dk",
			  "databeskyttelse@aarhus.dk" };
static struct municipality munis[] = {
	{ .name = "Hjørring" }, { .name = "Aalborg" }, { .name = "Viborg" },
};

static struct settings
make_settings(size_t max_bytes)
{
	struct settings s = { 0 };

	s.file = "test.conf";
	s.system_owner.emails.v = owner_v;
	s.system_owner.emails.n = 2;
	s.milter.recipients.v = rcpt_v;
	s.milter.recipients.n = 2;
	s.milter.max_message_bytes = max_bytes;
	s.municipalities = munis;
	s.nmunicipalities = 3;
	return s;
}

static struct settings settings_a, settings_b;

static void
reset_fake_analysis(void)
{
	memset(&fake_a, 0, sizeof(fake_a));
	memset(fake_affected, 0, sizeof(fake_affected));
	fake_a.kind = KIND_OTHER;
	fake_a.reporting_municipality = -1;
	fake_a.severity = SEV_NONE;
	fake_a.affected = fake_affected;
	fake_a.naffected_slots = 3;
	fake_rc = 0;
}

static int
setup(void **state)
{
	(void)state;
	settings_a = make_settings(1 << 20);
	milter_set_io(&fake_io);
	milter_settings_install(&settings_a);
	reset_fake_analysis();
	analysis_calls = 0;
	calloc_fail_at = -1;
	calloc_fail_all = false;
	nfreed = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	milter_shutdown();
	buf_free(&seen_raw);
	return 0;
}

/* ---- driving one SMTP transaction -------------------------------------- */

struct msg_spec {
	const char *rcpts[4];		/* envelope recipients */
	const char *headers[8][2];	/* name, value */
	const char *body;
	size_t chunk;			/* body chunk size, 0: whole */
	bool no_connect;		/* skip connect + MAIL FROM */
	bool no_envfrom;
	bool null_rcpt;			/* one RCPT with argv NULL */
	bool close_early;		/* connection lost after the headers */
	bool no_eoh;			/* negotiated SMFIP_NOEOH: no eoh call */
};

static void
check_conn(sfsistat r)
{
	assert_int_equal(r, SMFIS_CONTINUE);
}

/* A message-level answer: CONTINUE or ACCEPT; ACCEPT ends the message. */
static bool
check_msg(struct fake_mta *f, sfsistat r)
{
	assert_true(r == SMFIS_CONTINUE || r == SMFIS_ACCEPT);
	if (r == SMFIS_ACCEPT)
		f->accepted = true;
	return r == SMFIS_CONTINUE;
}

static void
send_body(struct fake_mta *f, const struct smfiDesc *d, SMFICTX *ctx,
	  const char *body, size_t chunk)
{
	size_t len = strlen(body), off = 0, n;

	while (off < len) {
		n = chunk == 0 ? len - off : chunk;
		if (n > len - off)
			n = len - off;
		if (!check_msg(f, d->xxfi_body(ctx, (unsigned char *)body + off,
					       n)))
			return;
		off += n;
	}
}

static void
drive(struct fake_mta *f, const struct msg_spec *m)
{
	const struct smfiDesc *d = milter_desc();
	SMFICTX *ctx = (SMFICTX *)(void *)f;
	char *argv[2] = { NULL, NULL };
	size_t i;

	if (!m->no_connect)
		check_conn(d->xxfi_connect(ctx, "client", NULL));
	if (!m->no_envfrom && !check_msg(f, d->xxfi_envfrom(ctx, argv)))
		goto close;
	for (i = 0; i < 4 && m->rcpts[i] != NULL; i++) {
		argv[0] = (char *)m->rcpts[i];
		if (!check_msg(f, d->xxfi_envrcpt(ctx, argv)))
			goto close;
	}
	if (m->null_rcpt && !check_msg(f, d->xxfi_envrcpt(ctx, NULL)))
		goto close;
	if (!m->close_early && !check_msg(f, d->xxfi_data(ctx)))
		goto close;
	for (i = 0; i < 8 && m->headers[i][0] != NULL; i++)
		if (!check_msg(f, d->xxfi_header(ctx, (char *)m->headers[i][0],
						  (char *)m->headers[i][1])))
			goto close;
	if (m->close_early)
		goto close;
	if (!m->no_eoh && !check_msg(f, d->xxfi_eoh(ctx)))
		goto close;
	send_body(f, d, ctx, m->body != NULL ? m->body : "", m->chunk);
	if (!f->accepted)
		assert_int_equal(d->xxfi_eom(ctx), SMFIS_ACCEPT);
close:
	check_conn(d->xxfi_close(ctx));
	assert_null(f->priv);
}

static const char *
added(const struct fake_mta *f, const char *name)
{
	int i;

	for (i = 0; i < f->nadded; i++)
		if (strcmp(f->added[i].name, name) == 0)
			return f->added[i].value;
	return NULL;
}

#define OWNER "<borgerservice@aarhus.dk>"
#define STD_HEADERS							\
	{ "From", "dpo@hjoerring.dk" }, { "To", "borgerservice@aarhus.dk" }, \
	{ "Subject", "Brud på persondatasikkerheden" },			\
	{ "Message-ID", "<1@hjoerring.dk>" }

/* ---- headers added per kind -------------------------------------------- */

static void
test_headers_per_kind(void **state)
{
	static const struct {
		enum analysis_kind kind;
		const char *case_ref;
		int reporting;
		bool aff[3], all;
		enum severity sev;
		int cpr;
		bool spoofed;
		const char *want[6][2];	/* name, value; NULL value: absent */
	} cases[] = {
		{ KIND_REPORT, "", 0, { true, true, false }, false, SEV_HIGH,
		  3, false, {
			{ "X-Brudvagt-Kind", "report" },
			{ "X-Brudvagt-Case", NULL },
			{ "X-Brudvagt-Municipality", "=?UTF-8?Q?reporting=3DHj=C3"
			  "=B8rring=3B_affected=3DHj=C3=B8rring=2C_Aalbor?= "
			  "=?UTF-8?Q?g?=" },
			{ "X-Brudvagt-Severity", "high" },
			{ "X-Brudvagt-CPR-Count", "3" },
			{ "X-Brudvagt-Spoofed", "no" } } },
		{ KIND_REPORT, "", 1, { false }, true, SEV_LOW, 0, true, {
			{ "X-Brudvagt-Kind", "report" },
			{ "X-Brudvagt-Municipality",
			  "reporting=Aalborg; affected=all" },
			{ "X-Brudvagt-Severity", "low" },
			{ "X-Brudvagt-CPR-Count", "0" },
			{ "X-Brudvagt-Spoofed", "yes" } } },
		{ KIND_REPORT, "", -1, { false, false, true }, false, SEV_NONE,
		  0, false, {
			{ "X-Brudvagt-Municipality", "affected=Viborg" },
			{ "X-Brudvagt-Severity", NULL } } },
		{ KIND_ACK, "BV-2026-0003", -1, { false }, false, SEV_NONE, 0,
		  false, {
			{ "X-Brudvagt-Kind", "ack" },
			{ "X-Brudvagt-Case", "BV-2026-0003" },
			{ "X-Brudvagt-Municipality", NULL },
			{ "X-Brudvagt-Severity", NULL },
			{ "X-Brudvagt-CPR-Count", "0" },
			{ "X-Brudvagt-Spoofed", "no" } } },
		{ KIND_AUTO_REPLY, "BV-2026-0012", -1, { false }, false,
		  SEV_NONE, 0, false, {
			{ "X-Brudvagt-Kind", "auto_reply" },
			{ "X-Brudvagt-Case", "BV-2026-0012" } } },
		{ KIND_BOUNCE, "BV-2026-10000", -1, { false }, false, SEV_NONE,
		  0, false, {
			{ "X-Brudvagt-Kind", "bounce" },
			{ "X-Brudvagt-Case", "BV-2026-10000" } } },
		/* never a malformed case ref in a header */
		{ KIND_ACK, "BV-2026-0003\r\nX", -1, { false }, false,
		  SEV_NONE, 0, false, {
			{ "X-Brudvagt-Kind", "ack" },
			{ "X-Brudvagt-Case", NULL } } },
		{ KIND_OTHER, "", -1, { false }, false, SEV_NONE, 2, true, {
			{ "X-Brudvagt-Kind", "other" },
			{ "X-Brudvagt-CPR-Count", "2" },
			{ "X-Brudvagt-Spoofed", "yes" } } },
	};
	const struct msg_spec spec = { .rcpts = { OWNER },
		.headers = { STD_HEADERS }, .body = "Hej\r\n" };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_mta f = { 0 };

		reset_fake_analysis();
		fake_a.kind = cases[i].kind;
		snprintf(fake_a.case_ref, sizeof(fake_a.case_ref), "%s",
			 cases[i].case_ref);
		fake_a.reporting_municipality = cases[i].reporting;
		memcpy(fake_affected, cases[i].aff, sizeof(fake_affected));
		fake_a.affects_all = cases[i].all;
		fake_a.severity = cases[i].sev;
		fake_a.cpr_count = cases[i].cpr;
		fake_a.spoofed = cases[i].spoofed;
		drive(&f, &spec);
		assert_int_equal(f.ndeleted, 0);
		for (j = 0; j < 6 && cases[i].want[j][0] != NULL; j++) {
			const char *v = added(&f, cases[i].want[j][0]);

			if (cases[i].want[j][1] == NULL)
				assert_null(v);
			else {
				assert_non_null(v);
				assert_string_equal(v, cases[i].want[j][1]);
			}
		}
	}
	assert_int_equal(milter_counter_get(MC_TAGGED) >= 8, 1);
}

/* ---- forged headers ---------------------------------------------------- */

static void
test_forged_removed(void **state)
{
	const struct msg_spec spec = { .rcpts = { "<someone@example.org>", OWNER },
		.headers = {
		{ "From", "news@example.org" },
		{ "X-Brudvagt-Kind", "report" },
		{ "Subject", "Nyhedsbrev" },
		{ "x-brudvagt-kind", "ack" },
		{ "X-BRUDVAGT-Case", "BV-2026-0001" },
		{ "X-Brudvagtish", "kept: not our prefix" } },
		.body = "body\r\n" };
	struct fake_mta f = { 0 };
	unsigned long before = milter_counter_get(MC_FORGED);

	(void)state;
	drive(&f, &spec);
	/* last first, each with its index among its namesakes */
	assert_int_equal(f.ndeleted, 3);
	assert_string_equal(f.deleted[0].name, "X-BRUDVAGT-Case");
	assert_int_equal(f.deleted[0].index, 1);
	assert_string_equal(f.deleted[1].name, "x-brudvagt-kind");
	assert_int_equal(f.deleted[1].index, 2);
	assert_string_equal(f.deleted[2].name, "X-Brudvagt-Kind");
	assert_int_equal(f.deleted[2].index, 1);
	assert_int_equal(milter_counter_get(MC_FORGED) - before, 3);
	/* the analysis never saw them, and the verdict is ours */
	assert_null(strstr(buf_cstr(&seen_raw), "X-Brudvagt-"));
	assert_non_null(strstr(buf_cstr(&seen_raw), "X-Brudvagtish: kept"));
	assert_string_equal(added(&f, "X-Brudvagt-Kind"), "other");
}

/* ---- whose messages ----------------------------------------------------- */

static void
test_recipients(void **state)
{
	static const struct { const char *rcpt; bool ours; } cases[] = {
		{ "<borgerservice@aarhus.dk>", true },
		{ "<BorgerService@Aarhus.DK>", true },
		{ "databeskyttelse@aarhus.dk", true },
		{ "<@relay.example:borgerservice@aarhus.dk>", true },
		{ "<borgerservice@aarhus.dk.evil.example>", false },
		{ "<xborgerservice@aarhus.dk>", false },
		{ "<someone@example.org>", false },
		{ "<>", false },
		{ "", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct msg_spec spec = { .rcpts = { cases[i].rcpt },
			.headers = { { "From", "a@example.org" },
				     { "X-Brudvagt-Kind", "report" } },
			.body = "x\r\n" };
		struct fake_mta f = { 0 };
		int calls = analysis_calls;

		drive(&f, &spec);
		if (cases[i].ours) {
			assert_int_equal(analysis_calls, calls + 1);
			assert_int_equal(f.ndeleted, 1);
			assert_non_null(added(&f, "X-Brudvagt-Kind"));
		} else {	/* untouched, even the forged header */
			assert_true(f.accepted);
			assert_int_equal(analysis_calls, calls);
			assert_int_equal(f.ndeleted, 0);
			assert_int_equal(f.nadded, 0);
		}
	}
}

/* With milter.recipients empty, the system owner's addresses count. */
static void
test_recipients_default(void **state)
{
	const struct msg_spec spec = {
		.rcpts = { "<databeskyttelse@aarhus.dk>" },
		.headers = { { "From", "a@example.org" } }, .body = "x\r\n" };
	struct fake_mta f = { 0 };

	(void)state;
	settings_b = make_settings(1 << 20);
	settings_b.milter.recipients.n = 0;
	milter_settings_install(&settings_b);
	drive(&f, &spec);
	assert_non_null(added(&f, "X-Brudvagt-Kind"));
}

/* ---- the raw message handed to analysis_run_triage ---------------------- */

static void
test_raw_message(void **state)
{
	static const char *body = "Linje 1\r\nLinje 2 med æøå\r\n\r\n-- \r\n"
		"Med venlig hilsen\r\nDPO\r\n";
	static const size_t chunks[] = { 0, 1, 3, 7, 64 };
	const char *want = "From: dpo@hjoerring.dk\r\n"
		"Subject: Brud\r\n\tfoldet\r\n"
		"Message-ID: <1@hjoerring.dk>\r\n\r\n";
	size_t i, no_eoh;

	(void)state;
	/* with and without the end-of-header call (SMFIP_NOEOH): one blank
	 * line between headers and body either way, also with no body */
	for (no_eoh = 0; no_eoh < 2; no_eoh++) {
		for (i = 0; i <= sizeof(chunks) / sizeof(chunks[0]); i++) {
			bool empty = i == sizeof(chunks) / sizeof(chunks[0]);
			const char *b = empty ? "" : body;
			struct msg_spec spec = { .rcpts = { OWNER }, .headers = {
				{ "From", "dpo@hjoerring.dk" },
				{ "Subject", "Brud\n\tfoldet" },
				{ "Message-ID", "<1@hjoerring.dk>" } },
				.body = b, .chunk = empty ? 0 : chunks[i],
				.no_eoh = no_eoh != 0 };
			struct fake_mta f = { 0 };

			drive(&f, &spec);
			assert_int_equal(seen_raw.len, strlen(want) + strlen(b));
			assert_memory_equal(seen_raw.s, want, strlen(want));
			assert_memory_equal(seen_raw.s + strlen(want), b,
					    strlen(b));
		}
	}
}

/* ---- fail-open on every error path -------------------------------------- */

enum fault {
	F_ANALYSIS,		/* analysis_run_triage fails */
	F_PARTIAL,		/* analysis_run_triage: partly (1): still tagged */
	F_CALLOC_ALL,		/* no context can be made */
	F_CALLOC_MSG,		/* the message context cannot be made */
	F_SETPRIV,		/* smfi_setpriv fails */
	F_NO_ENVFROM,		/* headers without MAIL FROM */
	F_NO_CONNECT_ENVFROM,	/* nothing before the headers */
	F_NULL_RCPT,		/* RCPT without arguments */
	F_OVERSIZE,		/* over milter.max_message_bytes */
	F_OVERSIZE_HEADERS,	/* over it already in the headers */
	F_ADDHEADER,		/* smfi_addheader fails */
	F_CHGHEADER,		/* smfi_chgheader fails */
	F_NO_SETTINGS,		/* no snapshot installed */
	F_CLOSE_EARLY,		/* timeout / lost connection mid-message */
};

static void
test_fail_open(void **state)
{
	static const struct {
		enum fault fault;
		const char *kind;	/* X-Brudvagt-Kind added, or NULL */
		bool deleted;		/* the forged header was deleted */
		enum milter_counter counter;	/* went up */
	} cases[] = {
		{ F_ANALYSIS, "unanalysed", true, MC_ERRORS },
		{ F_PARTIAL, "report", true, MC_TAGGED },
		{ F_CALLOC_ALL, NULL, false, MC_ERRORS },
		{ F_CALLOC_MSG, NULL, false, MC_ERRORS },
		{ F_SETPRIV, NULL, false, MC_ERRORS },
		{ F_NO_ENVFROM, NULL, false, MC_ERRORS },
		{ F_NO_CONNECT_ENVFROM, NULL, false, MC_ERRORS },
		{ F_NULL_RCPT, "unanalysed", true, MC_ERRORS },
		{ F_OVERSIZE, "unanalysed", true, MC_OVERSIZE },
		{ F_OVERSIZE_HEADERS, "unanalysed", true, MC_OVERSIZE },
		{ F_ADDHEADER, NULL, true, MC_ERRORS },
		{ F_CHGHEADER, "report", false, MC_ERRORS },
		{ F_NO_SETTINGS, NULL, false, MC_ERRORS },
		{ F_CLOSE_EARLY, NULL, false, MC_INTERRUPTED },
	};
	static char big[4096];
	size_t i;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msg_spec spec = { .rcpts = { OWNER },
			.headers = { STD_HEADERS,
				     { "X-Brudvagt-Kind", "report" } },
			.body = "Hej\r\n" };
		struct fake_mta f = { 0 };
		unsigned long before = milter_counter_get(cases[i].counter);
		int calls = analysis_calls;

		setup(NULL);
		fake_a.kind = KIND_REPORT;
		switch (cases[i].fault) {
		case F_ANALYSIS: fake_rc = -1; break;
		case F_PARTIAL: fake_rc = 1; break;
		case F_CALLOC_ALL: calloc_fail_all = true; break;
		case F_CALLOC_MSG: calloc_fail_at = 1; break;
		case F_SETPRIV: f.setpriv_fails = true; break;
		case F_NO_ENVFROM: spec.no_envfrom = true; break;
		case F_NO_CONNECT_ENVFROM:
			spec.no_connect = spec.no_envfrom = true;
			break;
		case F_NULL_RCPT: spec.null_rcpt = true; break;
		case F_OVERSIZE:
			settings_a.milter.max_message_bytes = 1024;
			spec.body = big;
			spec.chunk = 100;
			break;
		case F_OVERSIZE_HEADERS:
			settings_a.milter.max_message_bytes = 40;
			break;
		case F_ADDHEADER: f.addheader_fails = true; break;
		case F_CHGHEADER: f.chgheader_fails = true; break;
		case F_NO_SETTINGS: milter_shutdown(); break;
		case F_CLOSE_EARLY: spec.close_early = true; break;
		}
		drive(&f, &spec);
		calloc_fail_all = false;
		if (cases[i].kind == NULL)
			assert_int_equal(f.nadded, 0);
		else
			assert_string_equal(added(&f, "X-Brudvagt-Kind"),
					    cases[i].kind);
		assert_int_equal(f.ndeleted, cases[i].deleted ? 1 : 0);
		assert_true(milter_counter_get(cases[i].counter) > before);
		if (cases[i].fault == F_OVERSIZE ||
		    cases[i].fault == F_OVERSIZE_HEADERS)
			assert_int_equal(analysis_calls, calls);
		teardown(NULL);
	}
}

/* After a failed message the next one on the connection is tagged. */
static void
test_recovers_after_failure(void **state)
{
	const struct smfiDesc *d = milter_desc();
	struct fake_mta f = { 0 };
	SMFICTX *ctx = (SMFICTX *)(void *)&f;
	char *argv[2] = { OWNER, NULL };

	(void)state;
	check_conn(d->xxfi_connect(ctx, "client", NULL));
	calloc_fail_at = 0;
	assert_int_equal(d->xxfi_envfrom(ctx, argv), SMFIS_ACCEPT);
	assert_int_equal(d->xxfi_envfrom(ctx, argv), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_envrcpt(ctx, argv), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_header(ctx, "From", "a@b.dk"), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_eoh(ctx), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_eom(ctx), SMFIS_ACCEPT);
	assert_non_null(added(&f, "X-Brudvagt-Kind"));
	/* an aborted transaction, then a new one */
	assert_int_equal(d->xxfi_envfrom(ctx, argv), SMFIS_CONTINUE);
	check_conn(d->xxfi_abort(ctx));
	assert_int_equal(d->xxfi_eom(ctx), SMFIS_ACCEPT);	/* no envelope */
	check_conn(d->xxfi_close(ctx));
}

/* Negotiated no-reply stages answer SMFIS_NOREPLY, the rest as before. */
static void
test_negotiate_noreply(void **state)
{
	static const struct {
		unsigned long offered;
		bool noreply;
	} cases[] = {
		{ SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NOHELO |
		  SMFIP_NR_CONN | SMFIP_NOUNKNOWN, true },
		{ SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NOEOH,
		  true },
		{ SMFIP_NR_HDR | SMFIP_NOHELO, false },	/* not all: none */
		{ 0, false },
	};
	const struct smfiDesc *d = milter_desc();
	char *argv[2] = { OWNER, NULL };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_mta f = { 0 };
		SMFICTX *ctx = (SMFICTX *)(void *)&f;
		unsigned long a, p, p2, p3;
		sfsistat nr = cases[i].noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;

		assert_int_equal(d->xxfi_negotiate(ctx, SMFIF_ADDHDRS |
			SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE,
			cases[i].offered, 0, 0, &a, &p, &p2, &p3), SMFIS_CONTINUE);
		assert_int_equal(a, SMFIF_ADDHDRS | SMFIF_CHGHDRS);
		assert_int_equal(p & ~(cases[i].offered), 0);
		assert_int_equal((p & SMFIP_NR_HDR) != 0, cases[i].noreply);
		/* end-of-header is skipped whenever the MTA can skip it */
		assert_int_equal(p & SMFIP_NOEOH, cases[i].offered & SMFIP_NOEOH);
		check_conn(d->xxfi_connect(ctx, "client", NULL));
		assert_int_equal(d->xxfi_envfrom(ctx, argv), SMFIS_CONTINUE);
		assert_int_equal(d->xxfi_envrcpt(ctx, argv), SMFIS_CONTINUE);
		assert_int_equal(d->xxfi_data(ctx), SMFIS_CONTINUE);
		assert_int_equal(d->xxfi_header(ctx, "X-Brudvagt-Kind", "report"),
				 nr);
		assert_int_equal(d->xxfi_eoh(ctx), nr);
		assert_int_equal(d->xxfi_body(ctx, (unsigned char *)"x", 1), nr);
		assert_int_equal(d->xxfi_eom(ctx), SMFIS_ACCEPT);
		assert_int_equal(f.ndeleted, 1);
		assert_non_null(added(&f, "X-Brudvagt-Kind"));
		check_conn(d->xxfi_close(ctx));
	}
}

/* A message not ours is let go at DATA, before its headers. */
static void
test_not_ours_at_data(void **state)
{
	const struct smfiDesc *d = milter_desc();
	struct fake_mta f = { 0 };
	SMFICTX *ctx = (SMFICTX *)(void *)&f;
	char *argv[2] = { "<someone@example.org>", NULL };
	unsigned long before = milter_counter_get(MC_NOT_OURS);
	unsigned long interrupted = milter_counter_get(MC_INTERRUPTED);

	(void)state;
	check_conn(d->xxfi_connect(ctx, "client", NULL));
	assert_int_equal(d->xxfi_envfrom(ctx, argv), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_envrcpt(ctx, argv), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_data(ctx), SMFIS_ACCEPT);
	assert_int_equal(milter_counter_get(MC_NOT_OURS), before + 1);
	/* the next transaction on the connection is looked at afresh */
	argv[0] = OWNER;
	assert_int_equal(d->xxfi_envfrom(ctx, argv), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_envrcpt(ctx, argv), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_data(ctx), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_eom(ctx), SMFIS_ACCEPT);
	assert_non_null(added(&f, "X-Brudvagt-Kind"));
	assert_int_equal(milter_counter_get(MC_INTERRUPTED), interrupted);
	check_conn(d->xxfi_close(ctx));
}

/* ---- settings swap: in-flight messages keep their snapshot ------------- */

static void
test_snapshot_swap(void **state)
{
	const struct smfiDesc *d = milter_desc();
	struct fake_mta f = { 0 };
	SMFICTX *ctx = (SMFICTX *)(void *)&f;
	char *argv[2] = { OWNER, NULL };

	(void)state;
	settings_b = make_settings(1 << 20);
	check_conn(d->xxfi_connect(ctx, "client", NULL));
	assert_int_equal(d->xxfi_envfrom(ctx, argv), SMFIS_CONTINUE);
	milter_settings_install(&settings_b);
	assert_int_equal(nfreed, 0);		/* the message holds A */
	assert_int_equal(d->xxfi_envrcpt(ctx, argv), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_eoh(ctx), SMFIS_CONTINUE);
	assert_int_equal(d->xxfi_eom(ctx), SMFIS_ACCEPT);
	assert_int_equal(nfreed, 1);
	assert_ptr_equal(freed[0], &settings_a);
	check_conn(d->xxfi_close(ctx));
	milter_shutdown();
	assert_int_equal(nfreed, 2);
	assert_ptr_equal(freed[1], &settings_b);
}

/* ---- RFC 2047 ----------------------------------------------------------- */

static void
test_encode_2047(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "Aalborg", "Aalborg" },
		{ "a\r\nb\tc", "abc" },
		{ "Hjørring", "=?UTF-8?Q?Hj=C3=B8rring?=" },
		{ "Halsnæs, Furesø", "=?UTF-8?Q?Halsn=C3=A6s=2C_Fures=C3=B8?=" },
		{ "Ringkøbing-Skjern", "=?UTF-8?Q?Ringk=C3=B8bing-Skjern?=" },
		{ "æææææææææææ", "=?UTF-8?Q?=C3=A6=C3=A6=C3=A6=C3=A6=C3=A6=C3"
		  "=A6=C3=A6=C3=A6=C3=A6=C3=A6?= =?UTF-8?Q?=C3=A6?=" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = { 0 };

		milter_encode_2047(cases[i].in, &b);
		assert_string_equal(buf_cstr(&b), cases[i].out);
		buf_free(&b);
	}
}

/* Every word at most 75 characters, never splitting an =XX. */
static void
check_words(const char *s)
{
	const char *p, *sp;

	for (p = s; *p != '\0'; p = *sp ? sp + 1 : sp) {
		sp = strchr(p, ' ');
		if (sp == NULL)
			sp = p + strlen(p);
		assert_true(sp - p <= 75);
		assert_memory_equal(p, "=?UTF-8?Q?", 10);
		assert_memory_equal(sp - 2, "?=", 2);
		assert_true(sp[-3] != '=' && sp[-4] != '=');
	}
}

/* The 40 municipalities of the procedure fit; more names give a count. */
static void
test_municipality_long(void **state)
{
	static struct municipality all[] = {
		{ .name = "Egedal" }, { .name = "Favrskov" },
		{ .name = "Fredensborg" }, { .name = "Frederikshavn" },
		{ .name = "Furesø" }, { .name = "Halsnæs" },
		{ .name = "Hedensted" }, { .name = "Herning" },
		{ .name = "Hjørring" }, { .name = "Holbæk" },
		{ .name = "Holstebro" }, { .name = "Horsens" },
		{ .name = "Jammerbugt" }, { .name = "Lemvig" },
		{ .name = "Morsø" }, { .name = "Norddjurs" },
		{ .name = "Odder" }, { .name = "Rebild" }, { .name = "Samsø" },
		{ .name = "Skanderborg" }, { .name = "Skive" },
		{ .name = "Struer" }, { .name = "Syddjurs" },
		{ .name = "Vesthimmerlands" }, { .name = "Viborg" },
		{ .name = "Aarhus" }, { .name = "Brønderslev" },
		{ .name = "Hørsholm" }, { .name = "Randers" },
		{ .name = "Ringkøbing-Skjern" }, { .name = "Silkeborg" },
		{ .name = "Thisted" }, { .name = "Aalborg" },
		{ .name = "Fredericia" }, { .name = "Helsingør" },
		{ .name = "Ishøj" }, { .name = "Middelfart" },
		{ .name = "Ringsted" }, { .name = "Varde" }, { .name = "Vejen" },
		/* a longer list than the procedure's */
		{ .name = "Brønderslevøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøøø" },
	};
	static bool aff[41];
	struct settings s = { .municipalities = all, .nmunicipalities = 40 };
	struct analysis a = { .reporting_municipality = 29, .affected = aff,
			      .naffected_slots = 41 };
	struct buf out = { 0 };

	(void)state;
	memset(aff, 1, sizeof(aff));
	assert_true(milter_municipality_value(&s, &a, &out));
	assert_true(out.len <= 900);
	assert_non_null(strstr(out.s, "Vejen?="));
	check_words(out.s);
	buf_free(&out);
	s.nmunicipalities = 41;
	assert_true(milter_municipality_value(&s, &a, &out));
	assert_string_equal(out.s, "=?UTF-8?Q?reporting=3DRingk=C3=B8bing-"
			    "Skjern=3B_affected=3D41?=");
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_headers_per_kind, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_forged_removed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recipients, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recipients_default, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_raw_message, setup,
						teardown),
		cmocka_unit_test(test_fail_open),
		cmocka_unit_test_setup_teardown(test_recovers_after_failure,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_swap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_negotiate_noreply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_ours_at_data, setup,
						teardown),
		cmocka_unit_test(test_encode_2047),
		cmocka_unit_test(test_municipality_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
