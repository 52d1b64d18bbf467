/* SPDX-License-Identifier: MIT */
/*
 * watch.c — the per-account mailbox watcher. Owns its IMAP connection and
 * its own store handle (SQLite connections are not shared between
 * threads). Called by daemon.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/imap.h"
#include "daemon/ingest.h"
#include "daemon/watch.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "spool/store.h"

#define EX_UNAVAILABLE	69
#define EX_IOERR	74

struct round {
	struct watch *w;
	struct imap_conn *c;
	struct store *st;
	uint32_t uidvalidity;
	int failed;		/* an ingest or mark failed: reconnect */
	int store_failed;	/* that was an ingest: a local fault */
	int remark_due;		/* new connection: re-mark the last commit */
	int caught_up;		/* this session drained the mailbox once */
};

/* Sleep ms, waking every 100 ms to look at the stop flag. */
static void
nap(const struct watch *w, uint32_t ms)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	while (ms > 0 && !*w->stop) {
		nanosleep(&ts, NULL);
		ms = ms > 100 ? ms - 100 : 0;
	}
}

/* For tests/bench/ingest.sh (-v): each UID's commit time, to the ms. */
static void
log_committed(const char *account, const uint32_t *uids, size_t n)
{
	struct timespec ts;
	long long at;
	size_t i;

	if (!log_is_verbose())
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	at = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	for (i = 0; i < n; i++)
		log_debug("watch: %s: uid=%u committed at=%lld", account, uids[i], at);
}

/*
 * One fetched batch: each message archived, analysed and recorded in one
 * ingest batch, committed together, then marked on the server together.
 * A message that cannot be recorded ends the batch there: those before it
 * are committed and marked, it and the rest are fetched again after the
 * reconnect. SIGTERM ends the batch after the message in hand.
 */
static int
on_batch(const struct imap_message *v, size_t n, void *ctx)
{
	struct round *r = ctx;
	const struct account *a = r->w->account;
	struct ingest_batch *b = NULL;
	struct ingest_result res;
	struct err e = { 0 };
	uint32_t *uids;
	size_t i, k = 0;
	int rc = 0;

	if (*r->w->stop)
		return -1;
	if (ingest_batch_begin(r->w->s, r->st, &b, &e) < 0) {
		log_err("watch: %s: %s", a->name, e.msg);
		r->failed = 1;
		r->store_failed = 1;
		return -1;
	}
	uids = xcalloc(n, sizeof(*uids));
	for (i = 0; i < n && !*r->w->stop; i++) {
		struct ingest_source src = { a->name, a->mailbox, r->uidvalidity,
					     v[i].uid, v[i].truncated };

		if (ingest_batch_add(b, &src, v[i].data, v[i].len,
				     (int64_t)time(NULL), &res, &e) < 0) {
			log_err("watch: %s: uid=%u not committed, will retry: %s",
				a->name, v[i].uid, e.msg);
			r->failed = 1;
			r->store_failed = 1;
			break;
		}
		uids[k++] = v[i].uid;
	}
	if (ingest_batch_end(&b, 0, &e) < 0) {
		log_err("watch: %s: %zu message(s) from uid=%u not committed, "
			"will retry: %s", a->name, k, v[0].uid, e.msg);
		r->failed = 1;
		r->store_failed = 1;
		k = 0;
	}
	r->w->ingested += k;
	log_committed(a->name, uids, k);
	/* Committed: only now may the server learn they were processed. */
	if (k > 0 && imap_mark_processed(r->c, uids, k, &e) < 0) {
		log_warn("%s", e.msg);
		r->failed = 1;
	}
	free(uids);
	if (r->failed || k < n)
		rc = -1;
	return rc;
}

/* Where to fetch from: the stored position, reset on a UIDVALIDITY change
 * (the store then recognises known messages by Message-ID). */
static int
position(struct round *r, uint32_t *last_r)
{
	const struct account *a = r->w->account;
	const struct imap_mailbox_info *info = imap_mailbox(r->c);
	struct store_mailbox mb;
	struct err e = { 0 };
	int found = store_mailbox_get(r->st, a->name, a->mailbox, &mb, &e);

	r->uidvalidity = info->uidvalidity;
	if (found < 0) {
		log_err("watch: %s: %s", a->name, e.msg);
		return -1;
	}
	if (found && mb.uidvalidity == info->uidvalidity) {
		*last_r = mb.last_uid;
		return 0;
	}
	if (found)
		log_warn("watch: %s: UIDVALIDITY of %s changed from %u to %u: re-reading "
			 "the mailbox; messages already stored are recognised by Message-ID",
			 a->name, a->mailbox, mb.uidvalidity, info->uidvalidity);
	if (store_mailbox_set(r->st, a->name, a->mailbox, info->uidvalidity, 0,
			      (int64_t)time(NULL), &e) < 0) {
		log_err("watch: %s: %s", a->name, e.msg);
		return -1;
	}
	*last_r = 0;
	return 0;
}

/*
 * A crash (or a failed command) between a batch's commit and its marking
 * leaves committed messages unmarked, which no fetch brings back: once per
 * connection, mark (or move) every message up to the stored position that
 * still lacks it. Marking is idempotent.
 */
static int
remark_committed(struct round *r, uint32_t last)
{
	struct err e = { 0 };

	r->remark_due = 0;
	if (imap_mark_committed(r->c, last, &e) == 0)
		return 0;
	log_warn("%s", e.msg);
	return -1;
}

/* Fetch and commit everything new. Returns 0, or -1: reconnect. */
static int
drain(struct round *r)
{
	struct err e = { 0 };
	uint32_t last;
	int n;

	if (position(r, &last) < 0)
		return -1;
	if (r->remark_due && remark_committed(r, last) < 0)
		return -1;
	n = imap_fetch_since(r->c, last, r->w->s->limits.max_message_bytes,
			     on_batch, r, &e);
	if (n < 0 && !*r->w->stop && !r->failed)
		log_warn("%s", e.msg);
	return n < 0 && !*r->w->stop ? -1 : 0;
}

/* One connection's life: catch up, then wait for mail until it breaks. */
static int
session(struct round *r)
{
	const struct account *a = r->w->account;
	struct err e = { 0 };
	int rc, wait;

	r->remark_due = 1;
	for (;;) {
		r->failed = 0;
		if (drain(r) < 0)
			return -1;
		r->caught_up = 1;
		if (r->w->once || *r->w->stop)
			return 0;
		wait = imap_mailbox(r->c)->has_idle ? IMAP_IDLE_MAX_SECONDS : a->poll_seconds;
		rc = imap_idle_wait(r->c, wait, r->w->stop, &e);
		if (rc < 0) {
			log_warn("%s", e.msg);
			return -1;
		}
	}
}

void *
watch_main(void *arg)
{
	struct watch *w = arg;
	const struct account *a = w->account;
	struct round r = { .w = w };
	struct err e = { 0 };
	uint32_t backoff = 0;
	unsigned long before;

	if (store_open(w->s->store_path, &r.st, &e) < 0) {
		log_err("watch: %s: %s", a->name, e.msg);
		w->status = EX_IOERR;
		w->done = 1;
		return NULL;
	}
	while (!*w->stop) {
		if (imap_connect(a, &r.c, &e) < 0) {
			log_err("%s", e.msg);
			if (w->once) {
				w->status = EX_UNAVAILABLE;
				break;
			}
		} else {
			if (!w->connected)
				log_info("watch: %s: connected to %s:%d, watching %s%s%s",
					 a->name, a->host, a->port, a->mailbox,
					 a->processed_mailbox ? ", moving processed mail to " : "",
					 a->processed_mailbox ? a->processed_mailbox : "");
			w->connected = 1;
			before = w->ingested;
			r.caught_up = r.store_failed = 0;
			if (session(&r) == 0 && w->once) {
				imap_close(&r.c);
				break;
			}
			imap_close(&r.c);
			if (w->once) {	/* a stop is not a failure */
				if (!*w->stop)
					w->status = r.store_failed ? EX_IOERR : EX_UNAVAILABLE;
				break;
			}
			/* Start the backoff over only after a session that got
			 * somewhere; one that fails again and again (a full disk,
			 * a server that hangs mid-FETCH) waits longer each time. */
			if (r.caught_up || w->ingested != before)
				backoff = 0;
		}
		backoff = imap_backoff_next(backoff, (uint32_t)random());
		log_info("watch: %s: reconnecting in %u ms", a->name, backoff);
		nap(w, backoff);
	}
	imap_close(&r.c);
	store_close(&r.st);
	w->done = 1;
	return NULL;
}

int
watch_start(struct watch *w)
{
	return pthread_create(&w->thread, NULL, watch_main, w) == 0 ? 0 : -1;
}
