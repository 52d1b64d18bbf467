/* SPDX-License-Identifier: MIT */
/*
 * Tests for daemon/ingest.c's reply path: on a case reported by Egedal
 * that affects Viborg and Favrskov, each reply of the table below is
 * ingested in turn and must have exactly its effect — an acknowledgement,
 * a municipality's Datatilsynet decision, an out-of-office's return date,
 * the reporter's register fields (with their history), or, from a sender
 * who is no party (the system owner included), nothing but a flag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/ingest.h"
#include "lib/cphtime.h"
#include "lib/xalloc.h"

#define REF "BV-2026-0001"

static const char REPORT[] =
	"From: Anne Andersen <dpo@egekom.dk>\r\n"
	"To: borgerservice@aarhus.dk\r\n"
	"Subject: Brud på persondatasikkerheden i MUNI\r\n"
	"Message-ID: <rep1@egekom.dk>\r\n"
	"Date: Mon, 30 Nov 2026 10:00:00 +0100\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n\r\n"
	"Vi har opdaget et brud på persondatasikkerheden i MUNI. Chatbotten\r\n"
	"viste svar fra borgere i Viborg og Favrskov til en borger i Egedal.\r\n"
	"Bruddet blev opdaget i dag kl. 09.00.\r\n\r\n"
	"Med venlig hilsen\r\nAnne\r\n";

struct reply_case {
	const char *name;
	const char *from, *subject, *extra_headers, *body;
	bool acked, decision, unknown;
	int fields;
};

static const struct reply_case REPLIES[] = {
	{ "municipality acknowledges and will not notify",
	  "dpo@viborg.dk", "Re: [" REF "] Brud", "",
	  "Tak, modtaget. Vi anmelder ikke bruddet til Datatilsynet.\r\n",
	  true, true, false, 0 },
	{ "unknown sender: linked and flagged, not counted",
	  "someone@example.org", "Re: [" REF "] Brud", "",
	  "Anmeldt til Datatilsynet: ja\r\nAntal berørte: 3\r\n",
	  false, false, true, 0 },
	{ "the system owner's reply is no acknowledgement of Aarhus",
	  "borgerservice@aarhus.dk", "Re: [" REF "] Brud", "",
	  "Vi følger op.\r\n", false, false, false, 0 },
	{ "out-of-office with a return date: not an acknowledgement",
	  "dpo@favrskov.dk", "Automatisk svar: [" REF "] Brud",
	  "Auto-Submitted: auto-replied\r\n",
	  "Jeg er på ferie og er tilbage mandag den 7. december.\r\n",
	  false, false, false, 0 },
	{ "reporter supplies count and cause (labelled) and a decision",
	  "dpo@egekom.dk", "Sv: [" REF "] Brud", "",
	  "Her er de manglende oplysninger.\r\n\r\n"
	  "Antal berørte: 45\r\n"
	  "Årsag: En fejl i opsætningen af svarskabelonerne.\r\n\r\n"
	  "Anmeldt til Datatilsynet: ja\r\n\r\nMed venlig hilsen\r\nAnne\r\n",
	  false, true, false, 2 },
	{ "reporter corrects the labelled count; the same cause is no change",
	  "dpo@egekom.dk", "Sv: [" REF "] Brud", "",
	  "Rettelse.\r\n\r\nAntal berørte: 47\r\n"
	  "Årsag: En fejl i opsætningen af svarskabelonerne.\r\n",
	  false, false, false, 1 },
};
#define NREPLIES (sizeof(REPLIES) / sizeof(REPLIES[0]))

struct fx {
	char *dir;
	struct settings *s;
	struct store *st;
};

static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	struct err e = { 0 };
	char *db;

	fx->dir = xstrdup("/tmp/bv-ingest-XXXXXX");
	if (mkdtemp(fx->dir) == NULL || settings_load_default(&fx->s, &e) < 0)
		return -1;
	free(fx->s->spool_path);
	fx->s->spool_path = xstrdup(fx->dir);
	db = xasprintf("%s/brudvagt.db", fx->dir);
	if (store_open(db, &fx->st, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		free(db);
		return -1;
	}
	free(db);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char *cmd = xasprintf("rm -rf '%s'", fx->dir);
	int rc = system(cmd);

	free(cmd);
	store_close(&fx->st);
	settings_free(&fx->s);
	free(fx->dir);
	free(fx);
	return rc == 0 ? 0 : -1;
}

static void
ingest(struct fx *fx, const char *msg, uint32_t uid, int64_t now,
       struct ingest_result *r)
{
	struct ingest_source src = { "borgerservice", "INBOX", 1, uid, false };
	struct err e = { 0 };

	if (ingest_message(fx->s, fx->st, &src, msg, strlen(msg), now, r, &e) < 0)
		fail_msg("ingest uid %u: %s", uid, e.msg);
}

static char *
reply_text(const struct reply_case *c, size_t i)
{
	return xasprintf("From: %s\r\nTo: borgerservice@aarhus.dk\r\n"
			 "Subject: %s\r\nMessage-ID: <reply%zu@test>\r\n"
			 "Date: Tue, 01 Dec 2026 10:00:00 +0100\r\n%s"
			 "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
			 c->from, c->subject, i, c->extra_headers, c->body);
}

static const struct store_party *
party(const struct store_case *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nparties; i++)
		if (strcmp(c->parties[i].name, name) == 0)
			return &c->parties[i];
	fail_msg("no party %s", name);
	return NULL;
}

static void
test_replies(void **state)
{
	struct fx *fx = *state;
	struct ingest_result r;
	struct store_case *c = NULL;
	struct err e = { 0 };
	int64_t t0 = cph_days_from_civil(2026, 11, 30) * 86400 + 9 * 3600;
	size_t i;
	char *msg;

	ingest(fx, REPORT, 1, t0, &r);
	assert_true(r.case_opened);
	assert_string_equal(r.case_ref, REF);
	for (i = 0; i < NREPLIES; i++) {
		msg = reply_text(&REPLIES[i], i);
		ingest(fx, msg, (uint32_t)i + 2, t0 + 3600 * (int64_t)(i + 1), &r);
		free(msg);
		print_message("%s\n", REPLIES[i].name);
		assert_string_equal(r.case_ref, REF);
		assert_int_equal(r.acked, REPLIES[i].acked);
		assert_int_equal(r.decision, REPLIES[i].decision);
		assert_int_equal(r.unknown_sender, REPLIES[i].unknown);
		assert_int_equal(r.fields_changed, REPLIES[i].fields);
	}
	assert_int_equal(store_case_get(fx->st, REF, &c, &e), 1);
	assert_int_equal(party(c, "Viborg")->ack_at, t0 + 3600);
	assert_int_equal(party(c, "Viborg")->authority_decision, STORE_FALSE);
	assert_int_equal(party(c, "Favrskov")->ack_at, 0);
	/* mandag den 7. december 2026, 00:00 Copenhagen */
	assert_int_equal(party(c, "Favrskov")->return_date,
			 cph_days_from_civil(2026, 12, 7) * 86400 - 3600);
	assert_int_equal(party(c, "Egedal")->authority_decision, STORE_TRUE);
	assert_int_equal(c->affected_count, 47);
	assert_string_equal(c->cause, "En fejl i opsætningen af svarskabelonerne.");
	assert_int_equal(c->nchanges, 3);
	assert_string_equal(c->changes[0].field, "cause");
	assert_null(c->changes[0].old_value);
	assert_string_equal(c->changes[1].field, "affected_count");
	assert_null(c->changes[1].old_value);
	assert_string_equal(c->changes[1].new_value, "45");
	assert_string_equal(c->changes[2].old_value, "45");
	assert_string_equal(c->changes[2].new_value, "47");
	assert_int_not_equal(c->changes[2].source_message, 0);
	store_case_free(&c);
}

/*
 * A reply-all to the original report ("SV:" with no case tag, In-Reply-To
 * naming the report): Viborg's acknowledgement of the case, not a new
 * report, even when its words would read as one.
 */
static void
test_reply_all_to_report(void **state)
{
	static const char reply[] =
		"From: dpo@viborg.dk\r\nTo: dpo@egekom.dk, borgerservice@aarhus.dk\r\n"
		"Subject: SV: Brud på persondatasikkerheden i MUNI\r\n"
		"Message-ID: <ra1@viborg.dk>\r\nIn-Reply-To: <rep1@egekom.dk>\r\n"
		"References: <rep1@egekom.dk>\r\n"
		"Date: Mon, 30 Nov 2026 11:00:00 +0100\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
		"Tak. Vi undersøger bruddet hos os og vender tilbage.\r\n";
	struct fx *fx = *state;
	struct ingest_result r;
	struct store_case *c = NULL;
	struct err e = { 0 };
	int64_t t0 = cph_days_from_civil(2026, 11, 30) * 86400 + 9 * 3600;

	ingest(fx, REPORT, 1, t0, &r);
	ingest(fx, reply, 2, t0 + 3600, &r);
	assert_false(r.case_opened);
	assert_string_equal(r.case_ref, REF);
	assert_true(r.acked);
	assert_int_equal(store_case_get(fx->st, REF, &c, &e), 1);
	assert_int_equal(party(c, "Viborg")->ack_at, t0 + 3600);
	store_case_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_all_to_report, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
