/* SPDX-License-Identifier: MIT */
/*
 * itest_rawfetch — the reference clients of tests/bench/ingest.sh: what the
 * IMAP server gives a client that does nothing with it.
 *
 *	itest_rawfetch CONFIG ACCOUNT fetch
 *	itest_rawfetch CONFIG ACCOUNT idle
 *
 * fetch: connect, then imap_fetch_since(0) — the daemon's own fetch path
 * (UID FETCH of UID and RFC822.SIZE, then BODY.PEEK[] in batches) — with
 * a callback that does nothing; print
 * "messages=N bytes=B connect_ms=C fetch_ms=F rate=R" (R in messages/s,
 * over the fetch alone).
 *
 * idle: a bare IDLE client on the mailbox: print "ready", then IDLE again
 * and again until SIGTERM or SIGINT. Debug logging is on, so daemon/imap.c
 * logs "imap: ACCOUNT: IDLE news at=EPOCH_MS" on stderr the moment an
 * untagged EXISTS arrives — the same line, from the same code, as
 * brudvagtd -v. Also printed: "exists at=EPOCH_MS" when imap_idle_wait
 * returned with news (after the DONE/OK round trip).
 *
 * Exit status 69 on a failed connection or command, 64 on usage, else 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "conf/settings.h"
#include "daemon/imap.h"
#include "lib/log.h"

static volatile sig_atomic_t stop;

struct tally {
	unsigned long messages;
	unsigned long long bytes;
};

static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
count_batch(const struct imap_message *v, size_t n, void *ctx)
{
	struct tally *t = ctx;
	size_t i;

	for (i = 0; i < n; i++) {
		t->messages++;
		t->bytes += v[i].len;
	}
	return 0;
}

static int
do_fetch(const struct account *a)
{
	struct imap_conn *c = NULL;
	struct tally t = { 0 };
	struct err e = { 0 };
	long long t0 = ms_now(), t1, t2;
	int n;

	if (imap_connect(a, &c, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return EX_UNAVAILABLE;
	}
	t1 = ms_now();
	n = imap_fetch_since(c, 0, 64u << 20, count_batch, &t, &e);
	t2 = ms_now();
	imap_close(&c);
	if (n < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return EX_UNAVAILABLE;
	}
	printf("messages=%lu bytes=%llu connect_ms=%lld fetch_ms=%lld rate=%.0f\n",
	       t.messages, t.bytes, t1 - t0, t2 - t1,
	       t2 > t1 ? t.messages * 1000.0 / (double)(t2 - t1) : 0.0);
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
do_idle(const struct account *a)
{
	struct imap_conn *c = NULL;
	struct err e = { 0 };
	int r;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	log_set_verbose(true);
	if (imap_connect(a, &c, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return EX_UNAVAILABLE;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop && (r = imap_idle_wait(c, 60, &stop, &e)) >= 0) {
		if (r == 1) {
			printf("exists at=%lld\n", ms_now());
			fflush(stdout);
		}
	}
	imap_close(&c);
	if (!stop) {
		fprintf(stderr, "%s\n", e.msg);
		return EX_UNAVAILABLE;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct settings *s = NULL;
	const struct account *a = NULL;
	struct err e = { 0 };
	size_t i;
	int rc;

	if (argc != 4 || (strcmp(argv[3], "fetch") != 0 && strcmp(argv[3], "idle") != 0)) {
		fprintf(stderr, "usage: itest_rawfetch CONFIG ACCOUNT fetch|idle\n");
		return EX_USAGE;
	}
	log_init("itest_rawfetch", LOG_TO_STDERR);
	signal(SIGPIPE, SIG_IGN);
	if (settings_load_file(argv[1], &s, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return EX_CONFIG;
	}
	for (i = 0; i < s->naccounts; i++)
		if (strcmp(s->accounts[i].name, argv[2]) == 0)
			a = &s->accounts[i];
	if (a == NULL) {
		fprintf(stderr, "itest_rawfetch: no account %s\n", argv[2]);
		settings_free(&s);
		return EX_USAGE;
	}
	rc = strcmp(argv[3], "fetch") == 0 ? do_fetch(a) : do_idle(a);
	settings_free(&s);
	return rc;
}
