/* SPDX-License-Identifier: MIT */
/*
 * Tests for spool/outbound.c's queue: files and rows come and go together.
 * Fault injection (tests/test_outbound.wrap: --wrap=sqlite3_step and
 * --wrap=rename) fails every step of a queueing in turn: after each
 * failure there are neither files nor rows, after success both. A crash
 * between files and commit (files of a dead writer) is undone by
 * outbound_recover; an unreadable queue file goes to corrupt/, its row
 * fails and the system owner's notice is queued; a sent row's leftover
 * file is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "lib/xalloc.h"
#include "lib/atomicfile.h"
#include "spool/outbound.h"
#include <time.h>
#include <unistd.h>

/* ---- fault injection ---- */

static struct { int nth, calls; } fstep, fren;

int __real_sqlite3_step(sqlite3_stmt *st);
int __wrap_sqlite3_step(sqlite3_stmt *st);
int __real_rename(const char *a, const char *b);
int __wrap_rename(const char *a, const char *b);

int
__wrap_sqlite3_step(sqlite3_stmt *st)
{
	if (fstep.nth > 0 && ++fstep.calls == fstep.nth)
		return SQLITE_IOERR;
	return __real_sqlite3_step(st);
}

int
__wrap_rename(const char *a, const char *b)
{
	if (fren.nth > 0 && ++fren.calls == fren.nth) {
		errno = ENOSPC;
		return -1;
	}
	return __real_rename(a, b);
}

/* ---- fixture ---- */

struct fx {
	char *dir;
	struct settings *s;
	struct store *st;
	char ref[STORE_REF_MAX];
};

static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	struct store_message_in in = {
		.account = "a", .mailbox = "INBOX", .uidvalidity = 1, .uid = 1,
		.message_id = "<r@viborg.dk>", .kind = STORE_KIND_REPORT,
		.body_sha256 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		.received_at = 1790000000,
		.incident = { .origin = STORE_ORIGIN_MUNICIPALITY, .affected_count = -1,
			      .reported_to_authority = STORE_NULL },
	};
	struct store_ingest_result r;
	struct err e = { 0 };
	char *conf;

	memset(&fstep, 0, sizeof(fstep));
	memset(&fren, 0, sizeof(fren));
	fx->dir = xstrdup("/tmp/bv-outbound-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	conf = xasprintf(
		"accounts = ( { name = \"a\"; host = \"h\"; user = \"u\"; password_file = \"/p\"; } );\n"
		"smtp = { host = \"127.0.0.1\"; port = 1; tls = \"none\"; from = \"brudvagt@aarhus.dk\";"
		" message_id_domain = \"bv.aarhus.dk\"; };\n"
		"system_owner = { name = \"BS\"; emails = [ \"bs@aarhus.dk\", \"dpo@aarhus.dk\" ]; };\n"
		"supplier = { name = \"Deloitte\"; domains = [ \"deloitte.dk\" ]; emails = [ ]; };\n"
		"municipalities = ( { name = \"Viborg\"; domains = [ \"viborg.dk\" ]; contacts = ( ); } );\n"
		"store = { path = \"%s/bv.db\"; };\nspool = { path = \"%s/spool\"; };\n",
		fx->dir, fx->dir);
	if (settings_load_string(conf, "t.conf", &fx->s, &e) < 0 ||
	    store_open(fx->s->store_path, &fx->st, &e) < 0 ||
	    atomicfile_mkdirs(fx->dir, "spool", &e) < 0 ||
	    store_ingest(fx->st, &in, &r, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	free(conf);
	memcpy(fx->ref, r.case_ref, sizeof(fx->ref));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char *cmd = xasprintf("rm -rf '%s'", fx->dir);
	int rc;

	store_close(&fx->st);
	settings_free(&fx->s);
	rc = system(cmd);
	free(cmd);
	free(fx->dir);
	free(fx);
	return rc == 0 ? 0 : -1;
}

static size_t
count_files(const struct fx *fx, const char *sub)
{
	char *p = xasprintf("%s/spool/%s", fx->dir, sub);
	struct dirent *d;
	size_t n = 0;
	DIR *dp;

	if ((dp = opendir(p)) != NULL) {
		while ((d = readdir(dp)) != NULL)
			n += d->d_name[0] != '.';
		closedir(dp);
	}
	free(p);
	return n;
}

static size_t
count_rows(struct fx *fx)
{
	struct store_outbound *v = NULL;
	struct err e = { 0 };
	size_t n = 0;

	assert_int_equal(store_outbound_list(fx->st, STORE_OUT_LIST_QUEUED, 0, &v, &n, &e), 0);
	store_outbound_list_free(&v, n);
	return n;
}

static const struct outbound_mail MAILS[] = {
	{ .kind = "forward", .to = "dpo@viborg.dk", .subject = "Brud", .body = "Hej\n",
	  .in_reply_to = "<r@viborg.dk>" },
	{ .kind = "forward", .to = "sec@deloitte.dk", .subject = "Brud", .body = "Hej\n" },
};

static void
test_queue(void **state)
{
	struct fx *fx = *state;
	struct store_outbound *v = NULL;
	struct err e = { 0 };
	size_t n = 0;
	char *p, buf[4096];
	FILE *f;

	assert_int_equal(outbound_queue(fx->s, fx->st, fx->ref, MAILS, 2, NULL, 1790000100, &e), 0);
	assert_int_equal(count_files(fx, "outbound"), 2);
	assert_int_equal(store_outbound_list(fx->st, STORE_OUT_LIST_DUE, 1790000100, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].seq, 2);
	p = xasprintf("%s/spool/%s", fx->dir, v[0].queue_file);
	assert_non_null(f = fopen(p, "r"));
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	free(p);
	assert_int_equal(strncmp(buf, "brudvagt-outbound 1\nfrom brudvagt@aarhus.dk\nto dpo@viborg.dk\n\n", 62), 0);
	assert_non_null(strstr(buf, "\r\nSubject: [BV-"));
	assert_non_null(strstr(buf, "\r\nMessage-ID: <case-BV-"));
	assert_non_null(strstr(buf, ".1@bv.aarhus.dk>\r\n"));
	assert_non_null(strstr(buf, "\r\nX-Brudvagt-Mail: forward\r\n"));
	store_outbound_list_free(&v, n);
	{	/* the short form, for the deadline engine */
		const char *to[] = { "bs@aarhus.dk" };

		assert_int_equal(outbound_queue_to(fx->s, fx->st, fx->ref, "reminder", to, 1,
						   "Påmindelse", "Tekst\n", 1790000200, &e), 0);
		assert_int_equal(count_rows(fx), 3);
	}
}

/* Fail the nth sqlite3_step, then the nth rename, for every n. */
static void
test_fault_points(void **state)
{
	struct fx *fx = *state;
	struct err e = { 0 };
	int nth, rc, failures = 0;

	for (nth = 1; nth < 100; nth++) {
		memset(&fstep, 0, sizeof(fstep));
		fstep.nth = nth;
		rc = outbound_queue(fx->s, fx->st, fx->ref, MAILS, 2, NULL, 1790000100, &e);
		fstep.nth = 0;
		if (rc == 0)
			break;
		failures++;
		assert_int_equal(count_files(fx, "outbound"), 0);
		assert_int_equal(count_rows(fx), 0);
	}
	assert_true(failures >= 4);
	assert_int_equal(count_files(fx, "outbound"), 2);
	assert_int_equal(count_rows(fx), 2);
	for (nth = 1; nth < 10; nth++) {
		memset(&fren, 0, sizeof(fren));
		fren.nth = nth;
		rc = outbound_queue(fx->s, fx->st, fx->ref, MAILS, 2, NULL, 1790000100, &e);
		fren.nth = 0;
		if (rc == 0)
			break;
		assert_int_equal(e.code, 74);
		assert_int_equal(count_files(fx, "outbound"), 2);
		assert_int_equal(count_rows(fx), 2);
	}
	assert_int_equal(nth, 3);	/* one rename per file */
	assert_int_equal(count_files(fx, "outbound"), 4);
	assert_int_equal(count_rows(fx), 4);
}

static void
put(const struct fx *fx, const char *rel, const char *text)
{
	char *p = xasprintf("%s/spool/%s", fx->dir, rel);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

/* A crash between the files and the commit: the files of a dead writer go. */
static void
test_recover_orphans(void **state)
{
	struct fx *fx = *state;
	struct outbound_stats r = { 0 };
	struct err e = { 0 };
	char *live;

	assert_int_equal(outbound_queue(fx->s, fx->st, fx->ref, MAILS, 1, NULL, 1790000100, &e), 0);
	put(fx, "outbound/BV-2026-0001.7.999999999-0.msg", "brudvagt-outbound 1\n");
	live = xasprintf("outbound/BV-2026-0001.8.%ld-0.msg", (long)getppid());
	put(fx, live, "brudvagt-outbound 1\n");	/* its writer lives: kept */
	assert_int_equal(outbound_recover(fx->s, fx->st, time(NULL), &r, &e), 0);
	assert_int_equal(r.orphans, 1);
	assert_int_equal(count_files(fx, "outbound"), 2);
	assert_int_equal(count_rows(fx), 1);
	/* an hour later even a live writer's orphan goes */
	memset(&r, 0, sizeof(r));
	assert_int_equal(outbound_recover(fx->s, fx->st, time(NULL) + 2 * 3600, &r, &e), 0);
	assert_int_equal(r.orphans, 1);
	assert_int_equal(count_files(fx, "outbound"), 1);
	free(live);
}

/* An unreadable queue file: to corrupt/, its row failed, the owner told. */
static void
test_recover_corrupt(void **state)
{
	struct fx *fx = *state;
	struct outbound_stats r = { 0 };
	struct store_outbound *v = NULL, o;
	struct err e = { 0 };
	size_t n = 0;

	assert_int_equal(outbound_queue(fx->s, fx->st, fx->ref, MAILS, 2, NULL, 1790000100, &e), 0);
	assert_int_equal(store_outbound_list(fx->st, STORE_OUT_LIST_QUEUED, 0, &v, &n, &e), 0);
	put(fx, v[0].queue_file, "garbage\n");
	/* the second was sent, but its file stayed (a crash after the commit) */
	assert_int_equal(store_outbound_sent(fx->st, v[1].id, 1790000200, &e), 0);
	assert_int_equal(outbound_recover(fx->s, fx->st, 1790000300, &r, &e), 0);
	assert_int_equal(r.corrupt, 1);
	assert_int_equal(count_files(fx, "corrupt"), 1);
	assert_int_equal(store_outbound_by_file(fx->st, v[0].queue_file, &o, &e), 1);
	assert_int_equal(o.status, STORE_OUT_FAILED);
	assert_string_equal(o.last_error, "the queue file is unreadable");
	store_outbound_clear(&o);
	store_outbound_list_free(&v, n);
	/* left: the two delivery-failure notices to the system owner */
	assert_int_equal(store_outbound_list(fx->st, STORE_OUT_LIST_QUEUED, 0, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].kind, "delivery-failure");
	assert_string_equal(v[0].recipient, "bs@aarhus.dk");
	assert_int_equal(count_files(fx, "outbound"), 2);
	store_outbound_list_free(&v, n);
}

/* Nobody listens on port 1: deferred with backoff, then expired. */
static void
test_flush_unreachable(void **state)
{
	struct fx *fx = *state;
	struct outbound_stats r = { 0 };
	struct store_outbound *v = NULL;
	struct err e = { 0 };
	int64_t t = 1790000100;
	size_t n = 0;

	assert_int_equal(outbound_queue(fx->s, fx->st, fx->ref, MAILS, 1, NULL, t, &e), 0);
	assert_int_equal(outbound_flush(fx->s, fx->st, t, NULL, &r, &e), 0);
	assert_int_equal(r.retried, 1);
	assert_int_equal(store_outbound_list(fx->st, STORE_OUT_LIST_QUEUED, 0, &v, &n, &e), 0);
	assert_int_equal(v[0].next_try, t + 60);
	assert_non_null(strstr(v[0].last_error, "connect"));
	store_outbound_list_free(&v, n);
	memset(&r, 0, sizeof(r));
	assert_int_equal(outbound_flush(fx->s, fx->st, t + 49 * 3600, NULL, &r, &e), 0);
	assert_int_equal(r.failed, 1);
	assert_int_equal(store_outbound_list(fx->st, STORE_OUT_LIST_QUEUED, 0, &v, &n, &e), 0);
	assert_int_equal(n, 2);		/* the notices */
	assert_string_equal(v[0].kind, "delivery-failure");
	store_outbound_list_free(&v, n);
}

/* SIGTERM: outbound_flush sends and defers nothing more once stop is set. */
static void
test_flush_stop(void **state)
{
	struct fx *fx = *state;
	struct outbound_stats r = { 0 };
	struct store_outbound *v = NULL;
	volatile sig_atomic_t stop = 1;
	struct err e = { 0 };
	int64_t t = 1790000100;
	size_t n = 0;

	assert_int_equal(outbound_queue(fx->s, fx->st, fx->ref, MAILS, 1, NULL, t, &e), 0);
	assert_int_equal(outbound_flush(fx->s, fx->st, t, &stop, &r, &e), 0);
	assert_int_equal(r.sent + r.retried + r.failed, 0);
	assert_int_equal(store_outbound_list(fx->st, STORE_OUT_LIST_DUE, t, &v, &n, &e), 0);
	assert_int_equal(n, 1);		/* still due, untouched */
	store_outbound_list_free(&v, n);
	stop = 0;
	assert_int_equal(outbound_flush(fx->s, fx->st, t, &stop, &r, &e), 0);
	assert_int_equal(r.retried, 1);	/* nobody on port 1 */
}

/* A bounce quoting our Message-ID fails that mail, once. */
static void
test_bounce(void **state)
{
	struct fx *fx = *state;
	struct store_outbound *v = NULL, o;
	struct err e = { 0 };
	char *dsn;
	size_t n = 0;

	assert_int_equal(outbound_queue(fx->s, fx->st, fx->ref, MAILS, 2, NULL, 1790000100, &e), 0);
	assert_int_equal(store_outbound_list(fx->st, STORE_OUT_LIST_QUEUED, 0, &v, &n, &e), 0);
	assert_int_equal(store_outbound_sent(fx->st, v[1].id, 1790000200, &e), 0);
	store_outbound_list_free(&v, n);
	dsn = xasprintf("Final-Recipient: rfc822; sec@deloitte.dk\n\n"
			"Message-ID: <case-%s.1@elsewhere.dk>\n"
			"Message-ID: <case-%s.2@bv.aarhus.dk>\n", fx->ref, fx->ref);
	assert_int_equal(outbound_find_seq(fx->s, fx->ref, dsn, strlen(dsn)), 2);
	assert_int_equal(outbound_find_seq(fx->s, "BV-2026-0999", dsn, strlen(dsn)), 0);
	assert_int_equal(outbound_find_seq(fx->s, fx->ref, dsn, 40), 0);
	assert_int_equal(outbound_bounced(fx->s, fx->st, fx->ref, 2, "bounced: <b@x>", 1790000300, &e), 1);
	assert_int_equal(store_outbound_by_seq(fx->st, fx->ref, 2, &o, &e), 1);
	assert_int_equal(o.status, STORE_OUT_FAILED);
	assert_string_equal(o.last_error, "bounced: <b@x>");
	store_outbound_clear(&o);
	assert_int_equal(outbound_bounced(fx->s, fx->st, fx->ref, 2, "again", 1790000400, &e), 0);
	assert_int_equal(outbound_bounced(fx->s, fx->st, fx->ref, 9, "none", 1790000400, &e), 0);
	/* seq 1 still queued, and the two notices */
	assert_int_equal(count_rows(fx), 3);
	free(dsn);
}

/* outbound_qfile_parse: what the writer writes, and damage it refuses. */
static void
test_qfile_parse(void **state)
{
	static const struct {
		const char *file, *from, *to, *msg;
	} cases[] = {
		{ "brudvagt-outbound 1\nfrom a@b.dk\nto c@d.dk\n\nSubject: x\r\n\r\nhej\r\n",
		  "a@b.dk", "c@d.dk", "Subject: x\r\n\r\nhej\r\n" },
		/* a receipt to an odd reporter address: refused by the server, not here */
		{ "brudvagt-outbound 1\nfrom a@b.dk\nto a b@d<dk\n\nx", "a@b.dk", "a b@d<dk", "x" },
		{ "brudvagt-outbound 2\nfrom a@b.dk\nto c@d.dk\n\nx", NULL, NULL, NULL },
		{ "brudvagt-outbound 1\nfrom a@b.dk\nto c@d.dk\n\n", NULL, NULL, NULL },
		{ "brudvagt-outbound 1\nfrom a@b.dk\nto c@d.dk\n", NULL, NULL, NULL },
		{ "brudvagt-outbound 1\nfrom a@b.dk\nto c@d.dk\nx", NULL, NULL, NULL },
		{ "brudvagt-outbound 1\nfrom \nto c@d.dk\n\nx", NULL, NULL, NULL },
		{ "brudvagt-outbound 1\nto c@d.dk\nfrom a@b.dk\n\nx", NULL, NULL, NULL },
		{ "brudvagt-outbound 1\nfrom a@b.dk\nto c@d.dk\rRCPT TO:<e@f.dk\n\nx", NULL, NULL, NULL },
		{ "brudvagt-outbound 1\nfrom a@b.dk> NOTIFY=NEVER\nto c@d.dk\n\nx", NULL, NULL, NULL },
		{ "brudvagt-outbound 1\nfrom a@b.dk\tx\nto c@d.dk\n\nx", NULL, NULL, NULL },
		{ "brudvagt-outbound 1\nfrom a@b.dk", NULL, NULL, NULL },
		{ "brudvagt-outbound", NULL, NULL, NULL },
		{ "", NULL, NULL, NULL },
	};
	struct outbound_qfile q;
	struct err e;
	size_t i, n;
	char *data;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i].file);
		data = xmalloc(n + 1);
		memcpy(data, cases[i].file, n + 1);
		memset(&e, 0, sizeof(e));
		if (cases[i].from == NULL) {
			assert_int_equal(outbound_qfile_parse(data, n, &q, &e), -1);
			assert_int_equal(e.code, 65);
			assert_null(q.data);
			assert_null(q.to);
		} else {
			assert_int_equal(outbound_qfile_parse(data, n, &q, &e), 0);
			assert_ptr_equal(q.data, data);
			assert_string_equal(q.from, cases[i].from);
			assert_string_equal(q.to, cases[i].to);
			assert_int_equal(q.msg_len, strlen(cases[i].msg));
			assert_memory_equal(q.msg, cases[i].msg, q.msg_len);
		}
		free(data);
	}
}

static void
test_backoff(void **state)
{
	static const int64_t want[] = { 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(outbound_backoff((int)i), want[i]);
	assert_int_equal(outbound_backoff(1000), 3600);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_queue),
		T(test_fault_points),
		T(test_recover_orphans),
		T(test_recover_corrupt),
		T(test_flush_unreachable),
		T(test_flush_stop),
		T(test_bounce),
		cmocka_unit_test(test_qfile_parse),
		cmocka_unit_test(test_backoff),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
